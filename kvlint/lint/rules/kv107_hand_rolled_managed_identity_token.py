"""KV107 hand-rolled-managed-identity-token: a managed identity token fetched by hand (IMDS / App Service endpoint, or a shell-out)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.http import has_header, http_calls, identity_url, managed_identity_kind
from kvlint.lint.facts.passing import helper_url_arguments
from kvlint.lint.facts.urls import MANAGED_IDENTITY_ENV
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.dataflow import derives_from
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.values import env_lookup_name, fold_elements

SHELL_RUNNERS = (
    "os.popen",
    "os.system",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
)


SHELL_HTTP_TOOLS = ("curl ", "wget ", "invoke-restmethod", "invoke-webrequest")


class HandRolledManagedIdentity(Rule):
    code = "KV107"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        yield from self._shell_requests(analysis)

        def identity(expr: cst.BaseExpression) -> bool:
            return identity_url(analysis, expr) is not None

        for call, helper, url in helper_url_arguments(analysis, identity):
            kind = identity_url(analysis, url)
            if kind is None:
                continue
            endpoint = "the IMDS token endpoint" if kind == "imds" else f"${kind}"
            yield Report(
                "KV107",
                call,
                (
                    f"hand-rolled managed identity token request to {endpoint} through the "
                    f"helper {helper.rsplit('.', 1)[-1]}(): no retry, no caching, no refresh. Use "
                    f"azure.identity.ManagedIdentityCredential (or DefaultAzureCredential) with "
                    f"get_token('https://vault.azure.net/.default')."
                ),
            )
        for http in http_calls(analysis):
            kind = managed_identity_kind(analysis, http)
            if kind is None:
                continue
            header = "Metadata" if kind == "imds" else "X-IDENTITY-HEADER"
            missing = ""
            if not has_header(analysis, http, header) and not (
                kind != "imds" and has_header(analysis, http, "secret")
            ):
                missing = (
                    f" The request also lacks the '{header}' header, so the endpoint rejects it."
                )
            endpoint = "the IMDS token endpoint" if kind == "imds" else f"${kind}"
            yield Report(
                "KV107",
                http.call,
                (
                    f"hand-rolled managed identity token request to {endpoint}: no retry, no "
                    f"caching, no refresh. Use azure.identity.ManagedIdentityCredential (or "
                    f"DefaultAzureCredential) with get_token('https://vault.azure.net/.default')."
                    f"{missing}"
                ),
            )

    def _shell_requests(self, analysis: Analysis) -> Iterator[Report]:
        """``os.popen('curl "$IDENTITY_ENDPOINT?resource=..." -H secret:...')`` and friends."""
        for call in analysis.index.calls:
            if analysis.callee(call) not in SHELL_RUNNERS or not call.args:
                continue
            command = call.args[0].value
            text = " ".join(f.text for f in fold_elements(analysis, command)).lower()
            if not any(tool in text for tool in SHELL_HTTP_TOOLS):
                continue
            from_env = derives_from(
                analysis,
                command,
                lambda n: env_lookup_name(analysis, n) in MANAGED_IDENTITY_ENV,
            )
            if "169.254.169.254/metadata/identity/oauth2/token" not in text and not from_env:
                continue
            yield Report(
                "KV107",
                call,
                (
                    "managed identity token fetched by shelling out to an HTTP tool: no retry, no "
                    "caching, no refresh, and the token passes through a subprocess. Use "
                    "azure.identity.ManagedIdentityCredential (or DefaultAzureCredential) with "
                    "get_token('https://vault.azure.net/.default')."
                ),
            )
