"""Where first-party modules are: project roots, module names, import targets.

A file's project root is its nearest folder holding ``pyproject.toml``, ``setup.cfg``,
``setup.py``, ``.git`` or an Azure Functions app's ``host.json`` (else the common root of the
linted paths, else its own folder).
Absolute imports are looked up below the root, below ``root/src`` (a ``src`` layout) and the
folders ``pyproject.toml`` maps packages from, then, as Python does for a script or an app run
from its own folder, in the importing file's folder and each folder above it up to the root (an
Azure Functions app's ``host.json`` folder in a monorepo; never for a standard-library name: a
package run as a package would get the standard module), and last in the sibling projects of a
monorepo (a subfolder with its own ``pyproject.toml`` / ``setup.py`` whose package, at its top
or under its ``src``, a service installs by name). A name that is no file
of the tree is third-party or stdlib: it is unknown, and nothing is read for it.

Every answer is memoised for the run; nothing here parses Python.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from kvlint.fileio import read_regular

MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
MARKER_SET = frozenset(MARKERS)
# An Azure Functions app's folder is where its host puts the app on ``sys.path`` and from which
# it names the functions' packages (``from ..shared_code import kv`` in ``Fn/__init__.py``): a
# root, though not a project a sibling installs.
ROOT_MARKER_SET = MARKER_SET | {"host.json"}
MAX_NAME_PARTS = 32
MAX_SIBLINGS = 200  # subfolders of one folder looked at for a sibling project
STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


@dataclass(frozen=True, slots=True)
class ModuleRef:
    """A first-party module: its dotted name, file, and where its imports are looked up."""

    name: str  # "" when the file cannot be named from the root (e.g. a folder with a dash)
    path: Path
    package: bool  # an ``__init__.py``: relative imports start at the module itself
    root: Path

    @property
    def parent_package(self) -> str:
        return self.name if self.package else self.name.rpartition(".")[0]


def _identifiers(parts: list[str]) -> bool:
    return bool(parts) and all(p.isidentifier() for p in parts)


class ModuleMap:
    def __init__(self, fallback_root: Path | None = None) -> None:
        self.fallback_root = fallback_root.resolve() if fallback_root is not None else None
        self._roots: dict[Path, Path] = {}  # a file's folder -> its root
        self._marked: dict[str, Path] = {}  # a folder -> the marked root above it
        self._listed: dict[str, frozenset[str]] = {}
        self._found: dict[tuple[Path, str], Path | None] = {}
        self._refs: dict[Path, ModuleRef] = {}
        self._searched: dict[Path, tuple[Path, ...]] = {}
        self._lookups: dict[tuple[str, Path, Path], ModuleRef | None] = {}
        self._tops: dict[Path, frozenset[str]] = {}
        self._sibling_bases: dict[str, list[Path]] = {}
        self._unmarked: set[Path] = set()  # roots no project marker gave
        self._cwd = Path.cwd().resolve()

    # -- roots ---------------------------------------------------------------------------------
    def root_of(self, path: Path) -> Path:
        """The project root for a file (see the module docstring)."""
        return self.root_of_folder(path.parent)

    def root_of_folder(self, folder: Path) -> Path:
        known = self._roots.get(folder)
        if known is not None:
            return known
        chain: list[str] = []
        root: Path | None = None
        current = str(folder)
        while True:
            marked = self._marked.get(current)
            if marked is not None:
                root = marked
                break
            chain.append(current)
            if not ROOT_MARKER_SET.isdisjoint(self._entries(current)):
                root = Path(current)
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        if root is not None:
            for candidate in chain:  # below a marker: they all share it
                self._marked[candidate] = root
        else:  # no marker up to the file system's root: nothing is shared
            fallback = self.fallback_root
            inside = fallback is not None and fallback in (folder, *folder.parents)
            root = fallback if inside and fallback is not None else folder
            self._unmarked.add(root)
        self._roots[folder] = root
        return root

    def _entries(self, folder: str) -> frozenset[str]:
        """A folder's entry names (one listing per folder and run)."""
        known = self._listed.get(folder)
        if known is None:
            try:
                known = frozenset(os.listdir(folder))
            except OSError:
                known = frozenset()
            self._listed[folder] = known
        return known

    def search_roots(self, root: Path) -> tuple[Path, ...]:
        """The root, ``root/src`` (a ``src`` layout) and the folders ``pyproject.toml`` maps
        packages from (setuptools ``package-dir``, Poetry ``packages = [{from = ...}]``)."""
        known = self._searched.get(root)
        if known is None:
            found = [root]
            src = root / "src"
            if src.is_dir() and not (src / "__init__.py").exists():
                found.append(src)
            for folder in _package_dirs(root):
                if folder not in found and folder.is_dir() and root in folder.parents:
                    found.append(folder)
            known = self._searched[root] = tuple(found)
        return known

    def names_in(self, folder: Path) -> frozenset[str]:
        """The module and package names a folder holds (every entry, ``.py`` stripped): an
        absolute import whose first part is in none of the search folders is third-party or
        stdlib, known without looking further."""
        known = self._tops.get(folder)
        if known is None:
            entries = self._entries(str(folder))
            known = frozenset(e[:-3] if e.endswith(".py") else e for e in entries)
            self._tops[folder] = known
        return known

    # -- names ---------------------------------------------------------------------------------
    def module_of(self, path: Path) -> ModuleRef:
        """The module a file is, named from the search root that holds it."""
        path = path.absolute()
        known = self._refs.get(path)
        if known is not None:
            return known
        real = _real(path)
        root = self.root_of(real)
        package = real.name == "__init__.py"
        name = ""
        for base in reversed(self.search_roots(root)):  # ``src`` first: it is inside the root
            try:
                relative = real.relative_to(base)
            except ValueError:
                continue
            parts = list(relative.parent.parts) if package else [*relative.parent.parts]
            if not package:
                parts.append(relative.name.rsplit(".", 1)[0])
            if _identifiers(parts):
                name = ".".join(parts)
            break
        ref = ModuleRef(name, real, package, root)
        self._refs[path] = ref
        return ref

    def absolute(self, written: str, importer: ModuleRef) -> str | None:
        """``written`` (``..settings.URL`` or ``pkg.settings``) as an absolute dotted name."""
        dots = len(written) - len(written.lstrip("."))
        rest = written[dots:]
        if not dots:
            return rest or None
        if not importer.name:
            return None
        package = importer.parent_package.split(".") if importer.parent_package else []
        up = dots - 1
        if up > len(package) or not package:
            return None  # beyond the top-level package: Python refuses it too
        base = package[: len(package) - up]
        return ".".join([*base, rest] if rest else base)

    def imported(self, base: str, member: str | None, importer: ModuleRef) -> ModuleRef | None:
        """The first-party module ``from base import member`` (``import base``: ``member``
        None) makes ``importer`` read: the submodule ``base.member`` when there is one, else
        ``base``."""
        found = self.find(f"{base}.{member}", importer) if member is not None else None
        return found or self.find(base, importer)

    # -- files ---------------------------------------------------------------------------------
    def find(self, name: str, importer: ModuleRef) -> ModuleRef | None:
        """The first-party module ``name`` (absolute) as ``importer`` would import it."""
        key = (name, importer.root, importer.path.parent)
        if key in self._lookups:
            return self._lookups[key]
        found = self._lookups[key] = self._find(name, importer)
        return found

    def _find(self, name: str, importer: ModuleRef) -> ModuleRef | None:
        parts = name.split(".")
        if not _identifiers(parts) or len(parts) > MAX_NAME_PARTS:
            return None
        roots = self.search_roots(importer.root)
        for base in roots:
            if parts[0] not in self.names_in(base):
                continue
            path = self._file(base, name, parts)
            if path is not None:
                return self.module_of(path)
        if parts[0] in STDLIB:
            return None
        ancestors = self._ancestors(importer)
        for folder in ancestors:
            if folder in roots or parts[0] not in self.names_in(folder):
                continue
            path = self._file(folder, name, parts)
            if path is not None:
                ref = self.module_of(path)
                # named from the folder Python would find it in, not from the root
                return ModuleRef(name, ref.path, ref.package, importer.root)
        for base in self._siblings(ancestors, importer.root):
            if parts[0] not in self.names_in(base) or not (base / parts[0]).is_dir():
                continue  # a sibling project's package (never a loose module of it)
            path = self._file(base, name, parts)
            if path is not None and importer.root in path.parents:
                return self.module_of(path)  # named from its own project's root
        return None

    def _siblings(self, ancestors: list[Path], root: Path) -> list[Path]:
        """Sibling projects of a monorepo: for each folder the importer's search climbs
        through (and the root), its subfolders holding a project marker, searched in their
        ``src`` folder or at their top (``services/core/src/core_lib`` shared by
        ``services/poll``, installed from the same repository). Bounded; never through a
        link."""
        out: list[Path] = []
        for folder in [*ancestors, root]:
            key = str(folder)
            known = self._sibling_bases.get(key)
            if known is None:
                known = []
                entries = sorted(self._entries(key))[:MAX_SIBLINGS]
                for entry in entries:
                    child = os.path.join(key, entry)
                    if entry.startswith(".") or os.path.islink(child):
                        continue
                    if MARKER_SET.isdisjoint(self._entries(child)) or ".git" in self._entries(
                        child
                    ):
                        continue  # not a project, or another repository
                    src = os.path.join(child, "src")
                    base = (
                        src if "src" in self._entries(child) and not os.path.islink(src) else child
                    )
                    known.append(Path(base))
                self._sibling_bases[key] = known
            out += [b for b in known if b not in out]
        return out

    def _ancestors(self, importer: ModuleRef) -> list[Path]:
        """The folders Python may search for a file's absolute imports besides the root: the
        file's own folder (a script's), then each folder above it up to the root (an app in a
        subfolder run from there: an Azure Functions app's ``host.json`` folder, a service
        of a monorepo); under no project marker at all (a file linted alone in a copied tree),
        each folder above it up to the working directory."""
        folder = importer.path.parent
        out = [folder]
        if importer.root in folder.parents:
            while folder.parent != importer.root and len(out) < MAX_NAME_PARTS:
                folder = folder.parent
                out.append(folder)
        elif importer.root in self._unmarked and self._cwd in folder.parents:
            # no project marker anywhere above: the app may run from any folder up to the one
            # kvlint runs in (never above it: nothing outside the tree is read)
            while folder != self._cwd and len(out) < MAX_NAME_PARTS:
                folder = folder.parent
                out.append(folder)
        return out

    def _file(self, base: Path, name: str, parts: list[str]) -> Path | None:
        key = (base, name)
        if key in self._found:
            return self._found[key]
        found = None
        folder = base.joinpath(*parts[:-1]) if len(parts) > 1 else base
        if len(parts) == 1 or folder.is_dir():
            module = folder / f"{parts[-1]}.py"
            package = folder / parts[-1] / "__init__.py"
            if package.is_file():
                found = package
            elif module.is_file():
                found = module
        self._found[key] = found
        return found


MAX_PYPROJECT = 256 * 1024


def _package_dirs(root: Path) -> list[Path]:
    """The folders ``root/pyproject.toml`` says packages live in (unknown: none)."""
    path = root / "pyproject.toml"
    try:
        if path.is_symlink() or path.stat().st_size > MAX_PYPROJECT:
            return []
        data = read_regular(path, MAX_PYPROJECT + 1)
    except OSError:
        return []
    if b"package-dir" not in data and b"from" not in data:
        return []
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool", {})
    except (ValueError, UnicodeDecodeError, RecursionError):
        return []
    folders: list[str] = []
    setuptools = tool.get("setuptools", {}) if isinstance(tool, dict) else {}
    mapping = setuptools.get("package-dir", {}) if isinstance(setuptools, dict) else {}
    if isinstance(mapping, dict):
        folders += [v for k, v in mapping.items() if k == "" and isinstance(v, str)]
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    packages = poetry.get("packages", []) if isinstance(poetry, dict) else []
    if isinstance(packages, list):
        folders += [
            p["from"] for p in packages if isinstance(p, dict) and isinstance(p.get("from"), str)
        ]
    out = []
    for folder in folders:
        candidate = (root / folder).resolve() if ".." not in folder else None
        if candidate is not None:
            out.append(candidate)
    return out


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
