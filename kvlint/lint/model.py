"""What a lint rule reports, before positions are known (findings: :mod:`kvlint.findings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True)
class Replacement:
    """Replace the source text of ``node`` with ``text``."""

    node: cst.CSTNode
    text: str


@dataclass(frozen=True)
class Report:
    """A rule's verdict on one node; positions are resolved later, only for reported files."""

    code: str
    node: cst.CSTNode
    message: str
    fix: tuple[Replacement, ...] = ()
    fix_applicability: str = "safe"
