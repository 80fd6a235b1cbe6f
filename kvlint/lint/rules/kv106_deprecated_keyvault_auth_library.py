"""KV106 deprecated-keyvault-auth-library: a retired authentication library or the track-1 Key Vault SDK is imported."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.audiences import ADAL_METHODS, all_token_audiences
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.dataflow import imports_any
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import dotted

ADAL = "ADAL (adal) is retired; use azure-identity or MSAL"
DEPRECATED_MODULES = {
    "adal": ADAL,
    "msrestazure.azure_active_directory": (
        "msrestazure's credentials are retired; use azure-identity"
    ),
    "azure.common.credentials": "azure.common.credentials is retired; use azure-identity",
}
TRACK1 = "track-1 azure.keyvault (KeyVaultClient) is retired"


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


class DeprecatedAuthLibrary(Rule):
    code = "KV106"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        seen: set[str] = set()  # one finding per retired library per module
        for node in analysis.index.imports:
            reason = self._reason(analysis, node)
            if reason == ADAL and reason not in seen and _adal_only_for_other_services(analysis):
                seen.add(reason)  # asked once per module; quiet for every adal import
                continue
            if reason and reason not in seen:
                seen.add(reason)
                yield Report(
                    "KV106",
                    node,
                    (
                        f"{reason}: it no longer receives fixes, does not cache or refresh tokens the "
                        f"way Key Vault expects and mishandles sovereign clouds. Migrate to "
                        f"azure-identity with azure-keyvault-secrets/keys/certificates."
                    ),
                )

    @staticmethod
    def _reason(analysis: Analysis, node: cst.Import | cst.ImportFrom) -> str | None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                name = dotted(alias.name) or ""
                for module, reason in DEPRECATED_MODULES.items():
                    if name == module or name.startswith(module + "."):
                        return reason
                parts = name.split(".")
                if (
                    parts[:2] == ["azure", "keyvault"]
                    and len(parts) > 2
                    and is_track1_name(parts[2])
                ):
                    return TRACK1
                if name == "azure.keyvault" and _uses_track1_attribute(analysis):
                    return TRACK1
            return None
        if node.relative:
            return None
        module = dotted(node.module) or ""
        names = (
            []
            if isinstance(node.names, cst.ImportStar)
            else [dotted(a.name) or "" for a in node.names]
        )
        for deprecated, reason in DEPRECATED_MODULES.items():
            if module == deprecated or module.startswith(deprecated + "."):
                return reason
            if deprecated.startswith(module + ".") and deprecated.rsplit(".", 1)[1] in names:
                return reason
        if module == "azure.keyvault" and (
            isinstance(node.names, cst.ImportStar) or any(is_track1_name(n) for n in names)
        ):
            return TRACK1
        parts = module.split(".")
        if parts[:2] == ["azure", "keyvault"] and len(parts) > 2 and is_track1_name(parts[2]):
            return TRACK1
        return None


def _uses_track1_attribute(analysis: Analysis) -> bool:
    """``import azure.keyvault`` (or ``... as kv``) and then ``azure.keyvault.KeyVaultClient``."""
    for node in analysis.order:
        if type(node) is cst.Attribute and is_track1_name(node.attr.value):
            base = analysis.qualname(node.value)
            if base == "azure.keyvault":
                return True
    return False


def _adal_only_for_other_services(analysis: Analysis) -> bool:
    """adal serves only other Azure services here: every adal token request of the module asks
    for a known non-Key-Vault audience (Resource Manager, Graph, Storage, ...), and the module
    does not use the track-1 Key Vault client or msrestazure (which take adal tokens through
    callbacks and wrappers). A request whose resource is unknown, or any other way of asking
    adal for a token, leaves the import reported (the catalogue's default)."""
    if imports_any(analysis, ("msrestazure",)) or any(
        DeprecatedAuthLibrary._reason(analysis, node) == TRACK1 for node in analysis.index.imports
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
