"""KV201 keyvault-firewall-open: a vault firewall that admits every address (default action 'Allow', 0.0.0.0/0)."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.mgmt import open_firewalls
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

ALLOW = (
    "Key Vault firewall default action 'Allow': the vault accepts requests from any "
    "address, and its IP / VNet rules have no effect. Set default_action='Deny' and "
    "admit callers with ip_rules, virtual_network_rules or a private endpoint "
    "(bypass='AzureServices' keeps trusted Azure services working)."
)


class FirewallOpen(Rule):
    code = "KV201"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for setting in open_firewalls(analysis):
            if setting.address is None:
                yield Report("KV201", setting.node, ALLOW)
            else:
                yield Report(
                    "KV201",
                    setting.node,
                    (
                        f"Key Vault IP rule '{setting.address}' admits every address: the "
                        f"firewall is effectively off. List the callers' public addresses or "
                        f"ranges instead."
                    ),
                )
