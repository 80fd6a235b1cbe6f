"""The annotated example files in rules/examples/ are the rules' tests.

A line ending in ``# expect: KV101`` (several codes: ``# expect: KV101, KV103``) must be reported
with exactly those codes; every other line is a negative and must be reported with none.
Each example file with safe fixes has a ``.fixed`` twin: ``--fix`` must produce it exactly, and
a second ``--fix`` must change nothing.

Multi-module examples are small projects: a folder of ``rules/examples/`` holding a
``pyproject.toml`` (``project_*``). Each is linted as a whole tree, and each of its files alone
(as pre-commit passes changed files), and both must give exactly the ``# expect:`` lines;
``# expect-tree:`` lines only in the whole-tree run (their call site is in another file).

Notebook examples (``.ipynb``) carry the same ``# expect:`` comments at the end of a code
cell's line; the finding must be in that cell, on that line of the cell.

Configuration-file examples live in ``rules/examples/config/``: YAML, TOML and dotenv files use
the same ``# expect:`` comments; JSON has no comments, so ``x.json`` has a sidecar
``x.json.expect`` listing ``line:code`` (``#`` starts a comment there).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kvlint.config import Settings
from kvlint.lint.discovery import Target
from kvlint.lint.project import ProjectOptions
from kvlint.lint.runner import Runner
from kvlint.lint.sources.config import kind_of

EXAMPLES = Path(__file__).resolve().parent.parent / "rules" / "examples"
PROJECTS = sorted(p.parent for p in EXAMPLES.glob("*/pyproject.toml"))
PY_EXAMPLES = sorted(
    p
    for p in EXAMPLES.rglob("*")
    if p.suffix == ".py" and not any(project in p.parents for project in PROJECTS)
)
PROJECT_FILES = sorted(p for project in PROJECTS for p in project.rglob("*.py"))
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>KV\d{3}(?:\s*,\s*KV\d{3})*)")
# in example projects: reported only when the whole tree is linted (the call site is elsewhere)
EXPECT_TREE = re.compile(r"#\s*expect-tree:\s*(?P<codes>KV\d{3}(?:\s*,\s*KV\d{3})*)")


def expected(path: Path, pattern: re.Pattern[str] = EXPECT) -> set[tuple[int, str]]:
    out = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = pattern.search(line)
        if match:
            out |= {(number, code.strip()) for code in match.group("codes").split(",")}
    return out


def lint(path: Path, display: str | None = None):
    runner = Runner(Settings())
    return runner.run([Target(path, display or str(path), path.name)]).findings


NOTEBOOKS = sorted(EXAMPLES.rglob("*.ipynb"))


def notebook_expected(path: Path) -> set[tuple[int, int, str]]:
    """(cell, line in the cell, code) of every ``# expect:`` in the notebook's code cells
    (cells numbered from 1, every cell counted)."""
    out = set()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells, 1):
        source = cell["source"]
        text = "".join(source) if isinstance(source, list) else source
        if cell["cell_type"] != "code":
            continue
        for line_number, line in enumerate(text.splitlines(), 1):
            match = EXPECT.search(line)
            if match:
                codes = match.group("codes").split(",")
                out |= {(number, line_number, code.strip()) for code in codes}
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_notebook_example(path):
    found = {(f.cell, f.line, f.code) for f in lint(path)}
    want = notebook_expected(path)
    assert want or path.stem.endswith("_ok"), f"{path.name}: no '# expect:' (negatives: *_ok)"
    assert all(cell for cell, _, _ in found), "a notebook finding without its cell"
    missing = sorted(want - found)
    extra = sorted(found - want)
    assert not missing and not extra, f"missed {missing}; false positives {extra}"


def test_every_lint_rule_has_an_example():
    from kvlint import catalog

    covered = {code for path in PY_EXAMPLES + PROJECT_FILES for _, code in expected(path)}
    missing = [c for c in catalog.codes("check") if c not in covered and c != "KV000"]
    assert not missing, f"rules without a positive example: {missing}"


@pytest.mark.parametrize("path", PY_EXAMPLES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example(path):
    found = {(f.line, f.code) for f in lint(path)}
    want = expected(path)
    assert want or path.stem.endswith("_ok"), f"{path.name}: no '# expect:' (negatives: *_ok.py)"
    missing = sorted(want - found)
    extra = sorted(found - want)
    assert not missing and not extra, f"missed {missing}; false positives {extra}"


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_project_example_as_a_whole_tree(project):
    files = sorted(project.rglob("*.py"))
    runner = Runner(Settings(root=project))
    targets = [Target(p, str(p), p.relative_to(project).as_posix()) for p in files]
    found = {(f.path, f.line, f.code) for f in runner.run(targets).findings}
    want = {
        (str(p), line, code) for p in files for line, code in expected(p) | expected(p, EXPECT_TREE)
    }
    assert want, f"{project.name}: no '# expect:' lines"
    missing = sorted(want - found)
    extra = sorted(found - want)
    assert not missing and not extra, f"missed {missing}; false positives {extra}"


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_project_example_file_alone(path):
    """One file of a project, as pre-commit passes it, still resolves its imports (what
    ``# expect-tree:`` marks needs its callers, in other files: not reported)."""
    found = {(f.line, f.code) for f in lint(path)}
    want = expected(path)
    missing = sorted(want - found)
    extra = sorted(found - want)
    assert not missing and not extra, f"missed {missing}; false positives {extra}"


def test_project_examples_need_the_project():
    """Without project-wide analysis the cross-module findings are not there (the examples
    test what they claim to)."""
    for project in PROJECTS:
        runner = Runner(Settings(root=project), project=ProjectOptions(enabled=False))
        files = sorted(project.rglob("*.py"))
        targets = [Target(p, str(p), p.name) for p in files]
        found = {(f.path, f.line, f.code) for f in runner.run(targets).findings}
        want = {
            (str(p), line, code)
            for p in files
            for line, code in expected(p) | expected(p, EXPECT_TREE)
        }
        assert want - found, f"{project.name}: every finding is there file by file"


CONFIG_EXAMPLES = sorted(p for p in (EXAMPLES / "config").iterdir() if kind_of(p.name))


def config_expected(path: Path) -> set[tuple[int, str]]:
    if path.suffix != ".json":
        return expected(path)
    sidecar = path.with_name(path.name + ".expect")
    if not sidecar.exists():
        return set()
    out = set()
    for line in sidecar.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            number, code = line.split(":")
            out.add((int(number), code.strip()))
    return out


@pytest.mark.parametrize("path", CONFIG_EXAMPLES, ids=lambda p: f"config/{p.name}")
def test_config_example(path):
    found = {(f.line, f.code) for f in lint(path)}
    want = config_expected(path)
    assert want or path.stem.endswith("_ok"), f"{path.name}: no expectations (negatives: *_ok.*)"
    missing = sorted(want - found)
    extra = sorted(found - want)
    assert not missing and not extra, f"missed {missing}; false positives {extra}"


def test_every_config_format_has_an_example():
    assert {kind_of(p.name) for p in CONFIG_EXAMPLES} == {"yaml", "json", "toml", "env"}


FIXED = sorted(EXAMPLES.rglob("*.fixed"))


@pytest.mark.parametrize("fixed", FIXED, ids=lambda p: p.name)
def test_fix_matches_expected_output(fixed, tmp_path, kvlint):
    original = fixed.with_suffix("")
    work = tmp_path / original.name
    shutil.copyfile(original, work)
    first = kvlint("check", "--fix", str(work))
    assert first.returncode in (0, 1), first.stderr
    assert work.read_text(encoding="utf-8") == fixed.read_text(encoding="utf-8")
    again = kvlint("check", "--fix", "--format", "json", str(work))
    assert work.read_text(encoding="utf-8") == fixed.read_text(encoding="utf-8")
    assert all(
        not f["fix"] or f["fix"]["applicability"] != "safe" for f in json.loads(again.stdout)
    )
