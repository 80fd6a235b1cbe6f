"""``--acquire``: a token from ``DefaultAzureCredential`` (imported only on this path), obtained
through :func:`make_credential`, which tests replace with a double (there is no Entra ID here)."""

from __future__ import annotations

import logging
import re
from typing import Any

from kvlint.errors import KvlintError

# DefaultAzureCredential's error lists one "\t<Credential>: <why>" line per attempt.
_ATTEMPT = re.compile(r"^\t(\w+): (.+)$", re.M)
_UNAVAILABLE = re.compile(r"unavailable|not found|not installed|could not be found|requires", re.I)


def make_credential(authority_host: str | None) -> Any:
    """The credential ``--acquire`` uses. Tests replace this function (no Azure AD here)."""
    from azure.identity import DefaultAzureCredential

    kwargs = {"authority": authority_host} if authority_host else {}
    try:
        return DefaultAzureCredential(**kwargs)
    except ValueError as exc:  # e.g. an invalid AZURE_TOKEN_CREDENTIALS value
        raise KvlintError(f"cannot set up DefaultAzureCredential: {exc}") from None


def auth_failure(message: str) -> str:
    """One line out of DefaultAzureCredential's multi-line error: what failed, or what was tried."""
    attempts = _ATTEMPT.findall(message)
    if not attempts:
        reason = " ".join(message.split())
    else:
        failed = [f"{name}: {text}" for name, text in attempts if not _UNAVAILABLE.search(text)]
        tried = ", ".join(name for name, _ in attempts)
        reason = "; ".join(failed) if failed else f"no credential is available (tried {tried})"
    return reason if len(reason) <= 300 else reason[:297] + "..."


def acquire(scope: str, *, authority_host: str | None = None, tenant: str | None = None) -> str:
    """A token from DefaultAzureCredential, requested as the Key Vault SDK would request it."""
    from azure.core.exceptions import ClientAuthenticationError

    # azure-identity logs each failed attempt at WARNING; the error below says it in one line.
    logging.getLogger("azure.identity").addHandler(logging.NullHandler())
    credential = make_credential(authority_host)
    try:
        kwargs = {"tenant_id": tenant} if tenant else {}
        return credential.get_token(scope, **kwargs).token
    except ClientAuthenticationError as exc:
        raise KvlintError(
            f"DefaultAzureCredential could not get a token for {scope}: "
            f"{auth_failure(str(exc.message or exc))} -- sign in with `az login`, set "
            "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run where a managed "
            "identity is assigned"
        ) from None
    finally:
        close = getattr(credential, "close", None)
        if callable(close):
            close()
