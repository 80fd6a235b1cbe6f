"""What one name a module exports is, as a typed record that survives a JSON round trip.

A :class:`Symbol` is computed from the defining module's source alone (see
:mod:`kvlint.lint.facts.exports`), so it is cached by content hash. Imports are kept as
written (``..settings.URL`` stays relative): the resolver turns them into absolute names with the
importing module's name, which a file's content does not know.

Values are folded strings in the constant folder's notation: ``\\x00`` stands for a part that
cannot be known (``f"https://{name}.vault.azure.net"`` is ``"https://\\x00.vault.azure.net"``).
Type tags are the semantic layer's ``category:detail`` strings (``kv-client:SecretClient``,
``instance:~Wrapper``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("value", "function", "class", "alias", "module")
# the tag of an instance of a first-party class: ``instance:<class>``, the class written as the
# module that holds the tag names it (an import, or ``~Name`` for a class defined at its top
# level); the resolver makes it absolute for an importer
INSTANCE_PREFIX = "instance:"
LOCAL_CLASS = "~"


@dataclass(frozen=True, slots=True)
class HttpUse:
    """A raw HTTP request in a function whose URL starts with one of the function's parameters
    (and is no Key Vault URL by itself): a call site passing a vault URL makes it a vault call."""

    library: str  # e.g. "requests"
    url_param: str  # the parameter's name
    url_index: int  # its position among the positional parameters (-1: keyword-only)
    by_keyword: bool = True  # it can be passed by name (not positional-only)
    verb: str = ""  # the HTTP method (``get``: a Key Vault read where the URL is a vault's)


@dataclass(frozen=True, slots=True)
class Symbol:
    """One exported name: a value, a function, a class, or a re-export of another name."""

    kind: str  # one of KINDS
    line: int = 0
    value: str | None = None  # value: the folded string; function: the folded return value
    tags: tuple[str, ...] = ()  # value: its type tags; function: the tags of what it returns
    target: str | None = None  # alias: the name it re-exports, as written (may be relative)
    params: tuple[str, ...] = ()  # function: positional parameter names, in order
    reads: tuple[str, ...] = ()  # function: Key Vault read methods it calls on every call
    builds: tuple[str, ...] = ()  # function: clients / credentials it constructs on every call
    http: tuple[HttpUse, ...] = ()  # function: raw HTTP requests to a URL parameter
    cached: bool = False  # function: its result is cached (lru_cache and the like)
    # function: the imported names it calls on every call, as its module writes them
    # (``..vault.get_value``): what it does through other modules is theirs to say
    calls: tuple[str, ...] = ()
    checked: bool = False  # value: the defining module's rules check it where it is defined
    # function: the secret / token material its result may carry (``secret-value``, ``token``);
    # value (an instance's attribute, ``Class.attr``): what it holds
    carries: tuple[str, ...] = ()
    # function: for a result of known shape, what each part carries: ``("#1", ("token",))``
    # (a position), ``("k:db", ...)`` (a key), ``(".password", ...)`` (a field); None: unknown
    parts: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    # function: the parameters whose value it writes out, ``name:sink`` (``value:log``)
    sinks: tuple[str, ...] = ()
    # function: the Key Vault access changes each call makes (``role_assignments.create``)
    grants: tuple[str, ...] = ()
    # function: a record's generated ``__repr__`` (``params``: the record's fields in order),
    # the fields it shows
    shows: tuple[str, ...] = ()
    # class: its methods (function symbols, ``self`` left out of their parameters), when the
    # class was summarised; None when it was only outlined (nothing known of its methods)
    methods: tuple[tuple[str, Symbol], ...] | None = None
    # class: what its instances' attributes carry, ``("password", ("secret-value",))``
    attrs: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def method(self, name: str) -> Symbol | None:
        """A summarised class's method ``name``; None when it has none (or is not known)."""
        for found, symbol in self.methods or ():
            if found == name:
                return symbol
        return None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "line": self.line}
        for name in ("value", "target"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for name in (
            "tags",
            "params",
            "reads",
            "builds",
            "calls",
            "carries",
            "sinks",
            "grants",
            "shows",
        ):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.http:
            out["http"] = [{k: getattr(h, k) for k in HttpUse.__slots__} for h in self.http]
        for name in ("cached", "checked"):
            if getattr(self, name):
                out[name] = True
        if self.parts is not None:
            out["parts"] = [[selector, list(kinds)] for selector, kinds in self.parts]
        if self.attrs:
            out["attrs"] = [[name, list(kinds)] for name, kinds in self.attrs]
        if self.methods is not None:
            out["methods"] = {name: symbol.as_dict() for name, symbol in self.methods}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Symbol:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown symbol kind {kind!r}")
        return cls(
            kind=kind,
            line=int(data.get("line", 0)),
            value=_opt_str(data.get("value")),
            tags=_strs(data.get("tags", ())),
            target=_opt_str(data.get("target")),
            params=_strs(data.get("params", ())),
            reads=_strs(data.get("reads", ())),
            builds=_strs(data.get("builds", ())),
            calls=_strs(data.get("calls", ())),
            http=tuple(HttpUse(**h) for h in data.get("http", ())),
            cached=bool(data.get("cached", False)),
            checked=bool(data.get("checked", False)),
            methods=_methods(data.get("methods")),
            carries=_strs(data.get("carries", ())),
            parts=_parts(data.get("parts")),
            sinks=_strs(data.get("sinks", ())),
            grants=_strs(data.get("grants", ())),
            shows=_strs(data.get("shows", ())),
            attrs=_parts(data.get("attrs")) or (),
        )


def _methods(data: Any) -> tuple[tuple[str, Symbol], ...] | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("expected an object of methods")
    out = []
    for name, value in data.items():
        symbol = Symbol.from_dict(value)
        if symbol.kind != "function":
            raise ValueError("a method is a function")
        out.append((str(name), symbol))
    return tuple(out)


def _parts(data: Any) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    if data is None:
        return None
    if not isinstance(data, list):
        raise ValueError("expected a list of parts")
    out = []
    for item in data:
        if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
            raise ValueError("expected [selector, kinds]")
        out.append((item[0], _strs(item[1])))
    return tuple(out)


def _strs(items: Any) -> tuple[str, ...]:
    if isinstance(items, (str, bytes)) or not all(isinstance(i, str) for i in items):
        raise ValueError("expected a list of strings")
    return tuple(items)


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("expected a string")
    return value
