"""A read-only traversal of a libcst tree, several times faster than ``Module.visit``.

libcst's ``visit`` rebuilds every node it passes, even for a read-only ``CSTVisitor``
(``_visit_and_replace_children`` constructs and validates a new node), and it visits every piece
of whitespace and punctuation. On real code that costs as much as parsing. ``walk`` reads the
child fields of each node directly, in the order libcst visits them (source order: decorators
before the ``def``, ``body if test else orelse``), and skips fields that can only hold
whitespace or punctuation. It calls ``visitor.on_visit(node)`` (children are visited when it
returns true) and ``visitor.on_leave(node)``, like libcst, on the same nodes in the same order
minus whitespace and punctuation (tests/test_walk.py compares the two).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from typing import Protocol

import libcst as cst

# Nodes that carry no meaning for rules: whitespace, comments and punctuation.
SKIPPED: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
)
_VISITED_FIELD = re.compile(r"""visit_\w+\(\s*self\s*,\s*["'](\w+)["']""")


class Visitor(Protocol):
    def on_visit(self, node: cst.CSTNode) -> bool: ...

    def on_leave(self, original_node: cst.CSTNode) -> None: ...


def _node_classes(annotation: object) -> list[type] | None:
    """The CSTNode classes a field annotation allows; None when it cannot be told."""
    if isinstance(annotation, type):
        return [annotation] if issubclass(annotation, cst.CSTNode) else []
    if isinstance(annotation, (str, typing.ForwardRef)):
        return None
    args = typing.get_args(annotation)
    if not args:
        return None
    found: list[type] = []
    for arg in args:
        classes = _node_classes(arg)
        if classes is None:
            return None
        found.extend(classes)
    return found


def _may_hold_content(annotation: object) -> bool:
    classes = _node_classes(annotation)
    if classes is None:
        return True
    return any(not issubclass(c, SKIPPED) for c in classes)


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` that may hold meaningful child nodes, in libcst's visit order."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    order: list[str] = []
    method = cls.__dict__.get("_visit_and_replace_children")
    if method is not None:
        try:
            order = [n for n in _VISITED_FIELD.findall(inspect.getsource(method)) if n in fields]
        except (OSError, TypeError):
            order = []
    order = list(dict.fromkeys(order))
    order += [name for name in fields if name not in order]  # fallback: declaration order
    return tuple(name for name in order if _may_hold_content(fields[name].type))


# class -> its child fields, or None for values that are not visited (skipped nodes, strings,
# MaybeSentinel, None); filled on first sight of each class.
_PLANS: dict[type, tuple[str, ...] | None] = {}


def _plan(cls: type) -> tuple[str, ...] | None:
    plan = None
    if issubclass(cls, cst.CSTNode) and not issubclass(cls, SKIPPED):
        plan = child_fields(cls)
    _PLANS[cls] = plan
    return plan


def walk(node: cst.CSTNode, visitor: Visitor) -> None:
    """Visit ``node`` and its meaningful descendants depth-first, in source order. (The field
    loop is :func:`children`'s, written out: this is the index's hot loop, and a list per node
    cost up to a tenth more on the dense corpus.)"""
    plans = _PLANS
    cls = type(node)
    fields = plans[cls] if cls in plans else _plan(cls)
    if visitor.on_visit(node) and fields:
        for name in fields:
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    kind = type(item)
                    if (plans[kind] if kind in plans else _plan(kind)) is not None:
                        walk(item, visitor)
            elif (plans[kind] if kind in plans else _plan(kind)) is not None:
                walk(value, visitor)
    visitor.on_leave(node)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The meaningful child nodes of ``node``, in source order: ``node.children`` without
    whitespace, comments and punctuation, read from the fields directly (libcst's property
    runs a visitor over every field for each call; searches below an expression called it
    for every node they passed, a sixth of a dense corpus's rule time)."""
    plans = _PLANS
    cls = type(node)
    fields = plans[cls] if cls in plans else _plan(cls)
    out: list[cst.CSTNode] = []
    if not fields:
        return out
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                kind = type(item)
                if (plans[kind] if kind in plans else _plan(kind)) is not None:
                    out.append(item)
        elif (plans[kind] if kind in plans else _plan(kind)) is not None:
            out.append(value)
    return out
