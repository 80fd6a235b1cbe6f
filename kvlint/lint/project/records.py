"""Record classes: dataclasses, NamedTuples, attrs and pydantic models, whose constructor takes
their fields in order and whose ``repr`` shows them (so a log line of one shows its values).

The names that make a class a record are kept here, for both trees that ask: the semantic
model of a linted module (libcst, :func:`kvlint.lint.semantic.parts.record_of`) and the outline
of an imported one (CPython's :mod:`ast`, :func:`outlined_record`), which answers without a
parse: what an importer needs to follow a value into ``Credentials(user, secret.value)``.
"""

from __future__ import annotations

import ast

from kvlint.lint.project.outline import Outline

RECORD_DECORATORS = (
    "dataclasses.dataclass",
    "pydantic.dataclasses.dataclass",
    "attr.s",
    "attr.attrs",
    "attr.define",
    "attr.frozen",
    "attr.mutable",
    "attrs.define",
    "attrs.frozen",
    "attrs.mutable",
)
RECORD_BASES = (
    "typing.NamedTuple",
    "typing_extensions.NamedTuple",
    "pydantic.BaseModel",
    "pydantic.main.BaseModel",
    "pydantic_settings.BaseSettings",
    "pydantic.BaseSettings",
)
HIDDEN_TYPES = ("SecretStr", "SecretBytes", "Secret")  # pydantic: the repr shows ``**********``


def outlined_record(found: Outline, cls: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """For a record class the outlined module defines at its top level: its fields in order,
    and those its ``repr`` shows; None when it is no record (or defines its own ``__init__``)."""
    statement = found.binding(cls)
    node = statement.node if statement is not None else None
    if not isinstance(node, ast.ClassDef):
        return None
    decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
    if not any(found.imported_name(d) in RECORD_DECORATORS for d in decorators) and not any(
        found.imported_name(b) in RECORD_BASES for b in node.bases
    ):
        return None
    repr_off = any(isinstance(d, ast.Call) and _false(d, "repr") for d in node.decorator_list)
    fields: list[str] = []
    shown: list[str] = []
    for statement_node in node.body:
        if isinstance(statement_node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
            statement_node.name == "__init__"
        ):
            return None  # its own constructor: not the fields in order
        if not isinstance(statement_node, ast.AnnAssign) or not isinstance(
            statement_node.target, ast.Name
        ):
            continue
        words = {n.id for n in ast.walk(statement_node.annotation) if isinstance(n, ast.Name)}
        words |= {
            n.attr for n in ast.walk(statement_node.annotation) if isinstance(n, ast.Attribute)
        }
        if "ClassVar" in words:
            continue
        name = statement_node.target.id
        fields.append(name)
        value = statement_node.value
        hidden = bool(words & set(HIDDEN_TYPES))
        if not (repr_off or hidden or (isinstance(value, ast.Call) and _false(value, "repr"))):
            shown.append(name)
    return tuple(fields), tuple(shown)


def _false(call: ast.Call, keyword: str) -> bool:
    return any(
        k.arg == keyword and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )
