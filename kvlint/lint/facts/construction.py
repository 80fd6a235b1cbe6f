"""What runs while an object is constructed, and the state it leaves on the object: the
methods of a class that run once per object (``__init__``, and the helpers only it calls),
what ``self.x = ...`` sets, and whether a later method sets it again.

A helper runs once per object only when every same-module call of it is ``self.<helper>()``
in such a method and its name is handed nowhere else (a timer, a scheduler or a retry hook
may call it again); helpers calling helpers are followed :data:`MAX_HELPER_DEPTH` deep.
"""

from __future__ import annotations

import libcst as cst

from kvlint.lint.semantic.dataflow import callers, sub_expressions
from kvlint.lint.semantic.model import Analysis

MAX_HELPER_DEPTH = 3  # __init__ -> helper -> helper -> helper: how far callers are followed


def on_self(expr: cst.BaseExpression) -> bool:
    """``self.x`` / ``self.x.y``: state of the object."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name) and expr.value == "self"


def instance_target(target: cst.BaseExpression) -> str | None:
    """``self.x`` for ``self.x = ...``; ``a session's default headers`` for
    ``self.x.headers[...] = ...``; None for any other assignment target."""
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        if target.value.value == "self":
            return f"self.{target.attr.value}"
        return None
    if (
        isinstance(target, cst.Subscript)
        and isinstance(target.value, cst.Attribute)
        and target.value.attr.value == "headers"
        and on_self(target.value)
    ):
        return "a session's default headers"
    return None


def runs_once_per_object(
    analysis: Analysis, function: cst.FunctionDef, cls: cst.ClassDef | None, depth: int = 0
) -> bool:
    """``__init__``, or a method whose every same-module call is ``self.<method>()`` in such a
    method of ``cls`` (so nothing calls it again later, to refresh what it set)."""
    if function.name.value == "__init__":
        return True
    if depth >= MAX_HELPER_DEPTH:
        return False
    calls = callers(analysis, function)
    if not calls or _referenced_elsewhere(analysis, function, calls):
        return False
    for call in calls:
        caller = analysis.enclosing_function(call)
        if caller is None or analysis.enclosing_class(caller) is not cls:
            return False
        if not runs_once_per_object(analysis, caller, cls, depth + 1):
            return False
    return True


def _referenced_elsewhere(
    analysis: Analysis, function: cst.FunctionDef, calls: list[cst.Call]
) -> bool:
    """The method's name appears other than as the callee of ``calls`` (handed to a timer, a
    scheduler or a retry hook, or called through another name): it may run again."""
    callees = {call.func for call in calls}
    name = function.name.value
    cls = analysis.enclosing_class(function)
    for call in analysis.index.calls:
        if analysis.enclosing_class(call) is not cls:
            continue
        for argument in call.args:
            for node in sub_expressions(argument.value):
                if (
                    isinstance(node, cst.Attribute)
                    and node.attr.value == name
                    and node not in callees
                ):
                    return True
    return False


def constructing_method(analysis: Analysis, node: cst.CSTNode) -> cst.FunctionDef | None:
    """The method of ``node``'s class that ``node`` is directly in, when it runs once per
    object (``__init__`` or a helper only it calls); else None."""
    function = analysis.enclosing_function(node)
    cls = analysis.enclosing_class(node)
    if function is None or cls is None or analysis.enclosing_class(function) is not cls:
        return None
    return function if runs_once_per_object(analysis, function, cls) else None


def reassigned_later(analysis: Analysis, target: cst.BaseExpression, stmt: cst.CSTNode) -> bool:
    """``self.x`` (or ``self.<session>.headers[...]``) is assigned again, in the class of
    ``stmt``, by a method that may run after construction (``def refresh(self): self.x =
    ...``): what ``stmt`` stored is renewed."""
    text = analysis.module.code_for_node(target)
    cls = analysis.enclosing_class(stmt)
    for other, _, other_stmt in analysis.index.assignments:
        if other_stmt is stmt or analysis.enclosing_class(other_stmt) is not cls:
            continue
        if instance_target(other) is None or analysis.module.code_for_node(other) != text:
            continue
        function = analysis.enclosing_function(other_stmt)
        if function is None or not runs_once_per_object(analysis, function, cls):
            return True
    return False
