"""KV106: azure.common credentials asked for a Key Vault token, or handed on uncalled: reported."""

from azure.common.credentials import ServicePrincipalCredentials  # expect: KV106@1 "azure.common.credentials is retired"

vault = ServicePrincipalCredentials(
    client_id="client-id", secret="s", tenant="contoso", resource="https://vault.azure.net"
)
factory = ServicePrincipalCredentials  # where its tokens go is not known
