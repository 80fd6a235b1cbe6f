"""``kvlint explain``: paste a Key Vault or Entra ID error, get the cause, the identity and the fix.

:mod:`kvlint.explain.paste` reads what was pasted into facts; :mod:`kvlint.explain.diagnose`
(Key Vault refusals through the shared classifier :mod:`kvlint.causes`) and
:mod:`kvlint.explain.entra` (AADSTS errors) turn them into explanations; :mod:`kvlint.explain.config`
checks them against exported vaults with the audit's own gates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kvlint.explain.diagnose import Explanation
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


def explain_text(text: str, source: str = "<paste>") -> Report:
    from kvlint.explain import diagnose, paste

    facts = paste.read(text)
    found = diagnose.explain(facts)
    missing: list[str] = []
    for item in found:
        for text_ in item.unknown:
            if text_ not in missing:
                missing.append(text_)
    return Report(facts, found, source, missing)
