"""Regenerate the rule table in README.md from rules/ (run after adding or changing a rule)."""

from __future__ import annotations

import re
from pathlib import Path

from kvlint import catalog
from kvlint.commands.rules import rules_table

README = Path(__file__).resolve().parent.parent / "README.md"
MARKERS = re.compile(r"(<!-- rules-table:start -->\n).*?(<!-- rules-table:end -->)", re.DOTALL)


def render(text: str) -> str:
    table = rules_table([catalog.get(code) for code in catalog.codes()])
    return MARKERS.sub(lambda m: m.group(1) + table + m.group(2), text)


if __name__ == "__main__":
    README.write_text(render(README.read_text(encoding="utf-8")), encoding="utf-8")
