"""KV102 keyvault-wrong-audience: a token requested for something that is not the Key Vault audience of the vault's cloud."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.audiences import (
    AudienceSource,
    other_cloud_audiences,
    sent_to_vault,
    takes_resource,
    uses,
    where,
)
from kvlint.lint.facts.urls import Audience, vault_audience
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


def wrong_audience_message(written: str, audience: Audience) -> str | None:
    """KV102's message for a value that is not an audience at all, else None."""
    right = vault_audience(audience.cloud)
    if audience.kind in ("per-vault", "private-link"):
        what = "a vault's own URL" if audience.kind == "per-vault" else ("a private-link host")
        return (
            f"'{written}' is {what}, not a token audience: Azure AD rejects it "
            f"(AADSTS500011) or Key Vault answers 401. Request '{right}/.default' "
            f"for every vault in this cloud."
        )
    if audience.kind == "http":
        return f"'{written}' uses http://: the Key Vault audience is '{right}' (scope '{right}/.default')."
    if audience.kind == "misspelt":
        return (
            f"'{written}' is not a Key Vault audience (misspelt?): use '{right}' "
            f"(scope '{right}/.default')."
        )
    return None


class WrongAudience(Rule):
    code = "KV102"
    sources = ("python", "config")

    def run(self, module: Analysis | AudienceSource) -> Iterator[Report]:
        for use in uses(module):
            if not use.strong:
                continue
            message = wrong_audience_message(use.written, use.audience)
            if message is not None:
                yield use.report("KV102", message)
            elif (
                use.value is not None
                and use.audience.kind == "ok"
                and use.audience.v2
                and takes_resource(use.value)
            ):
                yield Report(
                    "KV102",
                    use.node,
                    (
                        f"'{use.written}' is a v2 scope but this token request takes a v1 "
                        f"resource: the token's audience becomes '{use.written}' and Key Vault "
                        f"answers 401. Pass the resource '{use.audience.base}'."
                    ),
                )
        if not isinstance(module, Analysis):
            return
        # a token for ARM / Graph / ... attached to a request to a Key Vault URL
        for value, audience in sent_to_vault(module):
            fix = (
                "Read the secret with credentials.getSecret(vault_url, name), or ask "
                "getToken for Key Vault's audience ('keyvault' in Fabric)."
                if value.context == "platform"  # mssparkutils / notebookutils
                else "Request the token for 'https://vault.azure.net/.default' (the "
                "vault's cloud audience)."
            )
            yield Report(
                "KV102",
                where(value, audience),
                (
                    f"a token for '{audience.base}' is sent to a Key Vault URL: Key Vault "
                    f"answers 401 (wrong audience). {fix}"
                ),
            )
        vault_cloud, mismatched = other_cloud_audiences(module)
        for value, audience in mismatched:
            yield Report(
                "KV102",
                where(value, audience),
                (
                    f"'{audience.base}' is the {audience.cloud} cloud's Key Vault audience, but "
                    f"this module's vaults are in the {vault_cloud} cloud: Key Vault answers 401. "
                    f"Use '{vault_audience(vault_cloud)}/.default'."
                ),
            )
