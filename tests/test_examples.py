"""The annotated example files in rules/examples/ are the rules' tests.

A line ending in ``# expect: KV306@14 "built on every request"`` must be reported with exactly
that code, at that column (as the user sees it, 1-based), with a message containing that
fragment; several findings on a line: ``# expect: KV101@17 "token resource", KV103@5 "v1"``.
Every other line is a negative and must be reported with nothing. Annotations are written as
``# expect: KV306`` and pinned from kvlint's actual output with ``python tools/pin_examples.py``
(the test refuses unpinned ones). Each example file with safe fixes has a ``.fixed`` twin:
``--fix`` must produce it exactly, and a second ``--fix`` must change nothing.

Multi-module examples are small projects: a folder of ``rules/examples/`` holding a
``pyproject.toml`` (``project_*``). Each is linted as a whole tree, and each of its files alone
(as pre-commit passes changed files), and both must give exactly the ``# expect:`` lines;
``# expect-tree:`` lines are required in the whole-tree run (their call site is in another
file) and allowed alone (a run of few files looks up the modules that import it).

Notebook examples (``.ipynb``) carry the same ``# expect:`` comments at the end of a code
cell's line; the finding must be in that cell, on that line of the cell.

Configuration-file examples live in ``rules/examples/config/``: YAML, TOML and dotenv files use
the same ``# expect:`` comments; JSON has no comments, so ``x.json`` has a sidecar
``x.json.expect`` listing ``LINE:KV101@12 "fragment"`` (``#`` starts a comment there).
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
from tools.pin_examples import EXPECT, EXPECT_TREE, expectations, notebook_expectations

EXAMPLES = Path(__file__).resolve().parent.parent / "rules" / "examples"
PROJECTS = sorted(p.parent for p in EXAMPLES.glob("*/pyproject.toml"))
PY_EXAMPLES = sorted(
    p
    for p in EXAMPLES.rglob("*")
    if p.suffix == ".py" and not any(project in p.parents for project in PROJECTS)
)
PROJECT_FILES = sorted(p for project in PROJECTS for p in project.rglob("*.py"))


def expected(path: Path, pattern: re.Pattern[str] = EXPECT) -> set[tuple[int, str]]:
    return {(line, pin.code) for line, pins in expectations(path, pattern).items() for pin in pins}


def check(findings, want: dict, key=lambda f: f.line) -> str | None:
    """What differs between the findings and the annotations, in words (None: nothing).

    The lines and codes first (a missed or a false positive), then the pins: every annotated
    line reports exactly the pinned (code, column)s, each message containing its fragment."""
    found = {(key(f), f.code) for f in findings}
    wanted = {(line, pin.code) for line, pins in want.items() for pin in pins}
    missing, extra = sorted(wanted - found), sorted(found - wanted)
    if missing or extra:
        return f"missed {missing}; false positives {extra}"
    problems = []
    unpinned = [f"{line}: {pin}" for line, pins in want.items() for pin in pins if not pin.pinned]
    if unpinned:
        problems.append(
            f"unpinned annotations {unpinned}: run python tools/pin_examples.py and check the diff"
        )
    for line, pins in sorted(want.items()):
        reported = sorted(
            ((f.code, f.column, f.message) for f in findings if key(f) == line),
            key=lambda r: (r[0], r[1]),
        )
        left = list(reported)
        for pin in pins:
            if not pin.pinned:
                continue
            hit = next(
                (
                    r
                    for r in left
                    if (r[0], r[1]) == (pin.code, pin.column) and pin.fragment in r[2]
                ),
                None,
            )
            if hit is None:
                problems.append(f"line {line}: {pin} not reported; reported there: {reported}")
            else:
                left.remove(hit)
        if left and all(p.pinned for p in pins):
            problems.append(f"line {line}: reported but not pinned: {left}")
    return "\n".join(problems) or None


def lint(path: Path, display: str | None = None):
    runner = Runner(Settings())
    return runner.run([Target(path, display or str(path), path.name)]).findings


NOTEBOOKS = sorted(EXAMPLES.rglob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_notebook_example(path):
    findings = lint(path)
    want = notebook_expectations(path)
    assert want or path.stem.endswith("_ok"), f"{path.name}: no '# expect:' (negatives: *_ok)"
    assert all(f.cell for f in findings), "a notebook finding without its cell"
    problem = check(findings, want, key=lambda f: (f.cell, f.line))
    assert problem is None, problem


def test_every_lint_rule_has_an_example():
    from kvlint import catalog

    covered = {code for path in PY_EXAMPLES + PROJECT_FILES for _, code in expected(path)}
    missing = [c for c in catalog.codes("check") if c not in covered and c != "KV000"]
    assert not missing, f"rules without a positive example: {missing}"


@pytest.mark.parametrize("path", PY_EXAMPLES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example(path):
    want = expectations(path)
    assert want or path.stem.endswith("_ok"), f"{path.name}: no '# expect:' (negatives: *_ok.py)"
    problem = check(lint(path), want)
    assert problem is None, problem


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_project_example_as_a_whole_tree(project):
    files = sorted(project.rglob("*.py"))
    runner = Runner(Settings(root=project))
    targets = [Target(p, str(p), p.relative_to(project).as_posix()) for p in files]
    findings = runner.run(targets).findings
    problems = []
    for p in files:
        want = expectations(p)
        for line, pins in expectations(p, EXPECT_TREE).items():
            want.setdefault(line, []).extend(pins)
        problem = check([f for f in findings if f.path == str(p)], want)
        if problem:
            problems.append(f"{p.relative_to(project)}: {problem}")
    assert any(expectations(p) or expectations(p, EXPECT_TREE) for p in files), project.name
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_project_example_file_alone(path):
    """One file of a project, as pre-commit passes it, still resolves its imports. What
    ``# expect-tree:`` marks needs its callers, in other files: a run of few files looks up
    the modules that import it directly (a route calling the accessor), not longer chains nor
    call sites passing a vault URL, so those lines may or may not be reported here."""
    optional = expected(path, EXPECT_TREE) - expected(path)
    findings = [f for f in lint(path) if (f.line, f.code) not in optional]
    problem = check(findings, expectations(path))
    assert problem is None, problem


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


@pytest.mark.parametrize("path", CONFIG_EXAMPLES, ids=lambda p: f"config/{p.name}")
def test_config_example(path):
    want = expectations(path)  # JSON: the .json.expect sidecar
    assert want or path.stem.endswith("_ok"), f"{path.name}: no expectations (negatives: *_ok.*)"
    problem = check(lint(path), want)
    assert problem is None, problem


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
