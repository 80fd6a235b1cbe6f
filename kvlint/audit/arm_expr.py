"""ARM template expressions (``"[concat(parameters('name'), '-kv')]"``), evaluated where they
can be before deployment and :data:`~kvlint.audit.iac.UNKNOWN` where they cannot.

Known: string and integer literals, ``parameters()`` (the default value), ``variables()``,
``concat``, ``format``, ``toLower``/``toUpper``, ``string``, ``bool``, ``int``, ``if``, ``equals``,
``not``/``and``/``or``, ``empty``, ``createArray``, ``createObject``, ``true``/``false``,
property and index access, ``resourceId(type, name...)`` (a stable key, to link resources of the
same template), ``subscription().tenantId`` / ``tenant().tenantId`` (the deploying tenant).
Everything else (``reference``, ``uniqueString``, ``resourceGroup().location``, ``copyIndex``...)
is unknown, and so is anything computed from an unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kvlint.audit.iac import DEPLOYING_TENANT, UNKNOWN

TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(-?\d+)|([A-Za-z_][\w]*)|(.))")


class ExpressionError(ValueError):
    pass


def is_expression(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith("[")
        and value.endswith("]")
        and not value.startswith("[[")
    )


def _tokens(text: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    position = 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            break
        position = match.end()
        string, number, name, other = match.groups()
        if string is not None:
            found.append(("str", string[1:-1].replace("''", "'")))
        elif number is not None:
            found.append(("num", int(number)))
        elif name is not None:
            found.append(("name", name))
        elif other is not None and not other.isspace():
            found.append(("op", other))
    return found


class Evaluator:
    """Evaluates expressions against a template's parameters and variables."""

    def __init__(self, parameters: dict[str, Any], variables: dict[str, Any]) -> None:
        self.parameters = {k.lower(): v for k, v in parameters.items()}
        self.raw_variables = {k.lower(): v for k, v in variables.items()}
        self.variables: dict[str, Any] = {}
        self.evaluating: set[str] = set()

    # -- values ------------------------------------------------------------------------------

    def value(self, raw: Any) -> Any:
        """A template value with every expression in it evaluated."""
        if isinstance(raw, str):
            if is_expression(raw):
                return self.expression(raw[1:-1])
            return raw[1:] if raw.startswith("[[") else raw
        if isinstance(raw, list):
            return [self.value(item) for item in raw]
        if isinstance(raw, dict):
            if "copy" in raw and isinstance(raw["copy"], list):
                return UNKNOWN  # property loops: their count is often a parameter
            out = type(raw)((key, self.value(item)) for key, item in raw.items())
            if hasattr(raw, "line"):
                out.line = raw.line  # type: ignore[attr-defined]
            return out
        return raw

    def expression(self, text: str) -> Any:
        try:
            tokens = _tokens(text)
            result, rest = self._expr(tokens, 0)
            if rest != len(tokens):
                return UNKNOWN
            return result
        except (ExpressionError, IndexError, TypeError, ValueError, KeyError):
            return UNKNOWN

    # -- parsing -----------------------------------------------------------------------------

    def _expr(self, tokens: list[tuple[str, Any]], at: int) -> tuple[Any, int]:
        kind, value = tokens[at]
        if kind in ("str", "num"):
            result, at = value, at + 1
        elif kind == "name":
            if at + 1 >= len(tokens) or tokens[at + 1] != ("op", "("):
                raise ExpressionError(f"expected a call after {value}")
            args, at = self._args(tokens, at + 2)
            result = self._call(value.lower(), args)
        else:
            raise ExpressionError(f"unexpected {value!r}")
        while at < len(tokens) and tokens[at][0] == "op" and tokens[at][1] in ".[":
            if tokens[at][1] == ".":
                name = tokens[at + 1][1]
                result = self._member(result, str(name))
                at += 2
            else:
                key, at = self._expr(tokens, at + 1)
                if tokens[at] != ("op", "]"):
                    raise ExpressionError("expected ]")
                result = self._member(result, key)
                at += 1
        return result, at

    def _args(self, tokens: list[tuple[str, Any]], at: int) -> tuple[list[Any], int]:
        args: list[Any] = []
        if tokens[at] == ("op", ")"):
            return args, at + 1
        while True:
            value, at = self._expr(tokens, at)
            args.append(value)
            if tokens[at] == ("op", ","):
                at += 1
                continue
            if tokens[at] == ("op", ")"):
                return args, at + 1
            raise ExpressionError("expected , or )")

    @staticmethod
    def _member(value: Any, key: Any) -> Any:
        if value is UNKNOWN or key is UNKNOWN:
            return UNKNOWN
        if isinstance(value, dict):
            matches = [v for k, v in value.items() if str(k).lower() == str(key).lower()]
            return matches[0] if matches else UNKNOWN
        if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            return value[key]
        return UNKNOWN

    # -- functions ---------------------------------------------------------------------------

    def _parameter(self, name: Any) -> Any:
        if not isinstance(name, str):
            return UNKNOWN
        spec = self.parameters.get(name.lower())
        if not isinstance(spec, dict) or "defaultValue" not in spec:
            return UNKNOWN  # given at deployment time
        return self.value(spec["defaultValue"])

    def _variable(self, name: Any) -> Any:
        if not isinstance(name, str):
            return UNKNOWN
        key = name.lower()
        if key in self.variables:
            return self.variables[key]
        if key not in self.raw_variables or key in self.evaluating:
            return UNKNOWN
        self.evaluating.add(key)
        try:
            self.variables[key] = self.value(self.raw_variables[key])
        finally:
            self.evaluating.discard(key)
        return self.variables[key]

    def _call(self, name: str, args: list[Any]) -> Any:
        simple: dict[str, Callable[..., Any]] = {
            "parameters": self._parameter,
            "variables": self._variable,
            "subscription": lambda: {
                "tenantId": DEPLOYING_TENANT,
                "subscriptionId": UNKNOWN,
                "id": UNKNOWN,
                "displayName": UNKNOWN,
            },
            "tenant": lambda: {"tenantId": DEPLOYING_TENANT},
            "true": lambda: True,
            "false": lambda: False,
            "createarray": lambda *items: list(items),
        }
        if name in simple:
            return simple[name](*args)
        if name == "resourceid":
            return self._resource_id(args)
        if any(a is UNKNOWN for a in args):
            return UNKNOWN
        if name == "concat":
            if args and all(isinstance(a, list) for a in args):
                return [item for a in args for item in a]
            return "".join(_text(a) for a in args)
        if name == "format":
            return re.sub(
                r"\{(\d+)(?::[^}]*)?\}", lambda m: _text(args[1 + int(m.group(1))]), args[0]
            )
        if name in ("tolower", "toupper"):
            return str(args[0]).lower() if name == "tolower" else str(args[0]).upper()
        if name == "string":
            return _text(args[0])
        if name == "bool":
            return args[0] if isinstance(args[0], bool) else str(args[0]).lower() == "true"
        if name == "int":
            return int(args[0])
        if name == "if":
            return args[1] if args[0] else args[2]
        if name == "equals":
            return args[0] == args[1]
        if name == "not":
            return not args[0]
        if name in ("and", "or"):
            return all(args) if name == "and" else any(args)
        if name == "empty":
            return not args[0]
        if name == "createobject":
            return {args[i]: args[i + 1] for i in range(0, len(args) - 1, 2)}
        return UNKNOWN

    @staticmethod
    def _resource_id(args: list[Any]) -> Any:
        """A key naming a resource of this deployment: ``resourceid:type/name`` (lower case)."""
        types = [i for i, a in enumerate(args) if isinstance(a, str) and "/" in a and "." in a]
        if not types or any(a is UNKNOWN for a in args[types[0] :]):
            return UNKNOWN
        first = types[0]
        return "resourceid:" + "/".join([args[first], *map(str, args[first + 1 :])]).lower()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        raise ExpressionError("not a string")
    return str(value)
