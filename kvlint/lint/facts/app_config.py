"""A web application's configuration, by key, across the project: what a Flask / Quart app's
``config`` holds (``app.config["DB_PASSWORD"] = client.get_secret("db").value`` in an app
factory or a configuration module), so that ``current_app.config["DB_PASSWORD"]`` read in
another module is known to carry the secret.

Only literal keys count (``app.config[name] = ...`` says nothing of any key); a key no module
writes stays unknown. A module's writes are its summary's ``@config`` entry
(:func:`kvlint.lint.facts.exports.summarise_name`); a module reading the configuration asks the modules that may
configure its app (:meth:`kvlint.lint.project.resolver.ModuleView.app_config`).
"""

from __future__ import annotations

import libcst as cst

from kvlint.lint.project.resolver import ModuleView
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import KEY, mutations, subscript_selector

APP_TAGS = ("web-app:flask", "web-app:quart")
CURRENT_APPS = ("flask.current_app", "quart.current_app")
# an untyped parameter of these names is the application (``def configure(app)``, Flask's
# ``init_app(app)``): its configuration is written by key, as Flask's and Quart's are
APP_PARAMETERS = ("app", "application", "flask_app")
FILLERS = ("update", "from_mapping")


def is_app_config(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """Whether ``expr`` is the ``config`` of a Flask / Quart application: ``app.config`` for
    an app built here or returned by a function (its type), ``current_app.config``, or the
    ``app`` parameter of a configuring function (``def configure(app)``, ``init_app(app)``)."""
    if not isinstance(expr, cst.Attribute) or expr.attr.value != "config":
        return False
    app = expr.value
    if analysis.qualname(app) in CURRENT_APPS:
        return True
    if any(tag in APP_TAGS for tag in analysis.types_of(app)):
        return True
    if isinstance(app, cst.Name) and app.value in APP_PARAMETERS:
        bindings = analysis.bindings(app.value, app)
        return bool(bindings) and all(b.kind == "param" for b in bindings)
    return False


@module_fact
def config_values(analysis: Analysis) -> dict[str, list[cst.BaseExpression]]:
    """What this module puts in an application's configuration, by literal key."""
    found: dict[str, list[cst.BaseExpression]] = {}
    for text, written in mutations(analysis).items():
        if not text.endswith(".config"):
            continue
        for mutation in written:
            if mutation.whole or mutation.key is None or mutation.key[0] != KEY:
                continue  # ``update(mapping)`` is read below; an unknown key says nothing
            if is_app_config(analysis, mutation.container):
                found.setdefault(str(mutation.key[1]), []).append(mutation.value)
    for call in analysis.index.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in FILLERS:
            continue
        if not is_app_config(analysis, func.value):
            continue
        for argument in call.args:
            if argument.keyword is not None:
                found.setdefault(argument.keyword.value, []).append(argument.value)
            elif isinstance(argument.value, cst.Dict) and not argument.star:
                for element in argument.value.elements:
                    if isinstance(element, cst.DictElement):
                        key = analysis.fold_str(element.key)
                        if key is not None:
                            found.setdefault(key, []).append(element.value)
    return found


def project_config(analysis: Analysis, key: str) -> frozenset[str]:
    """What the modules that may configure this module's app say the key ``key`` of its
    configuration carries (nothing when none writes it)."""
    imports = analysis.imports
    if not isinstance(imports, ModuleView):
        return frozenset()
    return imports.app_config().get(key, frozenset())


def config_key(analysis: Analysis, expr: cst.BaseExpression) -> str | None:
    """The literal key of a read of an application's configuration: ``app.config["DB"]``,
    ``current_app.config.get("DB")`` (None for anything else)."""
    if isinstance(expr, cst.Subscript):
        selector = subscript_selector(analysis, expr)
        if selector is not None and selector[0] == KEY and is_app_config(analysis, expr.value):
            return str(selector[1])
        return None
    func = expr.func if isinstance(expr, cst.Call) else None
    if not isinstance(expr, cst.Call) or not isinstance(func, cst.Attribute) or not expr.args:
        return None
    if func.attr.value != "get" or not is_app_config(analysis, func.value):
        return None
    first = expr.args[0]
    return analysis.fold_str(first.value) if first.keyword is None else None
