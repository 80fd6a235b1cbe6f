"""Configuration files: YAML, JSON, TOML and dotenv, read as audience facts (KV101-KV103).

A trailing-slash resource often lives in settings rather than code. This source finds string
values under keys whose name contains ``resource``, ``scope`` or ``audience`` (any case, any
nesting; a list belongs to the key that holds it), classifies them with the same
:func:`kvlint.lint.facts.urls.classify_audience` as Python values, and gives the rules the same
:class:`~kvlint.lint.facts.audiences.AudienceUse` facts, so one implementation of each rule
serves both.

Positions are exact: YAML from pyyaml's node marks, JSON and TOML from small scanners run after
the real parser (``json`` / ``tomllib``) has validated the file, dotenv by line. A fix replaces
only the value's characters, never re-serialises the file, and is offered only when those
characters are the value verbatim (no escapes, no folding).
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING

from kvlint import keyvault
from kvlint.lint.rule import TextSpan
from kvlint.lint.suppress import LINE_BREAK

if TYPE_CHECKING:  # the facts import libcst: only once a file has values to classify
    from kvlint.lint.facts.audiences import AudienceUse

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SUFFIX_KINDS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".env": "env"}


SKIPPED_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "composer.lock")


MAX_CONFIG_BYTES = 2 * 1024 * 1024


AUDIENCE_TRIGGERS = (
    rb"vault\.azure",
    rb"vault\.usgovcloudapi",
    rb"vault\.microsoftazure",
    rb"managedhsm",
    rb"vaultcore",
    keyvault.KEY_VAULT_APP_ID.encode(),
)


KEY_WORDS = ("resource", "scope", "audience")


AUDIENCE_KEYS = ("resource", "resources", "scope", "scopes", "audience", "audiences")


SCOPE_WORDS = ("scope", "scopes")


def kind_of(name: str) -> str | None:
    """``yaml``, ``json``, ``toml`` or ``env`` for a configuration file name, else None.

    Dotenv files are ``.env``, ``*.env`` and ``.env.*`` (``.env.local``, ``.env.production``).
    """
    base = PurePath(name).name.lower()
    suffix = PurePath(base).suffix
    if suffix in SUFFIX_KINDS and base != suffix:
        return SUFFIX_KINDS[suffix]
    if base == ".env" or base.startswith(".env."):
        return "env"
    return None


@dataclass(frozen=True)
class Value:
    """A string value in a configuration file, and where its characters are."""

    key: str  # the nearest key
    text: str  # the decoded value
    start: int  # offsets of the written value (quotes included), end exclusive
    end: int
    inner: tuple[int, int] | None  # the characters that are ``text`` verbatim, if they are


class Malformed(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


TOKEN_RESPONSE_KEYS = {"access_token", "accesstoken", "token_type", "tokentype"}


def is_token_response(keys) -> bool:
    """A recorded token response (``access_token``, ``token_type``, ``resource``): its
    ``resource`` echoes what was asked for; it configures nothing."""
    return any(k.lower() in TOKEN_RESPONSE_KEYS for k in keys)


def _quoted(text: str, start: int, end: int, value: str) -> tuple[int, int] | None:
    """The inner span of a quoted token when it holds ``value`` verbatim."""
    return (start + 1, end - 1) if text[start + 1 : end - 1] == value else None


_TEMPLATE = re.compile(r"\{\{|\{%")


def scan_yaml(text: str) -> Iterator[Value]:
    import yaml

    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise Malformed(f"invalid YAML: {problem}", line, column) from None
    seen: set[int] = set()
    stack: list[tuple[object, str | None]] = [(doc, None) for doc in reversed(documents)]
    while stack:
        node, key = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            names = [k.value if isinstance(k, yaml.ScalarNode) else None for k, _ in node.value]
            if is_token_response(n for n in names if isinstance(n, str)):
                continue
            for name, (_, value_node) in reversed(list(zip(names, node.value, strict=True))):
                stack.append((value_node, str(name) if name is not None else None))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, key) for item in reversed(node.value))
        elif (
            isinstance(node, yaml.ScalarNode)
            and key is not None
            and node.tag == "tag:yaml.org,2002:str"
        ):
            start, end = node.start_mark.index, node.end_mark.index
            if node.style is None:
                inner = (start, end) if text[start:end] == node.value else None
            elif node.style in ("'", '"'):
                inner = _quoted(text, start, end, node.value)
            else:  # block scalars: folded text
                inner = None
            yield Value(key, node.value, start, end, inner)


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


def scan_json(text: str) -> Iterator[Value]:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise Malformed(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise Malformed("invalid JSON: nested too deeply to check") from None
    # frames: [is_object, key, expecting_key, keys, values]; an object's own values wait for
    # its closing brace (a token response among its keys silences them)
    frames: list[list] = [[False, None, False, set(), []]]
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        frame = frames[-1]
        if token == "{":
            frames.append([True, None, True, set(), []])
        elif token == "[":
            frames.append([False, frame[1], False, set(), frame[4]])
        elif token in "}]":
            frames.pop()
            if token == "}" and not is_token_response(frame[3]):
                yield from frame[4]
        elif token == ",":
            frame[2] = frame[0]
        elif token.startswith('"'):
            value = json.loads(token)
            if frame[0] and frame[2]:
                frame[1], frame[2] = value, False
                frame[3].add(value)
            elif frame[1] is not None:
                start, end = match.span()
                frame[4].append(
                    Value(frame[1], value, start, end, _quoted(text, start, end, value))
                )
    yield from frames[0][4]


_TOML_TOKEN = re.compile(
    r'(?P<comment>#[^\n]*)|(?P<string>"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
    r"|(?P<newline>\n)|(?P<punct>[\[\]{}=,.])|(?P<bare>[^\s\[\]{}=,.#\"']+)",
    re.DOTALL,
)


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def scan_toml(text: str) -> Iterator[Value]:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_POSITION.search(message)
        line, column = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
        message = _TOML_POSITION.sub("", message).strip()
        raise Malformed(f"invalid TOML: {message}", line, column) from None
    tokens = [m for m in _TOML_TOKEN.finditer(text) if m.lastgroup != "comment"]
    yield from _TomlWalk(text, tokens).values()


class _TomlWalk:
    """Keys and string values of a valid TOML document, with their offsets."""

    def __init__(self, text: str, tokens: list[re.Match]) -> None:
        self.text, self.tokens, self.i = text, tokens, 0

    def _peek(self) -> re.Match | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _skip_newlines(self) -> None:
        while (tok := self._peek()) is not None and tok.lastgroup == "newline":
            self.i += 1

    def values(self) -> Iterator[Value]:
        while (tok := self._peek()) is not None:
            if tok.lastgroup == "newline":
                self.i += 1
            elif tok.group() == "[":  # [table] / [[array of tables]]: skip the header
                while (tok := self._peek()) is not None and tok.lastgroup != "newline":
                    self.i += 1
            else:
                key = self._key()
                yield from self._value(key)
                while (tok := self._peek()) is not None and tok.lastgroup != "newline":
                    self.i += 1  # the rest of a value (dates, floats split at '.')

    def _key(self) -> str:
        key = ""
        while (tok := self._peek()) is not None and tok.group() != "=":
            if tok.lastgroup == "string":
                key = self._decode(tok.group())
            elif tok.lastgroup == "bare":
                key = tok.group()
            self.i += 1
        self.i += 1  # '='
        return key

    def _value(self, key: str) -> Iterator[Value]:
        tok = self._peek()
        if tok is None:
            return
        self.i += 1
        if tok.lastgroup == "string":
            raw = tok.group()
            value = self._decode(raw)
            start, end = tok.span()
            inner = (
                None if raw.startswith(('"""', "'''")) else _quoted(self.text, start, end, value)
            )
            yield Value(key, value, start, end, inner)
        elif tok.group() == "[":
            while True:
                self._skip_newlines()
                tok = self._peek()
                if tok is None or tok.group() == "]":
                    self.i += 1
                    return
                if tok.group() == ",":
                    self.i += 1
                    continue
                yield from self._value(key)
                while (tok := self._peek()) is not None and tok.group() not in (",", "]"):
                    self.i += 1
        elif tok.group() == "{":
            while (tok := self._peek()) is not None and tok.group() != "}":
                if tok.group() == ",":
                    self.i += 1
                    continue
                inner_key = self._key()
                yield from self._value(inner_key)
                while (tok := self._peek()) is not None and tok.group() not in (",", "}"):
                    self.i += 1
            self.i += 1

    @staticmethod
    def _decode(raw: str) -> str:
        if raw.startswith("'"):
            return raw[3:-3] if raw.startswith("'''") else raw[1:-1]
        return tomllib.loads(f"v = {raw}")["v"]


_ENV_LINE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*(?P<value>[^\r\n]*)",
    re.MULTILINE,
)


def scan_env(text: str) -> Iterator[Value]:
    for match in _ENV_LINE.finditer(text):
        raw = match.group("value")
        start = match.start("value")
        if raw[:1] in ('"', "'"):
            close = raw.find(raw[0], 1)
            while raw[0] == '"' and close > 0 and raw[close - 1] == "\\":
                close = raw.find('"', close + 1)
            if close < 0:
                continue
            value = raw[1:close]
            end = start + close + 1
            inner = None if (raw[0] == '"' and "\\" in value) else (start + 1, end - 1)
        else:
            value = re.split(r"[ \t]+#", raw, maxsplit=1)[0].rstrip()
            end = start + len(value)
            inner = (start, end)
        yield Value(match.group("key"), value, start, end, inner)


SCANNERS = {"yaml": scan_yaml, "json": scan_json, "toml": scan_toml, "env": scan_env}


def _words(key: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", key)]


def discoverable(name: str) -> bool:
    """Whether directory walks pick this file up (Python or configuration)."""
    return kind_of(name) is not None and name.lower() not in SKIPPED_NAMES


def audience_use(value: Value, extra_hosts: tuple[str, ...]) -> AudienceUse | None:
    """The audience fact of one value, or None when its key or text is not an audience's."""
    if not any(word in value.key.lower() for word in KEY_WORDS):
        return None
    from kvlint.lint.facts.audiences import AudienceUse
    from kvlint.lint.facts.urls import classify_audience

    audience = classify_audience(value.text, extra_hosts)
    if audience is None:
        return None
    words = _words(value.key)
    wants_scope = any(w in SCOPE_WORDS for w in words)
    return AudienceUse(
        written=value.text.strip(),
        audience=audience,
        node=TextSpan(value.start, value.end),
        strong=bool(words) and words[-1] in AUDIENCE_KEYS,
        needs_scope=audience.kind == "ok" and not audience.v2 and wants_scope,
        to_scope=wants_scope and audience.kind == "trailing-slash",
        safe=True,
        text=value.text,
        inner=TextSpan(*value.inner) if value.inner is not None else None,
        subject=" ".join(value.text.split()),
    )


class ConfigFile:
    """A scanned configuration file: its values as audience facts, and their positions."""

    def __init__(self, text: str, values: list[Value], extra_hosts: tuple[str, ...]) -> None:
        self.text = text
        self.values = values
        self.extra_hosts = extra_hosts
        self.facts: dict[object, object] = {}

    def audience_uses(self) -> list[AudienceUse]:
        return self._uses

    @cached_property
    def _uses(self) -> list[AudienceUse]:
        found = (audience_use(value, self.extra_hosts) for value in self.values)
        return [use for use in found if use is not None]

    @cached_property
    def _starts(self) -> list[int]:
        return [0] + [m.end() for m in LINE_BREAK.finditer(self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def locate(self, node: object) -> tuple[int, int, int, int]:
        assert isinstance(node, TextSpan)
        return (*self.position(node.start), *self.position(node.end))

    def subject(self, line: int, column: int, end_line: int, end_column: int) -> str:
        lines = LINE_BREAK.split(self.text)
        if line == end_line:
            return " ".join(lines[line - 1][column - 1 : end_column - 1].split())
        return ""


def scan(text: str, path: str) -> list[Value]:
    """The values of a configuration file; raises :class:`Malformed` (hostile shapes the
    parsers cannot take are bad input too: KV000)."""
    kind = kind_of(path) or "yaml"
    name = {"env": "dotenv"}.get(kind, kind.upper())
    try:
        return list(SCANNERS[kind](text))
    except RecursionError:  # 100,000 nested arrays, 1,900 YAML block levels, ...
        raise Malformed(f"invalid {name}: nested too deeply to check") from None
    except ValueError as exc:
        if "integer string conversion" not in str(exc):  # CPython's int digit limit
            raise
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        raise Malformed(f"{name} number too large to check (over {limit} digits)") from None


def is_template(text: str, path: str) -> bool:
    """A Helm / Jinja template: not YAML until rendered."""
    return (kind_of(path) or "yaml") == "yaml" and _TEMPLATE.search(text) is not None
