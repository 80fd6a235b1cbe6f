"""File kinds kvlint reads. Each source turns a file's text into the facts rules query:

* :mod:`kvlint.lint.sources.python`: a parsed module and its semantic model
  (:class:`~kvlint.lint.semantic.model.Analysis`), on which the Key Vault facts are computed;
* :mod:`kvlint.lint.sources.config`: YAML / JSON / TOML / dotenv values, as audience facts
  (:class:`~kvlint.lint.facts.audiences.AudienceUse`), the same the Python facts give;
* :mod:`kvlint.lint.sources.notebook`: a Jupyter notebook's code cells as one Python module,
  linted as Python, its findings moved into their cells.

Both give the engine ``locate`` (a reported node's position) and ``subject`` (its text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kvlint.findings import Edit, Finding

IGNORE_FILE = re.compile(rb"#\s*kvlint:\s*ignore-file\b", re.IGNORECASE)


@dataclass
class SourceFile:
    """A decoded Python file and what is needed to write it back byte-for-byte alike."""

    text: str
    encoding: str

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)

    def with_text(self, text: str) -> SourceFile | None:
        """The same kind of file holding ``text`` (None: ``text`` cannot be written back)."""
        return SourceFile(text, self.encoding)

    # Findings are reported where people read them; a notebook's are in its cells
    # (sources/notebook.py), everything else's already in ``text``.
    def to_module(self, edit: Edit) -> Edit:
        """An edit as reported, in the lines of ``text``."""
        return edit

    def module_finding(self, finding: Finding) -> Finding:
        """A finding as reported, in the lines of ``text``."""
        return finding

    def changes(self, text: str, display: str) -> list[tuple[str, str, str]]:
        """What an edit to ``text`` changes, for ``--diff``: (name shown, before, after)."""
        return [(display, self.text, text)]


class Triggers:
    """Whether bytes contain any of some patterns (regex sources, like TRIGGERS), ignoring case.

    Plain words are searched with ``bytes.lower()`` and ``in``: over the 61 MB of Python in the
    benchmark's mixed corpus that takes 0.5 s, where one IGNORECASE regex alternation of the
    same words takes 6.6 s. Patterns that are real regular expressions stay a regex.
    """

    def __init__(self, patterns: Iterable[bytes]) -> None:
        self.words: list[bytes] = []
        others = []
        for pattern in patterns:
            literal = _literal(pattern)
            if literal is None:
                others.append(pattern)
            else:
                self.words.append(literal.lower())
        self.regex = re.compile(b"|".join(others), re.IGNORECASE) if others else None

    def search(self, data: bytes) -> bool:
        lowered = data.lower()  # ASCII only, like IGNORECASE on bytes
        for word in self.words:
            if word in lowered:
                return True
        return self.regex is not None and self.regex.search(lowered) is not None


def _literal(pattern: bytes) -> bytes | None:
    """The bytes a regex source matches when it is a plain word (``vault\\.azure``), else None."""
    out = bytearray()
    escaped = False
    for byte in pattern:
        char = bytes((byte,))
        if escaped:
            if char.isalnum():
                return None  # \d, \b, \s ...
            out += char
            escaped = False
        elif char == b"\\":
            escaped = True
        elif char in b".^$*+?{}[]|()":
            return None
        else:
            out += char
    return None if escaped else bytes(out)
