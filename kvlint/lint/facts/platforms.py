"""Data-platform Key Vault reads: Databricks, Synapse / Fabric and Azure Machine Learning.

Notebooks and data jobs read Key Vault through their platform's utilities rather than the SDK:

* Databricks ``dbutils.secrets.get(scope, key)`` / ``getBytes``: a Key Vault read when the
  secret scope is Azure Key Vault-backed (a Databricks-backed scope is stored by Databricks).
  Which kind a scope is lives in the workspace, not in the code: the ``databricks-scopes``
  setting names them (``{"etl" = "databricks", "prod-kv" = "keyvault"}``); a read of a scope it
  does not name is a Key Vault read whose findings say that they assume so.
* Synapse / Fabric ``mssparkutils.credentials.getSecret(vault, name[, linked_service])``,
  ``getSecretWithLS(linked_service, name)``, and the same on ``notebookutils.credentials``.
  ``getToken(audience)`` there is a token request (KV101-KV103 read its audience).
* Azure ML (``azureml.core``): ``Workspace.get_default_keyvault()`` / ``Keyvault(ws)``, and
  their ``get_secret`` / ``get_secrets`` / ``list_secrets``; ``Run.get_context()``'s
  ``get_secret`` / ``get_secrets`` read the workspace's vault too.

What counts as traced (precision first, never a method name alone):

* ``dbutils``, ``mssparkutils``, ``notebookutils`` used as a global the module never binds
  (no import, assignment, parameter, and no ``from ... import *``): the name the notebook
  runtime injects (a Databricks or Synapse / Fabric notebook, or a job running one);
* imported: ``from databricks.sdk.runtime import dbutils``, ``from notebookutils import
  mssparkutils``, ``import notebookutils``, ``from notebookutils.mssparkutils import
  credentials``;
* built: ``DBUtils(spark)`` from ``pyspark.dbutils``, ``WorkspaceClient().dbutils`` (Databricks
  SDK), or a same-module function that returns ``DBUtils(...)`` (the usual ``get_dbutils``);
* Azure ML objects traced from ``azureml.core`` imports through assignments.

A parameter that happens to be called ``dbutils`` is not traced: its value is unknown.

The notebook runtime injects Spark too: in a notebook (``.ipynb``, or a Databricks / Fabric /
Synapse notebook exported as source) or below ``from databricks.sdk.runtime import *``, an
unbound ``spark`` is the ``SparkSession``, ``sc`` its ``SparkContext`` and ``sqlContext`` an
``SQLContext`` (:func:`runtime_globals`; the "how often" model asks it). In a plain ``.py`` file
an unbound ``spark`` stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kvlint.lint.facts.urls import KEY_VAULT, PLATFORM_TOKEN_AUDIENCES
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg
from kvlint.notebook import is_notebook, is_source_notebook

NOTEBOOK_GLOBALS = ("dbutils", "mssparkutils", "notebookutils")
DATABRICKS_READS = ("get", "getBytes")
SYNAPSE_READS = ("getSecret", "getSecretWithLS")
SYNAPSE_TOKENS = ("getToken",)
AZUREML_KEYVAULT_READS = ("get_secret", "get_secrets", "list_secrets")
AZUREML_RUN_READS = ("get_secret", "get_secrets")
SCOPE_KINDS = ("keyvault", "databricks")
# getToken's documented audience names for other services (urls.PLATFORM_TOKEN_AUDIENCES:
# Synapse's Storage, AzureManagement, DW, ...; Fabric's storage, pbi, kusto), compared
# lower-case: a token for one of them sent to a vault is refused (KV102). Fabric's "keyvault" is
# left out: its cloud is the workspace's, which the code does not say.
TOKEN_ALIASES = frozenset(
    a for a, service in PLATFORM_TOKEN_AUDIENCES.items() if service != KEY_VAULT
)

_SYNAPSE_PREFIXES = ("notebookutils.mssparkutils.", "notebookutils.", "mssparkutils.")
_DBUTILS_IMPORTS = ("databricks.sdk.runtime.dbutils",)
_DBUTILS_CLASSES = ("pyspark.dbutils.DBUtils",)
_DATABRICKS_WORKSPACE = ("databricks.sdk.WorkspaceClient",)
_WORKSPACE_CALLS = (
    "azureml.core.Workspace",
    "azureml.core.Workspace.from_config",
    "azureml.core.Workspace.get",
    "azureml.core.Workspace.create",
    "azureml.core.workspace.Workspace",
    "azureml.core.workspace.Workspace.from_config",
    "azureml.core.workspace.Workspace.get",
    "azureml.core.workspace.Workspace.create",
)
_KEYVAULT_CLASSES = ("azureml.core.Keyvault", "azureml.core.keyvault.Keyvault")
_RUN_CALLS = ("azureml.core.Run.get_context", "azureml.core.run.Run.get_context")


@dataclass(frozen=True)
class PlatformCall:
    """A data-platform call that reaches Key Vault (or asks for a token)."""

    call: cst.Call
    platform: str  # "databricks", "synapse", "azureml"
    api: str  # as documented: "dbutils.secrets.get", "mssparkutils.credentials.getSecret"
    read: bool  # a secret read (False: a token request)
    note: str = ""  # what a finding on it assumes (an unnamed Databricks scope), else ""


@module_fact
def platform_calls(analysis: Analysis) -> dict[cst.Call, PlatformCall]:
    """Every traced data-platform Key Vault read and token request of the module, by call."""
    if not _mentions_platform(analysis.source):
        return {}
    out: dict[cst.Call, PlatformCall] = {}
    star = _has_star_import(analysis)
    scopes = _scope_kinds(analysis)
    for call in analysis.index.calls:
        found = _classify(analysis, call, star, scopes)
        if found is not None:
            out[call] = found
    return out


def platform_reads(analysis: Analysis) -> list[PlatformCall]:
    return [p for p in platform_calls(analysis).values() if p.read]


def platform_token_audiences(analysis: Analysis) -> list[tuple[cst.Call, cst.BaseExpression]]:
    """``getToken(audience)`` calls and their audience expression."""
    out = []
    for found in platform_calls(analysis).values():
        if not found.read:
            audience = arg(found.call, "audience", 0)
            if audience is not None:
                out.append((found.call, audience.value))
    return out


# What a notebook's runtime binds before the first cell runs (Databricks, Synapse, Fabric).
SPARK_GLOBALS = {
    "spark": "pyspark.sql.SparkSession",
    "sc": "pyspark.SparkContext",
    "sqlContext": "pyspark.sql.SQLContext",
}


@module_fact
def runtime_globals(analysis: Analysis) -> dict[str, str]:
    """The names the notebook runtime binds, and what they are (import-resolved names), for
    a module that is a notebook or star-imports ``databricks.sdk.runtime``: {} elsewhere, and
    when another star import may bind them. Only where the module binds the name nowhere does
    it count (:func:`kvlint.lint.semantic.dataflow.made_by`)."""
    notebook = is_notebook(analysis.path) or is_source_notebook(analysis.source)
    if not notebook and not _runtime_star(analysis):
        return {}
    if not any(name in analysis.source for name in SPARK_GLOBALS) or _has_star_import(analysis):
        return {}
    return SPARK_GLOBALS


def _runtime_star(analysis: Analysis) -> bool:
    if "databricks.sdk.runtime" not in analysis.source:
        return False
    return any(
        isinstance(node, cst.ImportFrom)
        and isinstance(node.names, cst.ImportStar)
        and node.module is not None
        and not node.relative
        and _dotted(node.module) in _RUNTIME_MODULES
        for node in analysis.index.imports
    )


def notes(analysis: Analysis) -> dict[cst.CSTNode, str]:
    """What findings reported on a platform read must say they assume."""
    return {call: p.note for call, p in platform_calls(analysis).items() if p.note}


_WORDS = ("dbutils", "mssparkutils", "notebookutils", "azureml")


def _mentions_platform(source: str) -> bool:
    return any(word in source for word in _WORDS)


_RUNTIME_MODULES = ("databricks.sdk.runtime",)  # ``from databricks.sdk.runtime import *``
# Star imports notebooks use all the time from libraries that define none of the runtime's
# globals (``from pyspark.sql.functions import *``): they leave the globals traced.
_STAR_WITHOUT_GLOBALS = ("pyspark", "mmlspark", "synapse.ml", "delta", "pandas", "numpy")


def _has_star_import(analysis: Analysis) -> bool:
    """A ``from ... import *`` that may bind the globals: any but the Databricks runtime
    module's (which binds ``dbutils`` to the real thing) and the data libraries' above."""
    for node in analysis.index.imports:
        if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
            module = _dotted(node.module) if node.module is not None else ""
            known = module in _RUNTIME_MODULES or any(
                module == p or module.startswith(p + ".") for p in _STAR_WITHOUT_GLOBALS
            )
            if node.relative or not known:
                return True
    return False


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""


def _scope_kinds(analysis: Analysis) -> dict[str, str]:
    """Scope -> kind: what the module itself shows (a scope it creates or writes to with the
    Databricks SDK), then the ``databricks-scopes`` setting, which wins."""
    kinds = _declared_scopes(analysis)
    options = getattr(analysis, "options", None) or {}
    scopes = options.get("databricks-scopes") if isinstance(options, dict) else None
    if isinstance(scopes, dict):
        kinds.update(scopes)
    return kinds


def _declared_scopes(analysis: Analysis) -> dict[str, str]:
    """Scopes the module creates or writes to through the Databricks SDK's
    ``WorkspaceClient().secrets``: ``create_scope(scope=...)`` is Databricks-backed unless it
    names an Azure Key Vault backend; ``put_secret(scope=...)`` works only on a Databricks-backed
    scope (a Key Vault-backed one is read-only from Databricks)."""
    out: dict[str, str] = {}
    if "create_scope" not in analysis.source and "put_secret" not in analysis.source:
        return out
    for call in analysis.index.calls:
        func = call.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("create_scope", "put_secret")
            and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "secrets"
            and _is_workspace_client(analysis, func.value.value, 0)
        ):
            continue
        scope_arg = arg(call, "scope", 0)
        scope = analysis.fold_str(scope_arg.value) if scope_arg is not None else None
        if scope is None:
            continue
        kind = "databricks"
        if func.attr.value == "create_scope":
            backend = arg(call, "scope_backend_type")
            named = backend is not None and _names_keyvault_backend(backend.value)
            if arg(call, "backend_azure_keyvault") is not None or named:
                kind = "keyvault"
        out.setdefault(scope, kind)
    return out


def _classify(
    analysis: Analysis, call: cst.Call, star: bool, scopes: dict[str, str]
) -> PlatformCall | None:
    func = call.func
    if isinstance(func, cst.Name):  # from notebookutils.mssparkutils.credentials import getSecret
        qual = analysis.qualname(func) or ""
        for prefix in _SYNAPSE_PREFIXES:
            rest = qual[len(prefix) :] if qual.startswith(prefix) else ""
            if rest in {f"credentials.{m}" for m in (*SYNAPSE_READS, *SYNAPSE_TOKENS)}:
                root = "mssparkutils" if "mssparkutils" in prefix else "notebookutils"
                return PlatformCall(
                    call, "synapse", f"{root}.{rest}", not rest.endswith("getToken")
                )
        return None
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method in DATABRICKS_READS or method in SYNAPSE_READS or method in SYNAPSE_TOKENS:
        name = _platform_name(analysis, func, star)
        if name is None:
            return None
        if method in DATABRICKS_READS and name == f"dbutils.secrets.{method}":
            return _databricks(analysis, call, name, scopes)
        for prefix in _SYNAPSE_PREFIXES:
            if name.startswith(prefix) and name[len(prefix) :] == f"credentials.{method}":
                root = "mssparkutils" if "mssparkutils" in prefix else "notebookutils"
                api = f"{root}.credentials.{method}"
                return PlatformCall(call, "synapse", api, method != "getToken")
        return None
    if method in AZUREML_KEYVAULT_READS and _is_azureml_keyvault(analysis, func.value):
        return PlatformCall(call, "azureml", f"Keyvault.{method}", True)
    if method in AZUREML_RUN_READS and _is_azureml_run(analysis, func.value):
        return PlatformCall(call, "azureml", f"Run.{method}", True)
    return None


def _databricks(
    analysis: Analysis, call: cst.Call, api: str, scopes: dict[str, str]
) -> PlatformCall | None:
    scope_arg = arg(call, "scope", 0)
    scope = analysis.fold_str(scope_arg.value) if scope_arg is not None else None
    kind = scopes.get(scope) if scope is not None else None
    if kind == "databricks":
        return None  # stored by Databricks: not a Key Vault read
    if kind == "keyvault":
        return PlatformCall(call, "databricks", api, True)
    named = f"scope '{scope}'" if scope is not None else "its secret scope"
    note = (
        f"(kvlint assumes {named} is Azure Key Vault-backed; if it is Databricks-backed, name "
        f"it in [tool.kvlint] databricks-scopes and this read is not reported.)"
    )
    return PlatformCall(call, "databricks", api, True, note)


def _names_keyvault_backend(expr: cst.BaseExpression) -> bool:
    """``ScopeBackendType.AZURE_KEYVAULT`` (or the string ``"AZURE_KEYVAULT"``)."""
    if isinstance(expr, cst.Attribute):
        return expr.attr.value == "AZURE_KEYVAULT"
    return isinstance(expr, cst.SimpleString) and "AZURE_KEYVAULT" in expr.value


def _platform_name(analysis: Analysis, expr: cst.BaseExpression, star: bool) -> str | None:
    """The dotted name of ``expr`` rooted at a traced platform object, else None."""
    if isinstance(expr, cst.Attribute):
        if _is_dbutils_object(analysis, expr):
            return "dbutils"
        base = _platform_name(analysis, expr.value, star)
        return f"{base}.{expr.attr.value}" if base is not None else None
    if not isinstance(expr, cst.Name):
        return None
    bindings = analysis.bindings(expr.value, expr)
    if not bindings:
        if expr.value in NOTEBOOK_GLOBALS and not star:
            return expr.value  # injected by the notebook runtime
        return None
    qual = analysis.qualname(expr)
    if qual is not None:
        if qual in _DBUTILS_IMPORTS:
            return "dbutils"
        if qual.startswith(("notebookutils", "mssparkutils")):
            return qual
        return None
    if _is_dbutils_object(analysis, expr):
        return "dbutils"
    return None


def _is_dbutils_object(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """``DBUtils(spark)``, ``WorkspaceClient().dbutils``, a name assigned one of those, or the
    call of a same-module function returning ``DBUtils(...)``."""
    if depth > 4:
        return False
    if isinstance(expr, cst.Name):
        return any(
            _is_dbutils_object(analysis, value, depth + 1)
            for value in analysis.assigned_values(expr)
        )
    if isinstance(expr, cst.Attribute) and expr.attr.value == "dbutils":
        return _is_workspace_client(analysis, expr.value, depth + 1)
    if isinstance(expr, cst.Call):
        if analysis.callee(expr) in _DBUTILS_CLASSES:
            return True
        function = analysis.local_function(expr.func)
        if function is not None:
            return any(
                _is_dbutils_object(analysis, value, depth + 1)
                for value in analysis.returns_of(function)
            )
    return False


def _is_workspace_client(analysis: Analysis, expr: cst.BaseExpression, depth: int) -> bool:
    if isinstance(expr, cst.Name):
        return any(
            _is_workspace_client(analysis, v, depth + 1) for v in analysis.assigned_values(expr)
        )
    return isinstance(expr, cst.Call) and analysis.callee(expr) in _DATABRICKS_WORKSPACE


def _assigned_any(analysis: Analysis, expr: cst.BaseExpression, test) -> bool:
    if isinstance(expr, cst.Name):
        return any(test(value) for value in analysis.assigned_values(expr))
    return test(expr)


def _is_azureml_workspace(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> bool:
    if depth > 4:
        return False

    def test(value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Call):
            return analysis.callee(value) in _WORKSPACE_CALLS
        if isinstance(value, cst.Attribute) and value.attr.value == "workspace":
            inner = value.value  # run.experiment.workspace
            if isinstance(inner, cst.Attribute) and inner.attr.value == "experiment":
                inner = inner.value
            return _is_azureml_run(analysis, inner, depth + 1)
        return False

    return _assigned_any(analysis, expr, test)


def _is_azureml_keyvault(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> bool:
    def test(value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call):
            return False
        if analysis.callee(value) in _KEYVAULT_CLASSES:
            return True
        func = value.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "get_default_keyvault"
            and _is_azureml_workspace(analysis, func.value, depth + 1)
        )

    return _assigned_any(analysis, expr, test)


def _is_azureml_run(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> bool:
    def test(value: cst.BaseExpression) -> bool:
        return isinstance(value, cst.Call) and analysis.callee(value) in _RUN_CALLS

    return _assigned_any(analysis, expr, test)
