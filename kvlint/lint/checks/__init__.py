"""Lint checks, by family: auth (KV1xx), access (KV2xx), throttling (KV3xx), exposure (KV4xx).

A check is a small class (Fixit style): the codes it may report, and ``run(analysis)`` yielding
:class:`~kvlint.lint.model.Report` objects. Names and severities come from the catalogue.
Every check runs over the same :class:`~kvlint.lint.analysis.Analysis` (one parse, one
traversal per file); facts shared by several checks live in the analysis or in a family
helper module, never recomputed per check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from kvlint.lint.analysis import Analysis
from kvlint.lint.model import Report


class Check:
    codes: ClassVar[tuple[str, ...]] = ()

    def run(self, analysis: Analysis) -> Iterator[Report]:  # pragma: no cover - interface
        raise NotImplementedError


def all_checks() -> list[type[Check]]:
    from kvlint.lint.checks import access, auth, exposure, throttling

    families = [auth, access, throttling, exposure]
    return [cls for family in families for cls in family.CHECKS]
