"""Where vaults come from: ARM (azure-mgmt-keyvault), Azure Resource Graph, or an exported file.

Every source yields the same :class:`~kvlint.audit.model.Vault` view. Live sources only ever
send GET requests plus the Resource Graph query (a POST that reads); :func:`read_only_guard`
sits in every client's pipeline and refuses anything else before it leaves the machine (for
instance the automatic resource-provider registration azure-mgmt-core attempts on a 409).
Throttling is azure-core's retry policy: it retries 429 and 5xx and honours ``Retry-After``.

A subscription, query page or vault that cannot be read becomes a :class:`ReadError` and the
run goes on; a missing credential ends the run before anything is read (:class:`SignInRequired`).
Nothing waits for ever: every request (retries and ``Retry-After`` waits included) is bounded
by ``Azure.timeout``, a single wait by ``retry_backoff_max``, and a ``nextLink`` or
``$skipToken`` seen before ends the paging (:class:`PagingLoop`).

Azure SDK imports stay inside the functions: ``kvlint check`` must never pay for them.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from kvlint import __version__
from kvlint.audit.model import MalformedVault, ReadError, Vault, is_vault_document, normalize
from kvlint.audit.reach import Principal, RoleCheck, RoleGrant
from kvlint.errors import KvlintError

T = TypeVar("T")
R = TypeVar("R")

GRAPH_BATCH = 1000  # Resource Graph accepts at most 1,000 subscriptions a request
GRAPH_PAGE = 1000
GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
VAULT_QUERY = (
    "resources | where type =~ 'microsoft.keyvault/vaults' "
    "| project id, name, type, location, resourceGroup, subscriptionId, tenantId, properties "
    "| order by id asc"
)
SUBSCRIPTION_QUERY = (
    "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' "
    "| project id, subscriptionId, tenantId, name | order by id asc"
)
SIGN_IN = (
    "no Azure credential available: sign in with `az login` (add --tenant TENANT for "
    "another directory), or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, "
    "or run where a managed identity is available"
)


class SignInRequired(KvlintError):
    """No credential could produce a token for ARM."""


class WriteRefused(KvlintError):
    """A request that is not a read reached the read-only guard (a bug, never sent)."""


class ForeignHost(KvlintError):
    """A continuation link or redirect that leaves the cloud's ARM endpoint (never followed)."""


class PagingLoop(ValueError):
    """ARM sent a continuation (nextLink / $skipToken) it had sent before: paging would not end."""


def pages_of(pager: Any) -> Iterator[Any]:
    """The items of an azure-core ``ItemPaged``, stopping with :class:`PagingLoop` when a page
    leads to a continuation already followed (its items are already listed)."""
    pages = pager.by_page()
    followed: set[str] = set()
    for page in pages:
        yield from page
        token = pages.continuation_token
        if token in followed:
            raise PagingLoop("the next-page link repeats an earlier one; stopped paging")
        if token is not None:
            followed.add(token)


STATUS_TRIES_UNBOUNDED = 1_000_000  # throttling and 5xx are retried until --timeout is spent
BROKEN_RESPONSE_TRIES = 3  # a body cut short or garbled: retried a few times, not for minutes


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


class Progress:
    """A one-line progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, stream: Any = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._lock = threading.Lock()
        self._shown = False

    def show(self, label: str, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        if total:
            filled = round(20 * done / total)
            text = f"{label} [{'#' * filled}{'.' * (20 - filled)}] {done}/{total}"
        else:
            text = f"{label} {done}"
        with self._lock:
            self.stream.write(f"\r\x1b[Kkvlint audit: {text}")
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        with self._lock:
            if self._shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._shown = False


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
        from azure.core.exceptions import ClientAuthenticationError

        try:
            self.credential.get_token(self.scope)
        except ClientAuthenticationError as exc:
            reason = entra_reason(exc)
            raise SignInRequired(f"{SIGN_IN} ({reason})" if reason else SIGN_IN) from None


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


def _errors() -> tuple[type[BaseException], ...]:
    from azure.core.exceptions import AzureError

    return (AzureError, WriteRefused, ForeignHost, *PARSE_ERRORS)


def _record(errors: list[ReadError], scope: str, exc: BaseException) -> None:
    status, message = describe(exc)
    errors.append(ReadError(scope, message, status))


def _vault(doc: Any, errors: list[ReadError], tenant: str | None) -> Vault | None:
    try:
        return normalize(doc, subscription_tenant=tenant)
    except MalformedVault as exc:
        scope = doc.get("id") or doc.get("name") if isinstance(doc, dict) else None
        errors.append(ReadError(str(scope or "(vault without id)"), f"malformed vault: {exc}"))
        return None


def _stray_item(index: int, item: Any) -> str:
    what = "null" if item is None else f"a {type(item).__name__} ({str(item)[:40]!r})"
    return f"malformed vault: item {index + 1} of the list is {what}, not an object; the others were audited"


def quiet_sdk_logging() -> None:
    """The Azure SDK's warnings ("Incomplete download.", failed credentials) never reach stderr:
    without a handler Python would print them; each failure is one line under ``errors``."""
    import logging

    logger = logging.getLogger("azure")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _parallel(fn: Callable[[T], R], items: list[T], workers: int) -> list[R]:
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


# -- ARM -------------------------------------------------------------------------------------


def arm_vaults(
    azure: Azure,
    subscriptions: list[str],
    *,
    resource_group: str | None,
    vault_name: str | None,
    tenant: str | None,
    errors: list[ReadError],
    progress: Progress,
) -> list[Vault]:
    """vaults.get / list_by_resource_group / list_by_subscription, one subscription at a time."""
    vaults: list[Vault] = []
    for number, subscription in enumerate(subscriptions, 1):
        progress.show(f"subscription {number}/{len(subscriptions)}, vaults", len(vaults))
        client = azure.keyvault(subscription)
        scope = f"/subscriptions/{subscription}"
        try:
            if resource_group and vault_name:
                scope += f"/resourceGroups/{resource_group}/providers/Microsoft.KeyVault/vaults/{vault_name}"
                models: Iterable[Any] = [client.vaults.get(resource_group, vault_name)]
            elif resource_group:
                scope += f"/resourceGroups/{resource_group}"
                models = pages_of(client.vaults.list_by_resource_group(resource_group))
            else:
                models = pages_of(client.vaults.list_by_subscription())
            for index, model in enumerate(models):
                if not hasattr(model, "as_dict"):  # the SDK passes a non-object item through
                    errors.append(ReadError(scope, _stray_item(index, model)))
                    continue
                vault = _vault(model.as_dict(), errors, tenant)
                if vault and (not vault_name or vault.name.lower() == vault_name.lower()):
                    vaults.append(vault)
                    progress.show(
                        f"subscription {number}/{len(subscriptions)}, vaults", len(vaults)
                    )
        except _errors() as exc:
            _record(errors, scope, exc)
        finally:
            client.close()
    return vaults


# -- Resource Graph --------------------------------------------------------------------------


def graph_rows(
    client: Any,
    query: str,
    *,
    subscriptions: list[str] | None = None,
    management_groups: list[str] | None = None,
) -> Iterator[dict]:
    """Every row of one Resource Graph query, following ``$skipToken`` pages."""
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    skip_token = None
    followed: set[str] = set()
    while True:
        request = QueryRequest(
            query=query,
            subscriptions=subscriptions,
            management_groups=management_groups,
            options=QueryRequestOptions(
                skip_token=skip_token, top=GRAPH_PAGE, result_format="objectArray"
            ),
        )
        response = client.resources(request)
        rows = response.data
        if not isinstance(rows, list):
            raise ValueError("Resource Graph data is not a list of rows (resultFormat objectArray)")
        yield from rows
        skip_token = response.skip_token
        if not skip_token:
            return
        if skip_token in followed:
            raise PagingLoop("the $skipToken repeats an earlier one; stopped paging")
        followed.add(skip_token)


def graph_vaults(
    azure: Azure,
    *,
    all_subscriptions: bool,
    management_groups: list[str],
    errors: list[ReadError],
    progress: Progress,
) -> list[Vault]:
    """Vaults of every subscription (batched by 1,000) or of management groups, via Resource Graph."""
    vaults: list[Vault] = []
    client = azure.graph()
    try:
        if all_subscriptions:
            try:
                subs = [
                    str(row["subscriptionId"]) for row in graph_rows(client, SUBSCRIPTION_QUERY)
                ]
            except _errors() as exc:
                _record(errors, "Resource Graph: subscriptions", exc)
                return vaults
            batches: list[dict[str, Any]] = [
                {"subscriptions": subs[i : i + GRAPH_BATCH]}
                for i in range(0, len(subs), GRAPH_BATCH)
            ]
        else:
            batches = [{"management_groups": management_groups}]
        for number, batch in enumerate(batches, 1):
            scope = (
                f"Resource Graph: subscriptions {(number - 1) * GRAPH_BATCH + 1}-"
                f"{(number - 1) * GRAPH_BATCH + len(batch['subscriptions'])}"
                if "subscriptions" in batch
                else f"Resource Graph: management group(s) {', '.join(management_groups)}"
            )
            try:
                for row in graph_rows(client, VAULT_QUERY, **batch):
                    vault = _vault(row, errors, None)
                    if vault:
                        vaults.append(vault)
                        progress.show(
                            f"Resource Graph batch {number}/{len(batches)}, vaults", len(vaults)
                        )
            except _errors() as exc:
                _record(errors, scope, exc)
    finally:
        client.close()
    return vaults


# -- exported files --------------------------------------------------------------------------


def _documents(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("value", "data"):  # an ARM page, a Resource Graph response
            if isinstance(data.get(key), list) and not is_vault_document(data):
                return data[key]
        return [data]
    raise KvlintError(
        "the input must hold a vault object, a list of vaults, an ARM page "
        '{"value": [...]} or Resource Graph rows'
    )


def decode_input(raw: bytes | str, path: str) -> str:
    """Exported JSON as text: UTF-8 (with or without a BOM) or UTF-16 (what Windows PowerShell's
    ``>`` writes; with a BOM, or told apart by its zero bytes as RFC 8259 section 8.1 allows)."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(raw) >= 2 and raw[0] and not raw[1]:
        encoding = "utf-16-le"
    elif len(raw) >= 2 and not raw[0] and raw[1]:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = encoding[:6].upper()  # UTF-8, UTF-16, UTF-32
        raise KvlintError(
            f"{path}: not {name} text (undecodable byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}); export the JSON as UTF-8 or UTF-16"
        ) from None


def file_vaults(
    path: str, *, tenant: str | None, errors: list[ReadError], stdin: Any = None
) -> list[Vault]:
    """Vaults from exported JSON: one vault, a list, {"value": [...]}, or Resource Graph rows."""
    try:
        if path == "-":
            stream = stdin or sys.stdin
            raw = getattr(stream, "buffer", stream).read()
        else:
            raw = Path(path).read_bytes()
    except OSError as exc:
        raise KvlintError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = decode_input(raw, path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KvlintError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    vaults = []
    for index, doc in enumerate(_documents(data)):
        if isinstance(doc, dict) and doc.get("type") and not is_vault_document(doc):
            errors.append(
                ReadError(
                    str(doc.get("id") or f"{path}[{index}]"),
                    f"not a Key Vault (type {doc.get('type')})",
                )
            )
            continue
        vault = _vault(doc, errors, tenant)
        if vault:
            vaults.append(vault)
    return vaults


# -- diagnostic settings and role assignments ------------------------------------------------


class _PerSubscription:
    """One client per subscription, shared by the worker threads."""

    def __init__(self, factory: Callable[[str], Any]) -> None:
        self.factory = factory
        self.clients: dict[str, Any] = {}
        self.lock = threading.Lock()

    def __call__(self, subscription: str) -> Any:
        with self.lock:
            if subscription not in self.clients:
                self.clients[subscription] = self.factory(subscription)
            return self.clients[subscription]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def with_diagnostics(
    azure: Azure, vaults: list[Vault], errors: list[ReadError], progress: Progress
) -> list[Vault]:
    """Each vault with its diagnostic settings (azure-mgmt-monitor); unread ones stay None."""
    clients = _PerSubscription(azure.monitor)
    done = [0]
    lock = threading.Lock()
    found: list[ReadError] = []

    def fetch(vault: Vault) -> Vault:
        try:
            settings = clients(vault.subscription).diagnostic_settings.list(vault.id)
            result = replace(
                vault,
                diagnostics=tuple(
                    setting.serialize(keep_readonly=True) for setting in pages_of(settings)
                ),
            )
        except _errors() as exc:
            status, message = describe(exc)
            with lock:
                found.append(ReadError(vault.id, f"diagnostic settings: {message}", status))
            result = vault
        with lock:
            done[0] += 1
            progress.show("diagnostic settings", done[0], len(vaults))
        return result

    try:
        return _parallel(fetch, vaults, azure.workers)
    finally:
        clients.close()
        errors.extend(sorted(found, key=lambda e: e.scope))


def role_checks(
    azure: Azure, vaults: list[Vault], who: Principal, progress: Progress
) -> dict[str, RoleCheck]:
    """The caller's role assignments (direct and through groups) for each RBAC-mode vault."""
    rbac = [vault for vault in vaults if vault.rbac]
    clients = _PerSubscription(azure.authorization)
    definitions: dict[str, Any] = {}
    lock = threading.Lock()
    done = [0]

    def definition(client: Any, role_id: str) -> Any:
        with lock:
            if role_id.lower() in definitions:
                return definitions[role_id.lower()]
        value = client.role_definitions.get_by_id(role_id)
        with lock:
            definitions[role_id.lower()] = value
        return value

    def fetch(vault: Vault) -> RoleCheck:
        try:
            client = clients(vault.subscription)
            grants = []
            assignments = client.role_assignments.list_for_scope(
                vault.id, filter=f"assignedTo('{who.object_id}')"
            )
            for assignment in pages_of(assignments):
                role = definition(client, assignment.role_definition_id)
                for permission in role.permissions or ():
                    grants.append(
                        RoleGrant(
                            scope=assignment.scope or "",
                            role=role.role_name or assignment.role_definition_id,
                            data_actions=tuple(permission.data_actions or ()),
                            not_data_actions=tuple(permission.not_data_actions or ()),
                            condition=assignment.condition,
                        )
                    )
            result = RoleCheck(tuple(grants))
        except _errors() as exc:
            result = RoleCheck(None, f"role assignments could not be read ({describe(exc)[1]})")
        with lock:
            done[0] += 1
            progress.show("role assignments", done[0], len(rbac))
        return result

    try:
        return dict(zip([v.id for v in rbac], _parallel(fetch, rbac, azure.workers), strict=True))
    finally:
        clients.close()
