"""KV102 keyvault-wrong-audience: a token requested for something that is not the Key Vault audience of the vault's cloud."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from functools import partial

from kvlint import keyvault
from kvlint.lint.facts.audiences import AudienceSource, token_audiences, uses, where
from kvlint.lint.facts.http import http_calls
from kvlint.lint.facts.urls import Audience, is_keyvault_url
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.dataflow import derives_from
from kvlint.lint.semantic.model import Analysis


def wrong_audience_message(written: str, audience: Audience) -> str | None:
    """KV102's message for a value that is not an audience at all, else None."""
    right = _right_audience(audience)
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


def _right_audience(audience: Audience) -> str:
    cloud = keyvault.CLOUDS_BY_NAME.get(audience.cloud or "public", keyvault.CLOUDS[0])
    return cloud.vault_audience


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
                and use.value.protocol == "v1"
                and (use.value.context in ("adal", "query", "body", "keyword"))
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
        if isinstance(module, Analysis):
            yield from self._other_audience_sent_to_vault(module)
            yield from self._cloud_mismatch(module)

    def _other_audience_sent_to_vault(self, analysis: Analysis) -> Iterator[Report]:
        """A token for ARM / Graph / ... attached to a request to a Key Vault URL."""
        sends = [
            http
            for http in http_calls(analysis)
            if (text := http.url_text(analysis))
            and is_keyvault_url(analysis, text)
            and http.headers is not None
        ]
        if not sends:
            return
        for value, audience in token_audiences(analysis):
            if audience.kind != "other" or value.call is None or not value.strong:
                continue
            function = analysis.enclosing_function(value.call)
            for http in sends:
                if http.headers is None or analysis.enclosing_function(http.call) is not function:
                    continue
                if derives_from(
                    analysis, http.headers, partial(operator.is_, value.call), flow=True
                ):
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
                    break

    def _cloud_mismatch(self, analysis: Analysis) -> Iterator[Report]:
        vault_clouds = {
            cloud
            for call in analysis.index.calls
            for a in call.args
            if (folded := analysis.fold(a.value)) is not None
            and (cloud := is_keyvault_url(analysis, folded.text)) in keyvault.CLOUDS_BY_NAME
        }
        if len(vault_clouds) != 1:
            return
        (vault_cloud,) = vault_clouds
        used = [(v, a) for v, a in token_audiences(analysis) if a.kind == "ok" and v.strong]
        if any(audience.cloud == vault_cloud for _, audience in used):
            return  # the module requests this cloud's audience too: it is multi-cloud aware
        for value, audience in used:
            if audience.cloud != vault_cloud:
                expected = keyvault.CLOUDS_BY_NAME[vault_cloud].vault_audience
                yield Report(
                    "KV102",
                    where(value, audience),
                    (
                        f"'{audience.base}' is the {audience.cloud} cloud's Key Vault audience, but "
                        f"this module's vaults are in the {vault_cloud} cloud: Key Vault answers 401. "
                        f"Use '{expected}/.default'."
                    ),
                )
