"""``kvlint check --show-settings``: the settings in effect, as TOML-like ``key = value`` lines.

Values are JSON-quoted (so a pattern or path with odd characters prints on one line), and the
enabled codes are the ones the run would really check.
"""

from __future__ import annotations

import json
from pathlib import Path

from kvlint.config import Settings


def _value(value: object) -> str:
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, dict):
        value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
    return json.dumps(value, ensure_ascii=True)


def render_settings(settings: Settings, start: Path) -> str:
    source = str(settings.config_path) if settings.config_path else "(none: defaults)"
    rows = [
        ("configuration", source),
        ("root", str(settings.root)),
        ("select", settings.select),
        ("extend-select", settings.extend_select),
        ("ignore", settings.ignore),
        ("enabled", tuple(sorted(settings.enabled_codes() - {"KV000"}))),
        ("per-file-ignores", settings.per_file_ignores),
        ("exclude", settings.exclude),
        ("extend-exclude", settings.extend_exclude),
        ("include", settings.include),
        ("severity", settings.severity),
        ("extra-vault-hosts", settings.extra_vault_hosts),
        ("include-generated", settings.include_generated),
        ("baseline", settings.baseline),
        ("cache-dir", settings.cache_dir or ".kvlint_cache"),
    ]
    width = max(len(key) for key, _ in rows)
    lines = [f"Resolved settings for: {json.dumps(str(start.resolve()), ensure_ascii=True)}"]
    lines += [f"{key.ljust(width)} = {_value(value)}" for key, value in rows]
    return "\n".join(lines) + "\n"
