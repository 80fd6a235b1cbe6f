"""What a module exports, as the project-wide analysis sees it: one name at a time.

:func:`summarise_name` is given the slice of a module that defines a name
(:mod:`kvlint.lint.project.outline`) and describes it with the same facts the rules use, so a
symbol says exactly what a rule would have seen in the defining module: a constant's folded
value and type tags; for a function, what it returns, the Key Vault reads and client /
credential constructions each call makes, the raw requests it sends to a URL parameter,
whether its result is cached, what secret or token material its result carries (whole and by
part: a tuple's positions, a dict's keys, a record's fields) and which parameters it writes to a
log, ``print`` or a response, and which Key Vault access changes it makes; for a class, the same for each of its methods.
"""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.app_config import config_values
from kvlint.lint.facts.audiences import is_resource_word
from kvlint.lint.facts.caching import is_cache_decorated, is_cached
from kvlint.lint.facts.exposure import param_sinks
from kvlint.lint.facts.grants import grants_of
from kvlint.lint.facts.http import http_calls
from kvlint.lint.facts.kv_calls import accessor_reads, http_verb, kv_calls, kv_constructors
from kvlint.lint.facts.loops import LISTED, listing_of
from kvlint.lint.facts.passing import url_parameter
from kvlint.lint.facts.results import MAX_PARTS, attribute_carries, returned, returned_parts
from kvlint.lint.facts.taint import taint
from kvlint.lint.project.store import CONFIG
from kvlint.lint.project.summary import HttpUse, Symbol
from kvlint.lint.semantic.dataflow import calls_by_function
from kvlint.lint.semantic.index import Binding
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import KEY, encode


def summarise_name(analysis: Analysis, name: str) -> Symbol | None:
    """What the module (a slice of it) binds ``name`` to; None when it does not bind it."""
    if name == CONFIG:
        return _config(analysis)
    bindings = analysis.index.scopes[analysis.module].bindings.get(name)
    if not bindings:
        return None
    return _symbol(analysis, bindings[-1])  # the latest binding is the likeliest


def _config(analysis: Analysis) -> Symbol:
    """What the module puts in a web application's configuration: the material each literal
    key may carry, ``("k:DB_PASSWORD", ("secret-value",))`` (:mod:`.app_config`)."""
    model = taint(analysis)
    parts = []
    for key, values in sorted(config_values(analysis).items())[:MAX_PARTS]:
        kinds: set[str] = set()
        for value in values:
            kinds |= model(value)
        parts.append((encode((KEY, key)), tuple(sorted(kinds))))
    return Symbol("value", parts=tuple(parts) or None)


def _symbol(analysis: Analysis, binding: Binding) -> Symbol:
    if binding.kind == "import":
        return Symbol("alias", target=binding.qualname) if binding.qualname else Symbol("value")
    if binding.kind == "def" and isinstance(binding.node, cst.FunctionDef):
        return _function(analysis, binding.node)
    if binding.kind == "class" and isinstance(binding.node, cst.ClassDef):
        return _class(analysis, binding.node)
    if binding.kind != "assign" or binding.value is None:
        return Symbol("value")
    value = binding.value
    if isinstance(value, (cst.Name, cst.Attribute)):
        qual = analysis.qualname(value)
        if qual is not None:  # ``URL = settings.VAULT_URL``: a re-export
            return Symbol("alias", target=qual)
    folded = analysis.fold(value)
    tags = tuple(sorted(analysis.types_of(value)))
    if folded is None and not tags:
        return Symbol("value")
    text = folded.text if folded is not None else None
    return Symbol("value", value=text, tags=tags, checked=_checked(binding))


def _checked(binding: Binding) -> bool:
    """Whether kvlint's audience rules check this value in its own module (by its name)."""
    node = binding.node
    targets = [t.target for t in getattr(node, "targets", ())]
    if isinstance(node, cst.AnnAssign):
        targets = [node.target]
    return any(isinstance(t, cst.Name) and is_resource_word(t.value) for t in targets)


def _class(analysis: Analysis, cls: cst.ClassDef) -> Symbol:
    """A class, what its methods do (``self.x`` attributes traced in the class), and the
    secret or token material its instances' attributes hold."""
    methods = []
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef):
            methods.append((statement.name.value, _function(analysis, statement, method=True)))
    return Symbol("class", methods=tuple(methods), attrs=attribute_carries(analysis, cls))


def _function(analysis: Analysis, function: cst.FunctionDef, method: bool = False) -> Symbol:
    params = function.params
    names = tuple(p.name.value for p in (*params.posonly_params, *params.params))
    if method and "staticmethod" not in analysis.decorator_names(function):
        names = names[1:]  # ``self`` / ``cls``: bound at the call
    returns = analysis.returns_of(function)
    value = None
    if len(returns) == 1:
        folded = analysis.fold(returns[0])
        value = folded.text if folded is not None else None
    tags = tuple(sorted(analysis.returned_types(function) | _listed(analysis, function)))
    reads, builds, cached = _keyvault_work(analysis, function)
    return Symbol(
        "function",
        value=value,
        tags=tags,
        params=names,
        reads=reads,
        builds=builds,
        cached=cached,
        # a method's call sites are not followed (its instance's callers pass the URL)
        http=() if method else _http_uses(analysis, function),
        # KV306 is reported in the accessor itself (it builds a client on every call)
        checked=bool(builds) and bool(accessor_reads(analysis, function)),
        carries=returned(analysis, function),
        parts=returned_parts(analysis, function),
        sinks=tuple(f"{param}:{sink}" for param, sink in param_sinks(analysis, function)),
        grants=grants_of(analysis, function),
    )


def _listed(analysis: Analysis, function: cst.FunctionDef) -> set[str]:
    """``kv-listed:list_properties_of_secrets`` when the function returns the items of a Key
    Vault listing or their names (``names.append(p.name)`` in a loop over it): a loop over its
    result that reads each is list-then-get (KV308) in the importer too."""
    if "list_properties_of_" not in analysis.source:
        return set()
    found = (listing_of(analysis, value) for value in analysis.returns_of(function))
    return {f"{LISTED}:{method}" for method in found if method is not None}


def _http_uses(analysis: Analysis, function: cst.FunctionDef) -> tuple[HttpUse, ...]:
    """Raw requests in ``function`` whose URL starts with one of its parameters (call sites in
    other modules that pass a vault URL make them Key Vault calls)."""
    known = {kv.call for kv in kv_calls(analysis)}
    out: list[HttpUse] = []
    for http in http_calls(analysis):
        if analysis.enclosing_function(http.call) is not function or http.call in known:
            continue  # another function's, or a Key Vault call already (reported where it is)
        param = url_parameter(analysis, http.url)
        if param is None:
            continue
        params = function.params
        positional = [*params.posonly_params, *params.params]
        index = positional.index(param) if param in positional else -1
        keyword = param in params.params or param in params.kwonly_params
        use = HttpUse(http.library, param.name.value, index, keyword, http_verb(analysis, http))
        if use not in out:
            out.append(use)
    return tuple(out)


def _keyvault_work(
    analysis: Analysis, function: cst.FunctionDef
) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """Key Vault reads and client / credential constructions each call of ``function`` makes
    (its own body, and same-module helpers it calls, one level), unless cached there; and
    whether the function's result is cached."""
    if is_cache_decorated(analysis, function):
        return (), (), True
    bodies = {function}
    for call in calls_by_function(analysis).get(function, ()):
        helper = analysis.local_function(call.func)
        if helper is not None and not is_cache_decorated(analysis, helper):
            bodies.add(helper)
    reads = {
        kv.method
        for kv in kv_calls(analysis)
        if kv.read
        and analysis.enclosing_function(kv.call) in bodies
        and not is_cached(analysis, kv.call)
    }
    builds = {
        tag.split(":", 1)[1]
        for call, tag in kv_constructors(analysis)
        if analysis.enclosing_function(call) in bodies and not is_cached(analysis, call)
    }
    return tuple(sorted(reads)), tuple(sorted(builds)), False
