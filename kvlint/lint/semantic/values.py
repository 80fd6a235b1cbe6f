"""Constant folding: what string an expression holds, as far as the source says.

Handles literals, implicit concatenation, f-strings, ``+``, ``%``, ``str.format``, names bound
to constants (module or local, through :meth:`Analysis.bindings`), ``os.environ.get`` /
``os.getenv`` defaults, and subscripts of dict / list literals. Parts that cannot be known
become :data:`UNKNOWN`, so ``f"https://{name}.vault.azure.net"`` folds to
``"https://\\x00.vault.azure.net"`` and is still recognisable as a Key Vault URL.

Each :class:`Folded` value remembers which string literal produced which characters, so rules
report (and fix) the literal where a bad value is defined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote

import libcst as cst

from kvlint.lint.semantic.syntax import arg, keywords

if TYPE_CHECKING:
    from collections.abc import Sequence

    from kvlint.lint.project.summary import Symbol
    from kvlint.lint.semantic.index import Binding


class Analysis(Protocol):
    """What folding asks of the semantic model (:class:`kvlint.lint.semantic.model.Analysis`)."""

    def assigned_values(self, name: cst.Name) -> list[cst.BaseExpression]: ...
    def attribute_values(self, expr: cst.Attribute) -> list[cst.BaseExpression]: ...
    def bindings(self, name: str, at: cst.CSTNode) -> Sequence[Binding]: ...
    def callee(self, call: cst.Call) -> str | None: ...
    def qualname(self, expr: cst.BaseExpression) -> str | None: ...
    def fold(self, expr: cst.BaseExpression) -> Folded | None: ...
    def fold_str(self, expr: cst.BaseExpression) -> str | None: ...
    def imported(self, expr: cst.BaseExpression, kind: str | None = None) -> Symbol | None: ...
    def local_function(self, func: cst.BaseExpression) -> cst.FunctionDef | None: ...


UNKNOWN = "\x00"
MAX_DEPTH = 12
ENV_GETTERS = ("os.environ.get", "os.getenv", "os.environ.setdefault")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    node: cst.BaseExpression  # a SimpleString or FormattedString


@dataclass(frozen=True)
class Folded:
    text: str
    spans: tuple[Span, ...] = ()
    # wholly a value imported from another module whose own rules check it where it is defined
    elsewhere: bool = False

    def __add__(self, other: Folded) -> Folded:
        shift = len(self.text)
        moved = tuple(Span(s.start + shift, s.end + shift, s.node) for s in other.spans)
        return Folded(self.text + other.text, self.spans + moved)

    @property
    def known(self) -> bool:
        return UNKNOWN not in self.text

    def literal_at(self, index: int) -> cst.BaseExpression | None:
        for span in self.spans:
            if span.start <= index < span.end:
                return span.node
        return None

    def sole_literal(self) -> cst.SimpleString | None:
        """The one plain literal that produced the whole value, if there is one."""
        if len(self.spans) == 1:
            span = self.spans[0]
            if (
                span.start == 0
                and span.end == len(self.text)
                and isinstance(span.node, cst.SimpleString)
            ):
                return span.node
        return None


_UNKNOWN_FOLD = Folded(UNKNOWN)


def fold(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> Folded | None:
    """The folded string value of ``expr``, or None when nothing about it is known."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, cst.SimpleString):
        try:
            value = expr.evaluated_value
        except Exception:
            return None
        if not isinstance(value, str):
            return None
        return Folded(value, (Span(0, len(value), expr),))
    if isinstance(expr, cst.ConcatenatedString):
        left = fold(analysis, expr.left, depth + 1) or _UNKNOWN_FOLD
        right = fold(analysis, expr.right, depth + 1) or _UNKNOWN_FOLD
        return left + right
    if isinstance(expr, cst.FormattedString):
        return _fold_fstring(analysis, expr, depth)
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Add):
            augend = fold(analysis, expr.left, depth + 1)
            addend = fold(analysis, expr.right, depth + 1)
            if augend is None and addend is None:
                return None
            return (augend or _UNKNOWN_FOLD) + (addend or _UNKNOWN_FOLD)
        if isinstance(expr.operator, cst.Modulo):
            template = fold(analysis, expr.left, depth + 1)
            if template is None:
                return None
            operand = expr.right
            items = (
                [e.value for e in operand.elements] if isinstance(operand, cst.Tuple) else [operand]
            )
            return _percent_format(analysis, template, items, depth)
        return None
    if isinstance(expr, cst.Name):
        return _fold_name(analysis, expr, depth)
    if isinstance(expr, cst.Call):
        return _fold_call(analysis, expr, depth)
    if isinstance(expr, cst.Subscript):
        return _fold_subscript(analysis, expr, depth)
    if isinstance(expr, cst.Attribute):
        values = analysis.attribute_values(expr)
        if len(values) == 1:
            return fold(analysis, values[0], depth + 1)
        return _imported(analysis, expr, "value")
    return None


def _imported(analysis: Analysis, expr: cst.BaseExpression, kind: str) -> Folded | None:
    """The value a first-party module gives an imported name (a ``value``), or that an
    imported function returns (a ``function``). It has no literal here: rules report at the
    use."""
    symbol = analysis.imported(expr, kind)
    if symbol is None or symbol.value is None:
        return None
    return Folded(symbol.value, elsewhere=symbol.checked)


def _fold_name(analysis: Analysis, name: cst.Name, depth: int) -> Folded | None:
    values = analysis.assigned_values(name)
    if not values:
        return _imported(analysis, name, "value")
    # The latest binding is the likeliest; all constant bindings agreeing is not required.
    return fold(analysis, values[-1], depth + 1)


def _fold_fstring(analysis: Analysis, expr: cst.FormattedString, depth: int) -> Folded:
    result = Folded("")
    for part in expr.parts:
        if isinstance(part, cst.FormattedStringText):
            text = part.value.replace("{{", "{").replace("}}", "}")
            result = result + Folded(text, (Span(0, len(text), expr),))
        elif isinstance(part, cst.FormattedStringExpression):
            inner = None
            if part.format_spec is None and part.conversion is None:
                inner = fold(analysis, part.expression, depth + 1)
            result = result + (inner or _UNKNOWN_FOLD)
    return result


_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def _fold_call(analysis: Analysis, call: cst.Call, depth: int) -> Folded | None:
    func = call.func
    qual = analysis.callee(call)
    if qual in ENV_GETTERS:
        positional = [a for a in call.args if a.keyword is None]
        default = positional[1].value if len(positional) > 1 else None
        for argument in call.args:
            if argument.keyword is not None and argument.keyword.value in ("default", "value"):
                default = argument.value
        return fold(analysis, default, depth + 1) if default is not None else None
    if isinstance(func, cst.Attribute) and func.attr.value == "format":
        template = fold(analysis, func.value, depth + 1)
        if template is None:
            return None
        values = [a.value for a in call.args if a.keyword is None and not a.star]
        named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        return _brace_format(analysis, template, values, named, depth)
    if isinstance(func, cst.Attribute) and func.attr.value in _STR_METHODS:
        base = fold(analysis, func.value, depth + 1)
        chars = None
        if call.args:
            chars_fold = fold(analysis, call.args[0].value, depth + 1)
            if chars_fold is None or not chars_fold.known:
                return None
            chars = chars_fold.text
        if base is None:
            return None
        method = func.attr.value
        if method == "lower":
            return Folded(base.text.lower(), base.spans)
        stripped = getattr(base.text, method)(chars)
        start = base.text.find(stripped) if method != "rstrip" else 0
        return _slice(base, start, start + len(stripped))
    if not call.args and analysis.local_function(func) is None:
        return _imported(analysis, func, "function")  # ``get_scope()`` from another module
    return None


_STR_METHODS = ("rstrip", "strip", "lstrip", "lower")


def _fold_subscript(analysis: Analysis, expr: cst.Subscript, depth: int) -> Folded | None:
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return None
    key_expr = expr.slice[0].slice.value
    container = expr.value
    if isinstance(container, cst.Name):
        values = analysis.assigned_values(container)
        container = values[-1] if values else container
    if isinstance(container, cst.Dict):
        key = fold(analysis, key_expr, depth + 1)
        if key is None or not key.known:
            return None
        for element in container.elements:
            if isinstance(element, cst.DictElement):
                candidate = fold(analysis, element.key, depth + 1)
                if candidate is not None and candidate.text == key.text:
                    return fold(analysis, element.value, depth + 1)
        return None
    if isinstance(container, (cst.List, cst.Tuple)) and isinstance(key_expr, cst.Integer):
        index = int(key_expr.value)
        if -len(container.elements) <= index < len(container.elements):
            return fold(analysis, container.elements[index].value, depth + 1)
    return None


def _brace_format(analysis, template: Folded, positional, named, depth) -> Folded:
    """Apply ``str.format`` to a folded template; literal spans of the template survive."""
    out = Folded("")
    auto = 0
    pos = 0
    text = template.text
    for match in _FORMAT_FIELD.finditer(text):
        out = out + _slice(template, pos, match.start())
        token = match.group(0)
        if token in ("{{", "}}"):
            out = out + Folded(token[0])
        else:
            field_name = match.group(1).split("!", 1)[0].split(":", 1)[0]
            value = None
            if field_name == "":
                value = positional[auto] if auto < len(positional) else None
                auto += 1
            elif field_name.isdigit():
                index = int(field_name)
                value = positional[index] if index < len(positional) else None
            else:
                value = named.get(field_name)
            folded = fold(analysis, value, depth + 1) if value is not None else None
            out = out + (folded or _UNKNOWN_FOLD)
        pos = match.end()
    return out + _slice(template, pos, len(text))


_PERCENT_FIELD = re.compile(r"%%|%(\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifaxXeEgGc]")


def _percent_format(analysis, template: Folded, items, depth) -> Folded:
    out = Folded("")
    pos = 0
    index = 0
    for match in _PERCENT_FIELD.finditer(template.text):
        out = out + _slice(template, pos, match.start())
        if match.group(0) == "%%":
            out = out + Folded("%")
        elif match.group(1) is None and index < len(items):
            out = out + (fold(analysis, items[index], depth + 1) or _UNKNOWN_FOLD)
            index += 1
        else:
            out = out + _UNKNOWN_FOLD
        pos = match.end()
    return out + _slice(template, pos, len(template.text))


def _slice(folded: Folded, start: int, end: int) -> Folded:
    spans = tuple(
        Span(max(s.start, start) - start, min(s.end, end) - start, s.node)
        for s in folded.spans
        if s.start < end and s.end > start
    )
    return Folded(folded.text[start:end], spans)


def fold_elements(analysis: Analysis, expr: cst.BaseExpression) -> list[Folded]:
    """Folded strings of a list / tuple / set literal's elements, or of ``expr`` itself."""
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        if values and isinstance(values[-1], (cst.List, cst.Tuple, cst.Set)):
            expr = values[-1]
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        out = []
        for element in expr.elements:
            folded = analysis.fold(element.value)
            if folded is not None:
                out.append(folded)
        return out
    folded = analysis.fold(expr)
    return [folded] if folded is not None else []


@dataclass(frozen=True)
class Url:
    scheme: str
    host: str
    path: str
    query: dict[str, str]


_URL = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*)://([^/?#\s]*)([^?#\s]*)(?:\?([^#\s]*))?")


def parse_url(text: str) -> Url | None:
    """Scheme, host, path and query of a (possibly partly unknown) URL; None if not a URL."""
    match = _URL.match(text)
    if match is None:
        return None
    host = match.group(2).rsplit("@", 1)[-1]
    if host.startswith("["):
        host = host.split("]", 1)[0] + "]"
    elif ":" in host:
        host = host.split(":", 1)[0]
    query: dict[str, str] = {}
    for pair in (match.group(4) or "").split("&"):
        if "=" in pair:
            key, value = pair.split("=", 1)
            query[unquote(key).lower()] = unquote(value)
    return Url(match.group(1).lower(), host.lower(), match.group(3), query)


def keyword_values(analysis: Analysis, call: cst.Call) -> dict[str, cst.BaseExpression]:
    """The keyword arguments of ``call``, with those spread from ``**{"k": v}`` or from a
    ``**options`` name last bound to a dict literal."""
    found = {name: a.value for name, a in keywords(call).items()}
    for argument in call.args:
        if argument.star != "**":
            continue
        expr = argument.value
        if isinstance(expr, cst.Name):
            values = analysis.assigned_values(expr)
            expr = values[-1] if values else expr
        if isinstance(expr, cst.Dict):
            for element in expr.elements:
                if isinstance(element, cst.DictElement):
                    key = analysis.fold_str(element.key)
                    if key:
                        found[key] = element.value
    return found


# -- numbers and constants -----------------------------------------------------------------


def int_value(analysis: Analysis, expr: cst.BaseExpression | None) -> int | None:
    """The integer an expression holds when the source says so (literals, constant names)."""
    if expr is None:
        return None
    if isinstance(expr, cst.Integer):
        return int(expr.evaluated_value)
    if isinstance(expr, cst.Name):
        if expr.value in ("False", "True"):
            return int(expr.value == "True")
        values = {int_value(analysis, v) for v in analysis.assigned_values(expr)}
        return values.pop() if len(values) == 1 else None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = int_value(analysis, expr.expression)
        return -inner if inner is not None else None
    return None


def is_false(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """``False``, or a name whose latest assigned value is ``False``."""
    if not isinstance(expr, cst.Name):
        return False
    if expr.value == "False":
        return True
    values = analysis.assigned_values(expr)
    return bool(values) and isinstance(values[-1], cst.Name) and values[-1].value == "False"


def is_constant(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """A literal number / string, or a name bound only to such literals."""
    if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(expr, cst.UnaryOperation):
        return is_constant(analysis, expr.expression)
    if isinstance(expr, cst.BinaryOperation):
        return is_constant(analysis, expr.left) and is_constant(analysis, expr.right)
    if isinstance(expr, cst.Name):
        bindings = analysis.bindings(expr.value, expr)
        return bool(bindings) and all(
            b.kind == "assign" and b.value is not None and is_constant(analysis, b.value)
            for b in bindings
        )
    return False


def env_lookup_name(analysis: Analysis, node: cst.CSTNode) -> str | None:
    """``X`` for ``os.environ["X"]``, ``os.environ.get("X")``, ``os.getenv("X")``."""
    if (
        isinstance(node, cst.Subscript)
        and analysis.qualname(node.value) == "os.environ"
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Index)
    ):
        return analysis.fold_str(node.slice[0].slice.value)
    if isinstance(node, cst.Call) and analysis.callee(node) in (
        "os.environ.get",
        "os.getenv",
        "os.environ.__getitem__",
    ):
        first = arg(node, "key", 0)
        return analysis.fold_str(first.value) if first is not None else None
    return None


SET, EMPTY, MAYBE = "set", "empty", "maybe"


def emptiness(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> str:
    """Whether an expression holds a value: ``"empty"`` (None or ``""`` for sure), ``"maybe"``
    (the source shows it may be None or empty: ``x or None``, ``a if c else None``,
    ``d.get("k")``, ``os.getenv("X")`` without a default, a name or parameter bound to one of
    these), else ``"set"``. A rule asking "is this given?" treats ``"maybe"`` as unknown."""
    if depth > MAX_DEPTH:
        return MAYBE
    if isinstance(expr, cst.Name):
        if expr.value == "None":
            return EMPTY
        return _name_emptiness(analysis, expr, depth)
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        folded = analysis.fold(expr)
        if folded is not None and folded.known:
            return EMPTY if folded.text == "" else SET
        return SET if folded is not None and folded.text.strip(UNKNOWN) else MAYBE
    if isinstance(expr, cst.BooleanOperation):
        left = emptiness(analysis, expr.left, depth + 1)
        right = emptiness(analysis, expr.right, depth + 1)
        if isinstance(expr.operator, cst.Or):  # the left when truthy, else the right
            if left == SET:
                return SET
            return right if left == EMPTY else (SET if right == SET else MAYBE)
        if left == EMPTY:  # ``and``: the left when falsy, else the right
            return EMPTY
        return right if left == SET else (EMPTY if right == EMPTY else MAYBE)
    if isinstance(expr, cst.IfExp):
        body = emptiness(analysis, expr.body, depth + 1)
        orelse = emptiness(analysis, expr.orelse, depth + 1)
        return body if body == orelse else MAYBE
    getter = isinstance(expr, cst.Call) and (
        analysis.callee(expr) in ENV_GETTERS
        or (isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get")
    )
    return MAYBE if getter else SET  # a missing key or variable: None, a default or ""


def _name_emptiness(analysis: Analysis, name: cst.Name, depth: int) -> str:
    states = set()
    for binding in analysis.bindings(name.value, name):
        if binding.kind == "assign" and binding.value is not None:
            states.add(emptiness(analysis, binding.value, depth + 1))
        elif binding.kind == "param" and isinstance(binding.node, cst.Param):
            # whatever callers pass; ``app_id=None`` may also be left out
            default = binding.node.default
            given = SET if default is None else emptiness(analysis, default, depth + 1)
            states.add(SET if given == SET else MAYBE)
        else:
            states.add(SET)
    if not states:
        return SET
    return states.pop() if len(states) == 1 else MAYBE
