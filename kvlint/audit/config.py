"""``[tool.kvlint.audit]`` from the nearest pyproject.toml, validated.

```toml
[tool.kvlint.audit]
ignore = ["KVA301"]            # codes never reported
fail-on = "warning"            # info | warning | error (the command line wins)
max-principals = 25            # KVA301 threshold
min-retention-days = 90        # KVA403 threshold (7-90)

[[tool.kvlint.audit.waivers]]
vault = "kv-legacy-*"          # a name glob, or an id glob starting with /subscriptions/
codes = ["KVA211"]             # optional: every code when absent
reason = "public by design until INFRA-123 lands"
```

An unknown key or a value of the wrong type is a configuration error naming the key.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kvlint import catalog
from kvlint.audit.checks import Thresholds
from kvlint.errors import KvlintError
from kvlint.findings import Finding

TABLE = "[tool.kvlint.audit]"
FAIL_ON = ("info", "warning", "error")


@dataclass(frozen=True)
class Waiver:
    pattern: str
    reason: str
    codes: frozenset[str] = frozenset()  # empty = every code

    def covers(self, item: Finding) -> bool:
        if self.codes and item.code not in self.codes:
            return False
        if item.resource is None:
            return False
        target = item.resource.id if self.pattern.startswith("/") else item.resource.name
        return fnmatch.fnmatchcase(target.lower(), self.pattern.lower())


@dataclass(frozen=True)
class AuditConfig:
    ignore: frozenset[str] = frozenset()
    fail_on: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    waivers: tuple[Waiver, ...] = ()
    source: Path | None = None

    def waiver_for(self, item: Finding) -> Waiver | None:
        return next((w for w in self.waivers if w.covers(item)), None)


def _codes(value: Any, key: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise KvlintError(f"{TABLE} {key} must be a list of codes")
    audit_codes = set(catalog.codes("audit"))
    for code in value:
        if code.upper() not in audit_codes:
            raise KvlintError(f"{TABLE} {key}: unknown audit code {code!r}")
    return frozenset(code.upper() for code in value)


def _int(value: Any, key: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise KvlintError(f"{TABLE} {key} must be an integer")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise KvlintError(f"{TABLE} {key} must be {bounds}")
    return value


def _waiver(raw: Any, index: int) -> Waiver:
    where = f"{TABLE} waivers[{index}]"
    if not isinstance(raw, dict):
        raise KvlintError(f"{where} must be a table with vault and reason")
    unknown = set(raw) - {"vault", "codes", "reason"}
    if unknown:
        raise KvlintError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    for key in ("vault", "reason"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise KvlintError(f"{where}.{key} must be a non-empty string")
    codes = _codes(raw["codes"], f"waivers[{index}].codes") if "codes" in raw else frozenset()
    return Waiver(raw["vault"].strip(), raw["reason"].strip(), codes)


def parse(table: Any, source: Path | None = None) -> AuditConfig:
    if not isinstance(table, dict):
        raise KvlintError(f"{TABLE} must be a table")
    known = {"ignore", "fail-on", "max-principals", "min-retention-days", "waivers"}
    unknown = set(table) - known
    if unknown:
        raise KvlintError(
            f"{TABLE}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})"
        )
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise KvlintError(f"{TABLE} fail-on must be one of {', '.join(FAIL_ON)}")
    waivers = table.get("waivers", [])
    if not isinstance(waivers, list):
        raise KvlintError(f"{TABLE} waivers must be an array of tables")
    defaults = Thresholds()
    return AuditConfig(
        ignore=_codes(table["ignore"], "ignore") if "ignore" in table else frozenset(),
        fail_on=fail_on,
        thresholds=Thresholds(
            max_principals=_int(
                table.get("max-principals", defaults.max_principals), "max-principals", 1
            ),
            min_retention_days=_int(
                table.get("min-retention-days", defaults.min_retention_days),
                "min-retention-days",
                7,
                90,
            ),
        ),
        waivers=tuple(_waiver(raw, i) for i, raw in enumerate(waivers)),
        source=source,
    )


def load(start: Path | None = None) -> AuditConfig:
    """The audit configuration of the nearest pyproject.toml with a [tool.kvlint] table."""
    from kvlint import config as kvlint_config

    settings = kvlint_config.load(None, start or Path.cwd())
    if not settings.raw_audit:
        return AuditConfig(source=settings.config_path)
    return parse(settings.raw_audit, settings.config_path)
