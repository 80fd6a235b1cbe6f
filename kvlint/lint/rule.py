"""What a rule is and what it reports, before positions are known.

A rule (Fixit / ruff style) is a small class in :mod:`kvlint.lint.rules`: its ``code`` (name,
severity and docs live in ``rules/<CODE>.yaml``), the file kinds it reads (``sources``), and
``run(module)``, a short query over the module's facts that yields :class:`Report` objects.
The engine turns reports into :class:`~kvlint.findings.Finding` objects in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True)
class TextSpan:
    """Characters ``start`` to ``end`` (exclusive) of a non-Python file's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Replacement:
    """Replace the source text of ``node`` (or of a text span) with ``text``."""

    node: cst.CSTNode | TextSpan
    text: str


@dataclass(frozen=True)
class Report:
    """A rule's verdict on one node (or text span); positions are resolved later, only for
    reported files. ``subject`` overrides what the finding's fingerprint names (by default the
    reported source text)."""

    code: str
    node: cst.CSTNode | TextSpan
    message: str
    fix: tuple[Replacement, ...] = ()
    fix_applicability: str = "safe"
    subject: str | None = None


class Rule:
    """One lint rule. Subclasses set ``code`` and implement :meth:`run`."""

    code: ClassVar[str] = ""
    # file kinds the rule reads: "python" (a module's facts), "config" (audience values)
    sources: ClassVar[tuple[str, ...]] = ("python",)

    def run(self, module: Any) -> Iterator[Report]:  # pragma: no cover - interface
        raise NotImplementedError
