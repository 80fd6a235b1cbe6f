"""KV201 keyvault-firewall-open: positives carry '# expect:', the rest must stay quiet."""

import pulumi_azure_native as azure_native
from azure.mgmt.keyvault import models
from azure.mgmt.keyvault.models import IPRule, NetworkRuleAction, NetworkRuleSet, VaultProperties
from azure.mgmt.keyvault.v2023_07_01.models import NetworkRuleSet as VersionedRuleSet
from azure.mgmt.storage.models import NetworkRuleSet as StorageRuleSet
from pulumi_azure_native import keyvault

# The default action written as a string, in any case, or as the enum.
open_acls = NetworkRuleSet(default_action="Allow", bypass="AzureServices")  # expect: KV201@43 "Key Vault firewall default action 'Allow'"
models.NetworkRuleSet(default_action=NetworkRuleAction.ALLOW)  # expect: KV201@38 "Key Vault firewall default action 'Allow'"
VersionedRuleSet(default_action="allow")  # expect: KV201@33 "Key Vault firewall default action 'Allow'"
ALLOW = "Allow"
NetworkRuleSet(default_action=ALLOW)  # expect: KV201@31 "Key Vault firewall default action 'Allow'"

# An IP rule that admits everyone.
NetworkRuleSet(
    default_action="Deny",
    ip_rules=[IPRule(value="0.0.0.0/0")],  # expect: KV201@28 "Key Vault IP rule '0.0.0.0/0' admits every"
)
IPRule(value="*")  # expect: KV201@14 "Key Vault IP rule '*' admits every address"

# Pulumi azure-native: the same field names on *Args classes, and its enums.
keyvault.Vault(
    "vault",
    properties=keyvault.VaultPropertiesArgs(
        tenant_id="tenant",
        sku=keyvault.SkuArgs(family="A", name="standard"),
        network_acls=keyvault.NetworkRuleSetArgs(
            default_action=keyvault.NetworkRuleAction.ALLOW,  # expect: KV201@28 "Key Vault firewall default action 'Allow'"
            ip_rules=[keyvault.IPRuleArgs(value="0.0.0.0")],  # expect: KV201@49 "Key Vault IP rule '0.0.0.0' admits every address"
        ),
    ),
)
azure_native.keyvault.NetworkRuleSetArgs(default_action="Allow")  # expect: KV201@57 "Key Vault firewall default action 'Allow'"
# Pulumi dict inputs (snake_case keys).
keyvault.Vault(
    "vault2",
    properties={
        "tenant_id": "tenant",
        "network_acls": {"default_action": "Allow"},  # expect: KV201@44 "Key Vault firewall default action 'Allow'"
    },
)

# ARM-shaped parameters of vaults.begin_create_or_update.
parameters = {
    "location": "westeurope",
    "properties": {
        "tenantId": "tenant",
        "sku": {"family": "A", "name": "standard"},
        "accessPolicies": [],
        "networkAcls": {
            "defaultAction": "Allow",  # expect: KV201@30 "Key Vault firewall default action 'Allow'"
            "ipRules": [{"value": "0.0.0.0/0"}],  # expect: KV201@35 "Key Vault IP rule '0.0.0.0/0' admits every"
        },
    },
}


def create(client, rg):
    body = {"location": "westeurope", "properties": {"networkAcls": {"defaultAction": "Allow"}}}  # expect: KV201@87 "Key Vault firewall default action 'Allow'"
    return client.vaults.begin_create_or_update(rg, "vault", body)


# ---- negatives -------------------------------------------------------------------------------
NetworkRuleSet(default_action="Deny", bypass="AzureServices")
NetworkRuleSet(default_action=NetworkRuleAction.DENY, ip_rules=[IPRule(value="203.0.113.0/24")])
keyvault.NetworkRuleSetArgs(default_action=keyvault.NetworkRuleAction.DENY)
VaultProperties(tenant_id="tenant", sku=None)
# A storage account's network rules are not a vault's firewall.
StorageRuleSet(default_action="Allow")
storage_parameters = {"kind": "StorageV2", "properties": {"networkAcls": {"defaultAction": "Allow"}}}
# A look-alike class with the same name.


class NetworkRule:
    def __init__(self, default_action):
        self.default_action = default_action


NetworkRule(default_action="Allow")
# An address that merely starts with 0.
IPRule(value="0.0.0.1")
