"""Parsing the Key Vault slice of a file (kvlint.lint.sources.slicing) finds exactly what
parsing the whole file finds: the same findings, positions, messages and fixes, on every
example (alone and as project trees), and on kvlint's own source (``--no-slice`` is the
comparison; ``benchmarks/slice_check.py`` compares the benchmark corpora). And the slice keeps lines and columns, blanks what cannot
matter, and a file where nothing can matter never imports libcst."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kvlint.cli import main
from kvlint.config import Settings
from kvlint.lint.discovery import Target
from kvlint.lint.project import ProjectOptions
from kvlint.lint.runner import Runner
from kvlint.lint.sources import python as python_source
from kvlint.lint.sources.slicing import SEED_WORDS, scan, slice_module

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "rules" / "examples"
PROJECTS = sorted(p.parent for p in EXAMPLES.glob("*/pyproject.toml"))


def _findings(files: list[Path], root: Path, slicing: str) -> list[tuple]:
    runner = Runner(Settings(root=root), project=ProjectOptions(slicing=slicing))
    targets = [Target(p, str(p), p.relative_to(root).as_posix()) for p in files]
    out = runner.run(targets).findings
    return sorted(
        (f.path, f.line, f.column, f.end_line, f.end_column, f.code, f.message, str(f.fix))
        for f in out
    )


def _same(files: list[Path], root: Path) -> None:
    sliced, whole = _findings(files, root, "always"), _findings(files, root, "never")
    assert sliced == whole, (
        f"only sliced: {sorted(set(sliced) - set(whole))[:5]}; "
        f"only whole: {sorted(set(whole) - set(sliced))[:5]}"
    )


def test_examples_alone_sliced_and_whole_are_the_same():
    files = sorted(
        p
        for p in EXAMPLES.rglob("*")
        if p.suffix in (".py", ".ipynb") and not any(project in p.parents for project in PROJECTS)
    )
    assert len(files) > 50
    _same(files, EXAMPLES)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_project_examples_sliced_and_whole_are_the_same(project):
    _same(sorted(project.rglob("*.py")), project)


@pytest.mark.slow
def test_kvlint_source_and_tests_sliced_and_whole_are_the_same():
    files = sorted((ROOT / "kvlint").rglob("*.py")) + sorted((ROOT / "tests").rglob("*.py"))
    _same(files, ROOT)


# -- the slice itself -----------------------------------------------------------------------------
def _slice(source: str):
    text = textwrap.dedent(source)
    seen = scan(text, SEED_WORDS)
    return text, (slice_module(text, ast.parse(text), seen) if seen is not None else None)


def test_a_slice_keeps_lines_and_columns_and_blanks_the_rest():
    text, sliced = _slice(
        """\
        import json
        from azure.keyvault.secrets import SecretClient

        def unrelated(data):
            return json.dumps(data, indent=2)

        class Report:
            title = "x"

            def render(self):
                return self.title.upper()

        def read(client: SecretClient, name):
            return client.get_secret(name).value
        """
    )
    assert sliced is not None and not sliced.empty
    before, after = text.splitlines(), sliced.text.splitlines()
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        assert new in (old, ""), (old, new)  # kept as it was, or blanked
    assert "def read(client: SecretClient, name):" in after
    assert "json.dumps" not in sliced.text and "class Report" not in sliced.text
    assert "import json" in sliced.text  # imports stay
    ast.parse(sliced.text)


def test_a_kept_class_keeps_its_constructor_and_what_its_methods_touch():
    _, sliced = _slice(
        """\
        from azure.identity import DefaultAzureCredential

        class Service:
            timeout = 5

            def __init__(self):
                self.session = make_session()

            def login(self):
                self.session.headers["Authorization"] = "Bearer " + self.token()

            def token(self):
                return DefaultAzureCredential().get_token("https://vault.azure.net/.default").token

            def describe(self):
                return "a service"

        def make_session():
            return object()
        """
    )
    assert sliced is not None
    kept = sliced.text
    for needle in ("timeout = 5", "def __init__", "def login", "def token", "def make_session"):
        assert needle in kept, needle
    assert "def describe" not in kept
    ast.parse(kept)


def test_a_module_level_change_of_a_used_value_is_kept():
    """``auth_headers["Authorization"] = ...`` changes what the request sends."""
    _, sliced = _slice(
        """\
        import requests

        auth_headers = {"Accept": "application/json"}
        auth_headers["Authorization"] = "Bearer x"
        unrelated = [1, 2, 3]
        requests.get("https://contoso.vault.azure.net/secrets/db", headers=auth_headers)
        """
    )
    assert sliced is not None
    assert 'auth_headers["Authorization"]' in sliced.text
    assert "unrelated" not in sliced.text


def test_a_class_left_with_no_member_gets_a_pass():
    _, sliced = _slice(
        """\
        from azure.keyvault.secrets import SecretClient

        class Wrapper(SecretClient):
            def unrelated(self):
                return 1
        """
    )
    assert sliced is not None
    # a class built on a Key Vault type keeps every member (its methods are the client's)
    assert "def unrelated" in sliced.text
    _, sliced = _slice(
        """\
        from azure.keyvault.secrets import SecretClient

        class Holder:
            def unrelated(self):
                return 1

        CLIENT = SecretClient("https://x.vault.azure.net", object())
        HOLDER = Holder()
        print(HOLDER, CLIENT)
        """
    )
    assert sliced is not None
    lines = sliced.text.splitlines()
    assert "class Holder:" in lines and "    pass" in lines
    ast.parse(sliced.text)


def test_docstrings_and_identifiers_are_no_seeds():
    """A docstring that shows a vault URL, a variable named ``vault_url``: nothing to read."""
    _, sliced = _slice(
        '''\
        """Reads https://contoso.vault.azure.net for you."""

        def join(vault_url, name):
            """Builds https://x.vault.azure.net/secrets/name."""
            return vault_url + "/" + name
        '''
    )
    assert sliced is not None and sliced.empty


def test_star_imports_and_unparsable_code_are_not_sliced():
    assert _slice("from helpers import *\nx = 1\n")[1] is None
    broken = "import msal\ndef broken(:\n    pass\n"
    assert python_source.slice_source(broken) is None  # parsed whole: KV000 says why
    # no statement can matter, whatever the syntax: not parsed, as the prefilter skips a file
    nothing = python_source.slice_source("def broken(:\n    pass  # get_secret\n")
    assert nothing is not None and nothing.empty


# -- nothing can matter: no libcst --------------------------------------------------------------
def test_a_file_where_nothing_can_matter_is_checked_without_libcst(tmp_path):
    """The prefilter matches (``keyvault`` in a name), its text proves nothing can fire."""
    target = tmp_path / "notes.py"
    target.write_text('KEYVAULT_NAMING = "kv-{env}"\n\nCACHE = {}\n', encoding="utf-8")
    code = (
        "import sys\n"
        "from kvlint.cli import main\n"
        f"code = main(['check', '--no-cache', '-q', {str(target)!r}])\n"
        "print(code, 'libcst' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.split() == ["0", "False"], done.stdout + done.stderr


def test_unused_suppressions_are_still_reported_without_a_parse(tmp_path, capsys):
    target = tmp_path / "notes.py"
    target.write_text("CACHE = {}  # noqa: KV304 msal\n", encoding="utf-8")
    code = main(
        ["check", "--no-cache", "--extend-select", "KV100", "--format", "json", str(target)]
    )
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["KV100"]


# -- the project: an imported module's change reaches a cached result ------------------------------
def test_a_cached_result_is_checked_again_when_an_imported_module_starts_to_matter(
    tmp_path, capsys
):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (tmp_path / "settings.py").write_text("def get_value(name):\n    return name\n", "utf-8")
    route = tmp_path / "views.py"
    route.write_text(
        "from flask import Flask\n"
        "from settings import get_value\n\n"
        "app = Flask(__name__)\n\n\n"
        '@app.route("/")\n'
        "def index():\n"
        '    return get_value("db")  # msal\n',
        encoding="utf-8",
    )
    args = ["check", "--format", "json", "--cache-dir", str(tmp_path / ".cache"), str(tmp_path)]
    assert main(args) == 0
    capsys.readouterr()
    (tmp_path / "settings.py").write_text(
        "from azure.identity import DefaultAzureCredential\n"
        "from azure.keyvault.secrets import SecretClient\n\n\n"
        "def get_value(name):\n"
        '    client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())\n'
        "    return client.get_secret(name).value\n",
        encoding="utf-8",
    )
    main(args)
    found = {(Path(f["path"]).name, f["code"]) for f in json.loads(capsys.readouterr().out)}
    assert ("views.py", "KV305") in found or ("settings.py", "KV305") in found, found


def test_a_large_module_with_one_key_vault_function_is_cut_to_it():
    """The shape that pays (a Django admin module with one reader added): its ``object_id``
    dict keys, keyword arguments and imports used everywhere keep nothing else."""
    view = textwrap.dedent(
        """\
        class View{n}(ModelAdmin):
            def change_view(self, request, object_id, extra_context=None):
                context = {{"object_id": object_id, "title": "Change"}}
                messages.info(request, "changed", extra_tags="x{n}")
                self.opts = models.Options(verbose_name="v{n}")
                return render(request, "t.html", context)

        """
    )
    head = "from django.contrib import messages\nfrom django.db import models\n\n\n"
    reader = textwrap.dedent(
        """\
        from azure.identity import DefaultAzureCredential
        from azure.keyvault.secrets import SecretClient


        def admin_secret(name):
            client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())
            return client.get_secret(name).value
        """
    )
    text = head + "".join(view.format(n=n) for n in range(60)) + reader
    sliced = python_source.slice_source(text, mode="auto")
    assert sliced is not None and not sliced.empty
    kept = [line for line in sliced.text.splitlines() if line.strip()]
    assert len(text.splitlines()) > 400 and len(kept) < 15, kept
    assert "def admin_secret(name):" in kept
    ast.parse(sliced.text)
