"""``kvlint audit`` as a function: read the vaults, run the KVA checks, judge the caller.

:func:`audit` takes an :class:`~kvlint.audit.request.AuditRequest` and returns an
:class:`~kvlint.audit.model.AuditResult`; it neither parses arguments nor prints. Azure access
and settings are injectable (tests point them at a local HTTPS stub).
"""

from __future__ import annotations

from datetime import datetime, timezone

from kvlint import keyvault
from kvlint import token as kvtoken
from kvlint.audit import checks, config, deploy_checks, files, live, rbac, reach, roles
from kvlint.audit.arm import Azure, default_credential
from kvlint.audit.model import AuditResult, Reachability, ReadError, Vault, VaultOutcome
from kvlint.audit.request import AuditRequest
from kvlint.errors import KvlintError
from kvlint.token.diagnose import diagnose as diagnose_token


def connect(request: AuditRequest) -> Azure:
    """The ARM access of a live request: DefaultAzureCredential for its cloud and tenant."""
    cloud = keyvault.CLOUDS_BY_NAME[request.cloud]
    try:
        credential = default_credential(cloud.authority_host, request.tenant)
    except ValueError as exc:  # e.g. AZURE_CLIENT_ID set but empty
        raise KvlintError(f"cannot set up the Azure credential: {exc}") from None
    return Azure(credential, arm_endpoint=cloud.arm_endpoint, timeout=request.timeout)


def _read(
    request: AuditRequest,
    azure: Azure | None,
    errors: list[ReadError],
    progress: live.Progress,
) -> tuple[files.Inputs, Azure | None]:
    tenant = request.tenant.lower() if request.tenant else None
    found = files.Inputs()
    if request.parameters:
        found.parameters = files.load_parameters(request.parameters)
    if request.inputs or request.iac_only:
        for path in request.inputs:
            files.read(path, found, tenant=tenant, errors=errors, iac_only=request.iac_only)
        return found, None
    azure = azure or connect(request)
    azure.sign_in()
    if request.subscriptions:
        found.vaults = live.arm_vaults(
            azure,
            list(dict.fromkeys(request.subscriptions)),
            resource_group=request.resource_group,
            vault_name=request.vault,
            tenant=tenant,
            errors=errors,
            progress=progress,
        )
    else:
        found.vaults = live.graph_vaults(
            azure,
            all_subscriptions=request.all_subscriptions,
            management_groups=list(request.management_groups),
            errors=errors,
            progress=progress,
        )
    return found, azure


def _planned(found: files.Inputs, vault: Vault) -> rbac.Evidence | None:
    """The role assignments infrastructure code would create on the vault: only part of the
    picture (inherited and existing assignments are not in it)."""
    if not vault.file:
        return None
    return rbac.Evidence(
        tuple(found.planned_assignments.get(vault.id, ())),
        {**roles.BUILTIN, **found.definitions},
        source=f"{vault.file}",
        complete=False,
        reason="",
        denies=_denies(found),
    )


def _denies(found: files.Inputs) -> tuple[roles.DenyAssignment, ...] | None:
    return tuple(found.denies) if found.saw_denies else None


def _offline_evidence(found: files.Inputs) -> rbac.Evidence:
    if not found.saw_assignments:
        return rbac.Evidence(None, denies=_denies(found))
    return rbac.Evidence(
        tuple(found.assignments),
        {**roles.BUILTIN, **found.definitions},
        source="the role assignments given with --input",
        denies=_denies(found),
    )


def _token_principal(token: kvtoken.Token) -> reach.Principal:
    """The caller a token stands for: its object id, in its tenant."""
    oid, tid = token.claims.get("oid"), token.claims.get("tid")
    if not isinstance(oid, str) or not isinstance(tid, str):
        raise KvlintError(
            f"the token ({token.redacted}) has no oid and tid claims, so it names no Entra "
            "principal: is it an access token from Microsoft Entra ID?"
        )
    return reach.principal(oid, tid)


def _vault_url(vault: Vault, cloud: keyvault.Cloud) -> str:
    """Where a caller sends its token: vaultUri when it is a Key Vault URL, else name + suffix."""
    try:
        return kvtoken.vault_target(vault.uri).host
    except KvlintError:
        return vault.name + (cloud.hsm_suffix or "" if vault.hsm else cloud.vault_suffix)


def _narrow(vaults: list[Vault], request: AuditRequest) -> list[Vault]:
    rg = (request.resource_group or "").lower()
    name = (request.vault or "").lower()
    return [
        v
        for v in vaults
        if (not rg or v.resource_group.lower() == rg) and (not name or v.name.lower() == name)
    ]


def audit(
    request: AuditRequest,
    azure: Azure | None = None,
    settings: config.AuditConfig | None = None,
    progress: live.Progress | None = None,
) -> AuditResult:
    """Read, check and judge; ``azure`` and ``settings`` are injectable (tests use a stub ARM)."""
    request.validate()
    settings = settings or config.load()
    progress = progress or live.Progress()
    caller = None
    token = kvtoken.load(request.token) if request.token else None
    if request.ip and (request.principal or token):
        caller = reach.caller(
            _token_principal(token) if token else reach.principal(request.principal or ""),
            request.ip,
            list(request.permissions) or None,
            request.subnet,
            request.trusted_service,
            list(request.groups),
            request.item,
        )
    result = AuditResult()
    gate_codes: dict[str, set[str]] = {}  # vault id -> the caller's verdict codes
    try:
        inputs, arm = _read(request, azure, result.errors, progress)
        # pages and files may repeat a vault: keep one (two Terraform folders may each
        # declare azurerm_key_vault.main: a declared vault is known by its file too)
        vaults = _narrow(
            list({(v.file or "", v.id.lower()): v for v in inputs.vaults}.values()), request
        )
        if arm and request.diagnostics:
            vaults = live.with_diagnostics(arm, vaults, result.errors, progress)
        evidence: dict[str, rbac.Evidence] = {}
        if arm and caller:
            evidence = live.role_checks(arm, vaults, caller.principal, progress)
    finally:
        progress.clear()
    offline = _offline_evidence(inputs)
    found = []
    now = datetime.now(timezone.utc)
    cloud = keyvault.CLOUDS_BY_NAME[request.cloud]
    if caller:
        result.reachability = Reachability(
            f"{caller.principal.object_id} from {caller.address} ({caller.permission_text})"
        )
    for vault in vaults:
        found += checks.run(vault, settings.thresholds)
        if caller and result.reachability:
            roles_known = evidence.get(vault.id) or _planned(inputs, vault) or offline
            refused = reach.gates(vault, caller, roles_known, inputs.perimeters)
            # audience and lifetime are the token's (its tenant is the verdict's first gate)
            rejected = [
                checks.finding(vault, item.code, item.message)
                for item in (
                    diagnose_token(token.claims, vault_url=_vault_url(vault, cloud), now=now)
                    if token
                    else []
                )
                if item.code not in {f.code for f in refused}
            ]
            found += rejected + refused
            gate_codes[vault.id] = {f.code for f in rejected + refused}
            if not refused and not rejected:
                result.reachability.allowed.append(vault.name)
                caveat = rbac.unread_denies(vault, roles_known)
                if caveat:
                    result.reachability.unverified[vault.name] = caveat
    found += _deployment_findings(inputs, vaults, request)
    for item in found:
        if item.code in settings.ignore:
            continue
        waiver = settings.waiver_for(item)
        if waiver:
            result.waived.append((item, waiver.reason))
        else:
            result.findings.append(item)
    result.outcomes = [
        _outcome(vault, result, settings, gate_codes.get(vault.id) if caller else None)
        for vault in vaults
    ]
    result.vaults_audited = len(vaults)
    result.subscriptions = {v.subscription.lower() for v in vaults if v.subscription}
    return result


def _deployment_findings(inputs: files.Inputs, vaults: list[Vault], request: AuditRequest) -> list:
    """The KVA7xx checks over what running the infrastructure code does to its vaults."""
    if not inputs.deployments:
        return []
    runner = None
    if request.ip:
        try:
            runner = reach.parse_address(request.ip)
        except ValueError as exc:
            raise KvlintError(f"--ip {request.ip!r} is not an IPv4 address ({exc})") from None
    context = deploy_checks.Context(
        runner=runner,
        assignments=tuple(inputs.assignments) if inputs.saw_assignments else None,
        definitions=dict(inputs.definitions),
    )
    kept = {id(v) for v in vaults}
    narrowed = bool(request.vault or request.resource_group)
    found = []
    for deployment in inputs.deployments:
        ids = {v.id for v in deployment.vaults.values() if id(v) in kept}
        for item in deploy_checks.run(deployment, context):
            resource_id = item.resource.id if item.resource else ""
            if resource_id in ids or (resource_id not in deployment.vaults and not narrowed):
                found.append(item)
    return found


UNDECIDED = frozenset({"KVA505", "KVA507"})  # verdicts that neither admit nor refuse


def _outcome(
    vault: Vault,
    result: AuditResult,
    settings: config.AuditConfig,
    gates: set[str] | None = None,
) -> VaultOutcome:
    """Which configuration checks judged the vault, and which of them it failed or had waived;
    with a caller (``gates``: the codes of its verdict, None when no caller was asked about),
    the verdict too: allowed is one more check passed, a refusal's or an undecided verdict's
    codes are failed (or waived) like a check's, so a vault with a finding never shows 0."""
    checked = sorted(set(checks.applicable(vault)) - settings.ignore)
    counted = set(checked) | (gates or set())

    def codes(found: list) -> set[str]:
        return {
            f.code
            for f in found
            if f.resource is not None and f.resource.id == vault.id and f.code in counted
        }

    failed = codes(result.findings)
    waived = codes([f for f, _ in result.waived]) - failed
    verdict = None
    if gates is not None:
        shown = (gates - settings.ignore) - waived
        verdict = "allowed" if not shown else "undecided" if shown <= UNDECIDED else "refused"
    config_failed = failed & set(checked)
    config_waived = waived & set(checked)
    return VaultOutcome(
        vault.name,
        vault.id,
        "managedHSM" if vault.hsm else "vault",
        passed=len(checked) - len(config_failed) - len(config_waived) + (verdict == "allowed"),
        failed=tuple(sorted(failed)),
        waived=tuple(sorted(waived)),
        unknown=tuple(sorted(vault.unknown)),
        verdict=verdict,
    )
