"""Retired authentication libraries and the track-1 Key Vault SDK: which one an import brings
in (:func:`retired_library`), whether the module's ADAL or azure.common credentials serve only
other services (:func:`adal_only_for_other_services`,
:func:`azure_common_only_for_other_services`), and whether a constructor is today's SDK
(:func:`is_current_sdk`)."""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.audiences import ADAL_METHODS, all_token_audiences
from kvlint.lint.semantic.dataflow import imports_any
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import dotted

ADAL = "adal"
MSRESTAZURE = "msrestazure.azure_active_directory"
AZURE_COMMON = "azure.common.credentials"
RETIRED_MODULES = (ADAL, MSRESTAZURE, AZURE_COMMON)
TRACK1 = "azure.keyvault (track 1)"  # the track-1 azure-keyvault package (0.x / 1.x)

# What the track-1 ``azure-keyvault`` package (0.x / 1.x) exports and its modules; the current
# SDK's top-level ``azure.keyvault`` is a bare namespace (``secrets``, ``keys``, ...).
TRACK1_KEYVAULT = {
    "KeyVaultClient",
    "KeyVaultAuthentication",
    "KeyVaultAuthBase",
    "AccessToken",
    "KeyVaultId",
    "KeyId",
    "SecretId",
    "CertificateId",
    "CertificateIssuerId",
    "CertificateOperationId",
    "StorageAccountId",
    "StorageSasDefinitionId",
    "HttpBearerChallenge",
    "HttpBearerChallengeCache",
    "HttpChallenge",
    "generate_pop_key",
    "key_vault_client",
    "key_vault_id",
    "key_vault_authentication",
    "http_bearer_challenge",
    "http_bearer_challenge_cache",
    "http_challenge",
    "http_message_security",
    "generated",
    "custom",
    "models",
    "version",
}
TRACK1_ID_FUNCTIONS = ("create_", "parse_")  # create_secret_id, parse_key_id, ... (0.x)


def is_track1_name(name: str) -> bool:
    return name in TRACK1_KEYVAULT or (
        name.startswith(TRACK1_ID_FUNCTIONS) and name.endswith("_id")
    )


def retired_library(analysis: Analysis, node: cst.Import | cst.ImportFrom) -> str | None:
    """The retired library an import brings in: one of :data:`RETIRED_MODULES` or
    :data:`TRACK1`; None for any other import."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            name = dotted(alias.name) or ""
            for module in RETIRED_MODULES:
                if name == module or name.startswith(module + "."):
                    return module
            parts = name.split(".")
            if parts[:2] == ["azure", "keyvault"] and len(parts) > 2 and is_track1_name(parts[2]):
                return TRACK1
            if name == "azure.keyvault" and _uses_track1_attribute(analysis):
                return TRACK1
        return None
    if node.relative:
        return None
    module = dotted(node.module) or ""
    names = (
        [] if isinstance(node.names, cst.ImportStar) else [dotted(a.name) or "" for a in node.names]
    )
    for retired in RETIRED_MODULES:
        if module == retired or module.startswith(retired + "."):
            return retired
        if retired.startswith(module + ".") and retired.rsplit(".", 1)[1] in names:
            return retired
    if module == "azure.keyvault" and (
        isinstance(node.names, cst.ImportStar) or any(is_track1_name(n) for n in names)
    ):
        return TRACK1
    parts = module.split(".")
    if parts[:2] == ["azure", "keyvault"] and len(parts) > 2 and is_track1_name(parts[2]):
        return TRACK1
    return None


@module_fact
def _uses_track1_attribute(analysis: Analysis) -> bool:
    """``import azure.keyvault`` (or ``... as kv``) and then ``azure.keyvault.KeyVaultClient``."""
    for node in analysis.order:
        if type(node) is cst.Attribute and is_track1_name(node.attr.value):
            base = analysis.qualname(node.value)
            if base == "azure.keyvault":
                return True
    return False


@module_fact
def adal_only_for_other_services(analysis: Analysis) -> bool:
    """adal serves only other Azure services here: every adal token request of the module asks
    for a known non-Key-Vault audience (Resource Manager, Graph, Storage, ...), and the module
    does not use the track-1 Key Vault client or msrestazure (which take adal tokens through
    callbacks and wrappers). A request whose resource is unknown, or any other way of asking
    adal for a token, leaves the import reported (the catalogue's default)."""
    if imports_any(analysis, ("msrestazure",)) or any(
        retired_library(analysis, node) == TRACK1 for node in analysis.index.imports
    ):
        return False  # the track-1 client takes adal tokens through callbacks and wrappers
    audiences: dict[cst.Call, list[str]] = {}
    for value, audience in all_token_audiences(analysis):
        if value.context == "adal" and value.call is not None:
            audiences.setdefault(value.call, []).append(audience.kind)
    requests = 0
    for node in analysis.order:
        if type(node) is not cst.Attribute:
            continue
        name = node.attr.value
        if name in ADAL_METHODS or name.startswith("acquire_token"):
            if analysis.is_a(node.value, "msal-app"):
                continue
            if (analysis.qualname(node.value) or "").split(".", 1)[0] == "adal":
                return False  # adal's module-level token functions: resource not traced
            call = analysis.parent.get(node)
            if not (
                isinstance(call, cst.Call)
                and call.func is node
                and analysis.is_a(node.value, "adal-context")
            ):
                return False  # a context of unknown origin, or a method handed on
            kinds = audiences.get(call, [])
            if not kinds or any(kind != "other" for kind in kinds):
                return False
            requests += 1
    return requests > 0


@module_fact
def azure_common_only_for_other_services(analysis: Analysis) -> bool:
    """azure.common's credentials serve only other Azure services here: each use of one of its
    names is a call (``ServicePrincipalCredentials(...)``, ``get_azure_cli_credentials()``)
    whose token resource is Resource Manager (its default, when ``resource=`` is not given) or
    another known non-Key-Vault audience, and the module does not use the track-1 Key Vault
    client (which would send such a token to a vault: KV102's 401). A resource that is not
    known, a credential class handed on uncalled, or no use at all leaves the import reported
    (the catalogue's default)."""
    if any(retired_library(analysis, node) == TRACK1 for node in analysis.index.imports):
        return False
    audiences: dict[cst.Call, list[str]] = {}
    for value, audience in all_token_audiences(analysis):
        if value.call is not None:
            audiences.setdefault(value.call, []).append(audience.kind)
    calls = 0
    for node in analysis.order:
        if not isinstance(node, (cst.Name, cst.Attribute)):
            continue
        parent = analysis.parent.get(node)
        if isinstance(parent, (cst.ImportAlias, cst.ImportFrom, cst.Import)):
            continue  # the import itself
        if isinstance(parent, cst.Attribute) and parent.value is node:
            continue  # ``azure.common.credentials`` in ``azure.common.credentials.X``: X counts
        qualname = analysis.qualname(node) or ""
        if not qualname.startswith(AZURE_COMMON + "."):
            continue
        if not (isinstance(parent, cst.Call) and parent.func is node):
            return False  # handed on, or subclassed: where its tokens go is not known
        if any(kind != "other" for kind in audiences.get(parent, [])):
            return False
        if _resource_argument(parent) is not None and parent not in audiences:
            return False  # a resource that is not a known audience
        calls += 1
    return calls > 0


def _resource_argument(call: cst.Call) -> cst.Arg | None:
    return next(
        (a for a in call.args if a.keyword is not None and a.keyword.value == "resource"), None
    )


def is_current_sdk(analysis: Analysis, call: cst.Call) -> bool:
    """An azure.identity credential or a Key Vault client (the catalogue's definitions), not a
    retired msrestazure / azure.common credential."""
    qualname = analysis.callee(call) or ""
    return qualname.startswith(("azure.identity.", "azure.keyvault."))
