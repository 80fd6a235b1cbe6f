"""Entra ID token errors (``AADSTS…``): the request never reached Key Vault.

The codes and their meaning are Microsoft's (Entra authentication and authorization error codes):
500011 the resource principal was not found (a wrong or slash-suffixed audience, a vault URL used
as a resource), 70011 invalid scope, 700016 the application is not in the tenant, 7000215 an
invalid client secret (often the secret's ID instead of its value), 7000222 an expired client
secret, 50173 a grant revoked (password changed), 90002 the tenant was not found, 70021 / 700211
/ 700213 / 7002138 no federated identity credential matches the presented assertion, 700024 the
client assertion is outside its validity window.
"""

from __future__ import annotations

import re

from kvlint import keyvault
from kvlint.explain.model import Command, Explanation, finding, identity_of, q
from kvlint.explain.paste import GUID, AadError, Facts

_FEDERATED = {"70021", "700211", "700213", "7002138"}
KNOWN = {
    "500011": "KVE101",
    "70011": "KVE102",
    "700016": "KVE103",
    "7000215": "KVE104",
    "7000222": "KVE105",
    "50173": "KVE106",
    "90002": "KVE107",
    **{code: "KVE108" for code in _FEDERATED},
    "700024": "KVE109",
}


def _audience_for(resource: str) -> tuple[str, str]:
    """(the Key Vault audience that was probably meant, why the named one is wrong)."""
    lower = resource.lower().rstrip("/")
    host = lower.split("://", 1)[-1].split("/", 1)[0]
    found = keyvault.audience_for_host(host) or keyvault.audience_for_host("vault." + host)
    if found:
        _cloud, audience = found
        if "privatelink" in host:
            return audience, (
                "a private-link host is not an audience: behind a private endpoint the token is "
                f"still for {audience}"
            )
        return audience, (
            f"a vault's own URL is not an audience: every vault in the cloud shares {audience}"
        )
    if keyvault.audience_cloud(lower):
        if resource.rstrip("/") != resource or "//" in resource.split("://", 1)[-1]:
            return lower, "the audience with a trailing or doubled slash is not registered"
        return lower, (
            "Key Vault's own application is not in this tenant's directory yet (a new tenant) "
            "or the request went to the wrong tenant or cloud"
        )
    if host.startswith("vault."):
        clouds = ", ".join(f"{c.name}: {c.vault_audience}" for c in keyvault.CLOUDS)
        return "", f"{resource} is no cloud's Key Vault audience ({clouds})"
    return "", ""


def _cloud_in(text: str) -> keyvault.Cloud | None:
    """The cloud whose sign-in authority the paste names (login.microsoftonline.us …)."""
    lower = text.lower()
    for cloud in keyvault.CLOUDS:
        if cloud.name != "public" and cloud.authority_host in lower:
            return cloud
    return keyvault.CLOUDS_BY_NAME["public"] if "login.microsoftonline.com" in lower else None


def _resource_not_found(error: AadError, facts: Facts, out: Explanation) -> str:
    resource = facts.aad_resource
    if not resource:
        out.unknown.append("the resource Entra ID did not find ('resource principal named …')")
        return "AADSTS500011: the resource (audience) asked for is not registered in the tenant"
    audience, why = _audience_for(resource)
    cloud = _cloud_in(facts.text)
    if not audience and cloud:
        audience = cloud.vault_audience
        why += f"; the sign-in went to {cloud.authority_host} ({cloud.name} cloud), whose Key Vault audience is {audience}"
    if audience:
        out.missing["audience"] = audience
        out.fixes.append(
            Command(
                f"az account get-access-token --resource {q(audience)}",
                f"in code: the scope {audience}/.default (the SDK clients use it for you)",
            )
        )
    return f"AADSTS500011: no resource named {resource} in the tenant; {why}"


def _invalid_scope(error: AadError, facts: Facts, out: Explanation) -> str:
    scope = facts.aad_scope
    text = (
        f"AADSTS70011: the scope {scope!r} is not valid" if scope else "AADSTS70011: invalid scope"
    )
    out.notes.append(
        "for Key Vault ask for exactly one resource's /.default scope "
        "(https://vault.azure.net/.default); a bare resource URL, a trailing slash before "
        "/.default, or .default mixed with other scopes is refused"
    )
    out.missing["scope"] = "https://vault.azure.net/.default"
    return text


def _app_not_found(error: AadError, facts: Facts, out: Explanation) -> str:
    app = facts.aad_app or "the client id"
    directory = facts.aad_directory or "the tenant"
    if facts.aad_app and GUID.fullmatch(facts.aad_app):
        out.fixes.append(
            Command(
                f"az ad sp show --id {q(facts.aad_app)}",
                "run signed in to the tenant your code uses: no result means the app has no "
                "service principal there",
            )
        )
    else:
        out.notes.append(f"{app!r} is not an application id: a placeholder left in configuration?")
    return (
        f"AADSTS700016: application {app} is not in directory {directory}: a wrong client id "
        "(AZURE_CLIENT_ID), a wrong tenant (AZURE_TENANT_ID), or a multi-tenant app that was "
        "never consented to in that tenant"
    )


def _secret(error: AadError, facts: Facts, out: Explanation, expired: bool) -> str:
    app = facts.aad_app if GUID.fullmatch(facts.aad_app or "") else ""
    out.fixes.append(
        Command(
            f"az ad app credential reset --id {q(app) if app else '<application-id>'} --append "
            "--years 1",
            "a new client secret (az prints it once: store it straight into your secret store, "
            "or better use a certificate or a managed identity)",
            widens="--append keeps the app's other credentials valid; drop the old one once "
            "nothing uses it (az ad app credential delete)",
        )
    )
    if not app:
        out.unknown.append("the application id ('for app …')")
    if expired:
        return f"AADSTS7000222: the client secret of app {app or '?'} has expired"
    out.notes.append(
        "the most common cause: the secret's ID (a GUID) was configured instead of its Value, "
        "which is shown only once when the secret is created"
    )
    return f"AADSTS7000215: an invalid client secret was presented for app {app or '?'}"


def _grant_revoked(error: AadError, facts: Facts, out: Explanation) -> str:
    out.fixes.append(
        Command(
            "az logout && az login",
            "a fresh sign-in (or sign out and in "
            "again in Visual Studio / VS Code / Azure PowerShell)",
        )
    )
    return (
        "AADSTS50173: the cached sign-in was revoked (the user changed or reset the password, or "
        "an admin revoked sessions): the developer tool's refresh token is dead"
    )


def _tenant_not_found(error: AadError, facts: Facts, out: Explanation) -> str:
    tenant = facts.aad_directory
    out.notes.append(
        "check AZURE_TENANT_ID / --tenant, and that the authority is the tenant's cloud "
        "(login.microsoftonline.us, login.chinacloudapi.cn for sovereign clouds)"
    )
    if tenant and not GUID.fullmatch(tenant):
        out.notes.append(f"{tenant!r} is not a tenant id or domain: a misplaced value?")
    return f"AADSTS90002: tenant {tenant or '?'} was not found in this cloud"


def _federated(error: AadError, facts: Facts, out: Explanation) -> str:
    if facts.assertion:
        issuer, subject, audience = facts.assertion
        out.missing["federated_credential"] = (
            f"issuer {issuer}, subject {subject}, audience {audience}"
        )
        out.fixes.append(
            Command(
                "az identity federated-credential create --name kvlint-fic --identity-name "
                f"<identity> --resource-group <rg> --issuer {q(issuer)} --subject {q(subject)} "
                f"--audiences {q(audience)}",
                "for a user-assigned managed identity (az ad app federated-credential create "
                "for an app registration); issuer and subject match case-sensitively",
                widens="any workload that can get a token from that issuer for that subject "
                "becomes this identity",
            )
        )
    else:
        out.unknown.append("the assertion's issuer, subject and audience ('Assertion Issuer: …')")
    return (
        f"AADSTS{error.code}: no federated identity credential of the app or managed identity "
        "matches the presented token's issuer, subject and audience (workload identity)"
    )


def _assertion_time(error: AadError, facts: Facts, out: Explanation) -> str:
    out.notes.append(
        "the projected service-account token (AZURE_FEDERATED_TOKEN_FILE) was read once and "
        "kept past its lifetime, or the clock is off: re-read the file for every token request"
    )
    return "AADSTS700024: the client assertion is not within its valid time range"


_HANDLERS = {
    "KVE101": _resource_not_found,
    "KVE102": _invalid_scope,
    "KVE103": _app_not_found,
    "KVE106": _grant_revoked,
    "KVE107": _tenant_not_found,
    "KVE108": _federated,
    "KVE109": _assertion_time,
}


_UNAVAILABLE = re.compile(
    r"unavailable|not found|not installed|could not be found|not fully configured|can't be accessed|"
    r"requires|no accounts",
    re.I,
)


def _chain(facts: Facts) -> Explanation:
    failed = [(n, w) for n, w in facts.attempts if not _UNAVAILABLE.search(w)]
    tried = ", ".join(n for n, _ in facts.attempts) or "the credentials it includes"
    if failed:
        name, why = failed[0]
        message = (
            f"{facts.chain}: {name} was available but failed ({why}); the chain stops at the "
            "first credential that fails rather than being unavailable"
        )
    else:
        message = (
            f"{facts.chain}: no credential in the chain is configured where this ran "
            f"(tried {tried})"
        )
    out = Explanation(finding("KVE111", message, facts), "sign-in", identity_of(facts))
    for name, why in facts.attempts:
        out.notes.append(f"{name}: {why}")
    if any(n == "ManagedIdentityCredential" for n, _ in failed):
        out.notes.append(
            "on Azure: assign a managed identity to the app (and set AZURE_CLIENT_ID for a "
            "user-assigned one); off Azure the IMDS endpoint does not exist"
        )
    out.fixes.append(Command("az login", "on a developer machine: AzureCliCredential answers"))
    out.fixes.append(
        Command(
            "export AZURE_TENANT_ID=<tenant> AZURE_CLIENT_ID=<app-id> "
            "AZURE_CLIENT_CERTIFICATE_PATH=<pem>",
            "in CI or a server off Azure: EnvironmentCredential answers (a certificate, or "
            "AZURE_CLIENT_SECRET)",
        )
    )
    if not facts.attempts:
        out.unknown.append("the 'Attempted credentials:' lines of the message")
    return out


def explain(facts: Facts) -> list[Explanation]:
    found = []
    if facts.chain and not facts.aad:
        found.append(_chain(facts))
    for error in facts.aad:
        code = KNOWN.get(error.code, "KVE110")
        out = Explanation(finding(code, "", facts), "sign-in", identity_of(facts))
        if code == "KVE104":
            message = _secret(error, facts, out, expired=False)
        elif code == "KVE105":
            message = _secret(error, facts, out, expired=True)
        elif code in _HANDLERS:
            message = _HANDLERS[code](error, facts, out)
        else:
            message = f"AADSTS{error.code}: {error.message[:200]}"
            out.notes.append(
                f"Entra ID's description: https://login.microsoftonline.com/error?code={error.code}"
            )
        if code in ("KVE103", "KVE107"):
            out.gate = "tenant"
        out.finding = finding(code, message + " (the request never reached Key Vault)", facts)
        out.quote = f"AADSTS{error.code}: {error.message}"[:240]
        found.append(out)
    # one error often wraps another (AADSTS70002 around AADSTS50012): keep the known ones
    known = [e for e in found if e.code != "KVE110"]
    return known or found
