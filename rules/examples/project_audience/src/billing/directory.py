"""adal used only for Microsoft Graph, with the resource imported from billing.config: not a
Key Vault authentication library here (no KV106). The same module asking adal for a token of
an unknown resource would be reported."""

import adal

from billing.config import GRAPH_RESOURCE


def directory_token(tenant, client_id, secret):
    context = adal.AuthenticationContext(f"https://login.microsoftonline.com/{tenant}")
    return context.acquire_token_with_client_credentials(GRAPH_RESOURCE, client_id, secret)
