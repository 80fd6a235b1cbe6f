"""The lint pipeline for one file: read → prefilter → parse → one traversal → checks →
positions (only when something was reported) → suppression → findings with fix edits.
"""

from __future__ import annotations

import ast
import codecs
import functools
import itertools
import re
import tokenize
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kvlint import catalog
from kvlint.config import Settings
from kvlint.findings import Edit, Finding, Fix, Location
from kvlint.lint import suppress
from kvlint.lint.model import Report
from kvlint.lint.suppress import LINE_BREAK

if TYPE_CHECKING:
    from libcst import CSTNode, Module
    from libcst.metadata import CodeRange

# Files are parsed only when they contain one of these (case-insensitive) byte strings: an
# Azure identity / Key Vault import, a Key Vault or token endpoint host, a token library, or an
# ARM vault property. Bare "vault" is deliberately absent (ansible-vault, HashiCorp Vault).
TRIGGERS = (
    rb"keyvault",
    rb"azure\.identity",
    rb"azure import identity",
    rb"vault\.azure",
    rb"vault\.usgovcloudapi",
    rb"vault\.microsoftazure",
    rb"managedhsm",
    rb"vaultcore",
    rb"msal",
    rb"adal",
    rb"msrestazure",
    rb"azure\.common",
    rb"169\.254\.169\.254",
    rb"identity_endpoint",
    rb"msi_endpoint",
    rb"networkacls",
    rb"accesspolicies",
)
MAX_BYTES = 10 * 1024 * 1024
_DIRECTIVE = re.compile(r"#\s*(?:noqa|kvlint:\s*ignore)", re.IGNORECASE)
_CODING = re.compile(rb"[ \t\f]*#.*?coding[:=]")  # PEP 263
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # any line-end style, as CPython's
_IGNORE_FILE = re.compile(rb"#\s*kvlint:\s*ignore-file\b", re.IGNORECASE)


def prefilter(extra_hosts: tuple[str, ...] = ()) -> Triggers:
    words = TRIGGERS + tuple(re.escape(h.strip(".").encode()) for h in extra_hosts if h.strip("."))
    return Triggers(words)


class Triggers:
    """Whether bytes contain any of some patterns (regex sources, like TRIGGERS), ignoring case.

    Plain words are searched with ``bytes.lower()`` and ``in``: over the 61 MB of Python in the
    benchmark's mixed corpus that takes 0.5 s, where one IGNORECASE regex alternation of the
    same words takes 6.6 s. Patterns that are real regular expressions stay a regex.
    """

    def __init__(self, patterns: Iterable[bytes]) -> None:
        self.words: list[bytes] = []
        others = []
        for pattern in patterns:
            literal = _literal(pattern)
            if literal is None:
                others.append(pattern)
            else:
                self.words.append(literal.lower())
        self.regex = re.compile(b"|".join(others), re.IGNORECASE) if others else None

    def search(self, data: bytes) -> bool:
        lowered = data.lower()  # ASCII only, like IGNORECASE on bytes
        for word in self.words:
            if word in lowered:
                return True
        return self.regex is not None and self.regex.search(lowered) is not None


def _literal(pattern: bytes) -> bytes | None:
    """The bytes a regex source matches when it is a plain word (``vault\\.azure``), else None."""
    out = bytearray()
    escaped = False
    for byte in pattern:
        char = bytes((byte,))
        if escaped:
            if char.isalnum():
                return None  # \d, \b, \s ...
            out += char
            escaped = False
        elif char == b"\\":
            escaped = True
        elif char in b".^$*+?{}[]|()":
            return None
        else:
            out += char
    return None if escaped else bytes(out)


@dataclass
class SourceFile:
    """A decoded Python file and what is needed to write it back byte-for-byte alike."""

    text: str
    encoding: str

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def _first_lines(data: bytes) -> list[bytes]:
    """The first two lines (where a coding cookie may be), whatever their line ends."""
    return [match.group(0) for match in itertools.islice(_LINE.finditer(data), 2)]


def decode(data: bytes) -> SourceFile:
    """Decode like Python does (BOM, coding cookie, else UTF-8); raises ValueError."""
    if b"\x00" in data:
        raise ValueError("file contains NUL bytes (binary file?)")
    head = _first_lines(data.removeprefix(codecs.BOM_UTF8))
    lines = iter(_first_lines(data))
    try:
        # CPython's tokenizer ends a line at \r too; tokenize's readline protocol would take a
        # CR-only file for one long first line and find a "coding:" anywhere in it.
        encoding, _ = tokenize.detect_encoding(lambda: next(lines, b""))
    except SyntaxError as exc:
        if any(_CODING.match(line) for line in head):  # Python refuses to run it too
            raise ValueError(f"bad coding declaration ({exc})") from None
        encoding = "utf-8"  # detect_encoding refuses non-UTF-8 bytes without a cookie
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r} in the coding declaration") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"not valid {encoding} (byte 0x{data[exc.start]:02x} on line {line}); "
            f"save it as UTF-8 or declare its encoding (# -*- coding: ... -*-)"
        ) from None
    if encoding == "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    return SourceFile(text, encoding)


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    parsed: bool = False
    source: SourceFile | None = None


def parse_error_finding(path: str, message: str, line: int = 1, column: int = 1) -> Finding:
    name = catalog.entry("KV000").name
    return Finding("KV000", name, "error", message, location=Location.point(path, line, column))


class PythonLinter:
    """Lints Python sources with the enabled checks. One instance serves many files."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.enabled = settings.enabled_codes()
        self.pattern = prefilter(settings.extra_vault_hosts)

    @functools.cached_property
    def checks(self) -> list:
        """The enabled checks; importing them imports libcst, so only on the first parse."""
        from kvlint.lint.checks import all_checks

        return [cls() for cls in all_checks() if set(cls.codes) & self.enabled]

    def wants(self, data: bytes) -> bool:
        return self.pattern.search(data)

    def lint_bytes(self, data: bytes, path: str, relpath: str | None = None) -> LintResult:
        if not self.wants(data) or _IGNORE_FILE.search(data):
            return LintResult()
        enabled = self.settings.codes_for(relpath or path, self.enabled)
        if len(data) > MAX_BYTES:
            return LintResult(
                [
                    parse_error_finding(
                        path,
                        f"file too large to lint ({len(data) // 1024 // 1024} MiB > "
                        f"{MAX_BYTES // 1024 // 1024} MiB); skipped",
                    )
                ]
            )
        try:
            source = decode(data)
        except ValueError as exc:
            return LintResult([parse_error_finding(path, f"cannot read source: {exc}")])
        return self.lint_text(source, path, enabled)

    def lint_text(self, source: SourceFile, path: str, enabled: frozenset[str]) -> LintResult:
        import libcst as cst  # imported only for files that pass the prefilter

        if _deeply_nested(source.text):  # libcst takes minutes on what CPython refuses at once
            error = _cpython_syntax_error(source.text)
            if error is not None:
                return LintResult([_syntax_error(path, error)], source=source)
        try:
            module = parse_module(source.text)
        except cst.ParserSyntaxError as exc:
            error = _cpython_syntax_error(source.text)  # clearer message, exact position
            if error is not None:
                return LintResult([_syntax_error(path, error)], source=source)
            message = f"syntax error: {exc.message}"
            return LintResult(
                [parse_error_finding(path, message, exc.raw_line, exc.raw_column + 1)],
                source=source,
            )
        except cst.CSTValidationError as exc:  # an identifier this Python does not accept
            error = _cpython_syntax_error(source.text)
            finding = _syntax_error(path, error) if error else parse_error_finding(path, str(exc))
            return LintResult([finding], source=source)
        except RecursionError:
            return LintResult(
                [parse_error_finding(path, "code too deeply nested to parse")], source=source
            )
        text = source.text
        try:
            reports = self._run_checks(module, source.text, enabled, path)
            found = suppress.directives(LINE_BREAK.split(text)) if _DIRECTIVE.search(text) else {}
            findings = self._to_findings(module, text, path, reports, found) if reports else []
        except RecursionError:  # the checks, or positions (a deeper walk) for what they found
            return LintResult(
                [parse_error_finding(path, "code too deeply nested to analyse")],
                parsed=True,
                source=source,
            )
        if found and "KV100" in enabled:
            findings += suppress.unused(
                found,
                text,
                enabled,
                path,
                catalog.entry("KV100").name,
                self.settings.severity_of("KV100"),
            )
            findings.sort(key=lambda f: f.sort_key)
        return LintResult(findings, parsed=True, source=source)

    def _run_checks(
        self, module: Module, text: str, enabled: frozenset[str], path: str = ""
    ) -> list[Report]:
        from kvlint.lint.analysis import Analysis

        analysis = Analysis(module, text, self.settings.extra_vault_hosts, path)
        seen: set[tuple[str, int]] = set()
        reports = []
        for check in self.checks:
            for report in check.run(analysis):
                key = (report.code, id(report.node))
                if report.code in enabled and key not in seen:
                    seen.add(key)
                    reports.append(report)
        return reports

    def _to_findings(
        self,
        module: Module,
        text: str,
        path: str,
        reports: list[Report],
        found: dict[int, list[suppress.Directive]],
    ) -> list[Finding]:
        positions = node_positions(module)
        lines = LINE_BREAK.split(text)
        findings = []
        for report in reports:
            where = positions[report.node]
            start, end = where.start, where.end
            if suppress.suppressing(found, report.code, start.line, end.line):
                continue
            edits = tuple(
                Edit(
                    positions[r.node].start.line,
                    positions[r.node].start.column + 1,
                    positions[r.node].end.line,
                    positions[r.node].end.column + 1,
                    r.text,
                )
                for r in report.fix
            )
            findings.append(
                Finding(
                    code=report.code,
                    name=catalog.entry(report.code).name,
                    severity=self.settings.severity_of(report.code),
                    message=report.message,
                    location=Location(path, start.line, start.column + 1, end.line, end.column + 1),
                    fix=Fix(edits, report.fix_applicability) if edits else None,
                    subject=snippet(lines, start.line, start.column, end.line, end.column),
                )
            )
        findings.sort(key=lambda f: f.sort_key)
        return findings


def node_positions(module: Module) -> Mapping[CSTNode, CodeRange]:
    """``MetadataWrapper(module).resolve(PositionProvider)``, without the wasted traversal.

    After computing a non-batchable provider, libcst's resolver still runs the batchable ones
    in a full (node-rebuilding) visit of the module even when there are none; that cost as
    much as the positions themselves (about 0.1 s per file with findings, on SDK code).
    """
    from libcst.metadata import MetadataWrapper, PositionProvider

    return PositionProvider()._gen(MetadataWrapper(module, unsafe_skip_copy=True))


def parse_module(text: str) -> Module:
    """``libcst.parse_module`` without re-validating every node the parser builds.

    Each libcst node validates itself on construction (``CSTNode.__post_init__`` calls
    ``_validate``), which is meant for trees built by hand; the parser only builds nodes for
    source it accepted. Skipping it (as libcst's own PERF note suggests) saves about a third
    of the parse time. Validation is back on as soon as the parse returns. Non-ASCII sources
    are validated as before.
    """
    import libcst as cst

    node = cst.CSTNode
    validate = node.__dict__.get("__post_init__")
    if validate is None or not text.isascii():
        # A libcst without that hook parses as usual. For non-ASCII sources the parser's
        # Unicode tables can be newer than this Python's: keep Name validation, which rejects
        # identifiers CPython would refuse (CSTValidationError).
        return cst.parse_module(text)
    node.__post_init__ = _trusted  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        node.__post_init__ = validate  # type: ignore[method-assign]


def _trusted(self: object) -> None:
    """Stands in for ``CSTNode.__post_init__`` while the parser builds a tree."""


MAX_NESTING = 200  # CPython's tokenizer refuses this many open brackets ("too many nested")
_BRACKETS = re.compile(r"[()\[\]{}]")


def _deeply_nested(text: str) -> bool:
    """At least MAX_NESTING brackets open at once, counted naively (strings included)."""
    if text.count("(") + text.count("[") + text.count("{") < MAX_NESTING:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(text):
        depth = depth + 1 if bracket in "([{" else max(depth - 1, 0)
        if depth >= MAX_NESTING:
            return True
    return False


def _cpython_syntax_error(text: str) -> SyntaxError | None:
    """CPython's own parser's objection to ``text``, if any (syntax only, nothing runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like
        try:
            ast.parse(text)
        except SyntaxError as exc:
            return exc
        except (ValueError, RecursionError, MemoryError):
            return None
    return None


def _syntax_error(path: str, error: SyntaxError) -> Finding:
    return parse_error_finding(
        path, f"syntax error: {error.msg}", error.lineno or 1, max(error.offset or 1, 1)
    )


def snippet(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    """The source text between two 0-based-column positions, whitespace folded."""
    if line > len(lines):
        return ""
    if line == end_line:
        text = lines[line - 1][column:end_column]
    else:
        text = " ".join(
            [
                lines[line - 1][column:],
                *lines[line : end_line - 1],
                lines[end_line - 1][:end_column],
            ]
        )
    return " ".join(text.split())


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (1-based line/column, end exclusive) to ``text``."""
    starts = [0]
    for match in LINE_BREAK.finditer(text):
        starts.append(match.end())

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = sorted(
        ((offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in edits),
        reverse=True,
    )
    last_start = len(text) + 1
    for start, end, content in spans:
        if end > last_start:
            continue  # overlapping edit: leave it for the next round
        text = text[:start] + content + text[end:]
        last_start = start
    return text
