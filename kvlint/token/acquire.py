"""``--acquire``: a token from ``DefaultAzureCredential`` (imported only on this path), obtained
through :func:`make_credential`, which tests replace with a double (there is no Entra ID here)."""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
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


# -- --explain: which credential answered, and why each earlier one was skipped -----------------
#
# Read from azure-identity's own log records (logger "azure.identity", DEBUG): inside
# DefaultAzureCredential every credential's get_token logs "<Class>.get_token failed: <why>" or
# "<Class>.get_token succeeded", the chain logs "DefaultAzureCredential acquired a token from
# <Class>", and EnvironmentCredential says which variables it found. Nothing is guessed.

_FAILED = re.compile(r"^(\w+)\.get_token(?:_info)? failed: (.*)", re.S)
_SUCCEEDED = re.compile(r"^(\w+)\.get_token(?:_info)? succeeded")
_ACQUIRED = re.compile(r"^(\w+) acquired a token from (\w+)")
_ENVIRONMENT = re.compile(
    r"^Environment is configured for (\w+)|^No environment configuration found"
)
_SECRETISH = re.compile(
    r"((?:client_secret|password|secret|assertion|token)[\"']?\s*[=:]\s*[\"']?)[^\s\"',;&]{6,}",
    re.I,
)


@dataclass
class Step:
    credential: str
    outcome: str  # "answered", "skipped" (unavailable) or "failed"
    reason: str = ""


@dataclass
class Walk:
    steps: list[Step] = field(default_factory=list)
    answered_by: str = ""
    environment: str = ""  # what EnvironmentCredential found

    def as_dict(self) -> dict[str, Any]:
        return {
            "answered_by": self.answered_by or None,
            "environment": self.environment or None,
            "steps": [
                {"credential": s.credential, "outcome": s.outcome, "reason": s.reason}
                for s in self.steps
            ],
        }


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # a record whose arguments do not format
            self.messages.append(record.getMessage())


def _reason(text: str) -> str:
    from kvlint.redact import mask

    first = " ".join(text.strip().split("\n", 1)[0].split())
    first = _SECRETISH.sub(lambda m: m.group(1) + "…", mask(first))
    return first if len(first) <= 220 else first[:219] + "…"


def walk_of(messages: list[str]) -> Walk:
    """The chain as azure-identity logged it."""
    walk = Walk()
    seen: set[str] = set()
    for message in messages:
        env = _ENVIRONMENT.match(message)
        if env:
            walk.environment = (
                f"configured for {env.group(1)}" if env.group(1) else "no environment configuration"
            )
            continue
        acquired = _ACQUIRED.match(message)
        if acquired and acquired.group(1) in ("DefaultAzureCredential", "ChainedTokenCredential"):
            walk.answered_by = acquired.group(2)
            continue
        failed = _FAILED.match(message)
        if failed and failed.group(1) not in ("DefaultAzureCredential", "ChainedTokenCredential"):
            name, why = failed.group(1), failed.group(2)
            if name in seen:
                continue
            seen.add(name)
            unavailable = _UNAVAILABLE.search(why) is not None
            walk.steps.append(Step(name, "skipped" if unavailable else "failed", _reason(why)))
            continue
        succeeded = _SUCCEEDED.match(message)
        if (
            succeeded
            and succeeded.group(1) not in seen
            and succeeded.group(1)
            not in (
                "DefaultAzureCredential",
                "ChainedTokenCredential",
            )
        ):
            seen.add(succeeded.group(1))
            walk.steps.append(Step(succeeded.group(1), "answered"))
    return walk


def acquire_walk(
    scope: str, *, authority_host: str | None = None, tenant: str | None = None
) -> tuple[str | None, Walk, str]:
    """(the token or None, the chain walked, the failure in one line or "")."""
    logger = logging.getLogger("azure.identity")
    recorder = _Recorder()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # the walk is reported, not printed by whatever logging is set up
    try:
        try:
            token = acquire(scope, authority_host=authority_host, tenant=tenant)
            failure = ""
        except KvlintError as exc:
            token, failure = None, str(exc)
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(level)
        logger.propagate = propagate
    return token, walk_of(recorder.messages), failure
