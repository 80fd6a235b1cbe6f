"""Where the parts of a value come from: tuple positions, dict keys, container items, fields.

Generic Python knowledge (nothing about Key Vault), asked by the facts that follow values
(:mod:`kvlint.lint.facts.taint`). A *selector* names one part of a value: ``("index", 1)``
(``t[1]``, or the second name of ``ok, value = t``), ``("key", "db")`` (``d["db"]``) and
``("attr", "password")`` (``c.password``). This module answers, without judging any value:

* :func:`unpacked`: for a name bound by unpacking a value that is not a literal
  (``ok, value = fetch()``), the right-hand side and the path of the name in the target;
* :func:`mutations`: what is put into a container after it is made (``d[k] = v``,
  ``items.append(v)``, ``d.update(...)``, ``app.config["DB"] = v``), by the container's
  dotted text, and :func:`same_container` (the same variable at two places);
* :func:`record_of`: a dataclass / ``NamedTuple`` / attrs / pydantic class defined in the
  module (its fields, in order, and which its ``repr`` shows), and :func:`argument_for`, the
  argument a construction passes for a field or an ``__init__`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kvlint.lint.project.records import HIDDEN_TYPES, RECORD_BASES, RECORD_DECORATORS
from kvlint.lint.semantic.memo import module_fact, node_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg, dotted
from kvlint.lint.semantic.walk import children

Selector = tuple[str, "int | str"]
INDEX, KEY, ATTR = "index", "key", "attr"
EACH, ANY = "each", "any"
# what iterating a value yields (a list's items, a dict's keys): ``for x in v``
EACH_ITEM: Selector = (EACH, "*")
# what a subscript with a key or index the source does not fix gives (a dict's values)
ANY_ITEM: Selector = (ANY, "*")


def encode(selector: Selector) -> str:
    """A selector as summaries store it: ``#1``, ``k:db``, ``.password``, ``*`` (an item
    iteration yields), ``[*]`` (the value at any key)."""
    kind, value = selector
    if kind == EACH:
        return "*"
    if kind == ANY:
        return "[*]"
    return {INDEX: "#", KEY: "k:", ATTR: "."}[kind] + str(value)


PATH_SEPARATOR = "\x00"  # never in a folded key (the folder's mark for an unknown part)


def encode_path(path: tuple[Selector, ...]) -> str:
    """A path of selectors as summaries store it: ``*\x00#1`` for the second position of each
    item (``for name, value in fetch_all()``)."""
    return PATH_SEPARATOR.join(encode(s) for s in path)


def subscript_selector(analysis: Analysis, expr: cst.Subscript) -> Selector | None:
    """``("index", 1)`` for ``x[1]``, ``("key", "db")`` for ``x["db"]`` (a folded constant)."""
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return None
    key = expr.slice[0].slice.value
    if isinstance(key, cst.Integer):
        return (INDEX, int(key.evaluated_value))
    text = analysis.fold_str(key)
    return (KEY, text) if text is not None else None


# -- unpacking -------------------------------------------------------------------------------


def unpacked(
    analysis: Analysis, name: cst.Name
) -> list[tuple[cst.BaseExpression, tuple[Selector, ...]]]:
    """For each binding of ``name`` (where it is used) made by unpacking a value that is not a
    literal (``ok, value = fetch()``): the value and the name's path in the target
    (``(("index", 1),)``). A name after a starred target has no fixed position: left out."""
    out = []
    for binding in analysis.bindings(name.value, name):
        statement = binding.node
        if binding.kind != "assign" or binding.value is not None:
            continue
        if not isinstance(statement, cst.Assign):
            continue
        for target in statement.targets:
            path = _path_in(target.target, name.value)
            if path:
                out.append((statement.value, path))
                break
    return out


def iterated(
    analysis: Analysis, name: cst.Name
) -> list[tuple[cst.BaseExpression, tuple[Selector, ...]]]:
    """For each binding of ``name`` (where it is used) by a ``for`` loop or a comprehension
    (``for name, value in fetch_all()``): the iterated value and the name's path in it, starting
    with :data:`EACH_ITEM` (``(EACH_ITEM, ("index", 1))``)."""
    out = []
    for binding in analysis.bindings(name.value, name):
        loop = binding.node
        if binding.kind != "for" or not isinstance(loop, (cst.For, cst.CompFor)):
            continue
        path = _path_in(loop.target, name.value)
        if path is not None:
            out.append((loop.iter, (EACH_ITEM, *path)))
    return out


def _path_in(target: cst.BaseExpression, name: str) -> tuple[Selector, ...] | None:
    if isinstance(target, cst.Name):
        return () if target.value == name else None
    if not isinstance(target, (cst.Tuple, cst.List)):
        return None
    for index, element in enumerate(target.elements):
        if isinstance(element, cst.StarredElement):
            return None  # the rest have no fixed index
        sub = _path_in(element.value, name)
        if sub is not None:
            return ((INDEX, index), *sub)
    return None


# -- containers filled after they are made ---------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """A value put into a container: ``d[key] = value``, ``d.append(value)``, ``d.update(x)``
    (``key`` None: at a key or index the source does not fix)."""

    container: cst.BaseExpression  # the Name or attribute chain written to
    key: Selector | None
    value: cst.BaseExpression
    whole: bool = False  # ``value`` is a container whose items all go in (update / extend)
    index: cst.BaseExpression | None = None  # ``k`` of ``d[k] = value`` / ``d.setdefault(k, v)``


ADDERS = ("append", "add", "appendleft")
EXTENDERS = ("extend", "update")


@module_fact
def mutations(analysis: Analysis) -> dict[str, list[Mutation]]:
    """Everything put into a container after it is made, by the container's dotted text."""
    out: dict[str, list[Mutation]] = {}

    def add(mutation: Mutation) -> None:
        text = dotted(mutation.container)
        if text is not None:
            out.setdefault(text, []).append(mutation)

    for target, value, _statement in analysis.index.assignments:
        if isinstance(target, cst.Subscript):
            index = _index_of(target)
            add(Mutation(target.value, subscript_selector(analysis, target), value, index=index))
    for call in analysis.index.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or not call.args:
            continue
        method, receiver = func.attr.value, func.value
        args = [a for a in call.args if not a.star]
        if method in ADDERS and len(args) == 1 and args[0].keyword is None:
            add(Mutation(receiver, None, args[0].value))
        elif method == "insert" and len(args) == 2:
            add(Mutation(receiver, None, args[1].value))
        elif method == "setdefault" and len(args) == 2:
            key = analysis.fold_str(args[0].value)
            selector = (KEY, key) if key is not None else None
            add(Mutation(receiver, selector, args[1].value, index=args[0].value))
        elif method in EXTENDERS:
            for argument in call.args:
                if argument.keyword is not None:
                    add(Mutation(receiver, (KEY, argument.keyword.value), argument.value))
                elif not argument.star:
                    add(Mutation(receiver, None, argument.value, whole=True))
    return out


def _index_of(target: cst.Subscript) -> cst.BaseExpression | None:
    if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
        return None
    return target.slice[0].slice.value


def _root(expr: cst.BaseExpression) -> cst.Name | None:
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return expr if isinstance(expr, cst.Name) else None


def same_container(analysis: Analysis, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    """Whether two dotted expressions with the same text name the same variable: their root
    names share a binding (``self``: the same class)."""
    root_a, root_b = _root(a), _root(b)
    if root_a is None or root_b is None:
        return False
    if root_a.value in ("self", "cls"):
        return analysis.enclosing_class(a) is analysis.enclosing_class(b) is not None
    first = analysis.bindings(root_a.value, root_a)
    second = analysis.bindings(root_b.value, root_b)
    return any(x is y for x in first for y in second) or (not first and not second)


def mutations_of(analysis: Analysis, container: cst.BaseExpression) -> list[Mutation]:
    """What is put into the container ``container`` names, anywhere in the module."""
    text = dotted(container)
    if text is None:
        return []
    found = mutations(analysis).get(text, ())
    return [
        m
        for m in found
        if m.container is not container and same_container(analysis, m.container, container)
    ]


# -- records: dataclasses, NamedTuples, attrs and pydantic models -----------------------------


@dataclass(frozen=True)
class Record:
    """A class whose constructor stores its arguments as fields, in order."""

    fields: tuple[str, ...]
    shown: frozenset[str]  # the fields its ``repr`` (and so logging it) shows
    hidden: frozenset[str]  # fields whose type hides its value (pydantic ``SecretStr``)


@node_fact
def record_of(analysis: Analysis, cls: cst.ClassDef) -> Record | None:
    """The fields of a record class (see :data:`RECORD_DECORATORS`, :data:`RECORD_BASES`)."""
    decorators = analysis.decorator_names(cls)  # type: ignore[arg-type]
    known = [d for d in decorators if d in RECORD_DECORATORS]
    bases = [analysis.qualname(b.value) for b in cls.bases]
    if not known and not any(b in RECORD_BASES for b in bases):
        return None
    repr_off = any(
        isinstance(d.decorator, cst.Call)
        and (flag := arg(d.decorator, "repr")) is not None
        and isinstance(flag.value, cst.Name)
        and flag.value.value == "False"
        for d in cls.decorators
    )
    fields: list[str] = []
    shown: set[str] = set()
    hidden: set[str] = set()
    for statement in cls.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.AnnAssign) or not isinstance(small.target, cst.Name):
                continue
            annotation = small.annotation.annotation
            words = {n.value for n in _names(annotation)}
            if "ClassVar" in words:
                continue
            name = small.target.value
            fields.append(name)
            if words & set(HIDDEN_TYPES):
                hidden.add(name)
                continue
            value = small.value
            if (
                isinstance(value, cst.Call)
                and (flag := arg(value, "repr")) is not None
                and isinstance(flag.value, cst.Name)
                and flag.value.value == "False"
            ):
                continue
            if not repr_off:
                shown.add(name)
    return Record(tuple(fields), frozenset(shown), frozenset(hidden))


def _names(expr: cst.CSTNode) -> list[cst.Name]:
    out = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            out.append(node)
        elif isinstance(node, cst.Attribute):
            out.append(node.attr)
        stack.extend(children(node))
    return out


def constructed_class(analysis: Analysis, call: cst.Call) -> cst.ClassDef | None:
    """The class a call constructs, when the module defines it at its top level."""
    func = call.func
    if not isinstance(func, cst.Name):
        return None
    found = analysis.bindings(func.value, func)
    if not found or found[-1].kind != "class":
        return None
    return analysis.top_class(func.value)


def argument_for(call: cst.Call, name: str, position: int) -> cst.BaseExpression | None:
    """The argument ``call`` passes for the parameter ``name`` at ``position`` (-1: keyword
    only); None when it passes none that can be told (``*args`` before it, ``**kwargs``)."""
    positional = 0
    for argument in call.args:
        if argument.keyword is not None:
            if argument.keyword.value == name:
                return argument.value
            continue
        if argument.star:
            return None
        if positional == position:
            return argument.value
        positional += 1
    return None


def init_parameter(
    analysis: Analysis, cls: cst.ClassDef, value: cst.BaseExpression
) -> tuple[str, int] | None:
    """When ``value`` (assigned to ``self.x`` in ``cls``) is a parameter of ``cls.__init__``:
    its name and position after ``self`` (-1: keyword only)."""
    if not isinstance(value, cst.Name):
        return None
    found = analysis.bindings(value.value, value)
    if len(found) != 1 or found[0].kind != "param":
        return None
    function = analysis.enclosing_function(found[0].node)
    if function is None or function.name.value != "__init__":
        return None
    if analysis.enclosing_class(function) is not cls:
        return None
    params = function.params
    positional = [*params.posonly_params, *params.params][1:]
    for index, param in enumerate(positional):
        if param is found[0].node:
            return param.name.value, index
    if found[0].node in params.kwonly_params:
        return value.value, -1
    return None


# -- the items of containers: what iterating a value, or any of its keys, gives ---------------

MAPPING_CLASSES = (
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.ChainMap",
)
SEQUENCE_BUILTINS = ("list", "tuple", "set", "frozenset", "sorted", "reversed", "iter")
Sources = list[tuple[cst.BaseExpression, tuple[Selector, ...]]]


def builtin(analysis: Analysis, func: cst.BaseExpression, names: tuple[str, ...]) -> str | None:
    """The builtin ``func`` names (one of ``names``), when the module does not rebind it."""
    if isinstance(func, cst.Name) and func.value in names:
        return None if analysis.bindings(func.value, func) else func.value
    return None


def is_mapping(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """Whether ``expr`` is known to make a dict: a literal, a comprehension, ``dict(...)``,
    ``defaultdict(...)``, or a name assigned one."""
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return True
    if isinstance(expr, cst.Call):
        if builtin(analysis, expr.func, ("dict",)):
            return True
        return analysis.qualname(expr.func) in MAPPING_CLASSES
    if isinstance(expr, cst.Name) and depth < 3:
        return any(is_mapping(analysis, v, depth + 1) for v in analysis.assigned_values(expr))
    return False


def item_sources(
    analysis: Analysis, expr: cst.BaseExpression, path: tuple[Selector, ...]
) -> Sources | None:
    """Where the part at ``path`` of ``expr`` comes from when ``path`` starts with
    :data:`EACH_ITEM` or :data:`ANY_ITEM`: the expressions to follow and the path in each
    (``[]``: nothing can be there; None: the shape of ``expr`` is not known here). Literals and
    comprehensions, ``d.items()`` / ``.values()`` / ``.keys()``, ``enumerate``, ``zip``,
    ``list`` / ``sorted`` and the like: a dict's items are its keys, its values are ``ANY``."""
    (kind, _), rest = path[0], path[1:]
    if kind not in (EACH, ANY):
        return None
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        out: Sources = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                out.append((element.value, (EACH_ITEM, *rest)))
            else:
                out.append((element.value, rest))
        return out
    if isinstance(expr, cst.Dict):
        out = []
        for item in expr.elements:
            if isinstance(item, cst.DictElement):
                out.append((item.key if kind == EACH else item.value, rest))
            else:  # ``**other``
                out.append((item.value, path))
        return out
    if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return [(expr.elt, rest)]
    if isinstance(expr, cst.DictComp):
        return [(expr.key if kind == EACH else expr.value, rest)]
    if isinstance(expr, cst.Call) and kind == EACH:
        return _iterated_call(analysis, expr, rest)
    if isinstance(expr, cst.Call) and builtin(analysis, expr.func, SEQUENCE_BUILTINS):
        args = expr.args
        if len(args) == 1 and not args[0].star and args[0].keyword is None:
            return [(args[0].value, (EACH_ITEM, *rest))]  # ``list(x)[i]``: an item of x
    return None


def _iterated_call(
    analysis: Analysis, call: cst.Call, rest: tuple[Selector, ...]
) -> Sources | None:
    """What iterating the result of ``call`` yields, for the calls that say so by themselves."""
    func = call.func
    args = [a for a in call.args if a.keyword is None]
    if any(a.star for a in args):
        return None
    position = rest[0] if rest and rest[0][0] == INDEX else None
    after = rest[1:]
    if isinstance(func, cst.Attribute) and not call.args:
        receiver, method = func.value, func.attr.value
        if method == "items":  # (key, value) pairs
            if position is None:
                return [(receiver, (EACH_ITEM, *rest)), (receiver, (ANY_ITEM, *rest))]
            if position[1] in (0, -2):
                return [(receiver, (EACH_ITEM, *after))]
            if position[1] in (1, -1):
                return [(receiver, (ANY_ITEM, *after))]
            return []
        if method == "values":
            return [(receiver, (ANY_ITEM, *rest))]
        if method == "keys":
            return [(receiver, (EACH_ITEM, *rest))]
        return None
    name = builtin(analysis, func, ("enumerate", "zip", *SEQUENCE_BUILTINS))
    if name is None or not args:
        return None
    if name == "enumerate":  # (count, item) pairs
        if position is None:
            return [(args[0].value, (EACH_ITEM,))]
        if position[1] in (1, -1):
            return [(args[0].value, (EACH_ITEM, *after))]
        return []
    if name == "zip":  # (item of the first, item of the second, ...)
        if position is None:
            return [(a.value, (EACH_ITEM,)) for a in args]
        index = int(position[1])
        if not -len(args) <= index < len(args):
            return []
        return [(args[index].value, (EACH_ITEM, *after))]
    if len(args) == 1:  # list(x), sorted(x), reversed(x): the items of x
        return [(args[0].value, (EACH_ITEM, *rest))]
    return None
