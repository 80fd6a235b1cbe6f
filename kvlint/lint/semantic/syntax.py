"""Small questions about libcst syntax: call arguments, dotted names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, cast

import libcst as cst

if TYPE_CHECKING:
    from libcst.metadata import CodeRange


def arg(call: cst.Call, keyword: str | None = None, position: int | None = None) -> cst.Arg | None:
    """The argument of ``call`` given by keyword or (else) by position, or None."""
    if keyword is not None:
        for argument in call.args:
            if argument.keyword is not None and argument.keyword.value == keyword:
                return argument
    if position is not None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if position < len(positional):
            return positional[position]
    return None


def keywords(call: cst.Call) -> dict[str, cst.Arg]:
    return {a.keyword.value: a for a in call.args if a.keyword is not None}


def dotted(node: cst.BaseExpression | None) -> str | None:
    """``a.b.c`` for a Name / Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def node_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """``MetadataWrapper(module).resolve(PositionProvider)``, without the wasted traversal.

    After computing a non-batchable provider, libcst's resolver still runs the batchable ones
    in a full (node-rebuilding) visit of the module even when there are none; that cost as
    much as the positions themselves (about 0.1 s per file with findings, on SDK code).
    """
    from libcst.metadata import MetadataWrapper, PositionProvider

    # _gen's declared values may be lazy; PositionProvider's are computed CodeRanges.
    positions = PositionProvider()._gen(MetadataWrapper(module, unsafe_skip_copy=True))
    return cast("Mapping[cst.CSTNode, CodeRange]", positions)


def is_property(function: cst.FunctionDef) -> bool:
    """Whether ``function`` is decorated as a (cached) property."""
    for decorator in function.decorators:
        expr = decorator.decorator
        name = dotted(expr.func if isinstance(expr, cst.Call) else expr) or ""
        if name.rsplit(".", 1)[-1] in ("property", "cached_property"):
            return True
    return False


def annotated_classes(annotation: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The classes an annotation names: ``X``, ``X | None``, ``Optional[X]``."""
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return [*annotated_classes(annotation.left), *annotated_classes(annotation.right)]
    if isinstance(annotation, cst.Subscript) and (dotted(annotation.value) or "").endswith(
        "Optional"
    ):
        return [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
    return [annotation]


def star_qualname(
    imports: Iterable[cst.Import | cst.ImportFrom], name: str, known: Callable[[str], object]
) -> str | None:
    """The dotted name a name bound nowhere in its module has through ``from m import *``: the
    last star import whose module ``known`` describes as defining it (a first-party module's
    summary), else None (a third-party star import says nothing: unknown stays unknown)."""
    for node in reversed(list(imports)):
        if not isinstance(node, cst.ImportFrom) or not isinstance(node.names, cst.ImportStar):
            continue
        module = dotted(node.module) if node.module is not None else ""
        base = "." * len(node.relative) + (module or "")
        qual = f"{base}{name}" if base.endswith(".") else f"{base}.{name}"
        if base and known(qual) is not None:
            return qual
    return None
