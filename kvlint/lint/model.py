"""What a lint rule reports, before and after positions are known."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Edit:
    """A text edit; lines and columns are 1-based, ``end`` is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str

    def as_dict(self) -> dict:
        return {
            "content": self.content,
            "location": {"line": self.line, "column": self.column},
            "end_location": {"line": self.end_line, "column": self.end_column},
        }


@dataclass
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: str
    message: str
    edits: tuple[Edit, ...] = ()
    fix_applicability: str | None = None
    # the reported source text, whitespace-folded (baseline fingerprints; not in JSON output)
    snippet: str = field(default="", compare=False)
    # path relative to the project root (set by the runner; fingerprints survive a cd)
    relpath: str = field(default="", compare=False)

    def as_dict(self) -> dict:
        fix = None
        if self.edits:
            fix = {
                "applicability": self.fix_applicability,
                "edits": [edit.as_dict() for edit in self.edits],
            }
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fix": fix,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        fix = data.get("fix") or {}
        edits = tuple(
            Edit(
                e["location"]["line"],
                e["location"]["column"],
                e["end_location"]["line"],
                e["end_location"]["column"],
                e["content"],
            )
            for e in fix.get("edits", ())
        )
        return cls(
            path=data["path"],
            line=data["line"],
            column=data["column"],
            end_line=data["end_line"],
            end_column=data["end_column"],
            code=data["code"],
            name=data["name"],
            severity=data["severity"],
            message=data["message"],
            edits=edits,
            fix_applicability=fix.get("applicability"),
            snippet=data.get("snippet", ""),
        )

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code)
