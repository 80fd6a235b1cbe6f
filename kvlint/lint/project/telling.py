"""Whether a name a module imports from its project can tell it anything a rule could report.

The importers pass (:mod:`kvlint.lint.project.reach`) lints a file the prefilter skipped only
when one of the first-party names it imports has a record for which the caller's ``source``
test holds (:func:`kvlint.lint.facts.exports.tells_importer`): the name's own summary, a
class's methods and attributes, the classes whose instances they return, and the functions
they call in other modules, followed breadth first as call chains are
(``depth`` steps: the resolver's ``MAX_CHAIN``). Nothing here knows about Key Vault.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from kvlint.lint.project.store import SummaryStore
from kvlint.lint.project.summary import INSTANCE_PREFIX, LOCAL_CLASS, Symbol


class View(Protocol):
    """A module's window on the project (:class:`~kvlint.lint.project.resolver.ModuleView`)."""

    def symbol(self, qualname: str) -> Symbol | None: ...

    def origin(self, qualname: str) -> tuple[Path, str] | None: ...


Source = Callable[[Symbol], bool]  # whether a record tells an importer anything (the caller's)


def tells(
    view: View,
    qualname: str,
    source: Source,
    text: Callable[[str], bool] | None,
    depth: int,
    store: SummaryStore,
    view_of: Callable[[Path], View],
) -> bool:
    """Whether ``source`` holds for the first-party name's record, a class's methods and
    attributes, the classes whose instances they return, or the functions they call in
    other modules, through at most ``depth`` steps. A module, or a class whose methods
    cannot be summarised, may tell; an unknown name does not (no rule sees through it).
    A class whose slice's source fails ``text`` is not summarised: only what its methods
    call in other modules is followed."""
    symbol, origin = view.symbol(qualname), view.origin(qualname)
    if symbol is None:
        return False
    if symbol.kind == "module" or origin is None:
        return True
    seen: set[tuple[Path, str]] = set()
    frontier = [(symbol, origin)]
    for _ in range(depth):
        following: list[tuple[Symbol, tuple[Path, str]]] = []
        for found, (path, name) in frontier:
            if (path, name) in seen:
                continue
            seen.add((path, name))
            records = [found]
            if found.kind == "class":
                members = store.members(path, name, text)
                if members is None:
                    return True  # not known: it may
                records = [record for _, record in members]
            other = view_of(path)
            for record in records:
                if source(record):
                    return True
                named = [] if record.cached else list(record.calls)
                for tag in record.tags:  # the classes whose instances it returns
                    cls = tag[len(INSTANCE_PREFIX) :] if tag.startswith(INSTANCE_PREFIX) else ""
                    if not cls.startswith(LOCAL_CLASS):
                        named += [cls] if cls else []
                        continue
                    local = store.symbol(path, cls[len(LOCAL_CLASS) :])
                    if local is not None and local.kind == "class":  # of its own module
                        following.append((local, (path, cls[len(LOCAL_CLASS) :])))
                for called in named:
                    target, where = other.symbol(called), other.origin(called)
                    if target is None:
                        continue
                    if target.kind == "module" or where is None:
                        return True
                    following.append((target, where))
        frontier = following
        if not frontier:
            return False
    return True  # deeper than the bound: it may
