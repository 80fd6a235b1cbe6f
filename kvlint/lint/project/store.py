"""Exported symbols, computed once per module content and name, and kept on disk beside the
result cache.

A module is read once per run and outlined with CPython's :mod:`ast` (its statements, what they
bind: :mod:`kvlint.lint.project.outline`). A name a linted module imports is then answered
from the outline when it can be (a class, a plain re-export), else by the summariser on the
*slice* of source that defines it (imports, the statements binding it, the helpers they
mention): a few statements, not the whole module. A definition whose text the caller's
``worth`` test finds nothing in (no URL, Key Vault, identity, HTTP or environment word) is not
parsed at all. A class is answered from the outline too; its methods (``Class.method``, asked
only when code calls a method of an instance) come from one summary of the class's slice.

``<cache-dir>/summaries-v2/ab/<hash>.json`` holds what is known of the module whose bytes (with
kvlint's code fingerprint) hash to ``<hash>``: its header (star imports, ``__all__``, parse
error) and the symbols computed so far. Entries are written atomically, so parallel workers and
concurrent runs never see half an entry (at worst one's additions are recomputed). Without a
cache directory (``--no-cache``) everything lives for the run only.

Work is bounded: a module larger than ``MAX_BYTES`` is unreadable, and one run parses at most
``MAX_COMPUTED`` slices (the rest of the names stay unknown).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kvlint.fileio import read_regular
from kvlint.lint.cachefs import Root
from kvlint.lint.project.outline import Outline, outline
from kvlint.lint.project.records import outlined_record
from kvlint.lint.project.summary import Symbol

MAX_BYTES = 2 * 1024 * 1024
MAX_COMPUTED = 400
FOLDER = "summaries-v2"
SCHEMA = 5
NONE = "none"  # the digest of "no such name"
SUMMARISED = "*"  # the entry ``Class.*``: the class's methods have been summarised
# the entry for what the module puts in a web application's configuration
# (``app.config["DB_PASSWORD"] = ...``): a value whose parts are the keys, whose calls are the
# modules it imports (:meth:`SummaryStore.symbol` with this name)
CONFIG = "@config"
CONFIG_MARKERS = (".config[", ".config.update(", ".config.from_mapping(", ".config.setdefault(")

# (slice source, name, path for messages) -> what the name is, or None when unknown
Summariser = Callable[[str, str, str], "Symbol | None"]
Decoder = Callable[[bytes], str]


@dataclass(frozen=True, slots=True)
class Header:
    """What a module says about all its names: star imports, ``__all__``, or why it has none."""

    stars: tuple[str, ...] = ()
    all: tuple[str, ...] | None = None
    error: str | None = None

    def exported(self, name: str) -> bool:
        """Whether ``from this import *`` binds ``name``."""
        if self.all is not None:
            return name in self.all
        return not name.startswith("_")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.stars:
            out["stars"] = list(self.stars)
        if self.all is not None:
            out["all"] = list(self.all)
        if self.error is not None:
            out["error"] = self.error
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Header:
        stars, names, error = data.get("stars", []), data.get("all"), data.get("error")
        if not _strings(stars) or (names is not None and not _strings(names)):
            raise ValueError("expected lists of strings")
        if error is not None and not isinstance(error, str):
            raise ValueError("expected a string")
        return cls(tuple(stars), tuple(names) if names is not None else None, error)

    @property
    def digest(self) -> str:
        return _digest(self.as_dict())


UNREADABLE = Header(error="unreadable")


@dataclass(slots=True)
class _Module:
    key: str
    header: Header | None  # None until the module is outlined (or read from disk)
    symbols: dict[str, Symbol | None] = field(default_factory=dict)
    outline: Outline | None = None
    path: Path | None = None  # where it was read (a module read from disk is outlined late)
    data: bytes | None = None  # its bytes, until it is outlined


class SummaryStore:
    def __init__(
        self,
        summarise: Summariser,
        directory: Path | None,
        salt: str,
        worth: Callable[[str], bool] | None = None,
        decode: Decoder | None = None,
    ) -> None:
        self.summarise = summarise
        self.worth = worth  # a definition failing it is not parsed: nothing to say about it
        self.decode = decode or (lambda data: data.decode("utf-8"))
        # the cache directory, checked by the command first (kvlint.lint.cachefs): entries are
        # read and written without following any link in it
        self.disk = Root(Path(os.path.abspath(directory))) if directory is not None else None
        self.salt = salt.encode()
        self._by_path: dict[Path, _Module | None] = {}
        self._by_key: dict[str, _Module] = {}
        self.computed = 0  # slices parsed in this run
        self.loaded = 0  # entries read from disk in this run

    # -- questions -----------------------------------------------------------------------------
    def header(self, path: Path) -> Header:
        module = self._module(path)
        if module is None:
            return UNREADABLE
        if module.header is None:
            self._outline(module)
        assert module.header is not None
        return module.header

    def symbol(self, path: Path, name: str) -> Symbol | None:
        """What the module in ``path`` binds ``name`` to; None when it does not bind it (or it
        cannot be known)."""
        module = self._module(path)
        if module is None:
            return None
        if name in module.symbols:
            return module.symbols[name]
        if (
            name != CONFIG
            and module.data is not None
            and name.partition(".")[0].encode() not in module.data
        ):
            return None  # never outlined for a name its text does not even contain
        if self.header(path).error is not None:
            return None
        symbol = self._compute(module, name)
        if symbol is not _UNBOUNDED:
            module.symbols[name] = symbol
            self._write(module)
            return symbol
        return None

    def members(
        self, path: Path, cls: str, worth: Callable[[str], bool] | None = None
    ) -> list[tuple[str, Symbol]] | None:
        """What the class ``cls`` of the module in ``path`` holds (its methods, and what its
        instances' attributes carry), once its slice is summarised; None when that cannot be
        known (the run's bound on parses is reached). When the text of its slice (the class,
        the helpers and imports it uses) fails ``worth``, it is not parsed for this: only the
        methods that call other modules' names are given (with those calls, from the
        outline)."""
        module = self._module(path)
        if module is None:
            return None
        if worth is not None and f"{cls}.{SUMMARISED}" not in module.symbols:
            if module.outline is None:
                self.header(path)  # outlines it
            found = module.outline
            if found is None:
                return None
            if found.binding(cls) is None:
                return []
            if not worth(found.slice_for(cls)[0]):
                return _outlined_methods(found, cls)
        if self.symbol(path, f"{cls}.{SUMMARISED}") is None:
            return None  # summarises the class (once)
        prefix = f"{cls}."
        return [
            (name[len(prefix) :], symbol)
            for name, symbol in module.symbols.items()
            if name.startswith(prefix) and name != f"{cls}.{SUMMARISED}" and symbol is not None
        ]

    def may_star(self, path: Path) -> bool:
        """Whether the module may have a star import (``False`` is certain; no outline)."""
        module = self._module(path)
        if module is None:
            return False
        if module.data is not None:
            return b"*" in module.data
        return bool(self.header(path).stars)

    def content_digest(self, path: Path) -> str:
        """The digest of a module's bytes (what a decision read from its whole text used)."""
        module = self._module(path)
        return module.key if module is not None else NONE

    def symbol_digest(self, path: Path, name: str) -> str:
        symbol = self.symbol(path, name)
        return _digest(symbol.as_dict()) if symbol is not None else NONE

    # -- modules -------------------------------------------------------------------------------
    def _module(self, path: Path) -> _Module | None:
        if path in self._by_path:
            return self._by_path[path]
        module = None
        try:
            read = read_regular(path, MAX_BYTES + 1)  # never a pipe or a device
            data = read if len(read) <= MAX_BYTES else None
        except OSError:
            data = None
        if data is not None:
            key = hashlib.sha256(self.salt + b"\0" + data).hexdigest()
            module = self._by_key.get(key) or self._read(key) or _Module(key, None, data=data)
            if module.path is None:
                module.path = path
            self._by_key[key] = module
        self._by_path[path] = module
        return module

    def _outline(self, module: _Module) -> None:
        """Outline a module first asked about a name it may define (its header with it)."""
        data, module.data = module.data, None
        if data is None and module.path is not None:
            with contextlib.suppress(OSError):
                data = read_regular(module.path, MAX_BYTES + 1)
        try:
            text = self.decode(data) if data is not None else None
        except ValueError:
            text = None
        if text is None:
            module.header = Header(error="undecodable" if data is not None else "unreadable")
            return
        module.outline = outline(text)
        found = module.outline
        fresh = module.header is None
        module.header = Header(found.stars, found.all, found.error)
        if fresh:
            self._write(module)

    def _compute(self, module: _Module, name: str) -> Symbol | None:
        if module.outline is None:  # read from disk: outline it now
            self._outline(module)
        found = module.outline
        if found is None:
            return _UNBOUNDED
        if name == CONFIG:
            return self._config(module, found)
        if "." in name:  # ``Class.method``: asked only when an instance's method is called
            return self._method(module, found, name)
        statement = found.binding(name)
        if statement is None:
            return None
        if statement.kind == "class":
            return Symbol("class")
        if statement.kind == "import":
            target = statement.alias(name)
            return Symbol("alias", target=target) if target else None
        source, own = found.slice_for(name)
        kind = "function" if statement.kind == "def" else "value"
        calls = found.calls_of(name) if kind == "function" else ()
        if self.worth is not None and not self.worth(own):
            return Symbol(kind, calls=calls)  # nothing else in it a summary could say
        if self.computed >= MAX_COMPUTED:
            return _UNBOUNDED  # bounded: unknown, and not remembered
        self.computed += 1
        symbol = self.summarise(source, name, str(module.path or ""))
        if symbol is not None and symbol.kind == "function" and calls and not symbol.cached:
            symbol = replace(symbol, calls=calls)
        return symbol

    def _config(self, module: _Module, found: Outline) -> Symbol:
        """What the module writes to a web application's configuration (``parts``: by key),
        from the slice of the statements that do, and the modules it imports (``calls``, as
        written: a factory's configuration may be written by a module it imports)."""
        calls = found.imported_modules()
        sliced = found.slice_mentioning(CONFIG_MARKERS)
        if sliced is None:
            return Symbol("value", calls=calls)
        source, own = sliced
        if self.worth is not None and not self.worth(own):
            return Symbol("value", calls=calls)  # nothing a secret or a token could come from
        if self.computed >= MAX_COMPUTED:
            return _UNBOUNDED
        self.computed += 1
        symbol = self.summarise(source, CONFIG, str(module.path or ""))
        return replace(symbol or Symbol("value"), calls=calls)

    def _method(self, module: _Module, found: Outline, name: str) -> Symbol | None:
        """A method of a class the module defines: the class is summarised (once, from its
        slice) and each of its methods kept as the entry ``Class.method`` (and what its
        instances' attributes carry as ``Class.attr``, a value)."""
        cls, _, method = name.partition(".")
        statement = found.binding(cls)
        if method == "__repr__" and statement is not None and statement.kind == "class":
            record = outlined_record(found, cls)  # a record's, from the outline alone
            if record is None:
                return None
            return Symbol("function", params=record[0], shows=record[1])
        done = f"{cls}.{SUMMARISED}"
        if (
            statement is None
            or statement.kind != "class"
            or "." in method
            or done in module.symbols
        ):
            return None  # no such class, or summarised already: it has no such method
        source, own = found.slice_for(cls)
        summary = None
        if self.worth is None or self.worth(own):  # else nothing in it a summary could say
            if self.computed >= MAX_COMPUTED:
                return _UNBOUNDED
            self.computed += 1
            summary = self.summarise(source, cls, str(module.path or ""))
        else:  # nothing to parse: only what its methods call in other modules is known
            summary = Symbol("class", methods=tuple(_outlined_methods(found, cls)))
        module.symbols[done] = Symbol("class")
        record = outlined_record(found, cls)
        if record is not None:  # what its generated constructor takes
            module.symbols.setdefault(f"{cls}.__init__", Symbol("function", params=record[0]))
        if summary is None or summary.kind != "class":
            return module.symbols.get(f"{cls}.{method}") if record is not None else None
        for other, symbol in summary.methods or ():
            calls = symbol.calls or found.method_calls(cls, other)
            if calls and not symbol.cached:
                symbol = replace(symbol, calls=calls)
            module.symbols.setdefault(f"{cls}.{other}", symbol)
        for attr, kinds in summary.attrs:  # ``Class.password``: what an instance holds
            module.symbols.setdefault(f"{cls}.{attr}", Symbol("value", carries=kinds))
        return module.symbols.get(f"{cls}.{method}")

    # -- disk ----------------------------------------------------------------------------------
    def _read(self, key: str) -> _Module | None:
        if self.disk is None:
            return None
        try:
            data = self.disk.read(FOLDER, key)
            if data is None:
                return None
            raw = json.loads(data)
            if raw.get("schema") != SCHEMA:
                return None
            header = Header.from_dict(raw["header"])
            symbols = {
                str(name): Symbol.from_dict(value) if value is not None else None
                for name, value in raw["symbols"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        self.loaded += 1
        return _Module(key, header, symbols)

    def _write(self, module: _Module) -> None:
        if self.disk is None:
            return
        entry = {
            "schema": SCHEMA,
            "header": module.header.as_dict() if module.header is not None else {},
            "symbols": {
                name: symbol.as_dict() if symbol is not None else None
                for name, symbol in sorted(module.symbols.items())
            },
        }
        self.disk.write(FOLDER, module.key, json.dumps(entry, separators=(",", ":")).encode())


_UNBOUNDED = Symbol("value", line=-1)  # "cannot be known now": never stored


def _outlined_methods(found: Outline, cls: str) -> list[tuple[str, Symbol]]:
    """The methods of a class with nothing to summarise that call other modules' names, as
    bare function symbols (the caller adds the calls); the others stay unknown."""
    statement = found.binding(cls)
    node = statement.node if statement is not None else None
    if not isinstance(node, ast.ClassDef):
        return []
    out = []
    for method in node.body:
        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            calls = found.method_calls(cls, method.name)
            if calls:
                out.append((method.name, Symbol("function", calls=calls)))
    return out


def _digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _strings(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, str) for i in items)
