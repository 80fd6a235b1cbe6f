"""KV107 hand-rolled-managed-identity-token: a managed identity token fetched by hand (IMDS / App Service endpoint, or a shell-out)."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.http import (
    http_calls,
    identity_url,
    managed_identity_kind,
    missing_identity_header,
    shell_token_requests,
)
from kvlint.lint.facts.passing import helper_url_arguments
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

USE = (
    "Use azure.identity.ManagedIdentityCredential (or DefaultAzureCredential) with "
    "get_token('https://vault.azure.net/.default')."
)


class HandRolledManagedIdentity(Rule):
    code = "KV107"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call in shell_token_requests(analysis):
            yield Report(
                "KV107",
                call,
                (
                    "managed identity token fetched by shelling out to an HTTP tool: no retry, no "
                    "caching, no refresh, and the token passes through a subprocess. " + USE
                ),
            )
        for call, helper, url in helper_url_arguments(
            analysis, lambda expr: identity_url(analysis, expr) is not None
        ):
            kind = identity_url(analysis, url)
            if kind is None:
                continue
            endpoint = "the IMDS token endpoint" if kind == "imds" else f"${kind}"
            yield Report(
                "KV107",
                call,
                (
                    f"hand-rolled managed identity token request to {endpoint} through the "
                    f"helper {helper.rsplit('.', 1)[-1]}(): no retry, no caching, no refresh. "
                    + USE
                ),
            )
        for http in http_calls(analysis):
            kind = managed_identity_kind(analysis, http)
            if kind is None:
                continue
            header = missing_identity_header(analysis, http, kind)
            missing = (
                f" The request also lacks the '{header}' header, so the endpoint rejects it."
                if header is not None
                else ""
            )
            endpoint = "the IMDS token endpoint" if kind == "imds" else f"${kind}"
            yield Report(
                "KV107",
                http.call,
                (
                    f"hand-rolled managed identity token request to {endpoint}: no retry, no "
                    f"caching, no refresh. {USE}{missing}"
                ),
            )
