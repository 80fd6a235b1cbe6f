"""A linted file's tree is freed by reference counting as soon as its lint returns: no
reference cycle (the Indexer's handlers, facts cached on the analysis that hold it) keeps
it alive until the cyclic garbage collector runs."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst

from kvlint.config import Settings
from kvlint.lint.engine import Linter
from kvlint.lint.semantic.model import Analysis

ROOT = Path(__file__).resolve().parent.parent


def _alive() -> tuple[int, int]:
    objects = gc.get_objects()
    return (
        sum(isinstance(o, Analysis) for o in objects),
        sum(isinstance(o, cst.CSTNode) for o in objects),
    )


def test_trees_are_freed_without_the_cyclic_collector() -> None:
    linter = Linter(Settings())
    files = sorted((ROOT / "rules" / "examples").glob("KV*.py"))
    assert len(files) > 20
    linter.lint_bytes(files[0].read_bytes(), str(files[0]), files[0].name)  # imports, caches
    gc.collect()
    analyses, nodes = _alive()
    findings = 0
    gc.disable()
    try:
        for path in files:
            findings += len(linter.lint_bytes(path.read_bytes(), str(path), path.name).findings)
        after = _alive()
    finally:
        gc.enable()
    assert findings > 50  # the rules ran and found things (facts were computed and cached)
    assert after[0] == analyses
    assert after[1] - nodes < 1_000, after  # a whole example file's tree is thousands of nodes
