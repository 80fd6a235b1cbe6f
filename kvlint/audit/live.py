"""Vaults read live: ARM (azure-mgmt-keyvault) and Azure Resource Graph, then each vault's
diagnostic settings (azure-mgmt-monitor) and the caller's role assignments (azure-mgmt-authorization).

Every source yields the same :class:`~kvlint.audit.model.Vault` view. A subscription, query
page or vault that cannot be read becomes a :class:`ReadError` and the run goes on; a
``nextLink`` or ``$skipToken`` seen before, or more than :data:`~kvlint.audit.arm.MAX_PAGES`
pages for one scope, ends the paging (:class:`PagingLoop`) and is that scope's error.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from kvlint.audit import arm, roles
from kvlint.audit.arm import Azure, PagingLoop, describe, errors_to_catch, record
from kvlint.audit.model import ReadError, Vault, read_vault
from kvlint.audit.rbac import Evidence
from kvlint.audit.reach import Principal
from kvlint.audit.roles import RoleDefinition

T = TypeVar("T")
R = TypeVar("R")

GRAPH_BATCH = 1000  # Resource Graph accepts at most 1,000 subscriptions a request
GRAPH_PAGE = 1000
VAULT_QUERY = (
    "resources | where type in~ ('microsoft.keyvault/vaults', 'microsoft.keyvault/managedhsms') "
    "| project id, name, type, location, resourceGroup, subscriptionId, tenantId, properties "
    "| order by id asc"
)
SUBSCRIPTION_QUERY = (
    "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' "
    "| project id, subscriptionId, tenantId, name | order by id asc"
)


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


def pages_of(pager: Any) -> Iterator[Any]:
    """The items of an azure-core ``ItemPaged``, stopping with :class:`PagingLoop` when a page
    leads to a continuation already followed (its items are already listed)."""
    pages = pager.by_page()
    followed: set[str] = set()
    for count, page in enumerate(pages, 1):
        yield from page
        token = pages.continuation_token
        if token in followed:
            raise PagingLoop("the next-page link repeats an earlier one; stopped paging")
        if token is not None:
            if count >= arm.MAX_PAGES:
                raise arm.too_many_pages(count)
            followed.add(token)


def _stray_item(index: int, item: Any) -> str:
    what = "null" if item is None else f"a {type(item).__name__} ({str(item)[:40]!r})"
    return f"malformed vault: item {index + 1} of the list is {what}, not an object; the others were audited"


def _parallel(fn: Callable[[T], R], items: list[T], workers: int) -> list[R]:
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


# -- ARM -------------------------------------------------------------------------------------


def _listing(
    client: Any, scope: str, resource_group: str | None, vault_name: str | None
) -> list[tuple[str, Callable[[], Iterable[Any]]]]:
    """(scope, how to list) for the vaults, then the Managed HSMs, of one subscription."""
    vaults = client.vaults
    if resource_group and vault_name:
        one = f"{scope}/resourceGroups/{resource_group}/providers/Microsoft.KeyVault/vaults/"
        first: tuple[str, Callable[[], Iterable[Any]]] = (
            one + vault_name,
            lambda: [vaults.get(resource_group, vault_name)],
        )
    elif resource_group:
        first = (
            f"{scope}/resourceGroups/{resource_group}",
            lambda: pages_of(vaults.list_by_resource_group(resource_group)),
        )
    else:
        first = (scope, lambda: pages_of(vaults.list_by_subscription()))
    hsms = client.managed_hsms
    where = f"{scope}/resourceGroups/{resource_group}" if resource_group else scope
    return [
        first,
        (
            f"{where} (managed HSMs)",
            lambda: pages_of(
                hsms.list_by_resource_group(resource_group)
                if resource_group
                else hsms.list_by_subscription()
            ),
        ),
    ]


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
    """Vaults (vaults.get / list_by_resource_group / list_by_subscription) and Managed HSMs
    (managed_hsms.list_by_resource_group / list_by_subscription), one subscription at a time;
    a listing that fails is one error, the other listing goes on."""
    vaults: list[Vault] = []
    for number, subscription in enumerate(subscriptions, 1):
        label = f"subscription {number}/{len(subscriptions)}, vaults"
        progress.show(label, len(vaults))
        client = azure.keyvault(subscription)
        not_found: tuple[str, BaseException] | None = None
        failed = False
        try:
            for scope, listing in _listing(
                client, f"/subscriptions/{subscription}", resource_group, vault_name
            ):
                if failed:
                    break  # the vault listing failed: the subscription's error says it all
                try:
                    for index, model in enumerate(listing()):
                        if not hasattr(model, "as_dict"):  # the SDK passes non-objects through
                            errors.append(ReadError(scope, _stray_item(index, model)))
                            continue
                        vault = read_vault(model.as_dict(), errors, tenant)
                        if vault and (not vault_name or vault.name.lower() == vault_name.lower()):
                            vaults.append(vault)
                            progress.show(label, len(vaults))
                except errors_to_catch() as exc:
                    if vault_name and getattr(exc, "status_code", None) == 404 and not not_found:
                        not_found = (scope, exc)  # it may be a Managed HSM of that name
                        continue
                    failed = True
                    record(errors, scope, exc)
            if not_found and not any(v.name.lower() == (vault_name or "").lower() for v in vaults):
                record(errors, *not_found)
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
        if len(followed) + 1 >= arm.MAX_PAGES:
            raise arm.too_many_pages(len(followed) + 1)
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
            except errors_to_catch() as exc:
                record(errors, "Resource Graph: subscriptions", exc)
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
                    vault = read_vault(row, errors, None)
                    if vault:
                        vaults.append(vault)
                        progress.show(
                            f"Resource Graph batch {number}/{len(batches)}, vaults", len(vaults)
                        )
            except errors_to_catch() as exc:
                record(errors, scope, exc)
    finally:
        client.close()
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
        if vault.hsm:
            return vault  # KVA404 is a Key Vault check; HSM logging is not judged here
        return read(vault)

    def read(vault: Vault) -> Vault:
        try:
            settings = clients(vault.subscription).diagnostic_settings.list(vault.id)
            result = replace(
                vault,
                diagnostics=tuple(
                    setting.serialize(keep_readonly=True) for setting in pages_of(settings)
                ),
            )
        except errors_to_catch() as exc:
            status, message = describe(exc)
            with lock:
                found.append(ReadError(vault.id, f"diagnostic settings: {message}", status))
            result = vault
        with lock:
            done[0] += 1
            progress.show("diagnostic settings", done[0], sum(not v.hsm for v in vaults))
        return result

    try:
        return _parallel(fetch, vaults, azure.workers)
    finally:
        clients.close()
        errors.extend(sorted(found, key=lambda e: e.scope))


def role_checks(
    azure: Azure, vaults: list[Vault], who: Principal, progress: Progress
) -> dict[str, Evidence]:
    """The caller's role assignments (direct and through groups: ``assignedTo()`` resolves
    membership) for each RBAC-mode vault, with the definitions of their roles and the deny
    assignments at or above the vault (``denyAssignments`` with ``atScope()``)."""
    rbac = [vault for vault in vaults if vault.rbac]
    clients = _PerSubscription(azure.authorization)
    definitions: dict[str, RoleDefinition] = {}
    lock = threading.Lock()
    done = [0]

    def definition(client: Any, role_definition_id: str) -> None:
        guid = roles.guid_of(role_definition_id)
        with lock:
            if guid in definitions:
                return
        try:
            model = client.role_definitions.get_by_id(role_definition_id)
        except errors_to_catch():
            return  # unknown: a built-in is still known, a custom role makes the verdict KVA505
        with lock:
            definitions[guid] = roles.from_sdk_definition(model)

    def denies(client: Any, vault: Vault) -> tuple[tuple[roles.DenyAssignment, ...] | None, str]:
        """The deny assignments at or above the vault (``atScope()``), or why not."""
        try:
            pager = client.deny_assignments.list_for_scope(vault.id, filter="atScope()")
            return tuple(roles.from_sdk_deny(d) for d in pages_of(pager)), ""
        except errors_to_catch() as exc:
            return None, f"deny assignments could not be read ({describe(exc)[1]})"

    def fetch(vault: Vault) -> Evidence:
        try:
            client = clients(vault.subscription)
            found_denies, deny_reason = denies(client, vault)
            pager = client.role_assignments.list_for_scope(
                vault.id, filter=f"assignedTo('{who.object_id}')"
            )
            assignments = tuple(roles.from_sdk_assignment(a) for a in pages_of(pager))
            for assignment in assignments:
                definition(client, assignment.role_definition_id)
            with lock:
                known = {**roles.BUILTIN, **definitions}
            result = Evidence(
                assignments,
                known,
                membership_resolved=True,
                source="the role assignments read from ARM",
                denies=found_denies,
                deny_reason=deny_reason or Evidence.deny_reason,
            )
        except errors_to_catch() as exc:
            result = Evidence(
                None, reason=f"role assignments could not be read ({describe(exc)[1]})"
            )
        with lock:
            done[0] += 1
            progress.show("role assignments", done[0], len(rbac))
        return result

    try:
        return dict(zip([v.id for v in rbac], _parallel(fetch, rbac, azure.workers), strict=True))
    finally:
        clients.close()
