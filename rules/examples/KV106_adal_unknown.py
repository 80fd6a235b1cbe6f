"""KV106: adal asked for a token whose resource is not known (a parameter): reported, as the
catalogue says, even though another request in the module is for Resource Manager."""

from adal import AuthenticationContext  # expect: KV106@1 "ADAL (adal) is retired"

context = AuthenticationContext("https://login.microsoftonline.com/contoso.onmicrosoft.com")
arm = context.acquire_token_with_client_credentials(
    "https://management.azure.com/", "client-id", "client-secret"
)


def token_for(resource):
    return context.acquire_token_with_client_credentials(resource, "client-id", "client-secret")


# A context that comes from elsewhere: where its tokens go is unknown.
def refresh(ctx):
    return ctx.acquire_token_with_refresh_token("refresh", "client-id", "https://graph.microsoft.com")
