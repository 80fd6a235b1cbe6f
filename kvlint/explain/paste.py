"""What a pasted error says: the facts ``kvlint explain`` reasons from, whatever shape it came in.

Shapes read (each as people paste them into issue threads):

- Azure SDK exceptions: Python ``HttpResponseError`` / ``ClientAuthenticationError`` /
  ``ResourceNotFoundError`` (``(Forbidden) …`` then ``Code:`` / ``Message:``), .NET
  ``Azure.RequestFailedException`` (``Status: 403 (Forbidden)``, ``ErrorCode:``, ``Content:``,
  ``Headers:``), Java ``com.azure.core.exception.HttpResponseException`` (``Status code 403,
  "{…}"``), JavaScript ``RestError``, Go autorest (``Status=403 Code="Forbidden" Message="…"
  InnerError={…}``);
- a REST error body ``{"error": {"code", "message", "innererror"}}``, also escaped inside a string;
- ``az`` CLI output (``ERROR: (Forbidden) …``), Terraform (``│ Error: …``) and Pulumi error blocks;
- an AuditEvent record (any export shape :mod:`kvlint.logs.records` reads);
- a raw HTTP response with headers (``WWW-Authenticate``, ``Retry-After``,
  ``x-ms-keyvault-service-version``, ``x-ms-keyvault-network-info``);
- Entra ID token errors (``AADSTS…`` codes, bare or in the token endpoint's JSON).

Nothing here decides a cause: :mod:`kvlint.explain.diagnose` does, through the shared classifier.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from kvlint import keyvault
from kvlint.causes import assignment, caller_from_text

GUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_STATUS = (
    re.compile(r"\bStatus(?:Code)?\s*[=:]\s*(\d{3})\b", re.I),
    re.compile(r"\bstatus code:?\s*(\d{3})\b", re.I),
    re.compile(r"\bHTTP/\d(?:\.\d)?\s+(\d{3})\b"),
    re.compile(r"\"?httpStatusCode(?:_d)?\"?\s*[:=]\s*\"?(\d{3})\b", re.I),
    re.compile(r"\bResponse status:\s*(\d{3})\b", re.I),
    re.compile(r"\b(\d{3}) \((?:Unauthorized|Forbidden|Too Many Requests|Not Found|Conflict)\)"),
    re.compile(r"\b(401|403|404|409|429) (?:Unauthorized|Forbidden|Too Many Requests)\b"),
)
_STATUS_NAMES = {
    "unauthorized": 401,
    "forbidden": 403,
    "toomanyrequests": 429,
    "too many requests": 429,
    "notfound": 404,
    "not found": 404,
    "conflict": 409,
}
_NAMED_STATUS = re.compile(
    r"(?:invalid status(?: code)? '|\()(Unauthorized|Forbidden|Too ?Many ?Requests|Not ?Found|"
    r"Conflict)(?:'|\))",
    re.I,
)
_CODE = re.compile(
    r"""(?:\bCode\s*[=:]\s*|"code"\s*:\s*)["']?([A-Za-z][A-Za-z0-9_]{2,60})["']?""", re.I
)
_INNER = re.compile(
    r"""(?:innererror|InnerError)["']?\s*[=:]\s*\{\s*["']?code["']?\s*:\s*["']([A-Za-z0-9_]+)""",
    re.I,
)
_PAREN_CODE = re.compile(r"\((Forbidden|Unauthorized|Throttled|[A-Za-z]+NotFound|Conflict)\)")
_BRACKET_CODE = re.compile(r"\[(Forbidden\w*|TokenExpired)(?: \((\w+)\))?\]")
_ACTION = re.compile(r"\bAction:\s*'?(Microsoft\.[A-Za-z0-9./_-]+)'?", re.I)
_ARM_ACTION = re.compile(r"perform action '([A-Za-z0-9./_-]+)' over scope '([^']+)'", re.I)
_ARM_CLIENT = re.compile(
    r"The client '([^']*)' with object id '([^']*)' does not have authorization", re.I
)
_RESOURCE_ID = re.compile(
    r"(/subscriptions/[^/\s'\"]+/resourcegroups/[^/\s'\"]+/providers/microsoft\.keyvault/"
    r"(?:vaults|managedhsms)/[A-Za-z0-9-]+)((?:/(?:secrets|keys|certificates)/[A-Za-z0-9-]+)?)",
    re.I,
)
_VAULT_LINE = re.compile(r"\bVault:\s*([A-Za-z0-9-]{3,24});location=([A-Za-z0-9]+)", re.I)
_VAULT_QUOTED = re.compile(r"key vault '([A-Za-z0-9-]{3,24});location=([A-Za-z0-9]+)'", re.I)
_HOST = re.compile(r"https?://([A-Za-z0-9-]{3,24})\.([A-Za-z0-9.-]+\.[A-Za-z]{2,})(/[^\s'\"]*)?")
_CALLER_NAME = re.compile(r"Caller:\s*name=([^;\s]+);", re.I)
_CALLER_LINE = re.compile(r"(?:Caller:|application ')\s*([^\r\n']*)", re.I)
_DECISION = re.compile(r"DecisionReason:\s*'?([A-Za-z]+)'?", re.I)
_DENY = re.compile(r"DenyAssignmentId:\s*([^\s\\]+)", re.I)
_RETRY_AFTER = re.compile(r"\bRetry-After['\"]?\s*[:=]\s*['\"]?(\d+)", re.I)
_SERVICE_VERSION = re.compile(r"x-ms-keyvault-service-version['\"]?\s*[:=]\s*['\"]?([\w.]+)", re.I)
_NETWORK_INFO = re.compile(
    r"x-ms-keyvault-network-info['\"]?\s*[:=][^\n]*?addr=([0-9a-fA-F.:]+)", re.I
)
_WWW_AUTH = re.compile(
    r"www-authenticate['\"]?\s*[:=]\s*['\"]?Bearer\s+authorization=\\?\"?([^\"\\,\s]+)\\?\"?"
    r"(?:,\s*resource=\\?\"?([^\"\\,\s]+))?",
    re.I,
)
_AADSTS = re.compile(r"AADSTS(\d{5,7})\b:?\s*([^\r\n]*)")
_REASON = re.compile(r"Reason:\s*([A-Za-z]+)", re.I)
_CLIENT_ADDRESS = re.compile(r"client address:?\s*\(?([^\s)\\]+)", re.I)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")

# Entra ID fields: the app, tenant, resource and scope the error names
_APP_IN = re.compile(r"(?:for app|Application with identifier|to app)\s*'([^']+)'", re.I)
_DIRECTORY = re.compile(
    r"(?:in the directory|in the tenant named)\s*'?([^'\s]+?)'?(?:[\s.]|$)", re.I
)
_TENANT_NOT_FOUND = re.compile(r"\bTenant '?([^'\s]+?)'? not found")
_RESOURCE_PRINCIPAL = re.compile(r"resource principal named (\S+?) was not found", re.I)
_SCOPE = re.compile(r"The scope (.+?) is not valid", re.I)
_ASSERTION = re.compile(
    r"Assertion Issuer: '([^']*)'\.\s*Assertion Subject: '([^']*)'\.\s*Assertion Audience: '([^']*)'",
    re.I,
)
_SECRETISH = re.compile(
    r"((?:client_secret|clientsecret|password|passwd|AccountKey|SharedAccessKey|sig|secret)"
    r"\s*[=:]\s*[\"']?)([^\s\"'&;,]{6,})",
    re.I,
)


_ANSWERED = re.compile(
    r"\b(?:acquired a token from|token acquired from)\s+(\w{1,60}Credential)"
    r"|\b(\w{1,60}Credential)\.(?:GetToken|get_token|getToken)(?:Async)? succeeded"
)
_CHAIN_FAILED = re.compile(
    r"\b(\w{1,60}Credential) failed to retrieve a token from the included credentials"
)
_ATTEMPT = re.compile(r"^[ \t|>-]*(?:E[ \t]+[ \t|>-]*)?(\w{1,60}Credential):? (.+)$", re.M)


@dataclass
class AadError:
    code: str  # "500011"
    message: str


@dataclass
class Facts:
    """What the paste says. Empty strings: the paste does not say (or hides it)."""

    shapes: list[str] = field(default_factory=list)
    text: str = ""  # the paste, unescaped (for the classifier; never printed whole)
    status: int | None = None
    code: str = ""
    inner: str = ""
    message: str = ""  # Key Vault's (or Entra's) first line, masked
    oid: str = ""
    appid: str = ""
    tenant: str = ""
    caller_name: str = ""  # name=Microsoft.RecoveryServices/vaults, KeyVault/ManagementPlane
    caller_redacted: bool = False
    action: str = ""
    resource: str = ""  # the vault's resource id (lower case as Key Vault writes it)
    item: str = ""  # "/secrets/name"
    assignment: str = ""
    decision: str = ""
    deny_assignment: str = ""
    vault: str = ""
    location: str = ""
    vault_host: str = ""
    address: str = ""
    address_redacted: bool = False
    retry_after: str = ""
    reason: str = ""  # throttling reason (VaultRequestTypeLimitReached)
    service_version: str = ""
    challenge_authority: str = ""
    challenge_resource: str = ""
    aad: list[AadError] = field(default_factory=list)
    arm_action: str = ""
    arm_scope: str = ""
    aad_app: str = ""
    aad_directory: str = ""
    aad_resource: str = ""
    aad_scope: str = ""
    assertion: tuple[str, str, str] | None = None
    chain: str = ""  # "DefaultAzureCredential" when its "failed to retrieve a token" is pasted
    credential: str = ""  # the credential the paste's log says gave the token
    attempts: list[tuple[str, str]] = field(default_factory=list)  # (credential, why)
    records: list[Any] = field(default_factory=list)  # AuditEvent Records
    record_problems: int = 0


def unescape(text: str) -> str:
    """Undo the JSON and HTML escaping pastes carry (``\\r\\n``, ``\\"``, ``&amp;#39;``)."""
    for _ in range(3):
        new = (
            text.replace("\\r\\n", "\n")
            .replace("\\n", "\n")
            .replace("\\r", "\n")
            .replace('\\"', '"')
            .replace("\\'", "'")
            .replace("\\\\", "\\")
            .replace("\\/", "/")
        )
        if "&" in new:
            new = html.unescape(new)
        if new == text:
            break
        text = new
    return text


def mask_secrets(text: str) -> str:
    """The project's masking (:func:`kvlint.redact.mask`: JWTs, ``AccountKey=``, ``sig=``, client
    secret shapes, quoted ``client_secret``), plus what pastes add: an unquoted
    ``client_secret=…`` / ``password=…`` (a form body, a log line)."""
    from kvlint.redact import HIDDEN, mask

    return mask(_SECRETISH.sub(lambda m: m.group(1) + HIDDEN, text))


def _status_of(text: str) -> int | None:
    for pattern in _STATUS:
        match = pattern.search(text)
        if match:
            value = int(match.group(1))
            if 100 <= value < 600:
                return value
    match = _NAMED_STATUS.search(text)
    if match:
        return _STATUS_NAMES.get(match.group(1).lower().replace(" ", "")) or (
            _STATUS_NAMES.get(match.group(1).lower())
        )
    return None


def _shapes(text: str, facts: Facts) -> list[str]:
    found = []
    checks = (
        (
            "Python SDK exception",
            (
                "azure.core.exceptions",
                "HttpResponseError",
                "ClientAuthenticationError",
                "ResourceNotFoundError",
            ),
        ),
        (
            ".NET SDK exception",
            (
                "Azure.RequestFailedException",
                "RequestFailedException",
                "Azure.Identity.AuthenticationFailedException",
                "KeyVaultErrorException",
            ),
        ),
        ("Java SDK exception", ("com.azure.core.exception", "com.microsoft.aad.msal4j")),
        ("JavaScript SDK error", ("RestError",)),
        ("Go SDK (autorest) error", ("autorest/azure", "autorest.DetailedError")),
        (
            "Terraform error block",
            ("│ Error:", "Error: checking for presence", "azurerm_", "terraform-provider"),
        ),
        (
            "Pulumi error",
            (
                "pulumi:",
                "error: cannot check existence of resource",
                "azure-native:",
                "azure-nextgen:",
            ),
        ),
        ("az CLI output", ("ERROR: (", "az keyvault", "az login")),
        ("raw HTTP response", ("HTTP/1.1", "www-authenticate", "WWW-Authenticate")),
    )
    for label, needles in checks:
        if any(n in text for n in needles):
            found.append(label)
    if facts.records:
        found.append("AuditEvent record" + ("s" if len(facts.records) > 1 else ""))
    if '"error"' in text and ('"code"' in text or '"message"' in text):
        found.append("REST error body")
    if facts.aad:
        found.append("Entra ID token error")
    return found


def _records(raw: str, facts: Facts) -> None:
    """AuditEvent records: one JSON object, ``{"records": [...]}``, a list, or JSON lines."""
    from kvlint.logs.records import BadRecord, normalize

    docs: list[Any] = []
    stripped = raw.strip()
    if not stripped.startswith(("{", "[")):
        return
    try:
        data = json.loads(stripped)
        docs = data if isinstance(data, list) else data.get("records", [data])
    except RecursionError:
        return  # nested too deeply to be a record (or anything Key Vault writes)
    except (ValueError, AttributeError):
        for line in stripped.splitlines():
            try:
                docs.append(json.loads(line))
            except (ValueError, RecursionError):
                continue
    if not isinstance(docs, list):
        return
    for doc in docs[:10_000]:
        if not isinstance(doc, dict) or not any(
            k in doc
            for k in ("operationName", "OperationName", "resultSignature", "ResultSignature")
        ):
            continue
        try:
            facts.records.append(normalize(doc))
        except BadRecord:
            facts.record_problems += 1


def _vault(text: str, facts: Facts) -> None:
    match = _RESOURCE_ID.search(text)
    if match:
        facts.resource = match.group(1)
        facts.item = match.group(2) or ""
        facts.vault = match.group(1).rsplit("/", 1)[1].lower()
    for pattern in (_VAULT_LINE, _VAULT_QUOTED):
        match = pattern.search(text)
        if match:
            facts.vault = facts.vault or match.group(1).lower()
            facts.location = match.group(2).lower()
            break
    for match in _HOST.finditer(text):
        name, rest = match.group(1).lower(), match.group(2).lower()
        host = f"{name}.{rest}"
        if name in ("login", "management", "graph", "sts", "aka", "docs", "learn", "go"):
            continue
        if keyvault.host_cloud(host) in (None, "private-link") and "vaultcore" not in host:
            continue
        facts.vault_host = facts.vault_host or host
        if not facts.vault and name != "privatelink":
            facts.vault = name
        path = match.group(3) or ""
        parts = [p for p in path.split("/") if p]
        if not facts.item and len(parts) >= 2 and parts[0] in ("secrets", "keys", "certificates"):
            facts.item = f"/{parts[0]}/{parts[1].split('?')[0]}"


def _caller(text: str, facts: Facts) -> None:
    found = caller_from_text(text)
    facts.oid = found.get("oid", "")
    facts.appid = found.get("appid", "")
    facts.tenant = found.get("tenant", "")
    match = _CALLER_NAME.search(text)
    if match:
        facts.caller_name = match.group(1)
    line = _CALLER_LINE.search(text)
    if line and re.search(r"\b(?:oid|appid)=", line.group(1)) and not (facts.oid and facts.appid):
        facts.caller_redacted = True
    client = _ARM_CLIENT.search(text)
    if client:
        app, oid = client.group(1), client.group(2)
        facts.appid = facts.appid or (app.lower() if GUID.fullmatch(app) else "")
        facts.oid = facts.oid or (oid.lower() if GUID.fullmatch(oid) else "")
        facts.caller_redacted = facts.caller_redacted or not GUID.fullmatch(oid)


def _entra(text: str, facts: Facts) -> None:
    seen = set()
    for code, message in _AADSTS.findall(text):
        if code not in seen:
            seen.add(code)
            facts.aad.append(AadError(code, message.strip()))
    if not facts.aad:
        return
    app = _APP_IN.search(text)
    if app:
        facts.aad_app = app.group(1)
    directory = _TENANT_NOT_FOUND.search(text) or _DIRECTORY.search(text)
    if directory:
        facts.aad_directory = directory.group(1).rstrip(".")
    resource = _RESOURCE_PRINCIPAL.search(text)
    if resource:
        facts.aad_resource = resource.group(1)
    scope = _SCOPE.search(text)
    if scope:
        facts.aad_scope = scope.group(1)
    assertion = _ASSERTION.search(text)
    if assertion:
        facts.assertion = (assertion.group(1), assertion.group(2), assertion.group(3))


def _message(text: str, facts: Facts) -> None:
    """The one line of Key Vault's (or Entra's) own words worth quoting."""
    markers = (
        "AKV1",
        "Caller is not authorized",
        "Client address",
        "Public network access",
        "does not have",
        "not found on any access policy",
        "TokenExpired",
        "Token not yet valid",
        "IDX1022",
        "too many requests were received",
        "The policy requires the caller",
        "was not found in this key vault",
        "deleted but recoverable",
        "does not have authorization to perform action",
        "not allowed by RBAC",
        "AADSTS",
    )
    for line in text.splitlines():
        for marker in markers:
            at = line.find(marker)
            if at >= 0:
                quoted = line[at:].strip().rstrip("\"'}` ").strip()
                facts.message = mask_secrets(quoted[:240] + ("…" if len(quoted) > 240 else ""))
                return


def read(raw: str) -> Facts:
    """The facts of one paste (any of the shapes above, or several of them at once)."""
    facts = Facts()
    _records(raw, facts)
    text = unescape(raw)
    facts.text = text
    if facts.records:
        described = "\n".join(r.description or "" for r in facts.records)
        text = text + "\n" + described
    facts.status = _status_of(text)
    inner = _INNER.search(text)
    facts.inner = inner.group(1) if inner else ""
    bracket = _BRACKET_CODE.search(text)
    if bracket and not facts.inner and bracket.group(1).startswith("Forbidden"):
        facts.inner = bracket.group(1)
    codes = [c for c in _CODE.findall(text) if c.lower() not in ("none", "null")]
    paren = _PAREN_CODE.search(text)
    facts.code = codes[0] if codes else (paren.group(1) if paren else "")
    if facts.code == facts.inner and len(codes) > 1:
        facts.code = next((c for c in codes if c != facts.inner), facts.code)
    _caller(text, facts)
    match = _ACTION.search(text)
    facts.action = match.group(1) if match else ""
    facts.assignment = assignment(text)
    match = _DECISION.search(text)
    facts.decision = match.group(1) if match and match.group(1).lower() != "null" else ""
    match = _DENY.search(text)
    facts.deny_assignment = match.group(1) if match and match.group(1).lower() != "null" else ""
    _vault(text, facts)
    match = _CLIENT_ADDRESS.search(text)
    if match:
        value = match.group(1).rstrip(".")
        if _IPV4.match(value) or ":" in value:
            facts.address = value
        else:
            facts.address_redacted = True
    match = _NETWORK_INFO.search(text)
    if match and not facts.address:
        facts.address = match.group(1)
    match = _RETRY_AFTER.search(text)
    facts.retry_after = match.group(1) if match else ""
    match = _REASON.search(text)
    facts.reason = match.group(1) if match else ""
    match = _SERVICE_VERSION.search(text)
    facts.service_version = match.group(1) if match else ""
    match = _WWW_AUTH.search(text)
    if match:
        facts.challenge_authority = match.group(1)
        facts.challenge_resource = match.group(2) or ""
    match = _ARM_ACTION.search(text)
    if match:
        facts.arm_action, facts.arm_scope = match.group(1), match.group(2)
        rid = _RESOURCE_ID.search(match.group(2))
        if rid and not facts.resource:
            facts.resource = rid.group(1)
            facts.vault = rid.group(1).rsplit("/", 1)[1].lower()
    _entra(text, facts)
    answered = [m.group(1) or m.group(2) for m in _ANSWERED.finditer(text)]
    outer = ("DefaultAzureCredential", "ChainedTokenCredential", "EnvironmentCredential")
    named = [name for name in answered if name not in outer]
    facts.credential = (named or answered or [""])[-1]
    chain = _CHAIN_FAILED.search(text)
    if chain:
        facts.chain = chain.group(1)
        seen = set()
        for name, why in _ATTEMPT.findall(text[chain.end() :]):
            if name not in seen and name != facts.chain:
                seen.add(name)
                facts.attempts.append((name, mask_secrets(why.strip())[:220]))
    _message(text, facts)
    if facts.records and not (facts.oid or facts.appid):
        first = facts.records[0]
        facts.oid, facts.appid, facts.tenant = (
            first.oid or "",
            first.appid or "",
            first.tenant or "",
        )
        facts.address = facts.address or first.ip or ""
        facts.vault = facts.vault or first.vault or ""
        facts.resource = facts.resource or first.vault_id or ""
    facts.shapes = _shapes(text, facts)
    return facts
