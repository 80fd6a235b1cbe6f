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


# A value that may be None or empty is unknown, not an application id (kvlint's own audit code):
def from_export(raw: dict) -> dict:
    return {
        "tenantId": TENANT,
        "objectId": raw["objectId"],
        "applicationId": raw.get("applicationId") or None,
        "permissions": raw["permissions"],
    }


def optional_app(principal, client_id=None):
    return AccessPolicyEntry(tenant_id=TENANT, object_id=principal, application_id=client_id)


def chosen(principal, compound: bool):
    app = "22222222-2222-2222-2222-222222222222" if compound else None
    return AccessPolicyEntry(tenant_id=TENANT, object_id=principal, application_id=app)


EMPTY_DEFAULT = {"tenantId": TENANT, "objectId": "o", "applicationId": "" or None}


# ... but a value that is set whichever way it is read still is one:
DEFAULT_APP = "22222222-2222-2222-2222-222222222222"


def fallback(raw: dict) -> dict:
    return {
        "tenantId": TENANT,
        "objectId": raw["objectId"],
        "applicationId": raw.get("applicationId") or DEFAULT_APP,  # expect: KV202@26 "access policy with an application id is a"
        "permissions": raw["permissions"],
    }
