"""Unsigned JWTs for the tests: base64url of JSON, in the shape Microsoft Entra ID issues."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
APP_ID = "fad7d5b3-69d6-4b48-9259-8d12124e1cf1"
OBJECT_ID = "3975aeed-7d08-453b-b6f4-445f32698091"
USER_OID = "6a7b8c9d-1111-2222-3333-444455556666"


def b64url(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(
    claims: dict, header: dict | None = None, signature: str = "c2lnbmF0dXJlLXBhcnQ"
) -> str:
    header = header or {"typ": "JWT", "alg": "RS256", "kid": "test-key"}
    return f"{b64url(header)}.{b64url(claims)}.{signature}"


def v1_app(now: datetime = NOW, **overrides) -> dict:
    """A v1 app-only token as a client-credential flow returns it (oid == sub, appidacr 1)."""
    issued = int(now.timestamp()) - 600
    claims = {
        "aud": "https://vault.azure.net",
        "iss": f"https://sts.windows.net/{TENANT}/",
        "iat": issued,
        "nbf": issued,
        "exp": issued + 3600,
        "appid": APP_ID,
        "appidacr": "1",
        "idp": f"https://sts.windows.net/{TENANT}/",
        "oid": OBJECT_ID,
        "sub": OBJECT_ID,
        "tid": TENANT,
        "ver": "1.0",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def v2_user(now: datetime = NOW, **overrides) -> dict:
    """A v2 delegated (user) token: azp instead of appid, scp, preferred_username."""
    issued = int(now.timestamp()) - 600
    claims = {
        "aud": "https://vault.azure.net",
        "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "iat": issued,
        "nbf": issued,
        "exp": issued + 4500,
        "azp": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "azpacr": "0",
        "name": "Alice Example",
        "oid": USER_OID,
        "preferred_username": "alice@contoso.com",
        "scp": "user_impersonation",
        "sub": "Vn2qfd3r9X0u8cWqT1Z",
        "tid": TENANT,
        "ver": "2.0",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}
