"""Settings for an open document: ``[tool.kvlint]`` of the nearest ``pyproject.toml``.

Looked up once per folder and cached; a cached entry is dropped when its ``pyproject.toml``
changes on disk (its modification time is checked on every use, which costs one ``stat``),
and everything is dropped when the editor reports a ``pyproject.toml`` created, changed or
deleted (``workspace/didChangeWatchedFiles``) or saved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kvlint import config
from kvlint.config import Settings
from kvlint.lint.discovery import PYTHON_SUFFIXES
from kvlint.lint.engine import Linter
from kvlint.lint.sources.config import kind_of
from kvlint.notebook import is_notebook
from kvlint.server.engine import make_linter

CONFIG_NAME = "pyproject.toml"


@dataclass
class Project:
    """One configuration and the linter built from it (shared by every folder it covers)."""

    settings: Settings
    linter: Linter
    stamp: int | None  # st_mtime_ns of the config file; None without one


@dataclass(frozen=True)
class Target:
    """What to lint for a document, or why not (``skip``)."""

    project: Project | None
    path: str  # as the engine sees it (decides Python vs configuration file)
    relpath: str  # relative to the project root (excludes, per-file-ignores)
    skip: str | None = None


def _stamp(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


class Projects:
    def __init__(self) -> None:
        self._by_folder: dict[Path, Project] = {}
        self._by_config: dict[Path | None, Project] = {}
        self.folders: list[Path] = []  # workspace folders, for files without a configuration

    def invalidate(self) -> None:
        self._by_folder.clear()
        self._by_config.clear()

    def project_for(self, folder: Path) -> Project:
        """The settings that apply in ``folder``; raises KvlintError for a broken config."""
        cached = self._by_folder.get(folder)
        if cached is not None and cached.stamp == _stamp(cached.settings.config_path):
            return cached
        found = config.find_config(folder)
        key = found.resolve() if found is not None else None
        project = self._by_config.get(key)
        if project is None or project.stamp != _stamp(key):
            if key is None:
                settings = Settings(root=self._fallback_root(folder))
            else:
                settings = config.load(str(key))
            project = Project(settings, make_linter(settings), _stamp(key))
            if key is not None:
                self._by_config[key] = project
        self._by_folder[folder] = project
        return project

    def _fallback_root(self, folder: Path) -> Path:
        """Without a configuration: the workspace folder holding ``folder``, else ``folder``."""
        inside = [f for f in self.folders if folder == f or f in folder.parents]
        return max(inside, key=lambda f: len(f.parts)) if inside else folder

    def target(self, fs_path: str | None, name: str, language_id: str | None) -> Target:
        """Where a document stands: its project and paths, or why it is not linted."""
        if fs_path is None:  # an unsaved buffer: lint Python by its language
            if language_id != "python":
                return Target(None, name, name, skip="not a Python or configuration buffer")
            root = self.folders[0] if self.folders else Path.cwd()
            project = self.project_for(root)
            py_name = name if name.endswith(PYTHON_SUFFIXES) else f"{name}.py"
            return Target(project, py_name, py_name)
        path = Path(fs_path).absolute()
        project = self.project_for(path.parent)
        relpath = _relative(path, project.settings.root)
        settings = project.settings
        wanted = (
            path.name.endswith(PYTHON_SUFFIXES)
            or kind_of(path.name) is not None
            or is_notebook(path.name)
            or language_id == "python"
            or any(config.path_matches(p, relpath) for p in settings.include)
        )
        if not wanted:
            return Target(None, str(path), relpath, skip="not a file kvlint checks")
        if settings.is_excluded(relpath):
            return Target(None, str(path), relpath, skip="excluded by the configuration")
        return Target(project, str(path), relpath)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return PurePosixPath(Path(os.path.relpath(path, root)).as_posix()).as_posix()


def is_config(fs_path: str | None) -> bool:
    return fs_path is not None and Path(fs_path).name == CONFIG_NAME
