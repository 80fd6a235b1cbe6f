"""Result cache: findings per (file content, kvlint code, effective settings, file path).

One small JSON file per entry under ``<cache-dir>/v1/``, written atomically (temporary file +
``os.replace``), so concurrent runs never see a partial entry and never block each other. The key
includes a fingerprint of kvlint's own code and rule files (sizes and modification times), so a
changed rule never serves a stale result, even in a development checkout whose version number
did not change. The cache is bounded: once it holds more than ``MAX_ENTRIES`` entries, the least
recently written are removed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kvlint import __version__
from kvlint.findings import Finding

MAX_ENTRIES = 20_000
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# kvlint result cache\n"


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
        self.directory = directory  # project summaries live beside the results
        self.root = directory / "v1"
        self.salt = f"{code_fingerprint()}:{settings_fingerprint}".encode()
        self.written = 0

    def key(self, data: bytes, relpath: str) -> str:
        digest = hashlib.sha256(self.salt)
        digest.update(relpath.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(
        self, key: str, display: str, still_valid: Callable[[dict[str, str]], bool] | None = None
    ) -> Entry | None:
        """The cached result, unless something of another module it used has changed
        (``still_valid`` is asked with the recorded key -> digest map)."""
        try:
            raw = json.loads(self._path(key).read_bytes())
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
        path = self._path(key)
        try:
            self._ensure_root()
            path.parent.mkdir(parents=True, exist_ok=True)
            import tempfile  # imported by the first write, not at start-up

            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            # the plain list when nothing else was recorded (most files; older entries too)
            entry: object = items
            if used or passed or exports:
                record: dict[str, object] = {"findings": items, "used": used or {}}
                record["passed"] = passed or []
                if exports:
                    record["exports"] = True
                entry = record
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, separators=(",", ":"))
            os.replace(tmp, path)
            self.written += 1
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def _ensure_root(self) -> None:
        if self.root.is_dir():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        top = self.root.parent
        with contextlib.suppress(OSError):
            (top / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
            (top / ".gitignore").write_text("# created by kvlint\n*\n")

    def prune(self, limit: int = MAX_ENTRIES) -> int:
        """Remove the oldest entries beyond ``limit`` (results, and project summaries, each
        bounded alike); returns how many were removed."""
        if not self.written:
            return 0
        from kvlint.lint.project.store import FOLDER

        return prune_folder(self.root, limit) + prune_folder(self.directory / FOLDER, limit)


@dataclass(frozen=True)
class Entry:
    findings: list[Finding]
    passed: list[tuple[str, str, str]]  # what the file told other modules (LintResult.passed)
    exports: bool = False  # LintResult.exports


def prune_folder(root: Path, limit: int) -> int:
    """Remove the oldest ``root/xx/*.json`` entries beyond ``limit``."""
    if not root.is_dir():
        return 0
    # Estimate from one bucket (keys are uniform over 256 buckets) before listing them all.
    buckets = [p for p in root.iterdir() if p.is_dir()]
    if buckets and len(os.listdir(buckets[0])) * 256 < limit * 0.9:
        return 0
    entries = []
    for sub in root.iterdir():
        if sub.is_dir():
            for entry in sub.iterdir():
                with contextlib.suppress(OSError):
                    entries.append((entry.stat().st_mtime_ns, entry))
    if len(entries) <= limit:
        return 0
    entries.sort()
    removed = 0
    for _, entry in entries[: len(entries) - limit]:
        with contextlib.suppress(OSError):
            entry.unlink()
            removed += 1
    return removed
