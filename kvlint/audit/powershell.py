"""Azure PowerShell exports: ``Get-AzKeyVault -VaultName X | ConvertTo-Json -Depth 5``.

Az.KeyVault's ``PSKeyVault`` is PascalCase and flat (``VaultName``, ``ResourceId``,
``AccessPolicies[].PermissionsToSecrets``, ``NetworkAcls.IpAddressRanges``); ConvertTo-Json
writes its enums as numbers (``DefaultAction`` 0 Allow / 1 Deny, ``Bypass`` 0 None /
1 AzureServices). It carries no private endpoint connections, so the vault view says they are
unknown rather than absent. ConvertTo-Json's default ``-Depth 2`` turns nested objects into
their type names: that is an error asking for a deeper export, never a guess.
"""

from __future__ import annotations

from typing import Any

from kvlint.audit.model import MalformedVault

DEFAULT_ACTIONS = {0: "Allow", 1: "Deny"}
BYPASS = {0: "None", 1: "AzureServices"}
DEPTH_HINT = "(re-export with ConvertTo-Json -Depth 5: the default depth 2 flattens nested objects)"


def is_powershell_vault(doc: Any) -> bool:
    return isinstance(doc, dict) and "VaultName" in doc and "ResourceId" in doc


def _enum(value: Any, names: dict[int, str], what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value in names:
        return names[value]
    raise MalformedVault(f"{what} is {value!r}, not one of {', '.join(names.values())}")


def _names(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise MalformedVault(f"{what} is not a list of names {DEPTH_HINT}")


def to_arm(doc: dict) -> dict:
    """The PSKeyVault object as the ARM REST vault it was read from."""
    policies = []
    for index, raw in enumerate(doc.get("AccessPolicies") or []):
        if not isinstance(raw, dict):
            raise MalformedVault(f"AccessPolicies[{index}] is {str(raw)[:60]!r} {DEPTH_HINT}")
        where = f"AccessPolicies[{index}]"
        policies.append(
            {
                "tenantId": raw.get("TenantId"),
                "objectId": raw.get("ObjectId"),
                "applicationId": raw.get("ApplicationId") or None,
                "permissions": {
                    kind.lower(): _names(raw.get(f"PermissionsTo{kind}"), f"{where}.{kind}")
                    for kind in ("Keys", "Secrets", "Certificates", "Storage")
                },
            }
        )
    props: dict[str, Any] = {
        "tenantId": doc.get("TenantId"),
        "vaultUri": doc.get("VaultUri"),
        "enableRbacAuthorization": doc.get("EnableRbacAuthorization"),
        "enableSoftDelete": doc.get("EnableSoftDelete"),
        "enablePurgeProtection": doc.get("EnablePurgeProtection"),
        "softDeleteRetentionInDays": doc.get("SoftDeleteRetentionInDays"),
        "enabledForDeployment": doc.get("EnabledForDeployment"),
        "enabledForDiskEncryption": doc.get("EnabledForDiskEncryption"),
        "enabledForTemplateDeployment": doc.get("EnabledForTemplateDeployment"),
        "publicNetworkAccess": doc.get("PublicNetworkAccess"),
        "accessPolicies": policies,
    }
    acls = doc.get("NetworkAcls")
    if isinstance(acls, str):
        raise MalformedVault(f"NetworkAcls is {acls[:60]!r} {DEPTH_HINT}")
    if isinstance(acls, dict):
        props["networkAcls"] = {
            "defaultAction": _enum(acls.get("DefaultAction"), DEFAULT_ACTIONS, "DefaultAction"),
            "bypass": _enum(acls.get("Bypass"), BYPASS, "Bypass"),
            "ipRules": [
                {"value": v} for v in _names(acls.get("IpAddressRanges"), "IpAddressRanges")
            ],
            "virtualNetworkRules": [
                {"id": v}
                for v in _names(acls.get("VirtualNetworkResourceIds"), "VirtualNetworkResourceIds")
            ],
        }
    return {
        "id": doc.get("ResourceId"),
        "name": doc.get("VaultName"),
        "type": "Microsoft.KeyVault/vaults",
        "location": doc.get("Location"),
        "resourceGroup": doc.get("ResourceGroupName"),
        "properties": {k: v for k, v in props.items() if v is not None},
    }
