"""``[tool.kvlint]`` from the nearest ``pyproject.toml``, validated.

Every key is declared once in :data:`KEYS` with its type; an unknown key, a wrong type or an
unknown rule code ends the run with exit 2 and one line naming the culprit.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kvlint import catalog
from kvlint.errors import KvlintError
from kvlint.fileio import read_regular
from kvlint.snippet import TOML_POSITION, key_line, snippet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".env/",  # virtualenv directories; a trailing "/" matches directories only (.env files stay)
    "env/",
    "build",
    "dist",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".kvlint_cache",
    "site-packages",
    ".eggs",
    "*.egg-info",
)

# key -> (python type, element type or None, help)
KEYS: dict[str, tuple[type, type | None]] = {
    "select": (list, str),
    "extend-select": (list, str),
    "ignore": (list, str),
    "per-file-ignores": (dict, list),
    "exclude": (list, str),
    "extend-exclude": (list, str),
    "severity": (dict, str),
    "extra-vault-hosts": (list, str),
    "databricks-scopes": (dict, str),
    "include": (list, str),
    "baseline": (str, None),
    "cache-dir": (str, None),
    "include-generated": (bool, None),
    "extend": (str, None),
}
SUBTABLES = ("audit",)  # [tool.kvlint.audit] is validated by the auditor


@dataclass
class Settings:
    """Effective lint settings: config file, then command-line overrides."""

    root: Path = field(default_factory=Path.cwd)
    config_path: Path | None = None
    select: tuple[str, ...] = ("KV",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    extra_vault_hosts: tuple[str, ...] = ()
    # Databricks secret scope -> "keyvault" (Azure Key Vault-backed) or "databricks"
    databricks_scopes: dict[str, str] = field(default_factory=dict)
    include: tuple[str, ...] = ()
    baseline: str | None = None
    cache_dir: str | None = None
    include_generated: bool = False  # lint files whose header says they are generated
    raw_audit: dict = field(default_factory=dict)

    # -- rule selection -------------------------------------------------------------------
    def enabled_codes(self) -> frozenset[str]:
        lint_codes = catalog.codes("check")
        chosen = {c for c in lint_codes if _matches_any(c, self.select + self.extend_select)}
        chosen = {c for c in chosen if not _matches_any(c, self.ignore)}
        chosen.add("KV000")
        return frozenset(chosen)

    def codes_for(self, relpath: str, enabled: frozenset[str]) -> frozenset[str]:
        ignored = [
            code
            for pattern, codes in self.per_file_ignores.items()
            if path_matches(pattern, relpath)
            for code in codes
        ]
        if not ignored:
            return enabled
        return frozenset(c for c in enabled if not _matches_any(c, tuple(ignored)))

    def severity_of(self, code: str) -> str:
        return self.severity.get(code) or catalog.entry(code).severity

    def is_excluded(self, relpath: str, directory: bool = False) -> bool:
        return _matcher(self.exclude + self.extend_exclude)(relpath, directory)

    def exclusion(self) -> Callable[[str, bool], bool]:
        """``is_excluded`` compiled once, for a walk that asks it about every file and folder."""
        return _matcher(self.exclude + self.extend_exclude)

    def excluded_by(self, relpath: str, directory: bool = False) -> str | None:
        """The first exclude pattern that matches ``relpath`` (None: not excluded)."""
        if not self.is_excluded(relpath, directory):
            return None
        return next(
            (p for p in self.exclude + self.extend_exclude if path_matches(p, relpath, directory)),
            None,
        )

    def fingerprint(self) -> str:
        """A digest of everything that changes results (for the result cache)."""
        data = {
            "codes": sorted(self.enabled_codes()),
            "per_file_ignores": self.per_file_ignores,
            "severity": self.severity,
            "hosts": self.extra_vault_hosts,
        }
        if self.databricks_scopes:
            data["databricks_scopes"] = self.databricks_scopes
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _matches_any(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def path_matches(pattern: str, relpath: str, directory: bool = False) -> bool:
    """gitignore-like matching: a pattern without ``/`` matches any path component; a pattern
    ending in ``/`` matches directories only (``relpath`` is one when ``directory``)."""
    return _matcher((pattern,))(relpath, directory)


@functools.lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str, bool], bool]:
    """One test for many patterns (see ``path_matches``): compiled regexes, each path component
    tried once instead of once per pattern (discovery asks this for every file and folder)."""
    names: list[str] = []  # without "/": any component
    dir_names: list[str] = []  # without "/", ending in "/": a component that is a directory
    exact: list[str] = []  # with "/": the whole path
    dir_exact: list[str] = []  # with "/", ending in "/": the whole path, when a directory
    below: list[str] = []  # with "/": anything below it
    for raw in patterns:
        pattern, directories_only = _pattern(raw)
        if "/" not in pattern:
            (dir_names if directories_only else names).append(fnmatch.translate(pattern))
        else:
            (dir_exact if directories_only else exact).append(fnmatch.translate(pattern))
            below.append(fnmatch.translate(pattern + "/*"))
    never = re.compile(r"(?!)")

    def compiled(sources: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(sources)) if sources else never

    name_re, dir_name_re = compiled(names), compiled(dir_names)
    exact_re, dir_exact_re, below_re = compiled(exact), compiled(dir_exact), compiled(below)

    def matches(relpath: str, directory: bool = False) -> bool:
        parts, text = _path(relpath)
        if any(name_re.match(part) for part in parts):
            return True
        if any(dir_name_re.match(part) for part in (parts if directory else parts[:-1])):
            return True
        if below_re.match(text) or exact_re.match(text):
            return True
        return directory and dir_exact_re.match(text) is not None

    return matches


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> tuple[str, bool]:
    """A pattern without ``./`` and trailing ``/``; whether it matches directories only."""
    pattern = pattern.strip()
    directories_only = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern, directories_only


def _path(relpath: str) -> tuple[tuple[str, ...], str]:
    """Parts and text of a path, parsed once for all the patterns it is matched against.

    Discovery's paths are already normal (``a/b/c.py``): split them directly, which is ten times
    cheaper than ``PurePosixPath``; anything else (``./``, ``//``, a leading or trailing ``/``)
    is normalised.
    """
    parts = relpath.split("/")
    if "" not in parts and "." not in parts:
        return tuple(parts), relpath
    path = PurePosixPath(relpath)
    return path.parts, path.as_posix()


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` holding a ``[tool.kvlint]`` table, from ``start`` up."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = _read_toml(candidate)
            except KvlintError:
                raise
            if "kvlint" in data.get("tool", {}):
                return candidate
    return None


def has_kvlint_table(path: Path) -> bool:
    """Whether a ``pyproject.toml`` holds ``[tool.kvlint]`` (read only when it mentions it)."""
    try:
        if b"kvlint" not in read_regular(path):
            return False
    except OSError:
        return False
    return "kvlint" in _read_toml(path).get("tool", {})


def project_root(settings: Settings, start: Path) -> Path:
    """Where the project's result cache goes: next to the ``pyproject.toml`` holding the
    settings, else the nearest ``pyproject.toml`` from ``start`` up, else the settings' root
    (the current directory)."""
    if settings.config_path is not None:
        return settings.root
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file():
            return directory
    return settings.root


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise KvlintError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        where = TOML_POSITION.search(str(exc))
        if where is None:
            raise KvlintError(f"{path}: invalid TOML: {exc}") from None
        line, column = int(where.group(1)), int(where.group(2))
        reason = str(exc)[: where.start()].rstrip()
        raise KvlintError(
            f"{path}:{line}:{column}: invalid TOML: {reason}", snippet(path, line, column)
        ) from None
    except RecursionError:
        raise KvlintError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError as exc:  # CPython's int digit limit
        raise KvlintError(f"{path}: invalid TOML: {str(exc).split(':')[0]}") from None


def load(config: str | None = None, start: Path | None = None) -> Settings:
    """Settings from ``--config FILE`` or the nearest pyproject.toml (defaults if none)."""
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise KvlintError(f"config file not found: {config}")
        data = _read_toml(path)
        table = data.get("tool", {}).get("kvlint", data if "tool" not in data else {})
    else:
        found = find_config(start or Path.cwd())
        if found is None:
            return Settings()
        path = found
        table = _read_toml(path)["tool"]["kvlint"]
    return from_table(table, path)


def from_table(table: dict, path: Path, _chain: tuple[Path, ...] = ()) -> Settings:
    where = f"{path.name} [tool.kvlint]"
    if not isinstance(table, dict):
        raise KvlintError(f"{where} must be a table")
    settings = Settings(root=path.resolve().parent, config_path=path.resolve())
    if "extend" in table:
        base = _extended(table["extend"], path, where, _chain)
        _inherit(settings, base)
    for key, value in table.items():
        if key == "extend":
            continue
        try:
            _set(settings, key, value, where)
        except KvlintError as exc:
            line, column = key_line(path, key) if path.is_file() else (0, 0)
            if not line:
                raise
            message = str(exc).removeprefix(f"{where}: ")
            raise KvlintError(
                f"{path.name}:{line}: [tool.kvlint] {message}", snippet(path, line, column)
            ) from None
    return settings


def _extended(value: object, path: Path, where: str, chain: tuple[Path, ...]) -> Settings:
    """The settings of the file ``extend`` names (relative to ``path``'s folder): a
    ``pyproject.toml`` with ``[tool.kvlint]`` or a TOML file holding the keys at the top."""
    if not isinstance(value, str) or not value.strip():
        raise KvlintError(f"{where}: 'extend' must be the path of a TOML file")
    base = (path.resolve().parent / value).resolve()
    if base in (*chain, path.resolve()):
        cycle = " -> ".join(p.name for p in (*chain, path.resolve(), base))
        raise KvlintError(f"{where}: 'extend' makes a cycle ({cycle})")
    if not base.is_file():
        raise KvlintError(f"{where}: 'extend' names {value!r}, which is not a file")
    data = _read_toml(base)
    table = data.get("tool", {}).get("kvlint", data if "tool" not in data else None)
    if table is None:
        raise KvlintError(f"{where}: 'extend' names {value!r}, which has no [tool.kvlint] table")
    return from_table(table, base, (*chain, path.resolve()))


def _rebase(pattern: str, base: Path, root: Path) -> str | None:
    """A path pattern of the configuration in ``base`` as seen from ``root`` (None: it can match
    nothing below ``root``). Patterns without ``/`` match a name anywhere and stay as they are."""
    bare, directories_only = _pattern(pattern)
    if "/" not in bare or bare.startswith("*") or base == root:
        return pattern
    suffix = "/" if directories_only else ""
    try:
        inner = root.relative_to(base).as_posix()  # root below base: strip its folder
    except ValueError:
        try:
            outer = base.relative_to(root).as_posix()  # base below root: prefix its folder
        except ValueError:
            return None  # side by side: nothing below root is under base
        return f"{outer}/{bare}{suffix}"
    if bare.startswith(inner + "/"):
        return bare[len(inner) + 1 :] + suffix
    return None


def _inherit(settings: Settings, base: Settings) -> None:
    """What ``extend`` brings: every setting of the base; path patterns made relative to this
    configuration's folder (as ruff resolves an extended file's paths from that file)."""
    for name in ("select", "extend_select", "ignore", "severity", "extra_vault_hosts"):
        setattr(settings, name, getattr(base, name))
    settings.include_generated = base.include_generated
    settings.raw_audit = base.raw_audit
    if base.cache_dir:
        settings.cache_dir = str(base.root / base.cache_dir)
    if base.baseline:
        settings.baseline = str(base.root / base.baseline)

    def rebased(patterns: tuple[str, ...]) -> tuple[str, ...]:
        moved = (_rebase(p, base.root, settings.root) for p in patterns)
        return tuple(p for p in moved if p is not None)

    settings.exclude = rebased(base.exclude) if base.exclude != DEFAULT_EXCLUDE else DEFAULT_EXCLUDE
    settings.extend_exclude = rebased(base.extend_exclude)
    settings.include = rebased(base.include)
    settings.per_file_ignores = {
        moved: codes
        for pattern, codes in base.per_file_ignores.items()
        if (moved := _rebase(pattern, base.root, settings.root)) is not None
    }


_TYPE_WORDS = {str: "string", list: "list", dict: "table", bool: "boolean", int: "integer"}


def _set(settings: Settings, key: str, value: object, where: str) -> None:
    if key in SUBTABLES:
        if not isinstance(value, dict):
            raise KvlintError(f"{where}: '{key}' must be a table")
        settings.raw_audit = value
        return
    if key not in KEYS:
        raise KvlintError(f"{where}: unknown key '{key}' (known: {', '.join(sorted(KEYS))})")
    kind, element = KEYS[key]
    if not isinstance(value, kind) or (
        isinstance(value, list)
        and element is not None
        and not all(isinstance(v, element) for v in value)
    ):
        expected = (
            f"a list of {_TYPE_WORDS.get(element, element.__name__)}s"
            if kind is list and element is not None
            else f"a {_TYPE_WORDS.get(kind, kind.__name__)}"
        )
        raise KvlintError(f"{where}: '{key}' must be {expected}")
    _apply(settings, key, value, where)


def _apply(settings: Settings, key: str, value, where: str) -> None:
    attr = key.replace("-", "_")
    if key in ("select", "extend-select", "ignore"):
        setattr(settings, attr, tuple(validate_codes(value, f"{where}: '{key}'")))
    elif key == "per-file-ignores":
        table: dict[str, tuple[str, ...]] = {}
        for pattern, codes in value.items():
            validate_pattern(pattern, f"{where}: 'per-file-ignores'")
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise KvlintError(f"{where}: per-file-ignores['{pattern}'] must be a list of codes")
            table[pattern] = tuple(validate_codes(codes, f"{where}: per-file-ignores['{pattern}']"))
        settings.per_file_ignores = table
    elif key == "severity":
        severities: dict[str, str] = {}
        for code, severity in value.items():
            validate_codes([code], f"{where}: severity", exact=True)
            if severity not in catalog.SEVERITIES:
                raise KvlintError(
                    f"{where}: severity of {code} must be one of {', '.join(catalog.SEVERITIES)}"
                )
            severities[code] = severity
        settings.severity = severities
    elif key == "extra-vault-hosts":
        for host in value:
            if not _HOST.fullmatch(host):
                raise KvlintError(
                    f"{where}: '{key}' entry {host!r} is not a host name or suffix "
                    "(e.g. 'vault.contoso.example')"
                )
        settings.extra_vault_hosts = tuple(value)
    elif key == "databricks-scopes":
        for scope, kind in value.items():
            if kind not in ("keyvault", "databricks"):
                raise KvlintError(
                    f"{where}: databricks-scopes['{scope}'] must be 'keyvault' (Azure Key "
                    f"Vault-backed) or 'databricks' (Databricks-backed), not {kind!r}"
                )
        settings.databricks_scopes = dict(value)
    elif key in ("exclude", "extend-exclude", "include"):
        for pattern in value:
            validate_pattern(pattern, f"{where}: '{key}'")
        setattr(settings, attr, tuple(value))
    elif isinstance(value, list):
        setattr(settings, attr, tuple(value))
    else:
        setattr(settings, attr, value)


_HOST = re.compile(
    r"\.?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*", re.I
)


def validate_pattern(pattern: str, where: str) -> None:
    """A path pattern must be non-empty and close every ``[`` (as fnmatch reads it); fnmatch would
    take a lone ``[`` literally, which is never what was meant."""
    if not pattern.strip() or pattern.strip() in ("./", "/"):
        raise KvlintError(f"{where}: empty path pattern {pattern!r}")
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            j = i + 1
            if j < len(pattern) and pattern[j] == "!":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            close = pattern.find("]", j)
            if close < 0:
                raise KvlintError(
                    f"{where}: path pattern {pattern!r} has an unclosed '[' (write '[[]' for a "
                    "literal '[')"
                )
            i = close
        i += 1


def validate_codes(
    codes: list[str] | tuple[str, ...], where: str, exact: bool = False
) -> list[str]:
    """Rule codes or prefixes (``KV1``, ``KV101``), upper-cased; unknown ones are an error."""
    known = catalog.codes()
    out = []
    for raw in codes:
        code = raw.strip().upper()
        ok = code in known if exact else any(k.startswith(code) for k in known) and code
        if not ok or not code.startswith("KV"):
            raise KvlintError(f"{where}: unknown rule code '{raw}'")
        out.append(code)
    return out
