"""KV106 deprecated-keyvault-auth-library: a retired authentication library or the track-1 Key Vault SDK is imported."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import dotted

DEPRECATED_MODULES = {
    "adal": "ADAL (adal) is retired; use azure-identity or MSAL",
    "msrestazure.azure_active_directory": (
        "msrestazure's credentials are retired; use azure-identity"
    ),
    "azure.common.credentials": "azure.common.credentials is retired; use azure-identity",
}


TRACK1_KEYVAULT = {
    "KeyVaultClient",
    "KeyVaultAuthentication",
    "KeyVaultId",
    "AccessToken",
    "key_vault_client",
    "key_vault_id",
    "key_vault_authentication",
    "http_bearer_challenge",
    "http_bearer_challenge_cache",
    "http_challenge",
    "models",
    "version",
}


class DeprecatedAuthLibrary(Rule):
    code = "KV106"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for node in analysis.index.imports:
            reason = self._reason(node)
            if reason:
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
    def _reason(node: cst.Import | cst.ImportFrom) -> str | None:

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
                    and (parts[2] in TRACK1_KEYVAULT)
                ):
                    return "track-1 azure.keyvault (KeyVaultClient) is retired"
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
            isinstance(node.names, cst.ImportStar) or any(n in TRACK1_KEYVAULT for n in names)
        ):
            return "track-1 azure.keyvault (KeyVaultClient) is retired"
        parts = module.split(".")
        if parts[:2] == ["azure", "keyvault"] and len(parts) > 2 and parts[2] in TRACK1_KEYVAULT:
            return "track-1 azure.keyvault (KeyVaultClient) is retired"
        return None
