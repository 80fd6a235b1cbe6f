"""Resolve a first-party imported name to the symbol that defines it, for one linted module.

``Project`` lives for a run (one per process): the module map and the summary store.
``ModuleView`` is one linted module's window on it: ``symbol("..settings.VAULT_URL")`` follows
the import to ``pkg/settings.py`` and returns what its summary says about ``VAULT_URL``
(``symbol("..kv.Wrapper().read")``: the method ``read`` of an instance of the class ``Wrapper``),
following re-exports (aliases, ``from .x import *`` honouring ``__all__``) for at most
``MAX_HOPS`` steps, and never around a cycle. Every module and name consulted is recorded in
``used`` (``module`` -> its header's digest or ``MISSING``, ``module:name`` -> the symbol's
digest): the result cache stores that and re-checks the file when any of them changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from kvlint.fileio import read_regular
from kvlint.lint.project.modules import ModuleMap, ModuleRef
from kvlint.lint.project.reach import imported_names
from kvlint.lint.project.store import CONFIG, Decoder, Header, Summariser, SummaryStore
from kvlint.lint.project.summary import INSTANCE_PREFIX, LOCAL_CLASS, Symbol

MAX_HOPS = 12
MAX_CHAIN = 4  # modules a chain of calls crosses: route -> service -> factory -> accessor
MAX_CONFIG_MODULES = 16  # modules read for what a web application's configuration holds
INSTANCE = "()"  # ``pkg.kv.Wrapper().read``: the method ``read`` of an instance of the class
MISSING = "-"
MAX_MODULE_BYTES = 2 * 1024 * 1024  # a larger module is not read: it may matter
CONTENT = "#"  # ``module#`` in ``used``: the module's whole text (a decision read all of it)
_Resolved = tuple["Symbol | None", "tuple[Path, str] | None", dict[str, str]]


class Project:
    def __init__(
        self,
        summarise: Summariser,
        cache_dir: Path | None,
        salt: str,
        fallback_root: Path | None = None,
        worth: Callable[[str], bool] | None = None,
        decode: Decoder | None = None,
        wanted: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.modules = ModuleMap(fallback_root)
        self.wanted = wanted  # the prefilter: a module's bytes may hold what rules look for
        self._matters: dict[Path, tuple[bool, tuple[ModuleRef, ...]]] = {}
        self._edges: dict[Path, tuple[bool, tuple[ModuleRef, ...]]] = {}
        self.store = SummaryStore(summarise, cache_dir, salt, worth, decode)
        # resolutions shared by the modules of a folder: (absolute name, root, folder) ->
        # (symbol, where it is defined, what was used)
        self.resolved: dict[tuple[str, Path, Path], _Resolved] = {}
        self._digests: dict[tuple[str, Path, Path], str] = {}
        self._configured: dict[Path, bool] = {}

    def view(self, path: str | Path) -> ModuleView:
        return ModuleView(self, self.modules.module_of(Path(path)))

    def digest(self, key: str, importer: ModuleRef) -> str:
        """What ``used`` would record for ``key`` (``module`` or ``module:name``) seen from
        ``importer`` now (the same for every module of a folder: memoised for the run)."""
        memo = (key, importer.root, importer.path.parent)
        known = self._digests.get(memo)
        if known is None:
            known = self._digests[memo] = self._digest(key, importer)
        return known

    def _digest(self, key: str, importer: ModuleRef) -> str:
        module, _, name = key.partition(":")
        content = module.endswith(CONTENT)
        ref = self.modules.find(module.removesuffix(CONTENT), importer)
        if ref is None:
            return MISSING
        if content:
            return self.store.content_digest(ref.path)
        if name:
            return self.store.symbol_digest(ref.path, name)
        return self.store.header(ref.path).digest

    def module_matters(self, ref: ModuleRef) -> tuple[bool, tuple[ModuleRef, ...]]:
        """Whether a first-party module may define something a rule looks at: its bytes pass
        the prefilter (``wanted``), or it imports a first-party module that does, through at
        most ``MAX_CHAIN`` modules (a route's service calls a factory that calls the reader).
        Also the modules read to say so."""
        known = self._matters.get(ref.path)
        if known is None:
            read: dict[Path, ModuleRef] = {}
            found = self._matters_within(ref, MAX_CHAIN, read)
            known = self._matters[ref.path] = (found, tuple(read.values()))
        return known

    def _matters_within(self, ref: ModuleRef, depth: int, read: dict[Path, ModuleRef]) -> bool:
        if ref.path in read:
            return False  # on the way already (a cycle), or answered no below
        read[ref.path] = ref
        wanted, imports = self._edges_of(ref)
        if wanted:
            return True
        if depth <= 1:
            return False
        return any(self._matters_within(sub, depth - 1, read) for sub in imports)

    def _edges_of(self, ref: ModuleRef) -> tuple[bool, tuple[ModuleRef, ...]]:
        """Whether a module's bytes pass the prefilter, and the first-party modules it imports
        (once per module and run)."""
        known = self._edges.get(ref.path)
        if known is not None:
            return known
        try:
            data = read_regular(ref.path, MAX_MODULE_BYTES + 1)
        except OSError:
            data = b""
        if len(data) > MAX_MODULE_BYTES or self.wanted is None or self.wanted(data):
            known = (True, ())
        else:
            found: dict[Path, ModuleRef] = {}
            for written, member in imported_names(data):
                base = self.modules.absolute(written, ref)
                if base is None:
                    continue
                sub = self.modules.imported(base, member, ref)
                if sub is not None and sub.path != ref.path:
                    found.setdefault(sub.path, sub)
            known = (False, tuple(found.values()))
        self._edges[ref.path] = known
        return known

    def tells(
        self,
        importer: ModuleRef,
        written: str,
        member: str | None,
        source: Callable[[Symbol], bool],
        text: Callable[[str], bool] | None = None,
    ) -> bool:
        """Whether ``from written import member`` (``import written``: ``member`` None) in
        ``importer`` brings a name for which ``source`` holds (:mod:`.telling`): a
        module whose bytes name nothing a rule looks at, and that imports only names with
        nothing to tell, gives its rules nothing to report, nor its own importers anything."""
        if member is None:
            return True  # a module: which of its names the importer uses is not known here
        qualname = f"{written}{member}" if written.endswith(".") else f"{written}.{member}"
        from kvlint.lint.project.telling import tells

        view = ModuleView(self, importer)
        return tells(
            view, qualname, source, text, MAX_CHAIN, self.store, self.view
        ) or self._reads_config(importer)

    def _reads_config(self, importer: ModuleRef) -> bool:
        """Whether ``importer`` reads a web application's configuration
        (``current_app.config``) that a module configuring its app fills with secret or token
        material (:meth:`ModuleView.app_config`): it may expose it (once per module and run)."""
        known = self._configured.get(importer.path)
        if known is None:
            try:
                data = read_regular(importer.path, MAX_MODULE_BYTES + 1)
            except OSError:
                data = b""
            known = b"app.config" in data and any(ModuleView(self, importer).app_config().values())
            self._configured[importer.path] = known
        return known

    def unchanged(self, path: str | Path, used: Mapping[str, str]) -> bool:
        """Whether every module and name a cached result used still says what it said."""
        if not used:
            return True
        importer = self.modules.module_of(Path(path))
        return all(self.digest(key, importer) == digest for key, digest in used.items())


class ModuleView:
    def __init__(self, project: Project, module: ModuleRef) -> None:
        self.project = project
        self.module = module
        self.used: dict[str, str] = {}
        self._memo: dict[str, Symbol | None] = {}
        self._origins: dict[str, tuple[Path, str]] = {}
        self._origin: tuple[Path, str] | None = None
        self._origin_ref: ModuleRef | None = None  # the module of ``_origin``
        self._config: dict[str, frozenset[str]] | None = None

    def symbol(self, qualname: str) -> Symbol | None:
        """The symbol an import-resolved dotted name (as the linted module wrote it) refers to,
        when it is defined in a first-party module; None when unknown."""
        if qualname in self._memo:
            return self._memo[qualname]
        self._memo[qualname] = None  # a cycle through this name resolves to unknown
        found = None
        self._origin = self._origin_ref = None
        absolute = self.project.modules.absolute(qualname, self.module)
        if absolute is not None:
            key = (absolute, self.module.root, self.module.path.parent)
            known = self.project.resolved.get(key)
            if known is None:
                outer, self.used = self.used, {}
                try:
                    found = self._absolute(absolute, 0, set())
                finally:
                    used, self.used = self.used, outer
                known = self.project.resolved[key] = (found, self._origin, used)
            found, self._origin = known[0], known[1]
            self.used.update(known[2])
        self._memo[qualname] = found
        if found is not None and self._origin is not None:
            self._origins[qualname] = self._origin
        return found

    def first_party(self, qualname: str) -> bool:
        """Whether the import-resolved name lies in a first-party module (found by the module
        map alone: nothing is summarised; a module not found is recorded as used)."""
        absolute = self.project.modules.absolute(qualname, self.module)
        if absolute is None:
            return False
        parts = absolute.split(".")
        return any(
            self._find(".".join(parts[:cut])) is not None for cut in range(len(parts) - 1, 0, -1)
        )

    def origin(self, qualname: str) -> tuple[Path, str] | None:
        """The file and name that define what ``symbol(qualname)`` returned."""
        if self.symbol(qualname) is None:
            return None
        return self._origins.get(qualname)

    def reached(
        self, qualname: str, want: Callable[[Symbol], bool], depth: int = MAX_CHAIN
    ) -> list[tuple[Symbol, tuple[Path, str], tuple[str, ...]]]:
        """The functions of first-party modules that the function ``qualname`` names calls,
        directly or through theirs (``Symbol.calls``, breadth first, at most ``depth`` steps,
        never through a cached one), for which ``want`` holds (not followed further): each
        with where it is defined and the names of the functions on the way."""
        start, origin = self.symbol(qualname), self.origin(qualname)
        if start is None or origin is None or start.kind != "function":
            return []
        out: list[tuple[Symbol, tuple[Path, str], tuple[str, ...]]] = []
        seen = {origin}
        frontier: list[tuple[Symbol, tuple[Path, str], tuple[str, ...]]] = [(start, origin, ())]
        for _ in range(depth):
            following = []
            for symbol, (path, name), chain in frontier:
                if symbol.cached or not symbol.calls:
                    continue
                view = self.project.view(path)
                for call in symbol.calls:
                    found, where = view.symbol(call), view.origin(call)
                    if found is None or where is None or found.kind != "function":
                        continue
                    if where in seen:
                        continue
                    seen.add(where)
                    step = (*chain, name)
                    if want(found):
                        out.append((found, where, step))
                    else:
                        following.append((found, where, step))
                self.used.update(view.used)
            frontier = following
        return out

    def may_matter(self, written: str, name: str | None) -> bool | None:
        """Whether what a linted module imports (``from written import name``, or the module
        ``written`` itself) may be something a rule looks at: None when it is not first-party
        (unknown to every rule); else whether its module may matter
        (:meth:`Project.module_matters`). Every module that answer read is recorded in
        ``used`` by its content (``module#``), so a cached result is checked again when one
        changes."""
        modules = self.project.modules
        absolute = modules.absolute(written, self.module)
        if absolute is None:
            return None
        ref = modules.imported(absolute, name, self.module)
        if ref is None or ref.path == self.module.path:
            return None
        found, read = self.project.module_matters(ref)
        store = self.project.store
        for other in read:
            self.used[f"{other.name}{CONTENT}"] = store.content_digest(other.path)
        return found

    def app_config(self) -> dict[str, frozenset[str]]:
        """What the project puts in a web application's configuration, by literal key
        (``DB_PASSWORD`` -> ``("secret-value",)``), as the modules that may configure the app
        this module serves say (their summary's ``@config`` entry): the packages above it
        (their ``__init__`` runs first: an app factory), the modules it imports, and the
        modules those import, at most ``MAX_CONFIG_MODULES``. A key no such module writes is
        not in it (unknown)."""
        if self._config is not None:
            return self._config
        store = self.project.store
        found: dict[str, set[str]] = {}
        parts = self.module.name.split(".") if self.module.name else []
        frontier = [
            ref
            for cut in range(len(parts) - 1, 0, -1)
            if (ref := self._find(".".join(parts[:cut]))) is not None
        ]
        own = store.symbol(self.module.path, CONFIG)
        frontier += self._config_imports(own, self.module)
        seen = {self.module.path}
        for _ in range(2):
            following: list[ModuleRef] = []
            for ref in frontier:
                if ref.path in seen or len(seen) > MAX_CONFIG_MODULES or not ref.name:
                    continue
                seen.add(ref.path)
                symbol = self._symbol(ref, CONFIG)
                for selector, kinds in (symbol.parts if symbol is not None else None) or ():
                    if selector.startswith("k:"):
                        found.setdefault(selector[2:], set()).update(kinds)
                following += self._config_imports(symbol, ref)
            frontier = following
        self._config = {key: frozenset(kinds) for key, kinds in found.items()}
        return self._config

    def _config_imports(self, symbol: Symbol | None, ref: ModuleRef) -> list[ModuleRef]:
        """The first-party modules an ``@config`` entry's module imports."""
        out = []
        for written in symbol.calls if symbol is not None else ():
            absolute = self.project.modules.absolute(written, ref)
            names = absolute.split(".") if absolute else []
            for cut in range(len(names), max(len(names) - 2, 0), -1):
                sub = self._find(".".join(names[:cut]), ref)
                if sub is not None:
                    out.append(sub)
                    break
        return out

    # -- resolution ----------------------------------------------------------------------------
    def _find(self, name: str, context: ModuleRef | None = None) -> ModuleRef | None:
        """Module ``name`` as ``context`` (default: the linted module) imports it."""
        ref = self.project.modules.find(name, context or self.module)
        if ref is None:
            self.used.setdefault(name, MISSING)
        return ref

    def _header(self, ref: ModuleRef) -> Header:
        header = self.project.store.header(ref.path)
        self.used[ref.name] = header.digest
        return header

    def _symbol(self, ref: ModuleRef, name: str) -> Symbol | None:
        store = self.project.store
        symbol = store.symbol(ref.path, name)
        self.used[f"{ref.name}:{name}"] = store.symbol_digest(ref.path, name)
        return symbol

    def _absolute(
        self,
        absolute: str,
        hops: int,
        seen: set[tuple[str, str]],
        context: ModuleRef | None = None,
    ) -> Symbol | None:
        """Longest first-party module prefix, then the rest as attributes of it."""
        parts = absolute.split(".")
        modules = next((i for i, p in enumerate(parts) if p.endswith(INSTANCE)), len(parts) - 1)
        for cut in range(min(modules, len(parts) - 1), 0, -1):
            ref = self._find(".".join(parts[:cut]), context)
            if ref is not None:
                return self._member(ref, parts[cut:], hops, seen)
        if len(parts) == 1:
            ref = self._find(absolute, context)
            if ref is not None:
                return Symbol("module", target=ref.name)
        return None

    def _member(
        self, ref: ModuleRef, rest: list[str], hops: int, seen: set[tuple[str, str]]
    ) -> Symbol | None:
        instance = rest[0].endswith(INSTANCE)  # ``Class()``: an instance of the class
        name = rest[0].removesuffix(INSTANCE) if instance else rest[0]
        symbol = self._name(ref, name, hops, seen)
        if instance and (symbol is None or symbol.kind != "class"):
            return None
        if len(rest) == 1 or symbol is None:
            return symbol
        if symbol.kind == "module" and symbol.target:
            sub = self._find(symbol.target, ref)
            if sub is not None:
                return self._member(sub, rest[1:], hops + 1, seen)
        if instance and len(rest) == 2 and self._origin_ref is not None:
            return self._method(rest[1])
        return None  # an attribute of a value or a class: not followed

    def _method(self, method: str) -> Symbol | None:
        """The method of the class just resolved (where it is defined)."""
        assert self._origin is not None and self._origin_ref is not None
        path, cls = self._origin
        ref = self._origin_ref
        symbol = self._symbol(ref, f"{cls}.{method}")
        if symbol is None or symbol.kind not in ("function", "value"):
            return None  # a method, or what an instance's attribute holds
        self._origin = (path, f"{cls}.{method}")
        return _rebased(symbol, ref)

    def _name(
        self, ref: ModuleRef, name: str, hops: int, seen: set[tuple[str, str]]
    ) -> Symbol | None:
        key = (str(ref.path), name)
        if hops > MAX_HOPS or key in seen:
            return None
        seen = seen | {key}
        symbol = self._symbol(ref, name)  # a plain class is answered without an outline
        if symbol is not None:
            if symbol.kind != "alias" or symbol.target is None:
                self._origin, self._origin_ref = (ref.path, name), ref
                return _rebased(symbol, ref)
            target = self.project.modules.absolute(symbol.target, ref)
            if target is None:
                return None
            return self._absolute(target, hops + 1, seen, ref)
        stars = self.project.store.may_star(ref.path)
        header = self._header(ref) if stars else None
        if header is not None and header.error is not None:
            return None
        for star in header.stars if header is not None else ():
            target = self.project.modules.absolute(star, ref)
            sub = self._find(target, ref) if target is not None else None
            if sub is None or not self._header(sub).exported(name):
                continue
            found = self._name(sub, name, hops + 1, seen)
            if found is not None:
                return found
        if ref.package and ref.name:
            sub = self._find(f"{ref.name}.{name}", ref)
            if sub is not None:
                return Symbol("module", target=sub.name)
        return None


def _rebased(symbol: Symbol, ref: ModuleRef) -> Symbol:
    """``symbol`` with the classes its type tags name made absolute for the importer: a
    summary names a class of its own module ``instance:~Name`` (it cannot know whether a name
    it imports is a class: such tags never occur); a module that cannot be named drops them
    (unknown)."""
    local = INSTANCE_PREFIX + LOCAL_CLASS
    if not any(tag.startswith(INSTANCE_PREFIX) for tag in symbol.tags):
        return symbol
    tags = []
    for tag in symbol.tags:
        if tag.startswith(INSTANCE_PREFIX):
            if not tag.startswith(local) or not ref.name:
                continue
            tag = f"{INSTANCE_PREFIX}{ref.name}.{tag[len(local) :]}"
        tags.append(tag)
    return replace(symbol, tags=tuple(tags))
