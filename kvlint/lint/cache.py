"""Result cache: findings per (file content, kvlint code, effective settings, file path).

One small JSON file per entry under ``<cache-dir>/v1/``, written atomically (temporary file +
``os.replace``), so concurrent runs never see a partial entry and never block each other. The
directory is hostile input (a repository can commit links there): :mod:`kvlint.lint.cachefs`
checks it before a run and never follows a link in it. The key
includes a fingerprint of kvlint's own code and rule files (sizes and modification times), so a
changed rule never serves a stale result, even in a development checkout whose version number
did not change. The cache is bounded: once it holds more than ``MAX_ENTRIES`` entries, the least
recently written are removed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kvlint import __version__
from kvlint.findings import Finding
from kvlint.lint.cachefs import Root, open_root

MAX_ENTRIES = 20_000
FOLDER = "v1"


@functools.cache
def code_fingerprint() -> str:
    """Changes whenever kvlint's code or rule catalogue changes."""
    from kvlint.catalog import rules_dir

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for folder, pattern in ((package, "*.py"), (rules_dir(), "*.yaml")):
        for path in sorted(folder.rglob(pattern)):
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class ResultCache:
    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        """A cache in ``directory``, trusted as it is: :meth:`open` checks it first."""
        self.disk = Root(Path(os.path.abspath(directory)))
        self.directory = self.disk.path  # project summaries live beside the results
        self.root = self.directory / FOLDER
        self.salt = f"{code_fingerprint()}:{settings_fingerprint}".encode()
        self.written = 0
        self.refused = 0  # links met in the cache while pruning (left alone)

    @classmethod
    def open(
        cls, directory: Path, settings_fingerprint: str, explicit: bool, project: Path
    ) -> tuple[ResultCache | None, str | None]:
        """The cache in ``directory`` if it may be used, else (None, one line saying why):
        see :func:`kvlint.lint.cachefs.open_root`."""
        from kvlint.lint.project.store import FOLDER as SUMMARIES

        root, refused = open_root(directory, explicit, project, kept=(FOLDER, SUMMARIES))
        if root is None:
            return None, refused
        return cls(root.path, settings_fingerprint), None

    def key(self, data: bytes, relpath: str) -> str:
        digest = hashlib.sha256(self.salt)
        digest.update(relpath.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get(
        self, key: str, display: str, still_valid: Callable[[dict[str, str]], bool] | None = None
    ) -> Entry | None:
        """The cached result, unless something of another module it used has changed
        (``still_valid`` is asked with the recorded key -> digest map)."""
        try:
            data = self.disk.read(FOLDER, key)
            if data is None:
                return None
            raw = json.loads(data)
            if isinstance(raw, list):
                raw = {"findings": raw}
            used = raw.get("used") or {}
            if used and (still_valid is None or not still_valid(used)):
                return None
            findings = [Finding.from_dict({**item, "path": display}) for item in raw["findings"]]
            passed = [(str(a), str(b), str(c)) for a, b, c in raw.get("passed") or ()]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return Entry(findings, passed, bool(raw.get("exports")))

    def put(
        self,
        key: str,
        findings: list[Finding],
        used: dict[str, str] | None = None,
        passed: list[tuple[str, str, str]] | None = None,
        exports: bool = False,
    ) -> None:
        items = []
        for finding in findings:
            item = finding.as_dict()
            del item["path"]
            item["snippet"] = finding.subject
            items.append(item)
        # the plain list when nothing else was recorded (most files; older entries too)
        entry: object = items
        if used or passed or exports:
            record: dict[str, object] = {"findings": items, "used": used or {}}
            record["passed"] = passed or []
            if exports:
                record["exports"] = True
            entry = record
        data = json.dumps(entry, separators=(",", ":")).encode("utf-8")
        if not self.written:
            self.disk.ensure_markers()
        if self.disk.write(FOLDER, key, data):
            self.written += 1

    def prune(self, limit: int = MAX_ENTRIES) -> int:
        """Remove the oldest entries beyond ``limit`` (results, and project summaries, each
        bounded alike); returns how many were removed."""
        if not self.written:
            return 0
        from kvlint.lint.project.store import FOLDER as SUMMARIES

        removed = 0
        for folder in (FOLDER, SUMMARIES):
            count, refused = self.disk.prune(folder, limit)
            removed += count
            self.refused += refused
        return removed


@dataclass(frozen=True)
class Entry:
    findings: list[Finding]
    passed: list[tuple[str, str, str]]  # what the file told other modules (LintResult.passed)
    exports: bool = False  # LintResult.exports
