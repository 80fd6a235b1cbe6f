"""KV106: azure.common credentials whose resource is not known (a parameter): reported, as the
catalogue says, even though another construction in the module is for Resource Manager."""

from azure.common.credentials import ServicePrincipalCredentials  # expect: KV106@1 "azure.common.credentials is retired"

arm = ServicePrincipalCredentials(client_id="client-id", secret="s", tenant="contoso")


def credentials_for(resource):
    return ServicePrincipalCredentials(
        client_id="client-id", secret="s", tenant="contoso", resource=resource
    )
