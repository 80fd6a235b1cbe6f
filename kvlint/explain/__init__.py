"""``kvlint explain``: paste a Key Vault or Entra ID error, get the cause, the identity and the fix.

:mod:`kvlint.explain.paste` reads what was pasted into facts; :mod:`kvlint.explain.diagnose`
(Key Vault refusals through the shared classifier :mod:`kvlint.causes`) and
:mod:`kvlint.explain.entra` (AADSTS errors) turn them into explanations; :mod:`kvlint.explain.config`
checks them against exported vaults with the audit's own gates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kvlint.explain.model import Explanation
from kvlint.explain.paste import Facts

MAX_INPUT = 4 * 1024 * 1024  # a paste, not a log archive (kvlint logs reads those)


@dataclass
class Report:
    facts: Facts
    explanations: list[Explanation]
    source: str
    missing: list[str] = field(default_factory=list)  # what the paste lacks, over all findings
    vaults_checked: int = 0
    config_errors: list[str] = field(default_factory=list)


# Where one error ends and the next begins in a paste of several (Terraform prints one
# "│ Error:" block per failed resource; a log holds one exception per line group).
_BLOCK = re.compile(r"^(?:[│|]\s*)?Error:\s", re.M)


def _blocks(text: str) -> list[str]:
    starts = [m.start() for m in _BLOCK.finditer(text)]
    if len(starts) < 2:
        return [text]
    starts[0] = 0
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def explain_text(text: str, source: str = "<paste>") -> Report:
    from kvlint.explain import diagnose, paste

    facts = paste.read(text)
    found = diagnose.explain(facts)
    blocks = _blocks(text) if not facts.records else [text]
    if len(blocks) > 1:  # several errors: each explained on its own, each cause once
        found, seen = [], set()
        for block in blocks[:50]:
            for item in diagnose.explain(paste.read(block)):
                key = (item.code, item.finding.message)
                if key not in seen:
                    seen.add(key)
                    found.append(item)
    missing: list[str] = []
    for item in found:
        for text_ in item.unknown:
            if text_ not in missing:
                missing.append(text_)
    return Report(facts, found, source, missing)
