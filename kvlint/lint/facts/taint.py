"""Secret and token material, where it goes: the taint model every exposure fact asks.

Values are tracked within a module (:class:`Taint`): the result of a Key Vault read and its
``.value``, access tokens (``get_token(...)``, ``.token``, MSAL / ADAL results), names bound to
them, and strings / containers built from them (f-strings, ``+``, ``%``, ``.format``,
``str()``, ``json.dumps``, dict / list literals). A secret's name, version, id or ``len()`` is
not its value. Values are followed through the parts of containers (:mod:`..semantic.parts`):
tuple positions and unpacking (``ok, value = fetch()``), dict keys and items put in later
(``d[name] = secret.value``, ``app.config["DB"] = ...``), attributes (``self.x``, an
instance's ``__init__``), and the fields of dataclasses, NamedTuples, attrs and pydantic
models (whose ``repr`` shows them). Across modules, an imported function's summary says what
its result carries, whole and by part (:func:`returned`, :func:`returned_parts`).

In *seeded* mode (:func:`seeded`), a function's parameters carry a marker of their own
(``param:<n>``), so the same model tells which parameters reach a sink
(:mod:`kvlint.lint.facts.exposure`).
"""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.http import raw_secret_body, raw_token_body
from kvlint.lint.project.summary import INSTANCE_PREFIX, LOCAL_CLASS, Symbol
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import (
    ATTR,
    INDEX,
    KEY,
    Selector,
    argument_for,
    constructed_class,
    encode,
    init_parameter,
    mutations_of,
    record_of,
    subscript_selector,
    unpacked,
)

SECRET_VALUE = "secret-value"  # the secret's text: a leak anywhere


SECRET_OBJECT = "secret-object"  # KeyVaultSecret: its repr shows only the id; leaks when serialised


TOKEN = "token"  # an access token, or an object whose repr / JSON shows one


TAINT_OF_CATEGORY = {
    "secret-value": SECRET_VALUE,
    "secret": SECRET_OBJECT,
    "token-string": TOKEN,
    "access-token": TOKEN,  # AccessToken / AccessTokenInfo: the repr prints the token
    "token-result": TOKEN,  # MSAL / ADAL result dict holds the token
}


WRAPPER_BUILTINS = ("str", "repr", "format", "bytes", "ascii")


WRAPPER_FUNCTIONS = (
    "json.dumps",
    "json.loads",  # a secret holding JSON: what it parses to holds the secret's fields
    "base64.b64encode",
    "base64.b64decode",
    "base64.urlsafe_b64encode",
    "pprint.pformat",
    "textwrap.dedent",
)


STR_METHODS = (
    "strip",
    "lstrip",
    "rstrip",
    "encode",
    "decode",
    "upper",
    "lower",
    "replace",
    "splitlines",
    "split",
)


MAX_DEPTH = 8
# ``x += v``, ``x %= v``, ``d |= v``: what ``v`` carries, ``x`` now carries too
AUGMENTING = (cst.AddAssign, cst.ModuloAssign, cst.BitOrAssign)


def library_types(analysis: Analysis, expr: cst.BaseExpression) -> frozenset[str]:
    """``expr``'s type tags from the libraries kvlint knows (an instance of the project's own
    class says nothing of what it holds: ``log = AppLogger()`` is still a logger by its name)."""
    tags = analysis.types_of(expr)
    if any(t.startswith(INSTANCE_PREFIX) for t in tags):
        return frozenset(t for t in tags if not t.startswith(INSTANCE_PREFIX))
    return tags


class Taint:
    """What secret / token material an expression may carry. Memoised per file."""

    def __init__(self, analysis: Analysis, seeded: bool = False) -> None:
        self.analysis = analysis
        self.seeded = seeded  # parameters carry ``param:<their node's order>``
        self._memo: dict[cst.CSTNode, frozenset[str]] = {}
        self._parts: dict[tuple[cst.CSTNode, tuple[Selector, ...]], frozenset[str] | None] = {}

    @staticmethod
    def of(analysis: Analysis) -> Taint:
        return taint(analysis)

    def __call__(self, expr: cst.BaseExpression, depth: int = 0) -> frozenset[str]:
        if expr in self._memo:
            return self._memo[expr]
        if depth > MAX_DEPTH:
            return frozenset()
        self._memo[expr] = frozenset()  # recursion guard
        result = frozenset(self._compute(expr, depth))
        self._memo[expr] = result
        return result

    def _compute(self, expr: cst.BaseExpression, depth: int) -> set[str]:
        analysis = self.analysis
        tags = library_types(analysis, expr)
        kinds = {
            TAINT_OF_CATEGORY[c] for t in tags if (c := kvtypes.category(t)) in TAINT_OF_CATEGORY
        }
        if kvtypes.TRACK1_SECRET in tags:
            kinds.add(SECRET_VALUE)  # a SecretBundle prints its value with its other fields
        if kinds or tags:
            return kinds  # a typed value: its type says it all (secret.name is not the value)
        below = depth + 1
        if isinstance(expr, cst.Name):
            return self._name(expr, below)
        if isinstance(expr, cst.Attribute):
            return self._attribute(expr, below)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, below)
        if isinstance(expr, cst.FormattedString):
            return self._union(
                [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)],
                below,
            )
        if isinstance(expr, cst.ConcatenatedString):
            return self._union([expr.left, expr.right], below)
        if isinstance(expr, cst.BinaryOperation) and isinstance(
            expr.operator, (cst.Add, cst.Modulo)
        ):
            return self._union([expr.left, expr.right], below)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return self._union([e.value for e in expr.elements], below)
        if isinstance(expr, cst.Dict):
            return self._union(
                [e.value for e in expr.elements if isinstance(e, cst.DictElement)], below
            )
        if isinstance(expr, cst.IfExp):
            return self._union([expr.body, expr.orelse], below)
        if isinstance(expr, cst.BooleanOperation):
            return self._union([expr.left, expr.right], below)
        if isinstance(expr, (cst.Await, cst.NamedExpr)):
            inner = expr.expression if isinstance(expr, cst.Await) else expr.value
            return set(self(inner, below))
        if isinstance(expr, cst.Call):
            return self._call(expr, below)
        return set()

    def _attribute(self, expr: cst.Attribute, depth: int, mutated: bool = True) -> set[str]:
        out: set[str] = set()
        for value in self.analysis.attribute_values(expr):
            out |= self(value, depth)
        if mutated:
            for mutation in mutations_of(self.analysis, expr):  # ``app.config["DB"] = ...``
                out |= self(mutation.value, depth)
        if not _self_attribute(expr):  # ``creds.password``: a field of what it holds
            out |= self.part(expr.value, ((ATTR, expr.attr.value),), depth) or set()
            if not out:
                out |= self._imported_attribute(expr)
        return out

    def _imported_attribute(self, expr: cst.Attribute) -> set[str]:
        """``settings.password`` for an instance of a class another module defines: what its
        summary says that attribute holds."""
        analysis = self.analysis
        if analysis.imports is None:
            return set()
        local = INSTANCE_PREFIX + LOCAL_CLASS
        for tag in analysis.types_of(expr.value):
            if tag.startswith(INSTANCE_PREFIX) and not tag.startswith(local):
                qual = f"{tag[len(INSTANCE_PREFIX) :]}().{expr.attr.value}"
                symbol = analysis.imports.symbol(qual)
                if symbol is not None and symbol.kind == "value":
                    return set(symbol.carries)
        return set()

    def _name(self, name: cst.Name, depth: int, mutated: bool = True) -> set[str]:
        analysis = self.analysis
        out: set[str] = set()
        for binding in analysis.bindings(name.value, name):
            if binding.kind in ("assign", "with") and binding.value is not None:
                out |= self(binding.value, depth)
            elif binding.kind == "augassign" and isinstance(binding.node, cst.AugAssign):
                if isinstance(binding.node.operator, AUGMENTING):  # ``body += secret.value``
                    out |= self(binding.node.value, depth)
            elif self.seeded and binding.kind == "param" and isinstance(binding.node, cst.Param):
                out.add(param_marker(analysis, binding.node))
        for value, path in unpacked(analysis, name):  # ``ok, value = fetch()``
            found = self.part(value, path, depth)
            out |= found if found is not None else self(value, depth)
        if mutated:
            for mutation in mutations_of(analysis, name):  # ``d[key] = secret.value``
                out |= self(mutation.value, depth)
        return out

    # -- parts ---------------------------------------------------------------------------------
    def part(
        self, expr: cst.BaseExpression, path: tuple[Selector, ...], depth: int = 0
    ) -> frozenset[str] | None:
        """What the part of ``expr`` at ``path`` may carry (``t[1]``, ``d["db"]``,
        ``creds.password``); None when the shape of ``expr`` is not known."""
        if not path:
            return self(expr, depth)
        key = (expr, path)
        if key in self._parts:
            return self._parts[key]
        if depth > MAX_DEPTH:
            return None
        self._parts[key] = None  # recursion guard
        result = self._part(expr, path, depth + 1)
        self._parts[key] = result
        return result

    def _part(
        self, expr: cst.BaseExpression, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        analysis = self.analysis
        (kind, which), rest = path[0], path[1:]
        if library_types(analysis, expr):
            return None  # a library's object: its type table says what its parts are
        if isinstance(expr, cst.Await):
            return self.part(expr.expression, path, depth)
        if isinstance(expr, cst.NamedExpr):
            return self.part(expr.value, path, depth)
        if isinstance(expr, cst.IfExp):
            return merge([self.part(expr.body, path, depth), self.part(expr.orelse, path, depth)])
        if isinstance(expr, (cst.Tuple, cst.List)):
            elements = expr.elements
            if kind != INDEX or not isinstance(which, int):
                return None
            if any(isinstance(e, cst.StarredElement) for e in elements):
                return None
            if not -len(elements) <= which < len(elements):
                return frozenset()
            return self.part(elements[which].value, rest, depth)
        if isinstance(expr, cst.Dict):
            if kind != KEY:
                return None
            for element in expr.elements:
                if not isinstance(element, cst.DictElement):
                    return None  # ``**other``: any key
                if analysis.fold_str(element.key) == which:
                    return self.part(element.value, rest, depth)
            return frozenset()
        if isinstance(expr, cst.Name):
            return self._name_part(expr, path, depth)
        if isinstance(expr, cst.Attribute) and _self_attribute(expr):
            return merge([self.part(v, path, depth) for v in analysis.attribute_values(expr)])
        if isinstance(expr, cst.Call):
            return self._call_part(expr, path, depth)
        return None

    def _name_part(
        self, name: cst.Name, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        analysis = self.analysis
        found: list[frozenset[str] | None] = []
        for binding in analysis.bindings(name.value, name):
            if binding.kind in ("assign", "with") and binding.value is not None:
                found.append(self.part(binding.value, path, depth))
        for value, where in unpacked(analysis, name):
            found.append(self.part(value, where + path, depth))
        selector, rest = path[0], path[1:]
        for mutation in mutations_of(analysis, name):
            if mutation.whole:
                found.append(self.part(mutation.value, path, depth))
            elif mutation.key is None or mutation.key == selector:
                found.append(self.part(mutation.value, rest, depth))
        return merge(found)

    def _call_part(
        self, call: cst.Call, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        analysis = self.analysis
        (kind, which), rest = path[0], path[1:]
        target = analysis.local_function(call.func)
        if target is not None:
            return merge([self.part(r, path, depth) for r in analysis.returns_of(target)])
        cls = constructed_class(analysis, call)
        if cls is not None:
            return self._field(cls, call, path, depth) if kind == ATTR else None
        record = imported_record(analysis, call)
        if record is not None:  # another module's dataclass / NamedTuple / pydantic model
            if kind != ATTR or which not in record.params:
                return None
            given = argument_for(call, str(which), record.params.index(str(which)))
            return self.part(given, rest, depth) if given is not None else None
        if isinstance(call.func, cst.Name) and call.func.value == "dict" and kind == KEY:
            if not analysis.bindings("dict", call.func):
                for argument in call.args:
                    if argument.keyword is not None and argument.keyword.value == which:
                        return self.part(argument.value, rest, depth)
            return None
        symbol = imported_function(analysis, call.func)
        if symbol is None or symbol.parts is None:
            return None
        wanted = encode((kind, which))
        for selector, kinds in symbol.parts:
            if selector == wanted:
                return frozenset(kinds)
        return None

    def _field(
        self, cls: cst.ClassDef, call: cst.Call, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        """``Cls(...).name``: the argument a record's field or an ``__init__`` stores."""
        analysis = self.analysis
        name, rest = str(path[0][1]), path[1:]
        record = record_of(analysis, cls)
        if record is not None:
            if name in record.hidden:
                return frozenset()
            if name in record.fields:
                argument = argument_for(call, name, record.fields.index(name))
                return self.part(argument, rest, depth) if argument is not None else None
        found: list[frozenset[str] | None] = []
        for value in analysis.index.instance_attrs.get(cls, {}).get(name, ()):
            param = init_parameter(analysis, cls, value)
            if param is None:
                found.append(self.part(value, rest, depth))
                continue
            argument = argument_for(call, *param)
            found.append(self.part(argument, rest, depth) if argument is not None else None)
        return merge(found)

    def _union(self, exprs: list[cst.BaseExpression], depth: int) -> set[str]:
        out: set[str] = set()
        for expr in exprs:
            out |= self(expr, depth)
        return out

    def _subscript(self, expr: cst.Subscript, depth: int) -> set[str]:
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return set()  # a slice shows part of the value
        if library_types(self.analysis, expr.value):
            return set()  # typed container (MSAL result): the types table knows its keys
        key = self.analysis.fold_str(expr.slice[0].slice.value)
        if key == "value" and raw_secret_body(self.analysis, expr.value):
            return {SECRET_VALUE}
        if key in kvtypes.TOKEN_RESULT_KEYS and raw_token_body(self.analysis, expr.value):
            return {TOKEN}
        selector = subscript_selector(self.analysis, expr)
        if selector is not None:  # ``d["db"]``, ``pair[1]``: that part, when its shape is known
            found = self.part(expr.value, (selector,), depth)
            if found is not None:
                return set(found)
        out = self._container(expr.value, depth)
        for mutation in mutations_of(self.analysis, expr.value):  # ``app.config["DB"]``
            if mutation.key is None or mutation.key == selector or mutation.whole:
                out |= self(mutation.value, depth)
        return out

    def _container(self, expr: cst.BaseExpression, depth: int) -> set[str]:
        """What a container may carry, leaving out the items put in it later (asked for one
        key: the others are not it)."""
        if isinstance(expr, cst.Name):
            return self._name(expr, depth, mutated=False)
        if isinstance(expr, cst.Attribute) and not library_types(self.analysis, expr):
            return self._attribute(expr, depth, mutated=False)
        return set(self(expr, depth))

    def _call(self, call: cst.Call, depth: int) -> set[str]:
        analysis = self.analysis
        func = call.func
        args = [a.value for a in call.args]
        if isinstance(func, cst.Attribute):
            if func.attr.value == "format":
                return self._union([func.value, *args], depth)
            if func.attr.value == "join":
                return self._union(args, depth)
            if func.attr.value in STR_METHODS:
                return set(self(func.value, depth))
            if (
                func.attr.value == "get"
                and args
                and analysis.fold_str(args[0]) in kvtypes.TOKEN_RESULT_KEYS
                and raw_token_body(analysis, func.value)
            ):
                return {TOKEN}  # token_response.get("access_token")
        if isinstance(func, cst.Name) and not analysis.bindings(func.value, func):
            if func.value in WRAPPER_BUILTINS:
                return self._union(args[:1], depth)
            if func.value == "dict":
                return self._union(args, depth)
        if analysis.callee(call) in WRAPPER_FUNCTIONS:
            return self._union(args[:1], depth)
        target = analysis.local_function(func)
        if target is not None:
            return self._union(analysis.returns_of(target), depth)
        cls = constructed_class(analysis, call)
        if cls is not None:
            return self._record(cls, call, depth)
        record = imported_record(analysis, call)
        if record is not None:  # its ``repr`` shows these fields
            out: set[str] = set()
            for name in record.shows:
                argument = argument_for(call, name, record.params.index(name))
                if argument is not None:
                    out |= self(argument, depth)
            return out
        symbol = imported_function(analysis, func)
        return set(symbol.carries) if symbol is not None else set()

    def _record(self, cls: cst.ClassDef, call: cst.Call, depth: int) -> set[str]:
        """A record's ``repr`` (so a log line of it) shows its fields; a plain object's does
        not."""
        record = record_of(self.analysis, cls)
        if record is None:
            return set()
        out: set[str] = set()
        for index, name in enumerate(record.fields):
            if name in record.shown:
                argument = argument_for(call, name, index)
                if argument is not None:
                    out |= self(argument, depth)
        return out


@module_fact
def taint(analysis: Analysis) -> Taint:
    """The module's taint model (one, shared by KV401 and KV402)."""
    return Taint(analysis)


@module_fact
def seeded(analysis: Analysis) -> Taint:
    """The taint model in which each function parameter carries its own marker."""
    return Taint(analysis, seeded=True)


PARAM = "param:"


def param_marker(analysis: Analysis, param: cst.Param) -> str:
    return f"{PARAM}{analysis.order.get(param, 0)}"


def _self_attribute(expr: cst.Attribute) -> bool:
    return isinstance(expr.value, cst.Name) and expr.value.value in ("self", "cls")


def merge(found: list[frozenset[str] | None]) -> frozenset[str] | None:
    """The union of what is known; None when nothing is."""
    known = [f for f in found if f is not None]
    if not known:
        return None
    return frozenset().union(*known)


def imported_record(analysis: Analysis, call: cst.Call) -> Symbol | None:
    """For the construction of another module's record class: its generated ``__repr__``
    (``params``: the fields in order; ``shows``: those its ``repr`` shows)."""
    if analysis.imports is None or analysis.imported(call.func, "class") is None:
        return None
    symbol = analysis.imports.symbol(f"{analysis.qualname(call.func)}().__repr__")
    if symbol is None or symbol.kind != "function" or not symbol.params:
        return None
    return symbol


def imported_function(analysis: Analysis, func: cst.BaseExpression) -> Symbol | None:
    """What another module of the project says the function (or an instance's method) ``func``
    names is."""
    symbol = analysis.imported(func, "function")
    if symbol is None:
        found = analysis.imported_method(func)
        symbol = found[0] if found is not None else None
    return symbol
