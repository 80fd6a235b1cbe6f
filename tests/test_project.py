"""Project-wide analysis, the generic part: module map, resolution, summaries and their cache.

Every test builds a small package in a temporary folder and resolves names as a linted module
would see them (``ModuleView.symbol`` with the import-resolved name the semantic layer makes).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from kvlint.lint.engine import summarise_slice
from kvlint.lint.project.modules import ModuleMap
from kvlint.lint.project.outline import outline
from kvlint.lint.project.resolver import MISSING, Project
from kvlint.lint.project.store import FOLDER, MAX_COMPUTED, NONE, SummaryStore
from kvlint.lint.project.summary import HttpUse, Symbol
from kvlint.lint.sources.python import worth_summarising

VAULT = "https://contoso.vault.azure.net"


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


class Counting:
    """The real summariser, counting what it parses (module file and name)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.slices: list[str] = []

    def __call__(self, text: str, name: str, path: str) -> Symbol | None:
        self.paths.append(Path(path).name)
        self.slices.append(text)
        return summarise_slice(text, name, path)


def project(root: Path, cache: Path | None = None, summarise=None) -> Project:
    return Project(
        summarise or summarise_slice, cache, "test", fallback_root=root, worth=worth_summarising
    )


def value_of(root: Path, importer: str, qualname: str, cache: Path | None = None):
    symbol = project(root, cache).view(root / importer).symbol(qualname)
    return symbol.value if symbol is not None else None


def test_absolute_import_from_the_project_root(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/settings.py": f'VAULT_URL = "{VAULT}"\n',
            "app/views.py": "from app.settings import VAULT_URL\n",
        },
    )
    assert value_of(tmp_path, "app/views.py", "app.settings.VAULT_URL") == VAULT
    # ``import app.settings`` then ``app.settings.VAULT_URL``: the same name
    assert value_of(tmp_path, "app/views.py", "app.settings.VAULT_URL") == VAULT


def test_src_layout(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "src/pkg/__init__.py": "",
            "src/pkg/config.py": f'URL = f"{VAULT}/secrets/x"\n',
            "src/pkg/main.py": "",
            "tests/test_main.py": "",
        },
    )
    assert value_of(tmp_path, "src/pkg/main.py", "pkg.config.URL") == f"{VAULT}/secrets/x"
    assert value_of(tmp_path, "tests/test_main.py", "pkg.config.URL") == f"{VAULT}/secrets/x"
    assert project(tmp_path).modules.module_of(tmp_path / "src/pkg/main.py").name == "pkg.main"


def test_relative_imports(tmp_path):
    tree(
        tmp_path,
        {
            "setup.cfg": "",
            "pkg/__init__.py": "",
            "pkg/settings.py": f'SCOPE = "{VAULT}/.default"\n',
            "pkg/sub/__init__.py": "from .. import settings\n",
            "pkg/sub/views.py": "",
        },
    )
    assert value_of(tmp_path, "pkg/sub/views.py", "..settings.SCOPE") == f"{VAULT}/.default"
    # ``from . import settings`` in a package's __init__ is relative to the package itself
    assert value_of(tmp_path, "pkg/sub/__init__.py", "..settings.SCOPE") == f"{VAULT}/.default"
    # ``from ...x`` beyond the top-level package is refused, as Python refuses it
    assert value_of(tmp_path, "pkg/sub/views.py", "....settings.SCOPE") is None


def test_package_reexports_and_star_with_all(tmp_path):
    tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "pkg/__init__.py": "from .config import *\nfrom .urls import VAULT as KV\n",
            "pkg/config.py": f"""
                __all__ = ["PUBLIC"]
                PUBLIC = "{VAULT}"
                HIDDEN = "{VAULT}/hidden"
                """,
            "pkg/urls.py": f'VAULT = "{VAULT}/urls"\n',
            "main.py": "",
        },
    )
    assert value_of(tmp_path, "main.py", "pkg.PUBLIC") == VAULT
    assert value_of(tmp_path, "main.py", "pkg.HIDDEN") is None  # not in __all__
    assert value_of(tmp_path, "main.py", "pkg.KV") == f"{VAULT}/urls"
    assert value_of(tmp_path, "main.py", "pkg.config.HIDDEN") == f"{VAULT}/hidden"


def test_star_without_all_exports_public_names_only(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "from .config import *\n",
            "pkg/config.py": f'URL = "{VAULT}"\n_PRIVATE = "{VAULT}/p"\n',
        },
    )
    assert value_of(tmp_path, "pkg/__init__.py", "pkg.URL") == VAULT
    assert value_of(tmp_path, "pkg/__init__.py", "pkg._PRIVATE") is None


def test_cycle_is_unknown_not_a_hang(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "a.py": "from b import X\nfrom b import *\n",
            "b.py": "from a import X\nfrom a import *\n",
            "c.py": "",
        },
    )
    assert value_of(tmp_path, "c.py", "a.X") is None
    assert value_of(tmp_path, "c.py", "a.Y") is None


def test_deep_chain_is_bounded(tmp_path):
    files = {"pyproject.toml": "", "m0.py": f'X = "{VAULT}"\n', "main.py": ""}
    for i in range(1, 30):
        files[f"m{i}.py"] = f"from m{i - 1} import X\n"
    tree(tmp_path, files)
    assert value_of(tmp_path, "main.py", "m5.X") == VAULT  # a short chain resolves
    assert value_of(tmp_path, "main.py", "m29.X") is None  # a very long one stops: unknown


def test_missing_and_third_party_modules_are_unknown_and_never_read(tmp_path):
    summarise = Counting()
    tree(tmp_path, {"pyproject.toml": "", "main.py": "import requests\n"})
    view = project(tmp_path, summarise=summarise).view(tmp_path / "main.py")
    assert view.symbol("requests.get") is None
    assert view.symbol("azure.keyvault.secrets.SecretClient") is None
    assert view.symbol("os.environ") is None
    assert summarise.paths == []
    assert view.used["requests"] == MISSING


def test_stdlib_name_is_not_taken_from_the_script_folder(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/secrets.py": f'URL = "{VAULT}"\n',  # shadows the stdlib only when run as a script
            "app/helpers.py": f'URL = "{VAULT}/helpers"\n',
            "app/main.py": "",
        },
    )
    assert value_of(tmp_path, "app/main.py", "secrets.URL") is None
    # a non-stdlib name next to the script is what ``python app/main.py`` imports
    assert value_of(tmp_path, "app/main.py", "helpers.URL") == f"{VAULT}/helpers"
    # from the root, ``app.secrets`` is unambiguous
    assert value_of(tmp_path, "app/main.py", "app.secrets.URL") == VAULT


def test_syntax_error_in_an_imported_module_makes_its_names_unknown(tmp_path):
    tree(
        tmp_path,
        {"pyproject.toml": "", "bad.py": f'URL = "{VAULT}"\ndef (:\n', "main.py": ""},
    )
    view = project(tmp_path).view(tmp_path / "main.py")
    assert view.symbol("bad.URL") is None
    assert view.used["bad:URL"] == NONE  # a fixed file changes that: its importers re-checked


def test_undecodable_and_binary_modules_are_unknown(tmp_path):
    tree(tmp_path, {"pyproject.toml": "", "main.py": ""})
    (tmp_path / "latin.py").write_bytes(b'URL = "caf\xe9"\n')
    (tmp_path / "nul.py").write_bytes(b"URL = 1\x00\n")
    view = project(tmp_path).view(tmp_path / "main.py")
    assert view.symbol("latin.URL") is None
    assert view.symbol("nul.URL") is None


def test_environment_defaults_and_aliases_cross(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "settings.py": f"""
                import os
                VAULT_URL = os.environ.get("VAULT_URL", "{VAULT}")
                NAME = os.environ["VAULT_NAME"]
                BUILT = f"https://{{NAME}}.vault.azure.net"
                """,
            "config.py": "from settings import VAULT_URL\nURL = VAULT_URL\n",
            "main.py": "",
        },
    )
    assert value_of(tmp_path, "main.py", "settings.VAULT_URL") == VAULT
    assert value_of(tmp_path, "main.py", "config.URL") == VAULT  # alias of an alias
    assert value_of(tmp_path, "main.py", "settings.BUILT") == "https://\x00.vault.azure.net"
    assert value_of(tmp_path, "main.py", "settings.NAME") is None


def test_functions_and_types_cross(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "kv.py": f"""
                from azure.identity import DefaultAzureCredential
                from azure.keyvault.secrets import SecretClient

                credential = DefaultAzureCredential()

                def get_client(url="{VAULT}"):
                    return SecretClient(vault_url=url, credential=credential)

                def scope():
                    return "{VAULT}/.default"
                """,
            "main.py": "",
        },
    )
    view = project(tmp_path).view(tmp_path / "main.py")
    client = view.symbol("kv.get_client")
    assert client is not None and client.kind == "function"
    assert client.tags == ("kv-client:SecretClient",)
    assert client.params == ("url",)
    assert view.symbol("kv.credential").tags == ("credential:DefaultAzureCredential",)
    assert view.symbol("kv.scope").value == f"{VAULT}/.default"


def test_summaries_are_cached_on_disk_by_content(tmp_path):
    root = tree(
        tmp_path / "repo",
        {"pyproject.toml": "", "settings.py": f'URL = "{VAULT}"\n', "main.py": ""},
    )
    cache = tmp_path / "cache"
    first = Counting()
    view = project(root, cache, first).view(root / "main.py")
    assert view.symbol("settings.URL").value == VAULT
    assert first.paths == ["settings.py"]
    entries = list((cache / FOLDER).rglob("*.json"))
    assert len(entries) == 1 and json.loads(entries[0].read_text())["symbols"]["URL"]
    used = dict(view.used)

    second = Counting()  # a new run: read from disk, nothing parsed
    again = project(root, cache, second)
    assert again.view(root / "main.py").symbol("settings.URL").value == VAULT
    assert second.paths == []
    assert again.unchanged(root / "main.py", used)

    (root / "settings.py").write_text(f'# a comment only\nURL = "{VAULT}"\n')
    assert project(root, cache).unchanged(root / "main.py", used)  # same exports
    (root / "settings.py").write_text(f'URL = "{VAULT}/other"\n')
    assert not project(root, cache).unchanged(root / "main.py", used)  # importers re-checked


def test_methods_are_cached_on_disk_and_an_edit_rechecks_importers(tmp_path):
    wrapper = """
        from azure.identity import DefaultAzureCredential
        from azure.keyvault.secrets import SecretClient

        class Wrapper:
            def __init__(self):
                self.client = SecretClient("URL", DefaultAzureCredential())

            DECORATOR
            def read(self, name):
                return self.client.get_secret(name).value
        """
    root = tree(
        tmp_path / "repo",
        {"pyproject.toml": "", "kv.py": wrapper.replace("DECORATOR", ""), "main.py": ""},
    )
    cache = tmp_path / "cache"
    view = project(root, cache).view(root / "main.py")
    assert view.symbol("kv.Wrapper().read").reads == ("get_secret",)
    used = dict(view.used)
    assert used["kv:Wrapper.read"] != MISSING
    second = Counting()  # a new run: the method from disk, nothing parsed
    again = project(root, cache, second)
    assert again.view(root / "main.py").symbol("kv.Wrapper().read").reads == ("get_secret",)
    assert again.view(root / "main.py").symbol("kv.Wrapper().other") is None
    assert second.slices == []  # the class is known summarised: it has no such method
    assert again.unchanged(root / "main.py", used)
    cached = textwrap.dedent(wrapper).replace("DECORATOR", "@functools.lru_cache")
    (root / "kv.py").write_text("import functools\n" + cached)
    assert not project(root, cache).unchanged(root / "main.py", used)  # importers re-checked


def test_a_new_first_party_module_invalidates_a_cached_miss(tmp_path):
    root = tree(tmp_path, {"pyproject.toml": "", "main.py": ""})
    view = project(root).view(root / "main.py")
    assert view.symbol("settings.URL") is None
    used = dict(view.used)
    assert project(root).unchanged(root / "main.py", used)
    (root / "settings.py").write_text(f'URL = "{VAULT}"\n')
    assert not project(root).unchanged(root / "main.py", used)


def test_only_the_needed_modules_are_summarised(tmp_path):
    files = {"pyproject.toml": "", "main.py": "", "settings.py": f'URL = "{VAULT}"\n'}
    files |= {f"unrelated{i}.py": "X = 1\n" for i in range(20)}
    tree(tmp_path, files)
    summarise = Counting()
    view = project(tmp_path, summarise=summarise).view(tmp_path / "main.py")
    assert view.symbol("settings.URL").value == VAULT
    assert summarise.paths == ["settings.py"]


def test_project_root_is_the_nearest_marker(tmp_path):
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "settings.py": 'URL = "outer"\n',
            "inner/setup.py": "",
            "inner/settings.py": f'URL = "{VAULT}"\n',
            "inner/app/main.py": "",
        },
    )
    modules = project(tmp_path).modules
    assert modules.root_of((tmp_path / "inner/app/main.py").resolve()) == (tmp_path / "inner")
    assert value_of(tmp_path, "inner/app/main.py", "settings.URL") == VAULT


def test_symbol_round_trip_and_bad_entries(tmp_path):
    symbol = Symbol(
        "function",
        value=VAULT,
        tags=("kv-client:SecretClient",),
        params=("url",),
        reads=("get_secret",),
        http=(HttpUse("requests", "url", 0),),
        cached=True,
    )
    assert Symbol.from_dict(json.loads(json.dumps(symbol.as_dict()))) == symbol
    with pytest.raises(ValueError):
        Symbol.from_dict({"kind": "nonsense"})
    # a corrupt or foreign cache entry is ignored and recomputed
    root = tree(tmp_path / "r", {"pyproject.toml": "", "s.py": f'URL = "{VAULT}"\n', "m.py": ""})
    cache = tmp_path / "c"
    assert value_of(root, "m.py", "s.URL", cache) == VAULT
    for text in ("{not json", '{"schema": 999}', '{"schema": 2, "header": [], "symbols": 5}'):
        for entry in (cache / FOLDER).rglob("*.json"):
            entry.write_text(text)
        assert value_of(root, "m.py", "s.URL", cache) == VAULT


def test_class_symbol_round_trip_with_methods():
    read = Symbol("function", tags=("secret-value:value",), params=("name",), reads=("get_secret",))
    cls = Symbol("class", methods=(("read", read), ("close", Symbol("function"))))
    again = Symbol.from_dict(json.loads(json.dumps(cls.as_dict())))
    assert again == cls and again.method("read") == read and again.method("other") is None
    assert Symbol.from_dict(Symbol("class").as_dict()).methods is None  # only outlined
    assert Symbol.from_dict(Symbol("class", methods=()).as_dict()).methods == ()
    for bad in ({"read": {"kind": "value"}}, ["read"], {"read": {"kind": "nonsense"}}):
        with pytest.raises(ValueError):
            Symbol.from_dict({"kind": "class", "methods": bad})


def test_wrapper_class_methods_cross(tmp_path):
    """An imported class is answered from the outline; its methods are summarised (one parse
    of the class's slice) only when a method is asked for, and instance tags a function of
    its module returns are made absolute for the importer."""
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "from .kv import Wrapper\n",
            "pkg/kv.py": f"""
                import functools

                from azure.identity import DefaultAzureCredential
                from azure.keyvault.secrets import SecretClient

                from .plain import Plain

                URL = "{VAULT}"

                class Wrapper:
                    def __init__(self):
                        self.client = SecretClient(URL, DefaultAzureCredential())

                    def read(self, name, version=None):
                        return self.client.get_secret(name, version).value

                    @functools.lru_cache(maxsize=8)
                    def read_cached(self, name):
                        return self.client.get_secret(name).value

                    def names(self):
                        return [p.name for p in self.client.list_properties_of_secrets()]

                def make():
                    return Wrapper()

                def plain_client():
                    return Plain()
                """,
            "pkg/plain.py": """
                class Plain:
                    def read(self, name):
                        return name.upper()
                """,
            "main.py": "",
        },
    )
    summarise = Counting()
    view = project(tmp_path, summarise=summarise).view(tmp_path / "main.py")
    assert view.symbol("pkg.kv.Wrapper") == Symbol("class")
    assert view.symbol("pkg.kv.Wrapper.read") is None  # an attribute of the class: unknown
    assert summarise.slices == []  # a class alone: never parsed
    read = view.symbol("pkg.kv.Wrapper().read")
    assert read is not None and read.kind == "function"
    assert read.reads == ("get_secret",) and read.tags == ("secret-value:value",)
    assert read.params == ("name", "version")  # ``self`` is bound at the call
    assert view.origin("pkg.kv.Wrapper().read") == (
        (tmp_path / "pkg/kv.py").resolve(),
        "Wrapper.read",
    )
    cached = view.symbol("pkg.Wrapper().read_cached")  # through the package's re-export
    assert cached is not None and cached.cached and not cached.reads
    assert view.symbol("pkg.kv.Wrapper().names").reads == ("list_properties_of_secrets",)
    assert view.symbol("pkg.kv.Wrapper().missing") is None
    assert view.symbol("pkg.kv.Wrapper().read.deeper") is None
    assert len(summarise.slices) == 1  # every method from one summary of the class
    assert "class Wrapper" in summarise.slices[0] and "def make" not in summarise.slices[0]
    assert view.symbol("pkg.kv.make").tags == ("instance:pkg.kv.Wrapper",)
    # a summary cannot tell an imported class from a function: unknown
    assert view.symbol("pkg.kv.plain_client").tags == ()
    # a class with nothing a summary could say: its methods are unknown, and never parsed
    assert view.symbol("pkg.plain.Plain().read") is None
    assert len(summarise.slices) == 3  # make, plain_client: the Plain class was not parsed
    assert view.symbol("pkg.kv.URL().read") is None  # not a class


def test_header_stars_all_and_aliases_come_from_the_outline(tmp_path):
    found = outline(
        'import os\nfrom .x import *\n__all__ = ["A"]\nA = "v"\n'
        "try:\n    import json as j\nexcept ImportError:\n    j = None\n"
        "@dec\ndef f(a, b):\n    return a\nclass C: pass\nx = 1; y = 2\n"
    )
    assert found.stars == (".x",) and found.all == ("A",)
    assert found.binding("os").alias("os") == "os"
    assert found.binding("f").kind == "def" and found.binding("f").start == 9  # the decorator
    assert found.binding("j").kind == "block"  # try / except: the analysis decides
    assert found.binding("x") is found.binding("y")  # one line, one statement
    assert outline("def (:\n").error == "SyntaxError"


def test_a_summary_parses_the_defining_slice_only(tmp_path):
    """A name is summarised from its own statements, the helpers and constants they mention,
    and the imports: never the rest of the module (classes, unrelated functions)."""
    filler = "".join(f"def unrelated_{i}():\n    return {i}\n" for i in range(200))
    tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "kv.py": textwrap.dedent(f"""
                import os
                from azure.identity import DefaultAzureCredential
                from azure.keyvault.secrets import SecretClient

                VAULT_URL = os.environ.get("VAULT_URL", "{VAULT}")

                class Big:
                    def method(self):
                        return SecretClient(VAULT_URL, DefaultAzureCredential())

                def _make():
                    return SecretClient(VAULT_URL, DefaultAzureCredential())

                def get_value(name):
                    return _make().get_secret(name).value
                """)
            + filler,
            "main.py": "",
        },
    )
    summarise = Counting()
    found = project(tmp_path, summarise=summarise)
    view = found.view(tmp_path / "main.py")
    symbol = view.symbol("kv.get_value")
    assert symbol is not None and symbol.reads == ("get_secret",)
    assert symbol.builds == ("DefaultAzureCredential", "SecretClient")
    assert symbol.tags == ("secret-value:value",)
    assert summarise.paths == ["kv.py"]
    (text,) = summarise.slices
    assert "def _make" in text and "VAULT_URL =" in text and "import os" in text
    assert "class Big" not in text and "unrelated_" not in text
    # a class, a re-export and a definition with nothing a summary could say: never parsed
    assert view.symbol("kv.Big") == Symbol("class")
    assert found.store.symbol((tmp_path / "kv.py").resolve(), "SecretClient") == Symbol(
        "alias", target="azure.keyvault.secrets.SecretClient"
    )
    assert view.symbol("kv.SecretClient") is None  # third-party: unknown
    assert view.symbol("kv.unrelated_3") == Symbol("function")
    assert len(summarise.slices) == 1


def test_summaries_per_run_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr("kvlint.lint.project.store.MAX_COMPUTED", 2)
    files = {"pyproject.toml": "", "main.py": ""}
    files |= {f"s{i}.py": f'URL = "https://v{i}.vault.azure.net"\n' for i in range(4)}
    tree(tmp_path, files)
    view = project(tmp_path).view(tmp_path / "main.py")
    values = [view.symbol(f"s{i}.URL") for i in range(4)]
    assert [v.value if v else None for v in values[:2]] == [
        "https://v0.vault.azure.net",
        "https://v1.vault.azure.net",
    ]
    assert values[2:] == [None, None]  # unknown, and not remembered as "nothing there"
    assert MAX_COMPUTED >= 100 and SummaryStore is not None


# -- the real entry point ------------------------------------------------------------------------
APP = {
    "pyproject.toml": "[tool.kvlint]\n",
    "app/__init__.py": "",
    "app/settings.py": 'KV = "https://vault.azure.net/"\n',
    "app/vault.py": """
        from azure.identity import DefaultAzureCredential
        from azure.keyvault.secrets import SecretClient

        client = SecretClient("https://app.vault.azure.net", DefaultAzureCredential())

        def get_value(name):
            return client.get_secret(name).value
        """,
    "app/auth.py": """
        from azure.identity import DefaultAzureCredential

        from .settings import KV

        def token():
            return DefaultAzureCredential().get_token(KV)
        """,
    "app/views.py": """
        from flask import Flask

        from .vault import get_value

        app = Flask(__name__)

        @app.route("/")
        def index():
            return {"ok": bool(get_value("db"))}

        @app.route("/leak")
        def leak():
            return {"value": get_value("api-key")}
        """,
}


def codes(process) -> set[tuple[str, int, str]]:
    assert process.returncode in (0, 1), process.stderr
    return {(f["path"], f["line"], f["code"]) for f in json.loads(process.stdout)}


def test_cli_whole_tree_warm_cache_and_edits_of_an_imported_module(tmp_path, kvlint):
    root = tree(tmp_path / "repo", APP)
    first = kvlint("check", "--format", "json", "-v", ".", cwd=root)
    # KV305 at the read in the accessor (its route is in views.py); KV401 in the route
    want = {
        ("app/auth.py", 7, "KV101"),
        ("app/vault.py", 8, "KV305"),
        ("app/views.py", 14, "KV401"),
    }
    assert codes(first) == want
    assert "0 from cache" in first.stderr
    warm = kvlint("check", "--format", "json", "-v", ".", cwd=root)
    assert codes(warm) == want  # the same, all from the cache
    assert " 0 parsed" in warm.stderr
    # editing the imported module re-checks the module that imports it, and only that one
    (root / "app/settings.py").write_text('KV = "https://vault.azure.net/.default"\n')
    edited = kvlint("check", "--format", "json", "-v", ".", cwd=root)
    assert codes(edited) == want - {("app/auth.py", 7, "KV101")}
    assert " 2 parsed" in edited.stderr  # settings.py itself and auth.py
    # file by file (--no-project) the cross-module findings are not there
    alone = kvlint("check", "--format", "json", "--no-project", ".", cwd=root)
    assert codes(alone) == set()


def test_cli_one_changed_file_still_resolves_its_imports(tmp_path, kvlint):
    """What pre-commit does: only the changed file is named; its imports resolve from the
    project root (summaries from the cache, else of just the modules it needs)."""
    root = tree(tmp_path / "repo", APP)
    result = kvlint("check", "--format", "json", "--force-exclude", "app/views.py", cwd=root)
    assert codes(result) == {("app/views.py", 14, "KV401")}
    result = kvlint("check", "--format", "json", "app/auth.py", cwd=root)
    assert codes(result) == {("app/auth.py", 7, "KV101")}


def test_summary_cache_is_bounded_like_the_result_cache(tmp_path):
    from kvlint.lint.cache import ResultCache

    cache = ResultCache(tmp_path, "s")
    folder = tmp_path / FOLDER
    for i in range(30):
        entry = folder / f"{i % 3:02x}" / f"{i % 3:02x}{i:062x}.json"  # as kvlint names them
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text("{}")
    cache.written = 1
    assert cache.prune(limit=10) == 20
    assert len(list(folder.rglob("*.json"))) == 10


def test_a_sibling_project_of_a_monorepo_is_first_party(tmp_path):
    """``services/core`` (its own pyproject.toml, a src layout) is installed by name in
    ``services/poll``: its package resolves from there; a package in a folder that is no
    project, a link out of the tree and another repository's package do not."""
    tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "services/core/pyproject.toml": "",
            "services/core/src/core_lib/__init__.py": "",
            "services/core/src/core_lib/vault.py": "",
            "services/flat/setup.py": "",
            "services/flat/flat_lib/__init__.py": "",
            "services/loose/loose_lib/__init__.py": "",
            "services/other/.git/HEAD": "",
            "services/other/pyproject.toml": "",
            "services/other/other_lib/__init__.py": "",
            "services/poll/src/app.py": "",
        },
    )
    outside = tree(tmp_path.parent / f"{tmp_path.name}-outside", {"pyproject.toml": ""})
    (outside / "linked_lib").mkdir()
    (outside / "linked_lib" / "__init__.py").write_text("")
    (tmp_path / "services/linked").symlink_to(outside, target_is_directory=True)
    modules = ModuleMap()
    importer = modules.module_of(tmp_path / "services/poll/src/app.py")
    assert modules.find("linked_lib", importer) is None  # never through a link
    found = modules.find("core_lib.vault", importer)
    assert found is not None
    assert found.path == (tmp_path / "services/core/src/core_lib/vault.py").resolve()
    assert found.name == "core_lib.vault"  # named from its own project's root
    assert modules.find("flat_lib", importer) is not None
    assert modules.find("loose_lib", importer) is None  # no project marker
    assert modules.find("other_lib", importer) is None  # another repository
    assert modules.find("json", importer) is None
