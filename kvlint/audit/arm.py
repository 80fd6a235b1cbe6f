"""How kvlint reaches Azure Resource Manager: credential, pipeline settings, guards, errors.

Live sources only ever send GET requests plus the Resource Graph query (a POST that reads);
:func:`read_only_guard` sits in every client's pipeline and refuses anything else before it
leaves the machine (for instance the automatic resource-provider registration azure-mgmt-core
attempts on a 409). The bearer-token policy (:func:`token_policy`) refuses any host but the
cloud's ARM endpoint, so a ``nextLink`` elsewhere never receives the token.

Throttling and 5xx are retried (``Retry-After`` honoured, else exponential backoff) until the
request's ``Azure.timeout`` is spent (:func:`bounded_retry`); a single wait is bounded by
``retry_backoff_max``. A failed read becomes a :class:`~kvlint.audit.model.ReadError` line
(:func:`describe`); a missing credential ends the run before anything is read
(:class:`SignInRequired`).

Azure SDK imports stay inside the functions: ``kvlint check`` must never pay for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kvlint import __version__
from kvlint.audit.model import ReadError
from kvlint.errors import KvlintError

GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
SIGN_IN = (
    "no Azure credential available: sign in with `az login` (add --tenant TENANT for "
    "another directory), or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, "
    "or run where a managed identity is available"
)

# for commands without --tenant (kvlint logs)
SIGN_IN_ANY_TENANT = SIGN_IN.replace(" (add --tenant TENANT for another directory)", "")


STATUS_TRIES_UNBOUNDED = 1_000_000  # throttling and 5xx are retried until --timeout is spent
BROKEN_RESPONSE_TRIES = 3  # a body cut short or garbled: retried a few times, not for minutes


class SignInRequired(KvlintError):
    """No credential could produce a token for ARM."""


class WriteRefused(KvlintError):
    """A request that is not a read reached the read-only guard (a bug, never sent)."""


class ForeignHost(KvlintError):
    """A continuation link or redirect that leaves the cloud's ARM endpoint (never followed)."""


class PagingLoop(ValueError):
    """ARM sent a continuation (nextLink / $skipToken) it had sent before, or more pages than
    any real listing has (:data:`MAX_PAGES`): paging would not end."""


# Pages followed for one scope (a subscription's vault listing, a Resource Graph batch, one
# vault's diagnostic settings or role assignments). A real listing ends long before: 2,000
# pages are 50,000 vaults at ARM's 25 a page. A service that keeps sending new links is stopped
# there, and that scope is one error (what it read is kept).
MAX_PAGES = 2000


def too_many_pages(pages: int) -> PagingLoop:
    return PagingLoop(
        f"stopped after {pages:,} pages: the service kept sending new next-page links, more than "
        "any real listing has (what was read before is kept)"
    )


def bounded_retry(
    total: int | None, backoff_factor: float, backoff_max: float, timeout: float
) -> Any:
    """azure-core's retry policy bounded by time, not by a count of throttled answers.

    429 and 5xx answers are retried, honouring ``Retry-After`` (else exponential backoff), for as
    long as the request's ``timeout`` (``--timeout``) allows: azure-core's own ``retry_status``
    of 3 gave up on a subscription after three 429s. A wait that would outlast what is left of
    the timeout is not slept through: the last answer (say, 429) is the request's error and its
    response's ``kvlint_out_of_time`` says why. ``total`` (None: unbounded) caps every try.
    """
    from azure.core.pipeline import PipelineResponse
    from azure.core.pipeline.policies import RetryPolicy

    tries = STATUS_TRIES_UNBOUNDED if total is None else total

    class BoundedRetryPolicy(RetryPolicy):
        def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
            settings = super().configure_retries(options)
            settings["deadline"] = time.monotonic() + settings["timeout"]
            settings["broken"] = BROKEN_RESPONSE_TRIES
            return settings

        def increment(
            self, settings: dict[str, Any], response: Any = None, error: Any = None
        ) -> bool:
            if error is not None and not (
                self._is_connection_error(error) or self._is_read_error(error)
            ):
                settings["broken"] -= 1
                if settings["broken"] < 0:
                    return False
            more = super().increment(settings, response=response, error=error)
            if not more or error is not None or not isinstance(response, PipelineResponse):
                return more
            asked = self.get_retry_after(response)
            wait = asked or self.get_backoff_time(settings)
            margin = min(1.0, settings["timeout"] / 10)  # a try after the wait needs time too
            if wait + margin >= settings["deadline"] - time.monotonic():
                response.http_response.kvlint_out_of_time = (
                    f"Retry-After {asked:g} s is beyond what is left of --timeout"
                    if asked
                    else "retried until --timeout was spent"
                )
                return False
            return True

    return BoundedRetryPolicy(
        retry_total=tries,
        retry_status=tries,
        retry_backoff_factor=backoff_factor,
        retry_backoff_max=backoff_max,
        timeout=timeout,
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def token_policy(credential: Any, scope: str, arm_endpoint: str) -> Any:
    """ARM's bearer-token policy, refusing any host but the cloud's ARM endpoint first.

    A ``nextLink`` (or a redirect) to another host is never followed: the token is not
    attached and nothing is sent, not even a DNS lookup. The scope being read gets the error;
    what it had already read is kept. (Resource Graph pages by ``$skipToken`` in the body.)
    """
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    home = _origin(arm_endpoint)

    class HomeOnlyTokenPolicy(ARMChallengeAuthenticationPolicy):
        def on_request(self, request: Any) -> None:
            url = request.http_request.url
            if _origin(url) != home:
                host = urlsplit(url).netloc or url.split("?", 1)[0]
                raise ForeignHost(
                    f"refused to follow a link to {urlsplit(url).scheme}://{host}: it is not the "
                    f"Azure Resource Manager endpoint {arm_endpoint.rstrip('/')}, and the request "
                    "would carry your token there (what was read before it is kept)"
                )
            super().on_request(request)

    return HomeOnlyTokenPolicy(credential, scope)


def read_only_guard(request: Any) -> None:
    """azure-core ``raw_request_hook``: only GETs and the Resource Graph query may be sent."""
    http = request.http_request
    method = http.method.upper()
    path = http.url.split("?", 1)[0].lower()
    if method == "GET" or (method == "POST" and path.endswith(GRAPH_PATH)):
        return
    raise WriteRefused(f"refused to send {method} {http.url}: kvlint audit is read-only")


@dataclass
class Azure:
    """How to reach ARM: the credential, the endpoint and the pipeline settings of every client.

    Tests point ``arm_endpoint`` at a local stub and pass its CA bundle as ``connection_verify``.
    """

    credential: Any  # an azure.core.credentials.TokenCredential
    arm_endpoint: str = "https://management.azure.com"
    connection_verify: bool | str = True
    retry_total: int | None = None  # None: 429/5xx are retried until ``timeout`` is spent
    retry_backoff_factor: float = 0.8
    retry_backoff_max: float = 60.0
    connection_timeout: float = 10.0
    read_timeout: float = 60.0
    timeout: float = 300.0  # one request, every retry and wait included
    workers: int = 8

    def __post_init__(self) -> None:
        quiet_sdk_logging()

    @property
    def scope(self) -> str:
        return self.arm_endpoint.rstrip("/") + "/.default"

    def _kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.arm_endpoint,
            "credential_scopes": [self.scope],
            "connection_verify": self.connection_verify,
            "retry_policy": bounded_retry(
                self.retry_total, self.retry_backoff_factor, self.retry_backoff_max, self.timeout
            ),
            "connection_timeout": min(self.connection_timeout, self.timeout),
            "read_timeout": min(self.read_timeout, self.timeout),
            "raw_request_hook": read_only_guard,
            "authentication_policy": token_policy(self.credential, self.scope, self.arm_endpoint),
            "user_agent": f"kvlint/{__version__}",
        }

    def keyvault(self, subscription: str) -> Any:
        from azure.mgmt.keyvault import KeyVaultManagementClient

        return KeyVaultManagementClient(self.credential, subscription, **self._kwargs())

    def graph(self) -> Any:
        from azure.mgmt.resourcegraph import ResourceGraphClient

        return ResourceGraphClient(self.credential, **self._kwargs())

    def monitor(self, subscription: str) -> Any:
        from azure.mgmt.monitor import MonitorManagementClient

        return MonitorManagementClient(self.credential, subscription, **self._kwargs())

    def authorization(self, subscription: str) -> Any:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return AuthorizationManagementClient(self.credential, subscription, **self._kwargs())

    def sign_in(self) -> None:
        """Get one ARM token up front, so a missing login is one clear line, not N errors."""
        sign_in(self.credential, self.scope)


def sign_in(credential: Any, scope: str, advice: str = SIGN_IN) -> None:
    """Get one token for ``scope`` up front (ARM, Log Analytics): no credential at all is
    :class:`SignInRequired`, one clear line, never a failed request."""
    from azure.core.exceptions import ClientAuthenticationError

    try:
        credential.get_token(scope)
    except ClientAuthenticationError as exc:
        raise sign_in_required(exc, advice) from None


def sign_in_required(exc: BaseException, advice: str = SIGN_IN) -> SignInRequired:
    reason = entra_reason(exc)
    return SignInRequired(f"{advice} ({reason})" if reason else advice)


class TenantCredential:
    """Ask the wrapped credential for tokens in one tenant (``--tenant``)."""

    def __init__(self, inner: Any, tenant_id: str) -> None:
        self.inner = inner
        self.tenant_id = tenant_id

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        kwargs.setdefault("tenant_id", self.tenant_id)
        return self.inner.get_token(*scopes, **kwargs)

    def close(self) -> None:
        self.inner.close()


def default_credential(authority_host: str, tenant_id: str | None) -> Any:
    """DefaultAzureCredential for the cloud; its failure report is replaced by one line."""
    from azure.identity import DefaultAzureCredential

    quiet_sdk_logging()  # azure-identity logs every failed credential; kvlint says it in one line

    kwargs: dict[str, Any] = {"authority": authority_host}
    if tenant_id:
        kwargs["additionally_allowed_tenants"] = [tenant_id]
        return TenantCredential(DefaultAzureCredential(**kwargs), tenant_id)
    return DefaultAzureCredential(**kwargs)


# -- errors ----------------------------------------------------------------------------------

PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)


def entra_reason(exc: BaseException) -> str | None:
    """The Entra ID error line (``AADSTS…``) of a credential failure, e.g. an expired secret."""
    for line in str(exc).splitlines():
        if "AADSTS" in line:
            return " ".join(line[line.index("AADSTS") :].split())
    return None


def describe(exc: BaseException) -> tuple[int | None, str]:
    """(HTTP status, one line) for a failed read."""
    from azure.core.exceptions import (
        AzureError,
        ClientAuthenticationError,
        DecodeError,
        HttpResponseError,
        IncompleteReadError,
        ServiceRequestError,
        ServiceRequestTimeoutError,
        ServiceResponseTimeoutError,
    )

    if isinstance(exc, ClientAuthenticationError) and exc.response is None:
        # the credential stopped working after sign-in (an expired secret, a revoked login)
        reason = entra_reason(exc) or " ".join(str(exc.message).split())
        return None, f"the credential failed: {reason}"
    if isinstance(exc, (WriteRefused, PagingLoop, ForeignHost)):
        return None, str(exc)
    if isinstance(exc, IncompleteReadError):
        return None, "the connection closed before the response was complete (retried)"
    if isinstance(exc, DecodeError):
        return None, "malformed response body (not JSON)"
    if isinstance(exc, HttpResponseError):
        error = getattr(exc, "error", None)
        code = getattr(error, "code", None) or exc.reason or "error"
        message = getattr(error, "message", None) or ""
        text = f"{exc.status_code} {code}" + (f": {message}" if message else "")
        out_of_time = getattr(exc.response, "kvlint_out_of_time", None)
        if out_of_time:
            text += f" ({out_of_time})"
        return exc.status_code, " ".join(text.split())
    if isinstance(exc, (ServiceRequestTimeoutError, ServiceResponseTimeoutError)):
        return None, f"timed out ({exc.message}); --timeout sets the limit per request"
    if isinstance(exc, ServiceRequestError):
        return None, f"could not reach Azure Resource Manager: {exc.message}"
    if isinstance(exc, AzureError):
        return None, " ".join(str(exc.message).split())
    return None, f"malformed response ({type(exc).__name__}: {exc})"


def errors_to_catch() -> tuple[type[BaseException], ...]:
    from azure.core.exceptions import AzureError

    return (AzureError, WriteRefused, ForeignHost, *PARSE_ERRORS)


def record(errors: list[ReadError], scope: str, exc: BaseException) -> None:
    status, message = describe(exc)
    errors.append(ReadError(scope, message, status))


def quiet_sdk_logging() -> None:
    """The Azure SDK's warnings ("Incomplete download.", failed credentials) never reach stderr:
    without a handler Python would print them; each failure is one line under ``errors``."""
    import logging

    logger = logging.getLogger("azure")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
