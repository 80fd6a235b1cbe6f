"""One ``kvlint token`` run as a typed request: get the token (given or acquired), decode it,
diagnose it. No argument parsing and no output here (:mod:`kvlint.commands.token` does those)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TextIO

from kvlint.errors import KvlintError
from kvlint.findings import Finding
from kvlint.token import acquire as acquiring
from kvlint.token.decode import Token, load, parse, vault_target
from kvlint.token.diagnose import DEFAULT_SKEW, PUBLIC_AUDIENCE, diagnose

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


@dataclass(frozen=True)
class TokenRequest:
    """What to diagnose and against what. Invalid combinations raise :class:`KvlintError`."""

    token: str | None = None  # JWT, 'Bearer …', '-' / None (stdin), '@FILE'
    tenant: str | None = None
    vault: str | None = None
    skew: timedelta = DEFAULT_SKEW
    acquire: bool = False
    scope: str | None = None
    explain: bool = False  # with acquire: walk DefaultAzureCredential's chain from its log
    vaults_file: str | None = None  # with explain and vault: the vault's gates (checked by the
    # command with kvlint.explain.predict: the token face may not use the audit)
    ip: str | None = None
    stdin: TextIO | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.skew < timedelta(0):
            raise KvlintError("--skew must not be negative")
        if self.tenant and not _GUID.fullmatch(self.tenant):
            raise KvlintError(
                f"--tenant must be a tenant id (a GUID), not {self.tenant!r}: tokens carry the id"
            )


@dataclass(frozen=True)
class Examination:
    token: Token
    findings: list[Finding]
    now: datetime
    tenant_checked: bool
    walk: acquiring.Walk | None = None


class ChainFailed(KvlintError):
    """--explain: no credential answered; the walk says why each was skipped."""

    def __init__(self, message: str, walk: acquiring.Walk) -> None:
        super().__init__(message)
        self.walk = walk


def examine(request: TokenRequest, now: datetime | None = None) -> Examination:
    if request.vaults_file and not (request.acquire and request.explain and request.vault):
        raise KvlintError("--input needs --acquire --explain and --vault URL")
    if request.ip and not request.vaults_file:
        raise KvlintError("--ip applies only with --input")
    vault = vault_target(request.vault) if request.vault else None
    if request.acquire:
        if request.token is not None:
            raise KvlintError("give either a token or --acquire, not both")
        scope = request.scope or f"{vault.audience if vault else PUBLIC_AUDIENCE}/.default"
        authority = vault.cloud.authority_host if vault else None
        walk = None
        if request.explain:
            raw, walk, failure = acquiring.acquire_walk(
                scope, authority_host=authority, tenant=request.tenant
            )
            if raw is None:
                raise ChainFailed(failure, walk)
        else:
            raw = acquiring.acquire(scope, authority_host=authority, tenant=request.tenant)
        token = parse(raw)
    else:
        walk = None
        if request.explain:
            raise KvlintError("--explain applies only with --acquire")
        if request.scope:
            raise KvlintError("--scope applies only with --acquire")
        token = load(request.token, request.stdin)
    now = now or datetime.now(timezone.utc)
    findings = diagnose(
        token.claims, tenant=request.tenant, vault_url=request.vault, now=now, skew=request.skew
    )
    return Examination(token, findings, now, tenant_checked=bool(request.tenant), walk=walk)
