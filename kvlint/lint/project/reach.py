"""Which files the byte prefilter would skip but that import a module it keeps.

``views.py`` that calls ``get_secret_value()`` from ``secrets.py`` mentions no Key Vault word,
yet KV305 must see it. Before parsing anything, the import statements are read from the bytes
(a regular expression over ``import x`` / ``from x import y`` lines) and resolved with the module
map; a file is kept when one of its first-party imports passes the prefilter (through package
``__init__`` re-exports, ``MAX_DEPTH`` levels) and the imported name's definition may say
something (see :mod:`kvlint.lint.project.probe`). A false match only costs a parse: the rules
still decide on the parsed code.

A notebook (``.ipynb``) imports as a script does: its import lines live in the JSON strings of
its code cells, so a notebook whose bytes may name a kept module is read as its cells' module
(:func:`code_of`) and searched like a ``.py`` file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from kvlint.fileio import read_regular
from kvlint.lint.project.modules import ModuleMap, ModuleRef
from kvlint.lint.project.probe import may_bind
from kvlint.notebook import NotebookError, is_notebook, load

MAX_DEPTH = 3
MAX_BYTES = 2 * 1024 * 1024
NOTEBOOK_MAX_BYTES = 80 * 1024 * 1024  # as the engine's: outputs make notebooks large
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w., \t*]*)|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)


def imported_names(data: bytes) -> list[tuple[str, str | None]]:
    """What the source imports, as (module as written, name or None): ``import a.b`` is
    ``("a.b", None)``, ``from .x import y`` is ``(".x", "y")`` (``y`` may be a submodule)."""
    out: list[tuple[str, str | None]] = []
    for match in _IMPORT.finditer(data):
        module, names, plain = match.groups()
        if plain is not None:
            for part in plain.split(b","):
                words = part.split()
                if words:
                    out.append((words[0].decode("ascii", "replace"), None))
            continue
        base = module.decode("ascii", "replace")
        for part in (names or b"").split(b","):
            words = part.split()
            if words:
                name = words[0].decode("ascii", "replace")
                out.append((base, None if name == "*" else name))
    return out


# (importer, module as written, name or None) -> whether what it imports tells it anything
Tells = Callable[[ModuleRef, str, "str | None"], bool]


class Reach:
    def __init__(
        self,
        modules: ModuleMap,
        wanted: Callable[[bytes], bool],
        relevant: Callable[[str], bool] = lambda text: True,
        also: frozenset[Path] = frozenset(),
        tells: Tells | None = None,
    ) -> None:
        self.modules = modules
        self.wanted = wanted
        self.relevant = relevant
        self.also = also  # modules wanted although their bytes are not (a previous round's)
        self.tells = tells  # whether an imported name's records tell anything (the summaries)
        self._memo: dict[Path, bool] = {}

    def imports_wanted(self, path: Path, data: bytes) -> bool:
        """Whether the file at ``path`` (bytes ``data``, not wanted itself) imports a wanted
        first-party module, directly or through at most ``MAX_DEPTH`` modules."""
        importer = self.modules.module_of(path)
        return self._imports(importer, data, 0, set())

    def _imports(self, importer: ModuleRef, data: bytes, depth: int, seen: set[Path]) -> bool:
        wanted: dict[Path, bool] = {}  # this file's imported modules (several names each)
        for written, member in imported_names(data):
            base = self.modules.absolute(written, importer)  # ``.`` too: ``from . import x``
            if base is None:
                continue
            ref, name = None, member
            if member is not None:  # ``from pkg import sub``: a submodule first
                ref = self.modules.find(f"{base}.{member}", importer)
                name = None if ref is not None else member
            if ref is None:
                ref = self.modules.find(base, importer)
            if ref is None or ref.path == importer.path:
                continue
            if ref.path not in wanted:
                if ref.path in seen:  # visited deeper in this search: a cycle
                    continue
                seen.add(ref.path)
                wanted[ref.path] = self._module_wanted(ref, depth, seen)
            if not wanted[ref.path]:
                continue
            if name is not None and not self._binds(ref, name):
                continue
            # something may cross; the importer's own line is asked of the summaries too
            if depth or self.tells is None or self.tells(importer, written, name):
                return True
        return False

    def _binds(self, ref: ModuleRef, name: str) -> bool:
        data = self._data(ref.path)
        return may_bind(data, name, self.relevant)

    @staticmethod
    def _data(path: Path, limit: int = MAX_BYTES) -> bytes:
        try:
            data = read_regular(path, limit + 1)  # never a pipe or a device
            return data if len(data) <= limit else b""
        except OSError:
            return b""

    def _module_wanted(self, ref: ModuleRef, depth: int, seen: set[Path]) -> bool:
        known = self._memo.get(ref.path)
        if known is not None:
            return known
        data = self._data(ref.path)
        found = ref.path in self.also or self.wanted(data)
        if not found and depth < MAX_DEPTH and ref.package:  # re-exports live in __init__
            found = self._imports(ref, data, depth + 1, seen)
        if found or depth == 0:  # a shallower visit may find more: remember only sure answers
            self._memo[ref.path] = found
        return found


def code_of(data: bytes) -> bytes:
    """A notebook's code cells as one module's bytes (b"" for what is not a notebook)."""
    try:
        return load(data).text.encode("utf-8", "replace")
    except (NotebookError, ValueError, RecursionError):
        return b""


class File(Protocol):
    @property
    def path(self) -> Path: ...


SkippedFile = TypeVar("SkippedFile", bound=File)


def importers(
    modules: ModuleMap,
    wanted: Callable[[bytes], bool],
    matched: Sequence[File],
    skipped: Sequence[SkippedFile],
    few: bool = False,
    relevant: Callable[[str], bool] = lambda text: True,
    also: bool = False,
    tells: Tells | None = None,
) -> Iterator[SkippedFile]:
    """The ``skipped`` files (the prefilter left them out) that import a module it kept.

    Only in projects where something was ``matched`` (or when the run has ``few`` files), and
    only files whose bytes name one of those modules (or its package) on an import line: a
    project with one Key Vault file out of thousands costs one search per file. With ``also``,
    the ``matched`` modules count as kept whatever their bytes (the files a previous round
    found: a route calling a service that calls an accessor)."""
    words: dict[Path, set[bytes]] = {}  # per project root: the names an import would use
    for file in matched:
        ref = modules.module_of(file.path)
        parts = ref.name.split(".") if ref.name else [ref.path.stem]
        words.setdefault(ref.root, set()).update(p.encode() for p in parts[-2:] if p)
    names = {root: _import_line(found) for root, found in words.items() if found}
    # in a notebook's JSON an import line starts inside a string: ``"from x import y\n",``
    in_json = {root: _import_line(found, anchored=False) for root, found in words.items() if found}
    seeds = frozenset(modules.module_of(f.path).path for f in matched) if also else frozenset()
    reach = Reach(modules, wanted, relevant, seeds, tells)
    # a folder -> its project's patterns (for .py files, for notebooks' JSON)
    folders: dict[str, tuple[re.Pattern[bytes], re.Pattern[bytes]] | None] = {}
    prefixes = tuple(str(root) for root in names)  # a folder outside them has no pattern
    for file in skipped:
        folder = os.path.dirname(file.path)
        if folder not in folders:
            absolute = os.path.realpath(folder or ".")  # roots are real paths
            inside = few or absolute.startswith(prefixes)
            root = modules.root_of_folder(Path(absolute)) if inside else None
            folders[folder] = (names[root], in_json[root]) if root in names else None
        patterns = folders[folder]
        if patterns is None and not few:
            continue
        path = file.path.absolute()
        notebook = is_notebook(path.name)
        data = Reach._data(path, NOTEBOOK_MAX_BYTES if notebook else MAX_BYTES)
        if notebook:
            if patterns is not None and not few and not patterns[1].search(data):
                continue
            data = code_of(data) if b"import" in data else b""
        if patterns is not None and not few and not patterns[0].search(data):
            continue
        if reach.imports_wanted(path, data):
            yield file


def _import_line(words: set[bytes], anchored: bool = True) -> re.Pattern[bytes]:
    """An import line naming one of ``words``; not ``anchored``: anywhere on a line."""
    start = rb"^[ \t]*" if anchored else rb""
    pattern = start + rb"(?:from|import)[ \t][^\n]*\b(?:"
    pattern += b"|".join(re.escape(w) for w in sorted(words)) + rb")\b"
    return re.compile(pattern, re.MULTILINE)
