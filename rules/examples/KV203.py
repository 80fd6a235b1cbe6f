"""KV203 keyvault-overbroad-access-policy."""

import pulumi_azure_native.keyvault as kv
from azure.mgmt.keyvault.models import (
    AccessPolicyEntry,
    CertificatePermissions,
    KeyPermissions,
    Permissions,
    SecretPermissions,
)

Permissions(
    keys=["get", "list"],
    secrets=["All"],  # expect: KV203@13 "access policy grants 'all' on secrets"
)
Permissions(keys=[KeyPermissions.GET, KeyPermissions.PURGE])  # expect: KV203@18 "access policy grants 'purge' on keys"
# One finding per permission list, at its first over-broad field, naming both.
Permissions(
    keys=["all"],  # expect: KV203@10 "access policy grants 'all' on keys"
    secrets=["all"],
)
Permissions(secrets=[SecretPermissions.ALL])  # expect: KV203@21 "access policy grants 'all' on secrets"
ADMIN_SECRETS = ["get", "set", "delete", "purge"]
Permissions(secrets=ADMIN_SECRETS)  # expect: KV203@21 "access policy grants 'purge' on secrets"
# Every member of the enum includes purge.
Permissions(certificates=list(CertificatePermissions))  # expect: KV203@26 "access policy grants 'all' on certificates"
Permissions(keys=[p.value for p in KeyPermissions])  # expect: KV203@18 "access policy grants 'all' on keys"

# Pulumi.
kv.AccessPolicy(
    "ops",
    policy=kv.AccessPolicyEntryArgs(
        tenant_id="t",
        object_id="o",
        permissions=kv.PermissionsArgs(secrets=[kv.SecretPermissions.PURGE]),  # expect: KV203@48 "access policy grants 'purge' on secrets"
    ),
)

# An ARM-shaped access policy.
POLICIES = [
    {
        "tenantId": "t",
        "objectId": "o",
        "permissions": {
            "keys": ["all"],  # expect: KV203@21 "access policy grants 'all' on keys"
            "secrets": ["get"],
            "certificates": ["purge"],
        },
    }
]

# Permissions assigned as attributes: one finding per permission object, at its first
# over-broad field.
KEY_PERMISSIONS_ALL = [perm.value for perm in KeyPermissions]


def create_vault_policy(tenant_id, object_id):
    permissions = Permissions()
    permissions.keys = KEY_PERMISSIONS_ALL  # expect: KV203@24 "access policy grants 'all' on keys"
    permissions.secrets = ["get", "purge"]
    permissions.certificates = ["get"]
    return AccessPolicyEntry(tenant_id=tenant_id, object_id=object_id, permissions=permissions)


def widen_policy(tenant_id, object_id):
    # The constructor grants 'get'; the attribute adds 'all' to the same permission object.
    policy = AccessPolicyEntry(
        tenant_id=tenant_id, object_id=object_id, permissions=Permissions(keys=["get"])
    )
    policy.permissions.secrets = ["all"]  # expect: KV203@34 "access policy grants 'all' on secrets"
    policy.permissions.keys = ["purge"]
    return policy


# ---- negatives -------------------------------------------------------------------------------
Permissions(secrets=["get", "list"], keys=[KeyPermissions.GET, KeyPermissions.UNWRAP_KEY])
AccessPolicyEntry(tenant_id="t", object_id="o", permissions=Permissions(certificates=["get"]))
# Not an access policy: a feature-flag dictionary that happens to say "all".
FLAGS = {"permissions": {"keys": ["all"]}, "owner": "team"}
# A look-alike Permissions class.


class Perms:
    def __init__(self, secrets):
        self.secrets = secrets


Perms(secrets=["all"])


# Narrow permissions assigned as attributes.
narrow = Permissions()
narrow.secrets = ["get", "list"]
narrow.keys = [KeyPermissions.GET]


# The object behind ``.permissions`` is unknown (a parameter): unknown stays unknown.
def grant_all(entry):
    entry.permissions.keys = ["all"]


# A look-alike object with a ``keys`` attribute.
class Grants:
    keys: list[str] = []


grants = Grants()
grants.keys = ["all"]
Perms(secrets=["get"]).secrets = ["all"]


# The name is a Permissions object in another function only: here it is a parameter.
def widen(permissions):
    permissions.secrets = ["all"]
