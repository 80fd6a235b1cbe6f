"""Python sources: the prefilter, decoding like Python does, parsing with libcst (fast, and
with CPython's own syntax errors), and node positions, only for files with findings."""

from __future__ import annotations

import ast
import codecs
import itertools
import re
import tokenize
import warnings
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, cast

from kvlint.lint.sources import SourceFile, Triggers, slicing
from kvlint.lint.suppress import LINE_BREAK

if TYPE_CHECKING:
    from libcst import CSTNode, Module
    from libcst.metadata import CodeRange

    from kvlint.lint.semantic.model import Analysis

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
    # data platforms' secret utilities (kvlint.lint.facts.platforms)
    rb"dbutils",
    rb"mssparkutils",
    rb"notebookutils",
    rb"get_secret",  # Azure ML's Run.get_secret(s) (Keyvault reads say "keyvault" already)
)


MAX_BYTES = 10 * 1024 * 1024


_CODING = re.compile(rb"[ \t\f]*#.*?coding[:=]")  # PEP 263
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # any line-end style, as CPython's
# A backslash continuation with nothing after it but blank lines: CPython accepts it, libcst's
# tokenizer refuses it ("unexpected end of file after a line continuation").
_DANGLING_CONTINUATION = re.compile(r"\\(?:\r\n|\r|\n)\s*\Z")


# What an imported module's definition must mention to be worth a parse (the project-wide
# analysis, kvlint.lint.project.store): a symbol can only carry values and functions that
# involve one of these (URLs, Key Vault, identity, HTTP, environment, logs and responses).
RELEVANT_WORDS = (
    "vault",
    "client",
    "credential",
    "secret",
    "token",
    "scope",
    "audience",
    "resource",
    "://",
    "requests",
    "httpx",
    "urlopen",
    "urllib",
    "aiohttp",
    "environ",
    "getenv",
    # helpers that write a parameter to a log or stdout (a secret passed is exposed at the call)
    "logg",
    "log.",
    "log_",
    "_log",
    "print(",
    "echo(",
)


def worth_summarising(text: str) -> bool:
    """Whether a definition's text may say something about Key Vault."""
    low = text.lower()
    return any(word in low for word in RELEVANT_WORDS)


def prefilter(extra_hosts: tuple[str, ...] = ()) -> Triggers:
    words = TRIGGERS + tuple(re.escape(h.strip(".").encode()) for h in extra_hosts if h.strip("."))
    return Triggers(words)


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


class SyntaxProblem(Exception):
    """The file does not parse: a message and its position (1-based)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def parse(text: str, bounded: bool = False) -> Module:
    """The libcst module of ``text``; raises :class:`SyntaxProblem` (CPython's message and
    position when it has one). ``bounded``: :func:`check_bounds` passed already (on the whole
    file, of which ``text`` is a slice)."""
    import libcst as cst  # imported only for files that pass the prefilter

    if _deeply_nested(text):  # libcst takes minutes on what CPython refuses at once
        error = _cpython_syntax_error(text)
        if error is not None:
            raise _problem(error)
    if not bounded:
        check_bounds(text)
    try:
        return parse_module(text)
    except cst.ParserSyntaxError as exc:
        error = _cpython_syntax_error(text)  # clearer message, exact position
        if error is not None:
            raise _problem(error) from None
        dangling = _DANGLING_CONTINUATION.search(text)
        if dangling:  # valid Python: parse it without the empty continuation at the very end
            return parse(text[: dangling.start()])
        raise SyntaxProblem(
            f"syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1
        ) from None
    except cst.CSTValidationError as exc:  # an identifier this Python does not accept
        error = _cpython_syntax_error(text)
        raise (_problem(error) if error else SyntaxProblem(str(exc))) from None
    except RecursionError:
        raise SyntaxProblem("code too deeply nested to parse") from None


# libcst needs about 2 KB of memory per token, and its time grows faster than the depth of a
# chain of operators (1,000 terms of ``1+1+…``: 1 s; 3,000: 17 s; 10,000: a crash in native
# code). What it may see is decided first, cheaply: tokens counted by a regular expression (about
# 1 ms per 20 KB); then, for files with enough tokens to nest deeply, CPython's own parser (which
# refuses what is too deep for it) and the depth of its tree (together about a sixth of what
# libcst takes, so only above DEPTH_CHECK_TOKENS: fewer tokens make a chain of at most 2,000
# operators, which libcst parses in seconds).
MAX_TOKENS = 150_000  # about 300 MB for libcst; ordinary code: about 1 MB of source
MAX_DEPTH = 1_000  # nodes from the module down (ordinary code: under 40)
DEPTH_CHECK_TOKENS = 4_000
_TOKENS = re.compile(
    r"""[rRbBuUfF]{0,2}(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"|#[^\n]*|\w+|\S"
)
TOO_LARGE = "too large to analyse"
TOO_DEEP = "too deeply nested to analyse"


def check_bounds(text: str, tree: ast.AST | None = None) -> None:
    """Raise :class:`SyntaxProblem` when libcst could not parse ``text`` within bounded memory
    and depth ("too large / too deeply nested to analyse"), before libcst sees it. ``tree``:
    CPython's tree of ``text``, when the caller has it."""
    tokens = _TOKENS.subn("", text)[1]
    if tokens > MAX_TOKENS:
        raise SyntaxProblem(f"file {TOO_LARGE} ({tokens:,} tokens > {MAX_TOKENS:,}); skipped")
    if tokens <= DEPTH_CHECK_TOKENS:
        return
    if tree is not None:
        if _depth(tree) > MAX_DEPTH:
            raise SyntaxProblem(f"code {TOO_DEEP} (more than {MAX_DEPTH:,} levels); skipped")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like
        try:
            tree = ast.parse(text)
        except (RecursionError, MemoryError):
            pass
        except SyntaxError as exc:
            if "too many nested" not in str(exc.msg) and "too complex" not in str(exc.msg):
                return  # libcst reports it (or parses syntax newer than this Python's)
        except ValueError:
            return
    if tree is None or _depth(tree) > MAX_DEPTH:
        raise SyntaxProblem(f"code {TOO_DEEP} (more than {MAX_DEPTH:,} levels); skipped")


def _depth(tree: ast.AST) -> int:
    """The depth of an ``ast`` tree (iterative: no recursion limit), stopping past MAX_DEPTH."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    node_type = ast.AST
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                stack.append((value, depth + 1))
            elif isinstance(value, list):
                stack.extend((item, depth + 1) for item in value if isinstance(item, node_type))
    return deepest


def _problem(error: SyntaxError) -> SyntaxProblem:
    return SyntaxProblem(f"syntax error: {error.msg}", error.lineno or 1, max(error.offset or 1, 1))


def slice_source(
    text: str,
    extra_hosts: tuple[str, ...] = (),
    matters: slicing.Matters | None = None,
    mode: str = "always",
) -> slicing.Slice | None:
    """The slice of ``text`` that can matter (:mod:`kvlint.lint.sources.slicing`), after the
    bounds the whole file must keep; None when it is parsed whole (CPython cannot parse it, a
    star import; with ``mode`` "auto", a file that is not large with sparse Key Vault words).
    Empty, with nothing parsed, when no statement can matter whatever its syntax (a refinement
    of the prefilter). Raises
    :class:`SyntaxProblem` for a file too large or deep to analyse."""
    hosts = tuple(h.strip(".").lower() for h in extra_hosts if h.strip("."))
    seen = slicing.scan(text, slicing.SEED_WORDS + hosts, matters, mode == "auto")
    if seen is None:
        return None
    if seen.nothing:  # like a file the prefilter skips: not even parsed
        return slicing.Slice("", True)
    if mode == "auto" and not seen.sparse:
        return None  # most statements will matter: the slice would cost more than it saves
    if _deeply_nested(text):
        return None  # parse() says what CPython says of it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    try:
        check_bounds(text, tree)
        return slicing.slice_module(text, tree, seen)
    except RecursionError:
        return None


class PythonFile:
    """A parsed Python file: its semantic model, and positions of what rules report."""

    def __init__(self, module: Module, text: str, analysis: Analysis) -> None:
        self.module = module
        self.text = text
        self.analysis = analysis

    @cached_property
    def _positions(self) -> Mapping[CSTNode, CodeRange]:
        return self.analysis.positions()

    @cached_property
    def _lines(self) -> list[str]:
        return LINE_BREAK.split(self.text)

    def locate(self, node: object) -> tuple[int, int, int, int]:
        """Line, column, end line, end column (1-based columns, end exclusive)."""
        where = self._positions[cast("CSTNode", node)]
        return where.start.line, where.start.column + 1, where.end.line, where.end.column + 1

    def subject(self, line: int, column: int, end_line: int, end_column: int) -> str:
        return snippet(self._lines, line, column - 1, end_line, end_column - 1)


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
