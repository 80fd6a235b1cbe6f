"""What another module's record tells a module that imports it, as a predicate over
:class:`~kvlint.lint.project.summary.Symbol` (no libcst: asked before the importer is parsed):
:func:`tells_importer` for a module without Key Vault words of its own, and the importers
pass's :func:`gate` built on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kvlint.lint.project.summary import Symbol

if TYPE_CHECKING:
    from kvlint.lint.project.modules import ModuleRef
    from kvlint.lint.project.resolver import Project

Gate = Callable[["ModuleRef", str, "str | None"], bool]

# Type tags that give a module nothing to report by themselves: a logger, a web app, a request,
# a plain session (what it is sent to, or with, must come from elsewhere); ``instance:`` tags
# name a class, whose own records the caller follows.
_SILENT_CATEGORIES = frozenset(
    {"logger", "web-app", "request", "function", "param", "http-session", "instance"}
)


def tells_importer(symbol: Symbol, wanted: Callable[[bytes], bool]) -> bool:
    """Whether another module's record can give a module with no Key Vault word of its own
    (the prefilter skipped it) something to report: a Key Vault read, a client or credential
    built, an access change, secret or token material returned or held, a client, credential
    or token returned, or a value the prefilter ``wanted`` (a vault URL, an audience, a token
    endpoint). A parameter it writes to a log, a URL parameter it requests, a plain string:
    these report only with material, which must then come from a record that tells."""
    if symbol.reads or symbol.builds or symbol.grants or symbol.carries or symbol.attrs:
        return True
    if any(kinds for _, kinds in symbol.parts or ()):
        return True
    if any(tag.partition(":")[0] not in _SILENT_CATEGORIES for tag in symbol.tags):
        return True
    return symbol.value is not None and wanted(symbol.value.encode("utf-8", "replace"))


def gate(project: Project | None, wanted: Callable[[bytes], bool]) -> Gate:
    """``(importer, module as written, name or None)`` -> whether that import tells a module
    the prefilter skipped anything (:func:`tells_importer`, through the project's summaries;
    a class whose slice names nothing ``wanted`` is not parsed to decide)."""

    def source(symbol: Symbol) -> bool:
        return tells_importer(symbol, wanted)

    def text(slice_source: str) -> bool:
        return wanted(slice_source.encode("utf-8", "replace"))

    def tells(importer: ModuleRef, written: str, member: str | None) -> bool:
        if project is None:
            return True
        return project.tells(importer, written, member, source, text)

    return tells
