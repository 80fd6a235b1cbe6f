"""How often code runs and where values go, across a project: the consumers of project-wide
findings (--add-noqa, the cache, --fix) and the frequency model's chains."""

from __future__ import annotations

import shutil
from pathlib import Path

from kvlint.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "rules" / "examples"


def copy_example(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def test_add_noqa_marks_the_findings_of_the_project_passes(tmp_path, capsys):
    root = copy_example("project_accessor", tmp_path)
    assert main(["check", str(root), "--no-cache", "--output-format", "json"]) == 1
    assert "KV305" in capsys.readouterr().out  # a finding the project passes make
    assert main(["check", str(root), "--no-cache", "--add-noqa"]) == 0
    capsys.readouterr()
    assert main(["check", str(root), "--no-cache"]) == 0, capsys.readouterr().out
    text = (root / "shop" / "vault.py").read_text(encoding="utf-8")
    assert "# noqa: KV305" in text


def _codes(capsys) -> list[tuple[str, int, str]]:
    import json

    out = json.loads(capsys.readouterr().out)
    return sorted((Path(f["path"]).name, f["line"], f["code"]) for f in out)


def test_a_copied_tree_keeps_its_project_wide_findings_from_the_cache(tmp_path, capsys):
    app = copy_example("project_accessor", tmp_path / "one")
    with (app / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.kvlint]\n")  # paths relative to this project's root
    cache = str(tmp_path / "cache")
    main(["check", str(app), "--no-cache", "--output-format", "json"])
    want = _codes(capsys)
    assert any(code == "KV305" for _, _, code in want)
    main(["check", str(app), "--cache-dir", cache, "--output-format", "json"])
    assert _codes(capsys) == want
    copy = tmp_path / "two" / "project_accessor"
    shutil.copytree(app, copy)
    shutil.rmtree(app)  # what the cache said of the first tree must not point at it
    main(["check", str(copy), "--cache-dir", cache, "--output-format", "json"])
    assert _codes(capsys) == want


def test_clean_removes_the_cache_and_only_a_kvlint_cache(tmp_path, capsys):
    app = copy_example("project_accessor", tmp_path)
    main(["check", str(app), "--output-format", "json"])
    capsys.readouterr()
    cache = app / ".kvlint_cache"
    assert (cache / "v1").is_dir()
    assert main(["clean", str(app)]) == 0
    assert not cache.exists()
    assert main(["clean", str(app)]) == 0  # nothing to remove: fine
    other = tmp_path / "not-a-cache"
    (other / "v1").mkdir(parents=True)
    assert main(["clean", "--cache-dir", str(other)]) == 2
    assert (other / "v1").is_dir()


def _tree(root: Path, files: dict[str, str]) -> Path:
    import textwrap

    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


ACCESSOR = """\
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://fn.vault.azure.net", DefaultAzureCredential())


def read(name):
    return client.get_secret(name).value
"""


def test_a_functions_app_in_a_subfolder_of_a_repository_resolves_its_imports(tmp_path, capsys):
    # .git at the top, the app (host.json) two folders down: Python runs it from its folder
    _tree(
        tmp_path,
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "apps/orders/host.json": "{}\n",
            "apps/orders/shared_code/__init__.py": "",
            "apps/orders/shared_code/vault.py": ACCESSOR,
            "apps/orders/HttpOrders/__init__.py": """\
                import azure.functions as func

                from shared_code.vault import read


                def main(req: func.HttpRequest) -> func.HttpResponse:
                    return func.HttpResponse(str(len(read("orders-key"))))
            """,
        },
    )
    main(["check", str(tmp_path), "--no-cache", "--output-format", "json"])
    assert ("vault.py", 8, "KV305") in _codes(capsys)


def test_package_dir_in_pyproject_is_a_search_root(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.setuptools.package-dir]\n"" = "lib"\n',
            "lib/shop/__init__.py": "",
            "lib/shop/vault.py": ACCESSOR,
            "web/app.py": """\
                from flask import Flask

                from shop.vault import read

                app = Flask(__name__)


                @app.route("/")
                def index():
                    return {"ok": bool(read("k"))}
            """,
        },
    )
    main(["check", str(tmp_path), "--no-cache", "--output-format", "json"])
    assert ("vault.py", 8, "KV305") in _codes(capsys)


def test_a_run_over_only_the_changed_accessor_finds_the_route_that_calls_it(tmp_path, capsys):
    """pre-commit passes the changed files only: the unchanged route that calls the accessor
    is looked up (its own findings are not reported: it is not in the run)."""
    app = copy_example("project_accessor", tmp_path)
    vault = app / "shop" / "vault.py"
    main(["check", str(vault), "--no-cache", "--force-exclude", "--output-format", "json"])
    found = _codes(capsys)
    assert ("vault.py", 20, "KV305") in found and ("vault.py", 24, "KV306") in found
    assert {name for name, _, _ in found} == {"vault.py"}
    main(["check", str(vault), "--no-cache", "--no-project", "--output-format", "json"])
    assert not any(code == "KV305" for _, _, code in _codes(capsys))


def test_a_managed_identity_token_through_a_rest_wrapper_in_another_module(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/rest.py": """\
                import requests


                def get_json(url, headers=None):
                    return requests.get(url, headers=headers, timeout=10).json()
            """,
            "app/token.py": """\
                from app.rest import get_json

                IMDS = "http://169.254.169.254/metadata/identity/oauth2/token?resource=x"


                def token():
                    return get_json(IMDS, {"Metadata": "true"})["access_token"]


                def weather():
                    return get_json("https://api.example.com/weather")
            """,
        },
    )
    main(["check", str(tmp_path), "--no-cache", "--output-format", "json"])
    assert _codes(capsys) == [("token.py", 7, "KV107")]


def test_a_skipped_module_is_linted_only_for_names_that_tell_it_something(tmp_path, capsys):
    """The importers pass asks the summaries: a module that imports from a Key Vault module
    only a name whose records say nothing a rule could report (a formatter, a class whose
    methods do nothing with Key Vault) is not parsed; one importing the reader is, and so is
    the module that imports it in turn (a route -> a service -> the accessor)."""
    _tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "shop/__init__.py": "",
            "shop/vault.py": ACCESSOR
            + """

def read_key(name):
    return client.get_secret(name).value


def label(name):
    return name.title()


class Pager:
    def __init__(self, size):
        self.size = size

    def pages(self, items):
        return [items[i : i + self.size] for i in range(0, len(items), self.size)]
""",
            "shop/views.py": """\
                from shop.vault import Pager, label


                def show(names):
                    return [label(n) for n in Pager(10).pages(names)[0]]
            """,
            "shop/service.py": """\
                from shop.vault import read, read_key


                def db_password():
                    return read("db")


                class Settings:
                    def api_key(self):
                        return read_key("api")
            """,
            "shop/api.py": """\
                from fastapi import FastAPI

                from shop.service import Settings

                app = FastAPI()


                @app.get("/key")
                def key():
                    return {"ok": bool(Settings().api_key())}
            """,
            "shop/routes.py": """\
                from flask import Flask

                from shop.service import db_password

                app = Flask(__name__)


                @app.route("/")
                def index():
                    return {"ok": bool(db_password())}
            """,
        },
    )
    assert main(["check", str(tmp_path), "--no-cache", "-v", "--output-format", "json"]) == 1
    captured = capsys.readouterr()
    # vault.py, service.py, routes.py and api.py (through a class of the service, whose
    # methods are known from the outline alone): not views.py
    assert " 4 parsed" in captured.err
    import json

    found = sorted((Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(captured.out))
    assert ("vault.py", 8, "KV305") in found
    assert ("vault.py", 12, "KV305") in found  # the route -> Settings().api_key() -> read_key()


def test_a_functions_v1_app_is_one_package_from_its_host_json_folder(tmp_path, capsys):
    """Functions v1 names each function's package from the app's folder (``host.json``), so
    ``from ..shared_code import vault`` in ``Orders/__init__.py`` reaches ``shared_code`` (a
    folder without ``__init__.py``), whole tree and when only the accessor is linted
    (pre-commit), with ``.git`` further up."""
    _tree(
        tmp_path,
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "apps/shop/host.json": "{}\n",
            "apps/shop/shared_code/vault.py": ACCESSOR,
            "apps/shop/Orders/__init__.py": """\
                import azure.functions as func

                from ..shared_code import vault


                def main(req: func.HttpRequest) -> func.HttpResponse:
                    return func.HttpResponse(str(len(vault.read("orders-key"))))
            """,
        },
    )
    app = tmp_path / "apps" / "shop"
    main(["check", str(app), "--no-cache", "--output-format", "json"])
    assert ("vault.py", 8, "KV305") in _codes(capsys)
    accessor = app / "shared_code" / "vault.py"
    main(["check", str(accessor), "--no-cache", "--output-format", "json"])
    assert ("vault.py", 8, "KV305") in _codes(capsys)


def test_a_file_linted_alone_under_no_project_marker_finds_imports_from_the_working_folder(
    tmp_path, capsys, monkeypatch
):
    """A copied tree (no .git, no pyproject): ``uvicorn src.main:app`` runs from the folder
    above ``src``; linting one service file from there resolves ``src.clients`` (never a
    folder above the working one)."""
    _tree(
        tmp_path,
        {
            "backend/src/clients/kv.py": ACCESSOR,
            "backend/src/services/sync.py": """\
                from src.clients.kv import read


                def sync(names):
                    return [read(name) for name in names]
            """,
        },
    )
    monkeypatch.chdir(tmp_path)
    main(["check", "backend/src/services/sync.py", "--no-cache", "--output-format", "json"])
    assert ("sync.py", 5, "KV304") in _codes(capsys)
    monkeypatch.chdir(tmp_path / "backend" / "src" / "services")  # src is above: not searched
    main(["check", "sync.py", "--no-cache", "--output-format", "json"])
    assert _codes(capsys) == []
