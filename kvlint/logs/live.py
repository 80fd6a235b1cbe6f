"""``kvlint logs --workspace``: the same analysis over a Log Analytics workspace, read-only.

Log Analytics does the heavy part: every query below is a KQL ``summarize``, so what crosses the
network is per-10-second counts, per-caller and per-secret aggregates, and the failed requests
grouped by who/what/why (each group with its count and first/last time); the windows around
each busy vault's peak are fetched for its chart. A month of a busy tenant's logs never has to
fit on this machine. Both tables are read: the legacy ``AzureDiagnostics`` and the
resource-specific ``AZKVAuditLogs`` (``union isfuzzy=true`` tolerates a missing one).

azure-monitor-query is imported here only, never by ``kvlint check`` or ``kvlint logs FILE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from kvlint.errors import KvlintError
from kvlint.logs import throttling
from kvlint.logs.records import Record, item_of

if TYPE_CHECKING:
    from kvlint.logs.analyze import Analysis
    from kvlint.logs.sources import Intake

_VAULT_NAME = re.compile(r"^[a-z0-9-]{1,64}$")

BASE = """let kv = union isfuzzy=true
    (AzureDiagnostics
    | where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent"
    | project TimeGenerated, ResourceId = tolower(ResourceId), OperationName,
        Status = toint(column_ifexists("httpStatusCode_d", real(null))), ResultSignature,
        ResultDescription, CallerIp = CallerIPAddress,
        Oid = tolower(coalesce(tostring(column_ifexists("identity_claim_oid_g", "")),
            tostring(column_ifexists(
                "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "")))),
        Appid = tolower(tostring(column_ifexists("identity_claim_appid_g", ""))),
        Upn = tostring(column_ifexists("identity_claim_upn_s", "")),
        RequestUri = tostring(column_ifexists("requestUri_s", "")),
        ClientInfo = tostring(column_ifexists("clientInfo_s", "")),
        KeyType = tostring(column_ifexists("properties_keyProperties_type_s", "")),
        KeySize = toint(column_ifexists("properties_keyProperties_size_d", real(null))),
        AccessPolicyMatch = tobool(column_ifexists("isAccessPolicyMatch_b", bool(null))),
        RbacAuthorized = tobool(column_ifexists("isRbacAuthorized_b", bool(null))),
        AddressAuthorized = tobool(column_ifexists("isAddressAuthorized_b", bool(null)))),
    (AZKVAuditLogs
    | project TimeGenerated, ResourceId = tolower(_ResourceId), OperationName,
        Status = toint(HttpStatusCode), ResultSignature, ResultDescription,
        CallerIp = CallerIpAddress, Oid = tolower(tostring(Identity.claim.oid)),
        Appid = tolower(tostring(Identity.claim.appid)), Upn = tostring(Identity.claim.upn),
        RequestUri, ClientInfo, KeyType = tostring(Properties.keyProperties.type),
        KeySize = toint(Properties.keyProperties.size),
        AccessPolicyMatch = IsAccessPolicyMatch, RbacAuthorized = IsRbacAuthorized,
        AddressAuthorized = IsAddressAuthorized)
| extend Vault = tostring(split(ResourceId, "/")[-1])
{vault}| extend Class = case(OperationName endswith "EventGridNotification", "",
    OperationName in ("SecretSet", "CertificateImport", "KeyImport"), "secret-create",
    OperationName startswith "Secret" or OperationName startswith "Certificate", "secrets",
    OperationName in ("KeyCreate", "KeyRotate"), "key-create",
    OperationName startswith "Key", "key-other", "")
| extend KeyHsm = KeyType endswith "HSM"
| extend KeyKind = case(Class !in ("key-create", "key-other"), "",
    KeyType startswith "EC", strcat("ec", iff(KeyHsm, "-hsm", "")),
    KeyType startswith "RSA" and isnotnull(KeySize), strcat("rsa-",
        case(KeySize >= 4096, "4096", KeySize >= 3072, "3072", "2048"), iff(KeyHsm, "-hsm", "")),
    KeyType startswith "RSA", strcat("rsa-2048", iff(KeyHsm, "-hsm", ""), "-assumed"),
    strcat("key", iff(KeyHsm, "-hsm", ""), "-assumed"))
| extend Weight = case(Class == "key-create", iff(KeyHsm, 2, 1),
    Class == "key-other", iff(KeyHsm, 2, 1) * case(KeyKind startswith "rsa-4096", 8,
        KeyKind startswith "rsa-3072", 4, 1), 1)
| extend Authenticated = isnotempty(Oid) or isnotempty(Appid) or isnotempty(Upn);
"""

QUERIES = {
    "totals": """kv
| summarize Requests = count(), First = min(TimeGenerated), Last = max(TimeGenerated)
    by Vault, ResourceId, Class, Status""",
    # windows at 2 % or more of their class's limit (the subscription-wide sum needs the busy
    # windows of every vault), and every throttled one; a 429 does not count toward the limit
    "windows": """kv
| where Class != ""
| summarize Requests = count(), Throttled = countif(Status == 429),
    Units = sumif(Weight, Status != 429) by Vault, ResourceId, Class,
    Window = bin(TimeGenerated, 10s)
| where Throttled > 0 or Units * 50 >= case(Class == "key-create", 20,
    Class == "secret-create", 300, 4000)""",
    "kinds": """kv
| where KeyKind != ""
| summarize Requests = count() by Vault, Class, KeyKind""",
    "callers": """kv
| where Class != ""
| summarize Requests = count(), Throttled = countif(Status == 429), Upn = take_any(Upn)
    by Vault, Class, Oid, Appid
| order by Vault asc, Class asc, Throttled desc, Requests desc
| extend Rank = row_number(1, prev(Vault) != Vault or prev(Class) != Class)
| where Rank <= 20""",
    "reads": """kv
| where OperationName == "SecretGet" and Status between (200 .. 299)
| extend Secret = extract(@"/secrets/([^/?]+)", 1, RequestUri)
| where isnotempty(Secret)
| summarize Reads = count() by Vault, Oid, Appid, Secret, Window = bin(TimeGenerated, 10s)
| extend Hour = bin(Window, 1h)
| summarize HourReads = sum(Reads), arg_max(Reads, Window) by Vault, Oid, Appid, Secret, Hour
| summarize Total = sum(HourReads), MaxHourly = max(HourReads), arg_max(Reads, Window)
    by Vault, Oid, Appid, Secret
| project Vault, Oid, Appid, Secret, Total, MaxHourly, Max10s = Reads, PeakWindow = Window
| order by Vault asc, Oid asc, Appid asc, Total desc
| extend Rank = row_number(1, prev(Vault) != Vault or prev(Oid) != Oid or prev(Appid) != Appid)
| where MaxHourly > {rereads} or Rank <= 3""",
    "unauthenticated": """kv
| where Status == 401 and not(Authenticated)
    and (isempty(ResultDescription) or ResultDescription has "AKV10000")
| summarize Count = count(), First = min(TimeGenerated), Last = max(TimeGenerated)
    by Vault, ResourceId, CallerIp, ClientInfo
| join kind=leftouter (kv | where Authenticated | distinct Vault, CallerIp, ClientInfo
    | extend Seen = true) on Vault, CallerIp, ClientInfo
| project Vault, ResourceId, CallerIp, ClientInfo, Count, First, Last, Seen = isnotnull(Seen)""",
    "failures": """kv
| where Status in (401, 403)
| where Authenticated or Status == 403
    or not(isempty(ResultDescription) or ResultDescription has "AKV10000")
| summarize Count = count(), First = min(TimeGenerated), Last = max(TimeGenerated)
    by Vault, ResourceId, OperationName, Status, ResultSignature, ResultDescription, CallerIp,
    Oid, Appid, Upn, ClientInfo, RequestUri, AccessPolicyMatch, RbacAuthorized, AddressAuthorized""",
    "successes": """let refused = kv | where Status == 403 | distinct Vault, Oid, Appid, OperationName;
kv
| where Status between (200 .. 399)
| join kind=inner refused on Vault, Oid, Appid, OperationName
| summarize First = min(TimeGenerated), Last = max(TimeGenerated)
    by Vault, Oid, Appid, OperationName""",
    "series": """kv
| where Vault == "{vault_name}" and Class == "{cls}"
| where TimeGenerated between (datetime({start}) .. datetime({end}))
| summarize Requests = count(), Throttled = countif(Status == 429)
    by Window = bin(TimeGenerated, 10s)""",
}


def query_text(name: str, vault: str | None, **values: Any) -> str:
    """The KQL for one query; the first line names it (the stub in the tests answers by it)."""
    where = f'| where Vault == "{vault}"\n' if vault else ""
    return f"// kvlint:{name}\n" + BASE.format(vault=where) + QUERIES[name].format(**values)


# The Log Analytics query endpoint of each cloud (azure-monitor-query's documentation).
ENDPOINTS = {
    "public": "https://api.loganalytics.io",
    "china": "https://api.loganalytics.azure.cn",
    "usgov": "https://api.loganalytics.us",
}


def client(endpoint: str | None, cloud_name: str = "public") -> Any:
    """A LogsQueryClient signed in like ``kvlint audit`` (DefaultAzureCredential, its cloud)."""
    from azure.monitor.query import LogsQueryClient

    from kvlint import keyvault
    from kvlint.audit import arm

    cloud = keyvault.CLOUDS_BY_NAME[cloud_name]
    endpoint = endpoint or ENDPOINTS[cloud_name]
    try:
        credential = arm.default_credential(cloud.authority_host, None)
    except ValueError as exc:
        raise KvlintError(f"cannot set up the Azure credential: {exc}") from None
    # one token up front, like `kvlint audit`: no sign-in is one clear line, not a failed query
    arm.sign_in(credential, endpoint.rstrip("/") + "/.default", arm.SIGN_IN_ANY_TENANT)
    return LogsQueryClient(credential, endpoint=endpoint)


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    from kvlint.logs.records import parse_time

    return parse_time(str(value))


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _rows(client: Any, workspace: str, kql: str, span: timedelta) -> list[dict[str, Any]]:
    from azure.core.exceptions import AzureError
    from azure.monitor.query import LogsQueryStatus

    try:
        result = client.query_workspace(workspace, kql, timespan=span, server_timeout=600)
    except AzureError as exc:
        from kvlint.audit.arm import SIGN_IN_ANY_TENANT, describe, sign_in_required

        if getattr(exc, "response", None) is None and _credential_failure(exc):
            # azure-monitor-query hands a credential failure on as a response error without a
            # response: it is a sign-in problem, not a failed query
            raise sign_in_required(exc, SIGN_IN_ANY_TENANT) from None
        status, reason = describe(exc)
        raise KvlintError(
            f"the workspace query failed ({status or 'no response'}): {reason}"
        ) from None
    if result.status == LogsQueryStatus.PARTIAL:
        raise KvlintError(
            f"the workspace answered only in part ({result.partial_error.message}); "
            "narrow --since or --vault"
        )
    rows: list[dict[str, Any]] = []
    for table in result.tables:
        rows += [dict(zip(table.columns, row, strict=False)) for row in table.rows]
    return rows


def _credential_failure(exc: BaseException) -> bool:
    """Whether a query error is the credential's: azure-monitor-query re-raises the
    ClientAuthenticationError of the token request as a response error (chained to it)."""
    from azure.core.exceptions import ClientAuthenticationError

    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, ClientAuthenticationError) and getattr(seen, "response", None) is None:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _record(row: dict[str, Any], when: float) -> Record:
    kind, item = item_of(_s(row.get("RequestUri")))
    return Record(
        time=when,
        vault=_s(row.get("Vault")).lower(),
        vault_id=_s(row.get("ResourceId")).lower(),
        operation=_s(row.get("OperationName")),
        status=int(row.get("Status") or 0),
        signature=_s(row.get("ResultSignature")),
        description=_s(row.get("ResultDescription")),
        ip=_s(row.get("CallerIp")),
        oid=_s(row.get("Oid")).lower(),
        appid=_s(row.get("Appid")).lower(),
        upn=_s(row.get("Upn")),
        tenant="",
        client=_s(row.get("ClientInfo")),
        item_kind=kind,
        item=item,
        access_policy_match=row.get("AccessPolicyMatch"),
        rbac_authorized=row.get("RbacAuthorized"),
        address_authorized=row.get("AddressAuthorized"),
        trusted_service=False,
        hsm_key=False,
    )


def read(
    client: Any,
    workspace: str,
    analysis: Analysis,
    intake: Intake,
    *,
    vault: str | None = None,
    since_seconds: float = 86400.0,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Fill ``analysis`` from the workspace (the same aggregates the file path computes)."""
    named = vault
    vault = (vault or "").lower() or None
    if vault and not _VAULT_NAME.match(vault):
        raise KvlintError(f"--vault {named!r} is not a Key Vault name")
    span = timedelta(seconds=since_seconds)

    asked = [0]

    def run(query: str, **values: Any) -> list[dict[str, Any]]:
        asked[0] += 1
        if progress:
            progress(f"querying the workspace: {query} (query {asked[0]})")
        return _rows(client, workspace, query_text(query, vault, **values), span)

    intake.files = 1
    for row in run("totals"):
        count = int(row["Requests"])
        analysis.records += count
        analysis.statuses[int(row.get("Status") or 0)] += count
        analysis.first = min(analysis.first, _epoch(row["First"]))
        analysis.last = max(analysis.last, _epoch(row["Last"]))
        analysis.vault_ids.setdefault(_s(row["Vault"]), _s(row.get("ResourceId")))
        if row.get("Class"):
            key = (_s(row["Vault"]), _s(row["Class"]))
            analysis.totals[key] = analysis.totals.get(key, 0) + count
    intake.records = analysis.records
    for row in run("windows"):
        window = int(_epoch(row["Window"]) // 10)
        name, cls = _s(row["Vault"]), _s(row["Class"])
        analysis.add_window(
            name,
            _s(row.get("ResourceId")),
            cls,
            window,
            int(row["Requests"]),
            int(row["Throttled"]),
            int(row["Units"]) if row.get("Units") is not None else None,
        )
    for row in run("kinds"):
        analysis.add_kind(
            _s(row["Vault"]), _s(row["Class"]), _s(row["KeyKind"]), int(row["Requests"])
        )
    for row in run("callers"):
        caller = (_s(row.get("Oid")), _s(row.get("Appid")))
        analysis.add_caller(
            _s(row["Vault"]),
            _s(row.get("Class")),
            caller,
            _s(row.get("Upn")),
            int(row["Requests"]),
            int(row["Throttled"]),
        )
    for row in run("reads", rereads=int(analysis.settings.rereads_per_hour)):
        caller = (_s(row.get("Oid")), _s(row.get("Appid")))
        peak = int(row.get("Max10s") or 0)
        analysis.add_reads(
            _s(row["Vault"]),
            caller,
            _s(row["Secret"]),
            int(row["Total"]),
            int(row["MaxHourly"]),
            peak,
            int(_epoch(row["PeakWindow"]) // 10) if peak and row.get("PeakWindow") else 0,
        )
    for row in run("unauthenticated"):
        analysis.add_unauthenticated(
            _s(row["Vault"]),
            _s(row.get("ResourceId")),
            _s(row.get("CallerIp")),
            _s(row.get("ClientInfo")),
            int(row["Count"]),
            _epoch(row["First"]),
            _epoch(row["Last"]),
            bool(row.get("Seen")),
        )
    for row in run("failures"):
        analysis.add_failure(_record(row, _epoch(row["First"])), int(row["Count"]))
        analysis.add_failure(_record(row, _epoch(row["Last"])), 0)
    for row in run("successes"):
        caller = (_s(row.get("Oid")), _s(row.get("Appid")))
        analysis.add_success(
            _s(row["Vault"]),
            caller,
            _s(row["OperationName"]),
            _epoch(row["First"]),
            _epoch(row["Last"]),
        )
    for (name, cls), load in sorted(throttling.loads(analysis).items()):
        limit = throttling.classify.limit(cls, hsm=False)  # peaks are in its units
        if not load.throttled and load.peak < analysis.settings.near_limit * limit:
            continue
        if not _VAULT_NAME.match(name):
            continue  # never put an unexpected value into KQL
        start = datetime.fromtimestamp(
            (load.peak_window - throttling.CHART_WINDOWS) * 10, timezone.utc
        )
        end = datetime.fromtimestamp(
            (load.peak_window + throttling.CHART_WINDOWS) * 10, timezone.utc
        )
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        rows = run(
            "series", vault_name=name, cls=cls, start=start.strftime(stamp), end=end.strftime(stamp)
        )
        by_window = {int(_epoch(r["Window"]) // 10): r for r in rows}
        analysis.series[(name, cls)] = [
            (
                w,
                int(by_window[w]["Requests"]) if w in by_window else 0,
                int(by_window[w]["Throttled"]) if w in by_window else 0,
            )
            for w in range(
                load.peak_window - throttling.CHART_WINDOWS,
                load.peak_window + throttling.CHART_WINDOWS + 1,
            )
        ]
