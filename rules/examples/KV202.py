"""KV202 keyvault-compound-identity-policy."""

from azure.mgmt.keyvault.models import AccessPolicyEntry, Permissions
from pulumi_azure_native import keyvault

TENANT = "00000000-0000-0000-0000-000000000000"

AccessPolicyEntry(
    tenant_id=TENANT,
    object_id="11111111-1111-1111-1111-111111111111",
    application_id="22222222-2222-2222-2222-222222222222",  # expect: KV202@20 "access policy with an application id is a"
    permissions=Permissions(secrets=["get"]),
)


def policy_for(principal, client_id):
    return keyvault.AccessPolicyEntryArgs(
        tenant_id=TENANT,
        object_id=principal,
        application_id=client_id,  # expect: KV202@24 "access policy with an application id is a"
        permissions=keyvault.PermissionsArgs(secrets=["get", "list"]),
    )


# An ARM-shaped access policy.
ARM_POLICY = {
    "tenantId": TENANT,
    "objectId": "11111111-1111-1111-1111-111111111111",
    "applicationId": "22222222-2222-2222-2222-222222222222",  # expect: KV202@22 "access policy with an application id is a"
    "permissions": {"secrets": ["get"]},
}

# ---- negatives -------------------------------------------------------------------------------
AccessPolicyEntry(tenant_id=TENANT, object_id="o", permissions=Permissions(secrets=["get"]))
AccessPolicyEntry(tenant_id=TENANT, object_id="o", application_id=None, permissions=None)
ARM_OK = {"tenantId": TENANT, "objectId": "o", "applicationId": "", "permissions": {"keys": ["get"]}}
# An app registration dictionary is not an access policy.
APP = {"applicationId": "22222222-2222-2222-2222-222222222222", "displayName": "my app"}
