"""What every ``kvlint audit`` format shares: the finding order, severities and the summary line."""

from __future__ import annotations

from collections import Counter

from kvlint.audit.model import AuditResult, Reachability
from kvlint.findings import Finding, Resource

RANK = {"info": 0, "warning": 1, "error": 2}
# reachability verdicts after the configuration checks, in Key Vault's order of gates:
# tenant (the token), network, identity
GATES = {
    code: rank
    for rank, code in enumerate(
        (
            "KVT105",
            "KVT101",
            "KVT102",
            "KVT103",
            "KVT104",
            "KVA501",
            "KVA507",
            "KVA502",
            "KVA503",
            "KVA504",
            "KVA505",
            "KVA506",
        ),
        1,
    )
}


NO_RESOURCE = Resource("", "")


def resource(f: Finding) -> Resource:
    """The vault or managed HSM an audit finding is about (every audit finding names one)."""
    return f.resource or NO_RESOURCE


def resource_key(f: Finding) -> tuple[str, str, str]:
    r = resource(f)
    return (r.subscription.lower(), r.name.lower(), r.id.lower())


def ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            *resource_key(f),
            GATES.get(f.code, 0),
            f.code,
            f.message,
        ),
    )


def summary(result: AuditResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    plural = "" if result.vaults_audited == 1 else "s"
    subs = len(result.subscriptions)
    text = f"{result.vaults_audited} vault{plural} audited"
    if subs:
        text += f" in {subs} subscription{'' if subs == 1 else 's'}"
    parts = [
        f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
        for s in ("error", "warning", "info")
        if counts[s]
    ]
    text += ": " + (", ".join(parts) if parts else "no findings")
    if result.hidden:
        text += f"; {result.hidden} below --severity not shown"
    if result.waived:
        text += f"; {len(result.waived)} waived"
    if result.errors:
        text += f"; {len(result.errors)} read error{'s' if len(result.errors) != 1 else ''}"
    return text


def reach_line(reach: Reachability | None) -> str | None:
    if reach is None:
        return None
    allowed = ", ".join(sorted(reach.allowed, key=str.lower)) if reach.allowed else "no vault"
    line = f"reachability of {reach.question}: allowed on {allowed}"
    if reach.unverified:
        names = sorted(reach.unverified, key=str.lower)
        reasons = sorted(set(reach.unverified.values()))
        line += (
            f" (on {', '.join(names)} as far as role assignments go: {'; '.join(reasons)}, "
            "and a deny assignment wins over every role)"
        )
    return line
