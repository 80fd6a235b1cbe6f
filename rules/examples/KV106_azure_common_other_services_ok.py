"""KV106: azure.common credentials used only for Resource Manager (their default resource) and
Graph, never for Key Vault: quiet.

(Retiring azure.common is still a good idea, but it is not a Key Vault authentication problem.)
"""

import os

from azure.common.credentials import ServicePrincipalCredentials, get_azure_cli_credentials
from azure.mgmt.resource import ResourceManagementClient

arm = ServicePrincipalCredentials(
    client_id=os.environ["CLIENT_ID"], secret=os.environ["CLIENT_SECRET"], tenant="contoso"
)
groups = ResourceManagementClient(arm, os.environ["SUBSCRIPTION_ID"]).resource_groups.list()
graph = ServicePrincipalCredentials(
    client_id="client-id",
    secret=os.environ["CLIENT_SECRET"],
    tenant="contoso",
    resource="https://graph.microsoft.com",
)
cli, subscription = get_azure_cli_credentials()
