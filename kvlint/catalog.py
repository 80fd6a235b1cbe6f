"""The rule catalogue: one YAML document per rule or check in ``rules/``.

Every code kvlint can report (lint ``KV*``, audit ``KVA*``, token ``KVT*``) has a file
``rules/<CODE>.yaml`` holding its metadata and documentation. This module is the only reader
of those files; everything else (severities, names, ``kvlint rule``, SARIF rule metadata) asks it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from kvlint.errors import KvlintError

SEVERITIES = ("error", "warning", "info")
_REQUIRED = ("code", "name", "severity", "summary", "what", "why", "example", "use_instead")


@dataclass(frozen=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True)
class Benchmark:
    """A control of a security benchmark a check helps to meet."""

    framework: str  # "MCSB v1", "CIS Microsoft Azure Foundations v2.0.0"
    control: str  # "DP-8", "8.5"
    title: str

    @property
    def tag(self) -> str:
        """A compact tag for SARIF and JSON: ``MCSB-v1/DP-8``, ``CIS-Azure-2.0.0/8.5``."""
        short = {"MCSB v1": "MCSB-v1", "CIS Microsoft Azure Foundations v2.0.0": "CIS-Azure-2.0.0"}
        return f"{short.get(self.framework, self.framework.replace(' ', '-'))}/{self.control}"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    what: str
    why: str
    example: str
    use_instead: str
    references: tuple[Reference, ...] = field(default_factory=tuple)
    fix: str = "none"  # "safe", "unsafe" or "none"
    face: str = "check"  # "check", "audit", "token", "logs" or "explain"
    benchmarks: tuple[Benchmark, ...] = field(default_factory=tuple)

    @property
    def help_uri(self) -> str | None:
        return self.references[0].url if self.references else None

    def markdown(self) -> str:
        """The rule's documentation page, shaped like ruff's rule pages."""
        lang = "python" if self.face == "check" else ""
        parts = [
            f"# {self.code} {self.name}",
            "",
            f"Severity: {self.severity}. Autofix: {self.fix}. Reported by `kvlint {self.face}`.",
            "",
            self.summary.strip(),
            "",
            "## What it does",
            self.what.strip(),
            "",
            "## Why is this bad?",
            self.why.strip(),
            "",
            "## Example",
            f"```{lang}\n{self.example.strip()}\n```",
            "",
            "## Use instead",
            f"```{lang}\n{self.use_instead.strip()}\n```",
        ]
        if self.benchmarks:
            parts += ["", "## Benchmarks"]
            parts += [f"- {b.framework} {b.control}: {b.title}" for b in self.benchmarks]
        if self.references:
            parts += ["", "## References"]
            parts += [f"- [{ref.title}]({ref.url})" for ref in self.references]
        return "\n".join(parts) + "\n"


def rules_dir() -> Path:
    """``rules/`` inside an installed wheel, else beside the package in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise KvlintError("the rule catalogue (rules/) is missing from this installation")


def _load_yaml(text: str, source: str) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise KvlintError(f"{source}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise KvlintError(f"{source}: a rule file must hold a mapping")
    return data


def _parse(data: dict, source: str) -> Rule:
    missing = [key for key in _REQUIRED if not data.get(key)]
    if missing:
        raise KvlintError(f"{source}: missing {', '.join(missing)}")
    if data["severity"] not in SEVERITIES:
        raise KvlintError(f"{source}: severity must be one of {', '.join(SEVERITIES)}")
    code = str(data["code"])
    face = _face(code)
    refs = tuple(Reference(str(r["title"]), str(r["url"])) for r in data.get("references") or ())
    try:
        marks = tuple(
            Benchmark(str(b["framework"]), str(b["control"]), str(b["title"]))
            for b in data.get("benchmarks") or ()
        )
    except (KeyError, TypeError):
        raise KvlintError(f"{source}: each benchmark needs framework, control and title") from None
    return Rule(
        code=code,
        name=str(data["name"]),
        severity=str(data["severity"]),
        summary=str(data["summary"]),
        what=str(data["what"]),
        why=str(data["why"]),
        example=str(data["example"]),
        use_instead=str(data["use_instead"]),
        references=refs,
        fix=str(data.get("fix", "none")),
        face=face,
        benchmarks=marks,
    )


@dataclass(frozen=True)
class Entry:
    """What the lint path needs of a rule, read without a YAML parser."""

    code: str
    name: str
    severity: str
    face: str


_HEADER = re.compile(r"^(code|name|severity):[ \t]*(\S+)[ \t]*$", re.MULTILINE)


@functools.cache
def index() -> dict[str, Entry]:
    """Code, name and severity of every rule from the rule files' top-level scalar lines.

    ``kvlint check`` runs on every commit: it needs only these three fields, and reading them
    with a regular expression is ~20x cheaper than parsing every YAML document. The test suite
    checks that this index agrees with the full parse (:func:`catalog`).
    """
    entries: dict[str, Entry] = {}
    for path in sorted(rules_dir().glob("*.yaml")):
        fields = dict(_HEADER.findall(path.read_text(encoding="utf-8")))
        code = fields.get("code", path.stem)
        entries[code] = Entry(code, fields.get("name", ""), fields.get("severity", ""), _face(code))
    return entries


def _face(code: str) -> str:
    if code.startswith("KVL"):
        return "logs"
    if code.startswith("KVE"):
        return "explain"
    return "audit" if code.startswith("KVA") else "token" if code.startswith("KVT") else "check"


@functools.cache
def catalog() -> dict[str, Rule]:
    """All rules by code, in code order."""
    rules: dict[str, Rule] = {}
    for path in sorted(rules_dir().glob("*.yaml")):
        rule = _parse(_load_yaml(path.read_text(encoding="utf-8"), path.name), path.name)
        if rule.code != path.stem:
            raise KvlintError(f"{path.name}: code {rule.code} does not match the file name")
        rules[rule.code] = rule
    return rules


def get(code: str) -> Rule:
    try:
        return catalog()[code]
    except KeyError:
        raise KvlintError(f"unknown rule code {code!r} (see `kvlint rules`)") from None


def lookup(text: str) -> Rule:
    """A rule by its code (``KV305``) or its name (``keyvault-read-per-request``), either case;
    an unknown one is an error that suggests the closest codes or names."""
    wanted = text.strip()
    rules = catalog()
    if wanted.upper() in rules:
        return rules[wanted.upper()]
    by_name = {rule.name.lower(): rule for rule in rules.values()}
    name = wanted.lower().replace("_", "-")
    if name in by_name:
        return by_name[name]
    import difflib

    close = difflib.get_close_matches(name, list(by_name), n=3, cutoff=0.6)
    close += difflib.get_close_matches(wanted.upper(), list(rules), n=2, cutoff=0.8)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise KvlintError(
        f"unknown rule {text!r}: neither a code nor a name{hint}; `kvlint rules` lists them"
    )


def entry(code: str) -> Entry:
    try:
        return index()[code]
    except KeyError:
        raise KvlintError(f"unknown rule code {code!r} (see `kvlint rules`)") from None


def codes(face: str | None = None) -> list[str]:
    return [code for code, e in index().items() if face is None or e.face == face]
