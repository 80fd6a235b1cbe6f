"""Baselines: adopt kvlint on an existing code base by recording today's findings.

A finding's fingerprint is its code, its path relative to the project root and its normalised
offending source text, not its line number, so unrelated edits above it do not make it "new".
When the same text is reported twice in one file, the occurrences are numbered in file order.
SARIF output carries the same fingerprints (``partialFingerprints``) so code scanning dedupes.
The fingerprint itself is :func:`kvlint.findings.fingerprints` (one for every face).
"""

from __future__ import annotations

import json
from pathlib import Path

from kvlint.errors import KvlintError
from kvlint.fileio import read_regular
from kvlint.findings import Finding, fingerprints, where

FORMAT = 1

__all__ = ["FORMAT", "fingerprints", "load", "new_findings", "write"]


def write(path: Path, findings: list[Finding]) -> int:
    entries = sorted(
        (
            {
                "fingerprint": fp,
                "code": f.code,
                "path": where(f),
                "source": f.subject,
            }
            for f, fp in zip(findings, fingerprints(findings), strict=True)
            if f.code != "KV000"
        ),
        key=lambda e: (e["path"], e["code"], e["fingerprint"]),
    )
    document = {"kvlint-baseline": FORMAT, "findings": entries}
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise KvlintError(f"cannot write baseline {path}: {exc.strerror}") from None
    return len(entries)


def load(path: Path) -> set[str]:
    try:
        document = json.loads(read_regular(path).decode("utf-8"))
    except FileNotFoundError:
        raise KvlintError(f"baseline not found: {path} (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise KvlintError(f"baseline {path} is not readable JSON: {exc}") from None
    if (
        not isinstance(document, dict)
        or document.get("kvlint-baseline") != FORMAT
        or not (isinstance(document.get("findings"), list))
    ):
        raise KvlintError(f"baseline {path} is not a kvlint baseline (format {FORMAT})")
    try:
        return {str(entry["fingerprint"]) for entry in document["findings"]}
    except (TypeError, KeyError):
        raise KvlintError(f"baseline {path}: every entry needs a fingerprint") from None


def new_findings(findings: list[Finding], known: set[str]) -> tuple[list[Finding], int]:
    """The findings not in the baseline, and how many were hidden."""
    kept = [
        f
        for f, fp in zip(findings, fingerprints(findings), strict=True)
        if f.code == "KV000" or fp not in known
    ]
    return kept, len(findings) - len(kept)
