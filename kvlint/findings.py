"""One finding type for every face of kvlint: ``check``, ``audit``, ``token`` (and ``logs``).

A :class:`Finding` is a code (its name and severity come from the catalogue, ``rules/CODE.yaml``,
or the user's severity override), a message, and *where* it is:

- a :class:`Location` (a span in a file: lint findings, infrastructure-code audit findings),
- a :class:`Resource` (the vault or managed HSM it is about: audit and log findings),
- both (an infrastructure-code finding names the file and the vault it declares), or
- neither (a token finding is about the token the user passed in).

A lint finding may carry a :class:`Fix` (text :class:`Edit` s, safe or unsafe).

Fingerprints (:func:`fingerprints`) identify a finding across unrelated edits: its code, where it
is (the path relative to the project root, or the resource id) and its ``subject`` (for lint, the
whitespace-folded source text it reports; elsewhere a stable detail such as a principal id), not
its line number. Baselines and SARIF ``partialFingerprints`` use them.

This module imports nothing from the faces, so every face (and every report format) can use it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

FIX_APPLICABILITIES = ("safe", "unsafe")


@dataclass(frozen=True)
class Location:
    """A span in a file; lines and columns are 1-based, ``end_column`` is exclusive.

    In a Jupyter notebook, ``cell`` is the cell's number (1-based, every cell counted) and the
    lines are the cell's; 0 in any other file."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    cell: int = 0

    @property
    def label(self) -> str:
        """``path:line:column``, or ``path:cell N:line:column`` in a notebook (as ruff)."""
        cell = f"cell {self.cell}:" if self.cell else ""
        return f"{self.path}:{cell}{self.line}:{self.column}"

    @classmethod
    def point(cls, path: str, line: int = 1, column: int = 1) -> Location:
        return cls(path, line, column, line, column)


@dataclass(frozen=True)
class Resource:
    """The Azure resource a finding is about: a key vault or a managed HSM."""

    name: str
    id: str
    subscription: str = ""
    kind: str = "vault"  # "vault" or "managedHSM"


@dataclass(frozen=True)
class Edit:
    """A text edit; lines and columns are 1-based, ``end`` is exclusive (in a notebook: the
    lines of cell ``cell``)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str
    cell: int = 0

    def as_dict(self) -> dict:
        out: dict[str, Any] = {
            "content": self.content,
            "location": {"line": self.line, "column": self.column},
            "end_location": {"line": self.end_line, "column": self.end_column},
        }
        if self.cell:
            out["cell"] = self.cell
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Edit:
        return cls(
            data["location"]["line"],
            data["location"]["column"],
            data["end_location"]["line"],
            data["end_location"]["column"],
            data["content"],
            data.get("cell", 0),
        )


@dataclass(frozen=True)
class Fix:
    """Edits that resolve a finding; ``safe`` ones are applied by ``--fix``."""

    edits: tuple[Edit, ...]
    applicability: str = "safe"

    def as_dict(self) -> dict:
        return {
            "applicability": self.applicability,
            "edits": [edit.as_dict() for edit in self.edits],
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Fix | None:
        if not data or not data.get("edits"):
            return None
        return cls(
            tuple(Edit.from_dict(e) for e in data["edits"]), data.get("applicability", "safe")
        )


@dataclass
class Finding:
    code: str
    name: str
    severity: str
    message: str
    location: Location | None = None
    resource: Resource | None = None
    fix: Fix | None = None
    # what is reported, stable across edits (lint: the source text, whitespace-folded); feeds
    # fingerprints, never in JSON output
    subject: str = field(default="", compare=False)
    # path relative to the project root (set by the lint runner; fingerprints survive a cd)
    relpath: str = field(default="", compare=False)

    @classmethod
    def of(
        cls,
        code: str,
        message: str,
        *,
        severity: str | None = None,
        location: Location | None = None,
        resource: Resource | None = None,
        fix: Fix | None = None,
        subject: str = "",
    ) -> Finding:
        """A finding whose name (and, unless given, severity) is the catalogue's."""
        from kvlint import catalog

        entry = catalog.entry(code)
        return cls(
            code,
            entry.name,
            severity or entry.severity,
            message,
            location=location,
            resource=resource,
            fix=fix,
            subject=subject,
        )

    # --- a lint finding's location, flat (every lint finding has one) ---------------------------

    @property
    def path(self) -> str:
        return self.location.path if self.location else ""

    @property
    def line(self) -> int:
        return self.location.line if self.location else 0

    @property
    def column(self) -> int:
        return self.location.column if self.location else 0

    @property
    def end_line(self) -> int:
        return self.location.end_line if self.location else 0

    @property
    def end_column(self) -> int:
        return self.location.end_column if self.location else 0

    @property
    def cell(self) -> int:
        """The notebook cell (1-based), 0 outside notebooks."""
        return self.location.cell if self.location else 0

    @property
    def label(self) -> str:
        """Where it is, for people: ``path:line:column`` (``path:cell N:line:column``)."""
        return self.location.label if self.location else ""

    @property
    def edits(self) -> tuple[Edit, ...]:
        return self.fix.edits if self.fix else ()

    @property
    def fix_applicability(self) -> str | None:
        return self.fix.applicability if self.fix else None

    @property
    def sort_key(self) -> tuple:
        where = self.path or (self.resource.id.lower() if self.resource else "")
        return (where, self.cell, self.line, self.column, self.code)

    # --- JSON -----------------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """The face's JSON shape: lint (a location), audit/logs (a resource), token (neither)."""
        if self.resource is not None:
            out: dict[str, Any] = {
                "vault": self.resource.name,
                "id": self.resource.id,
                "subscription": self.resource.subscription,
                "code": self.code,
                "severity": self.severity,
                "message": self.message,
            }
            if self.location is not None:
                out["location"] = _location_dict(self.location)
            return out
        if self.location is None:
            return {
                "code": self.code,
                "name": self.name,
                "severity": self.severity,
                "message": self.message,
            }
        out = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix.as_dict() if self.fix else None,
        }
        if self.cell:  # a notebook: lines are the cell's (ruff's "cell" field)
            out["cell"] = self.cell
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """Inverse of :meth:`as_dict` for lint findings (the cache), plus ``snippet``."""
        return cls(
            code=data["code"],
            name=data["name"],
            severity=data["severity"],
            message=data["message"],
            location=Location(
                data["path"],
                data["line"],
                data["column"],
                data["end_line"],
                data["end_column"],
                data.get("cell", 0),
            ),
            fix=Fix.from_dict(data.get("fix")),
            subject=data.get("snippet", ""),
        )


def _location_dict(location: Location) -> dict[str, Any]:
    return {
        "path": location.path,
        "line": location.line,
        "column": location.column,
        "end_line": location.end_line,
        "end_column": location.end_column,
    }


def where(finding: Finding) -> str:
    """What a fingerprint names as the finding's place: the relative path, else the resource."""
    if finding.location is not None:
        return PurePath(finding.relpath or finding.location.path).as_posix()
    if finding.resource is not None:
        return finding.resource.id.lower()
    return ""


def fingerprints(findings: list[Finding]) -> list[str]:
    """Fingerprints aligned with ``findings``: ``sha256(code, where, subject)[:32]:occurrence``.

    When the same code, place and subject occur more than once, the occurrences are numbered in
    :attr:`Finding.sort_key` order.
    """
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key)
    seen: Counter[str] = Counter()
    out = [""] * len(findings)
    for i in order:
        f = findings[i]
        digest = hashlib.sha256(f"{f.code}\0{where(f)}\0{f.subject}".encode()).hexdigest()[:32]
        occurrence = seen[digest]
        seen[digest] += 1
        out[i] = f"{digest}:{occurrence}"
    return out
