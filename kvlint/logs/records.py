"""One Key Vault AuditEvent request, whatever shape it was exported in.

Three shapes carry the same facts (Microsoft's Key Vault logging docs and the Azure Monitor table
references):

- the storage-account archive (``insights-logs-auditevent/.../PT1H.json``): camelCase fields,
  ``identity.claim`` and ``properties`` objects (``httpStatusCode``, ``requestUri``, ``id``,
  ``clientInfo``, ``isAccessPolicyMatch``, ``isRbacAuthorized`` …);
- Log Analytics ``AzureDiagnostics``: the same record flattened into typed columns
  (``CallerIPAddress``, ``httpStatusCode_d``, ``identity_claim_oid_g``, ``requestUri_s`` …);
- the resource-specific ``AZKVAuditLogs`` table: PascalCase columns (``HttpStatusCode``,
  ``Identity`` as a dynamic object, ``RequestUri``, ``IsRbacAuthorized`` …).

:func:`normalize` turns any of them into a :class:`Record`, or raises :class:`BadRecord` saying
why it is not one (another category, no operation, an unreadable time). Records hold object ids,
addresses and item names from the log; never a token (a log has none) and never a secret value.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

OID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
TID_CLAIM = "http://schemas.microsoft.com/identity/claims/tenantid"

_STATUS_BY_SIGNATURE = {
    "ok": 200,
    "created": 201,
    "accepted": 202,
    "nocontent": 204,
    "badrequest": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "notfound": 404,
    "conflict": 409,
    "toomanyrequests": 429,
    "internalservererror": 500,
    "serviceunavailable": 503,
}
_ISSUER_TENANT = re.compile(
    r"/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/", re.I
)
_US_TIME = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))? ?([AP]M)?$", re.I
)


class BadRecord(ValueError):
    """Not an AuditEvent request record; the message says why (it is counted, not fatal)."""


class Record:
    """One request as Key Vault logged it. ``time`` is seconds since the epoch (UTC)."""

    __slots__ = (
        "access_policy_match",
        "address_authorized",
        "appid",
        "client",
        "description",
        "hsm_key",
        "ip",
        "item",
        "item_kind",
        "key_size",
        "key_type",
        "oid",
        "operation",
        "rbac_authorized",
        "signature",
        "status",
        "tenant",
        "time",
        "trusted_service",
        "upn",
        "vault",
        "vault_id",
    )

    def __init__(
        self,
        *,
        access_policy_match: Any = None,
        address_authorized: Any = None,
        appid: Any = None,
        client: Any = None,
        description: Any = None,
        hsm_key: Any = None,
        ip: Any = None,
        item: Any = None,
        item_kind: Any = None,
        key_size: Any = None,
        key_type: Any = None,
        oid: Any = None,
        operation: Any = None,
        rbac_authorized: Any = None,
        signature: Any = None,
        status: Any = None,
        tenant: Any = None,
        time: Any = None,
        trusted_service: Any = None,
        upn: Any = None,
        vault: Any = None,
        vault_id: Any = None,
    ) -> None:
        self.access_policy_match = access_policy_match
        self.address_authorized = address_authorized
        self.appid = appid
        self.client = client
        self.description = description
        self.hsm_key = hsm_key
        self.ip = ip
        self.item = item
        self.item_kind = item_kind
        self.key_size = key_size  # bits (RSA), None when the log does not say
        self.key_type = key_type  # "RSA", "RSA-HSM", "EC", "EC-HSM", "oct-HSM" or ""
        self.oid = oid
        self.operation = operation
        self.rbac_authorized = rbac_authorized
        self.signature = signature
        self.status = status
        self.tenant = tenant
        self.time = time
        self.trusted_service = trusted_service
        self.upn = upn
        self.vault = vault
        self.vault_id = vault_id

    @property
    def caller(self) -> tuple[str, str]:
        """Who called: (object id, app id), lower case, "" when the log does not say."""
        return (self.oid or "", self.appid or "")

    @property
    def authenticated(self) -> bool:
        return bool(self.oid or self.appid or self.upn)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Record({self.operation} {self.status} {self.vault} {self.oid or self.ip})"


# -- time --------------------------------------------------------------------------------------


def iso(epoch: float) -> str:
    """Epoch seconds -> ``2026-03-02T10:00:00Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


_HOURS: dict[str, int] = {}


def parse_time(value: Any) -> float:
    """ISO 8601 (``2016-01-05T01:32:01.2691226Z``) or the portal's ``1/5/2016, 1:32:01.269 AM``."""
    if not isinstance(value, str) or len(value) < 16:
        raise BadRecord(f"unreadable time {value!r}")
    text = value.strip()
    if text[4:5] == "-" and text[10:11] in ("T", " "):
        hour = text[:13]
        base = _HOURS.get(hour)
        try:
            if base is None:
                base = calendar.timegm(
                    (int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), 0, 0)
                )
                _HOURS[hour] = base
            seconds = int(text[14:16]) * 60 + (int(text[17:19]) if len(text) >= 19 else 0)
            end = 19
            fraction = 0.0
            if text[19:20] == ".":
                end = 20
                while end < len(text) and text[end].isdigit():
                    end += 1
                fraction = float(text[19:end]) if end > 20 else 0.0
            rest = text[end:]
            if rest not in ("", "Z", "z", "+00:00", "+0000"):
                raise BadRecord(f"time {value!r} is not UTC")
            return base + seconds + fraction
        except BadRecord:
            raise
        except (ValueError, OverflowError):
            raise BadRecord(f"unreadable time {value!r}") from None
    match = _US_TIME.match(text)
    if not match:
        raise BadRecord(f"unreadable time {value!r}")
    month, day, year, hour_, minute, second, frac, half = match.groups()
    h = int(hour_) % 12 + (12 if (half or "").upper() == "PM" else 0) if half else int(hour_)
    try:
        base = calendar.timegm((int(year), int(month), int(day), h, int(minute), int(second)))
    except (ValueError, OverflowError):
        raise BadRecord(f"unreadable time {value!r}") from None
    return base + (int(frac) / 10 ** len(frac) if frac else 0.0)


# -- field helpers -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _status(value: Any, signature: str) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = _text(value).strip()
    if text:
        try:
            return int(float(text))
        except ValueError:
            pass
    sig = signature.strip().lower()
    if sig.isdigit():
        return int(sig)
    return _STATUS_BY_SIGNATURE.get(sig, 0)


def _dynamic(value: Any) -> dict:
    """A dynamic column: an object, or (CSV, some exports) its JSON text."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _guid(value: Any) -> str:
    return _text(value).strip().lower()


_VAULTS: dict[str, tuple[str, str]] = {}


def vault_of(resource_id: str, uri: str = "") -> tuple[str, str]:
    """(vault name, resource id), lower case, from a resource id or a data-plane URL."""
    if resource_id in _VAULTS:
        return _VAULTS[resource_id]
    found = _vault_of(resource_id, uri)
    if resource_id and len(_VAULTS) < 10_000:
        _VAULTS[resource_id] = found
    return found


def _vault_of(resource_id: str, uri: str) -> tuple[str, str]:
    rid = resource_id.strip().lower()
    if rid:
        parts = rid.rstrip("/").split("/")
        for i in range(len(parts) - 2, -1, -1):
            if parts[i] in ("vaults", "managedhsms"):
                return parts[i + 1], rid
    host = urlsplit(uri).hostname or "" if uri else ""
    return (host.split(".", 1)[0], rid) if host else ("", rid)


def item_of(uri: str) -> tuple[str, str]:
    """(kind, name) of the secret, key or certificate a data-plane URL names: ("secrets", "db")."""
    if not uri:
        return "", ""
    start = uri.find("://")
    rest = uri[start + 3 :] if start >= 0 else uri
    slash = rest.find("/")
    if slash < 0:
        return "", ""
    path = rest[slash:].split("?", 1)[0].split("#", 1)[0]
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() in ("secrets", "keys", "certificates"):
        return parts[0].lower(), parts[1]
    if len(parts) >= 2 and parts[0].lower() in ("deletedsecrets", "deletedkeys"):
        return parts[0].lower()[7:], parts[1]
    return "", ""


def _claims(identity: Any) -> dict:
    identity = _dynamic(identity)
    claim = identity.get("claim")
    if isinstance(claim, dict):
        return claim
    return identity if "oid" in identity or "appid" in identity or OID_CLAIM in identity else {}


def _tenant(claims_tid: str, issuer: str) -> str:
    if claims_tid:
        return claims_tid
    match = _ISSUER_TENANT.search(issuer + "/") if issuer else None
    return match.group(1).lower() if match else ""


# -- the three shapes --------------------------------------------------------------------------


def _archive(doc: dict) -> dict:
    category = _text(doc.get("category"))
    if category and category.lower() != "auditevent":
        raise BadRecord(f"category {category!r}, not AuditEvent")
    props = _dynamic(doc.get("properties"))
    claims = _claims(doc.get("identity"))
    key_props = props.get("keyProperties")
    if not isinstance(key_props, dict):
        key_props = {}
    return {
        "time": doc.get("time"),
        "resource": _text(doc.get("resourceId")),
        "operation": _text(doc.get("operationName")),
        "signature": _text(doc.get("resultSignature")),
        "description": _text(doc.get("resultDescription")),
        "status": props.get("httpStatusCode"),
        "ip": _text(doc.get("callerIpAddress")),
        **_caller(claims),
        "uri": _text(props.get("requestUri")),
        "id": _text(props.get("id")),
        "client": _text(props.get("clientInfo")),
        "access_policy_match": props.get("isAccessPolicyMatch"),
        "rbac_authorized": props.get("isRbacAuthorized"),
        "address_authorized": props.get("isAddressAuthorized"),
        "trusted_service": props.get("trustedService"),
        "key_type": _text(key_props.get("type")),
        "key_size": key_props.get("size"),
    }


def _caller(claims: dict) -> dict:
    """The caller's identity fields from a record's token claims (short or URI claim names)."""
    return {
        "oid": claims.get("oid") or claims.get(OID_CLAIM),
        "appid": claims.get("appid") or claims.get("azp"),
        "upn": claims.get("upn") or claims.get(UPN_CLAIM) or claims.get("unique_name"),
        "tid": claims.get("tid") or claims.get(TID_CLAIM),
        "iss": claims.get("iss"),
    }


def _diagnostics(doc: dict) -> dict:
    category = _text(doc.get("Category"))
    provider = _text(doc.get("ResourceProvider"))
    if provider and provider.upper() != "MICROSOFT.KEYVAULT":
        raise BadRecord(f"resource provider {provider!r}, not Microsoft.KeyVault")
    if category and category.lower() != "auditevent":
        raise BadRecord(f"category {category!r}, not AuditEvent")
    return {
        "time": doc.get("TimeGenerated") or doc.get("time"),
        "resource": _text(doc.get("ResourceId") or doc.get("_ResourceId")),
        "operation": _text(doc.get("OperationName")),
        "signature": _text(doc.get("ResultSignature")),
        "description": _text(doc.get("ResultDescription")),
        "status": doc.get("httpStatusCode_d"),
        "ip": _text(doc.get("CallerIPAddress")),
        "oid": doc.get("identity_claim_oid_g")
        or doc.get("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"),
        "appid": doc.get("identity_claim_appid_g"),
        "upn": doc.get("identity_claim_upn_s")
        or doc.get("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s")
        or doc.get("identity_claim_unique_name_s"),
        "tid": doc.get("identity_claim_tid_g")
        or doc.get("identity_claim_http_schemas_microsoft_com_identity_claims_tenantid_g"),
        "iss": doc.get("identity_claim_iss_s"),
        "uri": _text(doc.get("requestUri_s")),
        "id": _text(doc.get("id_s")),
        "client": _text(doc.get("clientInfo_s")),
        "access_policy_match": doc.get("isAccessPolicyMatch_b"),
        "rbac_authorized": doc.get("isRbacAuthorized_b"),
        "address_authorized": doc.get("isAddressAuthorized_b"),
        "trusted_service": doc.get("trustedService_s"),
        "key_type": _text(doc.get("properties_keyProperties_type_s")),
        "key_size": doc.get("properties_keyProperties_size_d"),
    }


def _azkv(doc: dict) -> dict:
    claims = _claims(doc.get("Identity"))
    props = _dynamic(doc.get("Properties"))
    key_props = props.get("keyProperties")
    if not isinstance(key_props, dict):
        key_props = {}
    return {
        "time": doc.get("TimeGenerated"),
        "resource": _text(doc.get("_ResourceId") or doc.get("ResourceId")),
        "operation": _text(doc.get("OperationName")),
        "signature": _text(doc.get("ResultSignature")),
        "description": _text(doc.get("ResultDescription")),
        "status": doc.get("HttpStatusCode"),
        "ip": _text(doc.get("CallerIpAddress")),
        **_caller(claims),
        "uri": _text(doc.get("RequestUri")),
        "id": _text(doc.get("Id")),
        "client": _text(doc.get("ClientInfo")),
        "access_policy_match": doc.get("IsAccessPolicyMatch"),
        "rbac_authorized": doc.get("IsRbacAuthorized"),
        "address_authorized": doc.get("IsAddressAuthorized"),
        "trusted_service": doc.get("TrustedService"),
        "key_type": _text(key_props.get("type") or doc.get("KeyType")),
        "key_size": key_props.get("size") or doc.get("KeySize"),
    }


def shape(doc: dict) -> str:
    """Which export a row comes from: archive, AzureDiagnostics or AZKVAuditLogs."""
    kind = doc.get("Type")
    if kind == "AzureDiagnostics":
        return "AzureDiagnostics"
    if kind == "AZKVAuditLogs":
        return "AZKVAuditLogs"
    if "operationName" in doc or "resourceId" in doc:
        return "archive"
    if "ResourceProvider" in doc or "requestUri_s" in doc or "CallerIPAddress" in doc:
        return "AzureDiagnostics"
    if "CallerIpAddress" in doc or "HttpStatusCode" in doc or "RequestUri" in doc:
        return "AZKVAuditLogs"
    raise BadRecord(
        "unknown record shape (not an AuditEvent, AzureDiagnostics or AZKVAuditLogs row)"
    )


_READERS = {"archive": _archive, "AzureDiagnostics": _diagnostics, "AZKVAuditLogs": _azkv}


def normalize(doc: Any) -> Record:
    """One exported row -> :class:`Record` (raises :class:`BadRecord`)."""
    if not isinstance(doc, dict):
        raise BadRecord(f"a {type(doc).__name__}, not a record object")
    raw = _READERS[shape(doc)](doc)
    operation = raw["operation"].strip()
    if not operation:
        raise BadRecord("no operationName")
    when = parse_time(raw["time"])
    signature = raw["signature"].strip()
    uri = raw["uri"] or raw["id"]
    vault, vault_id = vault_of(raw["resource"], uri)
    if not vault:
        raise BadRecord("no vault (neither a resource id nor a request URI)")
    kind, item = item_of(raw["uri"] or raw["id"])
    tenant = _tenant(_guid(raw["tid"]), _text(raw["iss"]))
    trusted = raw["trusted_service"]
    return Record(
        time=when,
        vault=vault,
        vault_id=vault_id,
        operation=operation,
        status=_status(raw["status"], signature),
        signature=signature,
        description=raw["description"],
        ip=raw["ip"].strip(),
        oid=_guid(raw["oid"]),
        appid=_guid(raw["appid"]),
        upn=_text(raw["upn"]).strip(),
        tenant=tenant,
        client=raw["client"],
        item_kind=kind,
        item=item,
        access_policy_match=_flag(raw["access_policy_match"]),
        rbac_authorized=_flag(raw["rbac_authorized"]),
        address_authorized=_flag(raw["address_authorized"]),
        trusted_service=bool(_text(trusted).strip()) and _text(trusted).lower() != "false",
        hsm_key=raw["key_type"].upper().endswith("-HSM"),
        key_type=raw["key_type"].strip(),
        key_size=_size(raw["key_size"]),
    )


def _size(value: Any) -> int | None:
    """A key size in bits (a number, or its text in CSV exports); None when absent or odd."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and 0 < value < 1_000_000:
        return int(value)
    return None
