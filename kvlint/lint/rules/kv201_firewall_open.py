"""KV201 keyvault-firewall-open: a vault firewall that admits every address (default action 'Allow', 0.0.0.0/0)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.mgmt import constructs, entries, is_vault_dict, model_name, resolve
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg


def _is_allow(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    found = model_name(analysis, expr)
    if found is not None and found[1] is not None:
        return found[0] == "NetworkRuleAction" and found[1].lower() == "allow"
    text = analysis.fold_str(expr)
    return text is not None and text.strip().lower() == "allow"


OPEN_ADDRESSES = ("0.0.0.0/0", "0.0.0.0", "*")


class FirewallOpen(Rule):
    code = "KV201"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        # Model / Args constructors.
        for call in analysis.index.calls:
            if constructs(analysis, call, "NetworkRuleSet", "MHSMNetworkRuleSet"):
                action = arg(call, "default_action")
                if action is not None and _is_allow(analysis, action.value):
                    yield self._allow(action.value)
            elif constructs(analysis, call, "IPRule", "MHSMIPRule"):
                value = arg(call, "value", 0)
                if value is not None:
                    yield from self._ip(analysis, value.value)
        # ARM / Pulumi dicts.
        for node in analysis.index.dicts:
            acls = entries(analysis, node).get("networkacls")
            if acls is None or not is_vault_dict(analysis, node):
                continue
            acls = resolve(analysis, acls)
            if not isinstance(acls, cst.Dict):
                continue
            inner = entries(analysis, acls)
            if "defaultaction" in inner and _is_allow(analysis, inner["defaultaction"]):
                yield self._allow(inner["defaultaction"])
            rules = resolve(analysis, inner["iprules"]) if "iprules" in inner else None
            if isinstance(rules, (cst.List, cst.Tuple)):
                for element in rules.elements:
                    rule = resolve(analysis, element.value)
                    if isinstance(rule, cst.Dict):
                        address = entries(analysis, rule).get("value")
                        if address is not None:
                            yield from self._ip(analysis, address)

    @staticmethod
    def _allow(node: cst.BaseExpression) -> Report:
        return Report(
            "KV201",
            node,
            (
                "Key Vault firewall default action 'Allow': the vault accepts requests from any "
                "address, and its IP / VNet rules have no effect. Set default_action='Deny' and "
                "admit callers with ip_rules, virtual_network_rules or a private endpoint "
                "(bypass='AzureServices' keeps trusted Azure services working)."
            ),
        )

    @staticmethod
    def _ip(analysis: Analysis, node: cst.BaseExpression) -> Iterator[Report]:
        text = analysis.fold_str(node)
        if text is not None and text.strip() in OPEN_ADDRESSES:
            yield Report(
                "KV201",
                node,
                (
                    f"Key Vault IP rule '{text.strip()}' admits every address: the firewall is "
                    f"effectively off. List the callers' public addresses or ranges instead."
                ),
            )
