"""KV106 deprecated-keyvault-auth-library: a retired authentication library or the track-1 Key Vault SDK is imported."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.retired import (
    ADAL,
    AZURE_COMMON,
    MSRESTAZURE,
    TRACK1,
    adal_only_for_other_services,
    azure_common_only_for_other_services,
    retired_library,
)
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

REASONS = {
    ADAL: "ADAL (adal) is retired; use azure-identity or MSAL",
    MSRESTAZURE: "msrestazure's credentials are retired; use azure-identity",
    AZURE_COMMON: "azure.common.credentials is retired; use azure-identity",
    TRACK1: "track-1 azure.keyvault (KeyVaultClient) is retired",
}


class DeprecatedAuthLibrary(Rule):
    code = "KV106"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        seen: set[str] = set()  # one finding per retired library per module
        for node in analysis.index.imports:
            library = retired_library(analysis, node)
            if library is None or library in seen:
                continue
            seen.add(library)
            if library == ADAL and adal_only_for_other_services(analysis):
                continue  # quiet for every adal import of the module
            if library == AZURE_COMMON and azure_common_only_for_other_services(analysis):
                continue
            yield Report(
                "KV106",
                node,
                (
                    f"{REASONS[library]}: it no longer receives fixes, does not cache or refresh "
                    f"tokens the way Key Vault expects and mishandles sovereign clouds. Migrate "
                    f"to azure-identity with azure-keyvault-secrets/keys/certificates."
                ),
            )
