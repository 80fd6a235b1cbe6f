"""kvlint's fast paths give what libcst's slow ones give: the tree walk visits the same nodes, in
the same order, as libcst's own visitor (minus whitespace and punctuation), so the Indexer's parent
map and binding order are unchanged; the parse without per-node validation builds the same tree
and leaves validation on for everything else.
"""

from __future__ import annotations

import contextlib
import gc
import re
import weakref
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from kvlint import config
from kvlint.lint.checking import gc_paused
from kvlint.lint.discovery import discover
from kvlint.lint.engine import Linter
from kvlint.lint.semantic.syntax import node_positions
from kvlint.lint.semantic.walk import SKIPPED, walk
from kvlint.lint.sources import Triggers
from kvlint.lint.sources.python import parse_module, prefilter

ROOT = Path(__file__).resolve().parent.parent

CONSTRUCTS = """
from __future__ import annotations
import os.path as osp, sys
from ..pkg import (a, b as c)
from . import *

@decorator(arg=1)
@other
async def f[T](x: int, /, y=2, *args, z: "str" = "s", **kw) -> list[T]:
    global g
    a = b if (c := x) else [i async for i in y if i]
    d = {k: v for k, v in kw.items()} | {**kw, "x": 1}
    async with open(x) as (h, j), other():
        await h.read()
    try:
        yield from (lambda q, *r: q)(1, *[2])
    except* (ValueError, TypeError) as exc:
        raise RuntimeError(f"{exc!r:>{10}} {x=}") from exc
    finally:
        del a[1:2, ::3]
    match x:
        case {"k": [1, *rest]} | Point(x=0) as p if p:
            pass
        case _:
            ...
    return [*args]


class C(Base, metaclass=M):
    attr: int = 1

    def method(self):
        nonlocal_thing = 1
        self.value = os.environ["X"]; x += 1
        while not x < 3 <= y:
            x = -x ** 2 @ y
        else:
            for p, (q, r) in enumerate(z):
                continue
        assert x, "message"
        with a as b:
            print(b, sep="")
"""


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.skip_depth = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.skip_depth or isinstance(node, SKIPPED):
            self.skip_depth += 1
        else:
            self.events.append(("visit", id(node)))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.skip_depth:
            self.skip_depth -= 1
        else:
            self.events.append(("leave", id(original_node)))


class LibcstRecorder(Recorder, cst.CSTVisitor):
    pass


def assert_same_walk(source: str) -> None:
    module = cst.parse_module(source)
    expected = LibcstRecorder()
    module.visit(expected)
    ours = Recorder()
    walk(module, ours)
    assert ours.skip_depth == 0
    assert ours.events == expected.events


def test_every_construct_is_walked_like_libcst() -> None:
    assert_same_walk(CONSTRUCTS)


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "rules" / "examples").glob("*.py")),
    ids=lambda p: p.name,
)
def test_examples_are_walked_like_libcst(path: Path) -> None:
    from kvlint.notebook import is_source_notebook, python_of_source_notebook

    text = path.read_text(encoding="utf-8")
    if is_source_notebook(text):  # what the engine parses of a notebook saved as .py
        text = python_of_source_notebook(text)
    assert_same_walk(text)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_code_is_walked_like_libcst(source: str) -> None:
    try:
        cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return
    assert_same_walk(source)


def test_on_visit_false_skips_children_but_still_leaves() -> None:
    module = cst.parse_module("def f():\n    g(1)\n")

    class StopAtDef(Recorder):
        def on_visit(self, node: cst.CSTNode) -> bool:
            super().on_visit(node)
            return not isinstance(node, cst.FunctionDef)

    recorder = StopAtDef()
    walk(module, recorder)
    kinds = [e for e, _ in recorder.events]
    assert kinds == ["visit", "visit", "leave", "leave"]  # module, def; no call inside


def test_parse_without_validation_builds_the_same_tree() -> None:
    trusted = parse_module(CONSTRUCTS)
    assert trusted.deep_equals(cst.parse_module(CONSTRUCTS))
    assert trusted.code == CONSTRUCTS


@pytest.mark.parametrize("source", ["x = 1\n", "def broken(:\n"])
def test_validation_is_back_on_after_a_parse(source: str) -> None:
    with contextlib.suppress(cst.ParserSyntaxError):
        parse_module(source)
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")


@pytest.mark.parametrize(
    ("patterns", "data", "expected"),
    [
        ((rb"vault\.azure",), b"https://x.VAULT.Azure.net", True),
        ((rb"vault\.azure",), b"https://x.vault-azure.net", False),  # the dot is literal
        ((rb"azure import identity",), b"from AZURE import identity", True),
        ((rb"169\.254\.169\.254",), b"http://169.254.169.254/metadata", True),
        ((rb"ident\w+_endpoint",), b"IDENTITY_ENDPOINT", True),  # a real regex stays one
        ((rb"ident\w+_endpoint",), b"ident_endpoint", False),
        ((rb"a|b",), b"xbx", True),
        ((rb"keyvault", rb"msal"), b"import requests", False),
    ],
)
def test_triggers_match_like_an_ignorecase_regex(patterns, data, expected) -> None:
    assert Triggers(patterns).search(data) is expected
    regex = re.compile(b"|".join(patterns), re.IGNORECASE)
    assert (regex.search(data) is not None) is expected


def test_prefilter_words_are_plain_substring_searches() -> None:
    triggers = prefilter(("vault.contoso.example",))
    assert triggers.regex is None  # every trigger word is literal: no regex on the hot path
    assert triggers.search(b"url = 'https://kv.Vault.Contoso.Example/'")


def test_gc_is_paused_per_file_and_the_files_cycles_are_freed_after() -> None:
    class Node:
        pass

    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        cycle = Node()
        cycle.self = cycle
        alive = weakref.ref(cycle)
        del cycle
        raise ValueError
    assert gc.isenabled()
    assert alive() is None  # freed by the generation-0 collection on the way out


def test_discovery_resolves_symlinks_and_applies_excludes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kvlint]\nextend-exclude = ["vendor"]\n')
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "bad.py").write_text("x = 1\n")
    src = tmp_path / "src" / "pkg"
    src.mkdir(parents=True)
    (src / "ok.py").write_text("x = 1\n")
    (src / "link.py").symlink_to(tmp_path / "vendor" / "bad.py")
    (src / "vendor").mkdir()
    (src / "vendor" / "skipped.py").write_text("x = 1\n")
    settings = config.load(None, tmp_path)
    found = {t.relpath for t in discover([str(tmp_path)], settings)}
    # link.py resolves into the excluded vendor/ folder; src/pkg/vendor matches by name
    assert found == {"pyproject.toml", "src/pkg/ok.py"}


@pytest.mark.parametrize(
    ("pattern", "relpath", "directory", "expected"),
    [
        ("build", "a/build/x.py", False, True),
        ("build", "a/builder/x.py", False, False),
        ("build/", "a/build", True, True),
        ("build/", "a/build", False, False),  # a file called build
        ("build/", "a/build/x.py", False, True),
        ("docs/*.py", "docs/a.py", False, True),
        ("docs/*.py", "x/docs/a.py", False, False),
        ("src/gen/", "src/gen", True, True),
        ("src/gen/", "src/gen", False, False),
        ("src/gen/", "src/gen/a.py", False, True),
        ("./tests", "tests/a.py", False, True),
        ("*.egg-info", "pkg.egg-info/x.py", False, True),
    ],
)
def test_exclude_patterns(pattern, relpath, directory, expected) -> None:
    assert config.path_matches(pattern, relpath, directory) is expected
    settings = config.Settings(exclude=(pattern, "unrelated", "other/dir/"))
    assert settings.is_excluded(relpath, directory) is expected


def test_identifiers_this_python_refuses_are_syntax_errors() -> None:
    # U+13460 is a letter to libcst's tokenizer (newer Unicode) but not to Python 3.10-3.12
    source = "import azure.identity\n\U00013460 = 1\n"
    linter = Linter(config.Settings())
    findings = linter.lint_bytes(source.encode(), "x.py").findings
    if source.split("\n")[1].split(" ")[0].isidentifier():
        assert findings == []  # a Python whose Unicode tables know the letter
    else:
        assert [f.code for f in findings] == ["KV000"]
        assert findings[0].message.startswith("syntax error")


def test_node_positions_equal_libcst_resolve() -> None:
    from libcst.metadata import MetadataWrapper, PositionProvider

    module = parse_module(CONSTRUCTS)
    ours = node_positions(module)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert len(ours) > 500
    assert dict(ours) == dict(theirs)


IMPORT_PROBE = """
import sys
from kvlint.cli import main
rc = main(["check", "--no-cache", "--exit-zero", "-q", *sys.argv[2:]])
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"libcst", "azure"})
assert loaded == sys.argv[1].split(",") if sys.argv[1] else not loaded, loaded
assert rc == 0, rc
"""


def test_lint_path_imports_libcst_only_to_parse_and_never_an_azure_sdk(tmp_path) -> None:
    """Start-up: a run over files without Key Vault words imports neither libcst nor the rules;
    linting Key Vault code imports libcst, never an Azure SDK."""
    import subprocess
    import sys

    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n", encoding="utf-8")
    settings = tmp_path / "settings.yaml"
    settings.write_text("name: app\n", encoding="utf-8")
    keyvault = tmp_path / "app.py"
    keyvault.write_text(
        "from azure.identity import DefaultAzureCredential\n"
        "token = DefaultAzureCredential().get_token('https://vault.azure.net/')\n",
        encoding="utf-8",
    )
    probe = [sys.executable, "-c", IMPORT_PROBE]
    subprocess.run([*probe, "", str(plain), str(settings)], check=True, cwd=tmp_path)
    subprocess.run([*probe, "libcst", str(keyvault)], check=True, cwd=tmp_path)
