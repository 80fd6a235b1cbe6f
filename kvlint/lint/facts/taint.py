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
from kvlint.lint.facts.app_config import config_key, config_values, project_config
from kvlint.lint.facts.carried import (
    MAX_DEPTH,
    Parts,
    imported_function,
    imported_record,
    library_types,
    merge,
    self_attribute,
)
from kvlint.lint.facts.http import raw_secret_body, raw_token_body
from kvlint.lint.project.summary import INSTANCE_PREFIX, LOCAL_CLASS
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import (
    ATTR,
    argument_for,
    constructed_class,
    iterated,
    mutations_of,
    record_of,
    subscript_selector,
    unpacked,
)

__all__ = ["Taint", "imported_function", "imported_record", "library_types", "merge", "taint"]

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


# ``x += v``, ``x %= v``, ``d |= v``: what ``v`` carries, ``x`` now carries too
AUGMENTING = (cst.AddAssign, cst.ModuloAssign, cst.BitOrAssign)


class Taint(Parts):
    """What secret / token material an expression may carry. Memoised per file."""

    def __init__(self, analysis: Analysis, seeded: bool = False) -> None:
        super().__init__(analysis)
        self.seeded = seeded  # parameters carry ``param:<their node's order>``
        self._memo: dict[cst.CSTNode, frozenset[str]] = {}

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

    def typed(self, tags: frozenset[str]) -> set[str]:
        kinds = {
            TAINT_OF_CATEGORY[c] for t in tags if (c := kvtypes.category(t)) in TAINT_OF_CATEGORY
        }
        if kvtypes.TRACK1_SECRET in tags:
            kinds.add(SECRET_VALUE)  # a SecretBundle prints its value with its other fields
        return kinds

    def _compute(self, expr: cst.BaseExpression, depth: int) -> set[str]:
        analysis = self.analysis
        tags = library_types(analysis, expr)
        kinds = self.typed(tags)
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
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return set(self(expr.elt, below))
        if isinstance(expr, cst.DictComp):  # as a dict literal: what its values carry
            return set(self(expr.value, below))
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
        if not self_attribute(expr):  # ``creds.password``: a field of what it holds
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
        for value, path in iterated(analysis, name):  # ``for name, value in fetch_all()``
            out |= self.part(value, path, depth) or set()  # an unknown shape: unknown
        if mutated:
            for mutation in mutations_of(analysis, name):  # ``d[key] = secret.value``
                out |= self(mutation.value, depth)
        return out

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
        known = config_key(self.analysis, expr)
        if known is not None:  # ``current_app.config["DB_PASSWORD"]``
            return self._config(known, depth)
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

    def _config(self, key: str, depth: int) -> set[str]:
        """What the key ``key`` of a Flask / Quart app's configuration may carry: as this
        module writes it, and as the modules that may configure the app do."""
        out = set(project_config(self.analysis, key))
        for value in config_values(self.analysis).get(key, ()):
            out |= self(value, depth)
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
            key = config_key(analysis, call)
            if key is not None:  # ``current_app.config.get("DB_PASSWORD")``
                return self._config(key, depth)
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
