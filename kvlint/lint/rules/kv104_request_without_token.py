"""KV104 keyvault-request-without-token: a raw HTTP request to a vault without an Authorization header."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.http import has_header
from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.values import parse_url


class RequestWithoutToken(Rule):
    code = "KV104"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in kv_calls(analysis):
            http = kv.http
            if http is None:
                continue
            if not has_header(analysis, http, "Authorization"):
                text = http.url_text(analysis) if kv.via is None else None
                host = parse_url(text) if text else None
                shown = host.host.replace("\x00", "…") if host else "the vault"
                shown = kv.via or shown
                yield Report(
                    "KV104",
                    http.call,
                    (
                        f"raw HTTP request to Key Vault through {http.library} ({shown}) without an "
                        f"Authorization "
                        f"header: Key Vault answers 401. Use azure-keyvault-secrets/keys/certificates "
                        f"(they authenticate and retry), or send 'Authorization: Bearer <token>' "
                        f"for 'https://vault.azure.net/.default'."
                    ),
                )
