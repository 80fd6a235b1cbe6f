"""GitHub-flavoured Markdown tables for review documents.

Cells come from hostile input (vault names, log fields, messages quoting them): each is one
line with its markup escaped (:mod:`kvlint.report.escape`); only :class:`Raw` cells kvlint
builds itself (a link to a rule's page) pass as written.
"""

from __future__ import annotations

from collections.abc import Sequence

from kvlint.report.escape import markdown_text


class Raw(str):
    """Markdown kvlint wrote itself (a link), put in a cell as it is."""


def cell(value: object) -> str:
    """One table cell: one line, markup (pipes, HTML, links, emphasis) escaped; backticks stay
    (a message's code spans), and inside one the escapes are shown, never interpreted."""
    if isinstance(value, Raw):
        return str(value)
    return markdown_text(value, code_spans=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
