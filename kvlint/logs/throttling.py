"""429 findings: requests per 10-second window against Key Vault's documented limits.

Key Vault throttles per vault and region, per 10 seconds, by operation class (service limits):
4,000 secret/certificate transactions, of which 300 secret creations (CREATE secret, shared with
IMPORT certificate and IMPORT key); key transactions by key type and size, weighted and enforced
on their sum (RSA 2,048-bit and EC: 4,000 software / 2,000 HSM; RSA 3,072-bit: 1,000 / 500; RSA
4,096-bit: 500 / 250); 20 software-key or 10 HSM-key creations. A subscription-wide limit is five
times the per-vault one. Requests answered 429 do not count toward the limit (throttling guide),
so a window's load is what was not refused. Where the log lacks a key's size or type, the
lightest class is assumed and the finding says so.

A vault that answered 429 is KVL401 (its peak window, the callers that were throttled and the
secrets they re-read); one whose peak reached 80 % of a limit without 429s is KVL402; a caller
reading one secret more than once a minute in some hour is KVL403 ("cache these"), with its
real peak rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kvlint.audit.model import counted, id_parts
from kvlint.logs import classify
from kvlint.logs.findings import LogFinding, build
from kvlint.logs.records import iso

if TYPE_CHECKING:
    from kvlint.logs.analyze import Analysis, Caller

CHART_WINDOWS = 30  # windows either side of the peak in the chart


@dataclass
class Load:
    vault: str
    cls: str
    requests: int = 0
    throttled: int = 0
    throttled_windows: int = 0
    peak: int = 0  # units counted toward the limit in the peak window (429s excluded)
    peak_window: int = 0
    peak_requests: int = 0  # requests in that window, 429s included
    peak_throttled: int = 0
    first_throttled: int | None = None
    last_throttled: int | None = None
    # the subscription's vaults together, in this vault's busiest throttled window
    subscription_peak: int = 0
    subscription_vaults: set[str] = field(default_factory=set)


def _subscription(analysis: Analysis, vault: str) -> str:
    return id_parts(analysis.vault_ids.get(vault, ""))[0].lower()


def loads(analysis: Analysis) -> dict[tuple[str, str], Load]:
    found: dict[tuple[str, str], Load] = {}
    by_subscription: dict[tuple[str, str, int], int] = {}
    vaults_of: dict[tuple[str, str], set[str]] = {}
    for (vault, cls, window), counts in analysis.windows.items():
        requests, throttled, units = counts
        sub = _subscription(analysis, vault)
        if sub:
            key = (sub, cls, window)
            by_subscription[key] = by_subscription.get(key, 0) + units
            vaults_of.setdefault((sub, cls), set()).add(vault)
        load = found.get((vault, cls))
        if load is None:
            load = found[(vault, cls)] = Load(vault, cls)
        load.requests += requests
        load.throttled += throttled
        if units > load.peak or (units == load.peak and window < load.peak_window):
            load.peak, load.peak_window = units, window
            load.peak_requests, load.peak_throttled = requests, throttled
        if throttled:
            load.throttled_windows += 1
            if load.first_throttled is None or window < load.first_throttled:
                load.first_throttled = window
            if load.last_throttled is None or window > load.last_throttled:
                load.last_throttled = window
    for (vault, cls, window), counts in analysis.windows.items():
        sub = _subscription(analysis, vault)
        if counts[1] and sub:
            load = found[(vault, cls)]
            load.subscription_peak = max(
                load.subscription_peak, by_subscription[(sub, cls, window)]
            )
            load.subscription_vaults = vaults_of[(sub, cls)]
    for pair, load in found.items():
        load.requests = analysis.totals.get(pair, load.requests)
    return found


def series(analysis: Analysis, load: Load) -> list[list]:
    """[[iso time, requests, throttled], ...] around the peak window, gaps as zero."""
    live = analysis.series.get((load.vault, load.cls))
    if live is not None:
        return [[iso(w * 10), r, t] for w, r, t in sorted(live)]
    rows = []
    for window in range(load.peak_window - CHART_WINDOWS, load.peak_window + CHART_WINDOWS + 1):
        requests, throttled, _ = analysis.windows.get((load.vault, load.cls, window), (0, 0, 0))
        rows.append([iso(window * 10), requests, throttled])
    return rows


def _top_callers(
    analysis: Analysis, vault: str, cls: str, throttled_only: bool
) -> list[tuple[Caller, int, int]]:
    """The callers of one class on a vault; for a throttled vault only those that were
    throttled (a caller without a 429 made no request the limit refused)."""
    rows = [
        (caller, counts[0], counts[1])
        for (v, c, caller), counts in analysis.callers.items()
        if v == vault and c == cls and (counts[1] or not throttled_only)
    ]
    rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
    return rows[: analysis.settings.top]


def _most_read(
    analysis: Analysis, vault: str, caller: Caller, limit: int = 3
) -> list[tuple[str, int]]:
    """The secrets one caller read most often on a vault, whatever the rate."""
    rows = [
        (secret, counts[0])
        for (v, c, secret), counts in analysis.reads.items()
        if v == vault and c == caller
    ]
    return sorted(rows, key=lambda r: (-r[1], r[0]))[:limit]


def _hot_reads(
    analysis: Analysis, vault: str
) -> dict[Caller, list[tuple[str, int, int, int, int]]]:
    by_caller: dict[Caller, list[tuple[str, int, int, int, int]]] = {}
    for (v, caller, secret), (total, hourly, peak, window) in analysis.reads.items():
        if v == vault and hourly > analysis.settings.rereads_per_hour:
            by_caller.setdefault(caller, []).append((secret, total, hourly, peak, window))
    for rows in by_caller.values():
        rows.sort(key=lambda r: (-r[1], r[0]))
    return by_caller


def windows_text(count: int) -> str:
    """ "in one window of 10 seconds" / "in 3 windows of 10 seconds"."""
    return "in one window of 10 seconds" if count == 1 else f"in {count:,} windows of 10 seconds"


def _kinds(analysis: Analysis, load: Load) -> list[tuple[classify.KeyKind, int]]:
    counts: dict[str, int] = analysis.kinds.get((load.vault, load.cls)) or {}
    return sorted(
        ((classify.kind_of(code), n) for code, n in counts.items()),
        key=lambda r: (-r[1], r[0].code),
    )


def _load_finding(analysis: Analysis, load: Load) -> LogFinding | None:
    base = classify.limit(load.cls, hsm=False)  # in software RSA 2,048-bit transactions
    kinds = _kinds(analysis, load)
    weights = {classify.weight(load.cls, kind) for kind, _ in kinds}
    what = classify.CLASS_TEXT[load.cls]
    if len(weights) <= 1:
        weight = weights.pop() if weights else 1
        limit, peak = base // weight, load.peak // weight
        texts = sorted({kind.text for kind, _ in kinds})
        if len(texts) == 1:
            what += f" on {texts[0]}"
        weighed = ""
    else:  # several key kinds: Key Vault enforces the weighted sum
        limit, peak = base, load.peak
        weighed = (
            " (weighed by key type and size in software RSA 2,048-bit transactions, as Key "
            "Vault enforces their sum: "
            + ", ".join(
                f"{n:,} on {kind.text} x{classify.weight(load.cls, kind)}" for kind, n in kinds
            )
            + ")"
        )
    share = peak / limit
    if not load.throttled and share < analysis.settings.near_limit:
        return None
    vault_id = analysis.vault_ids.get(load.vault, "")
    refused = (
        f", not counting the {load.peak_throttled:,} answered 429 (refused requests do not "
        "count toward the limit)"
        if load.peak_throttled
        else ""
    )
    peak_text = (
        f"peak {peak:,}{weighed} in the 10 s from {iso(load.peak_window * 10)}{refused}, against "
        f"the documented limit of {limit:,} per 10 s per vault ({share:.0%})"
    )
    callers = _top_callers(analysis, load.vault, load.cls, throttled_only=bool(load.throttled))
    most = {c: _most_read(analysis, load.vault, c) for c, _, _ in callers}

    def reads_of(caller: Caller) -> str:
        rows = most[caller]
        return "; reads " + ", ".join(f"'{s}' {n:,}x" for s, n in rows) if rows else ""

    caller_text = ", ".join(
        f"{analysis.label(c)} ({counted(n, 'request')}"
        f"{f', {t:,} throttled' if load.throttled else ''}{reads_of(c)})"
        for c, n, t in callers
    )
    sub_limit = base * classify.SUBSCRIPTION_FACTOR
    details: dict[str, Any] = {
        "key": load.cls,
        "class": load.cls,
        "limit": limit,
        "peak": peak,
        "peak_requests": load.peak_requests,
        "peak_throttled": load.peak_throttled,
        "peak_window": iso(load.peak_window * 10),
        "throttled": load.throttled,
        "key_kinds": [
            {
                "kind": kind.text,
                "requests": n,
                "weight": classify.weight(load.cls, kind),
                "assumed": kind.assumed or None,
            }
            for kind, n in kinds
        ],
        "subscription": {
            "id": _subscription(analysis, load.vault) or None,
            "limit": sub_limit,
            "peak_in_throttled_windows": load.subscription_peak if load.throttled else None,
        },
        "top_callers": [
            {
                "object_id": c[0],
                "app_id": c[1],
                "label": analysis.label(c),
                "requests": n,
                "throttled": t,
                "most_read": [{"name": secret, "reads": count} for secret, count in most[c]],
            }
            for c, n, t in callers
        ],
        "series": series(analysis, load),
    }
    if load.throttled:
        first = (load.first_throttled or 0) * 10
        last = (load.last_throttled or 0) * 10 + 10
        message = (
            f"{load.throttled:,} of {load.requests:,} {what} throttled (429) "
            f"{windows_text(load.throttled_windows)} between {iso(first)} and {iso(last)}; "
            f"{peak_text}"
        )
        if share < 1:
            others = len(load.subscription_vaults)
            if load.subscription_peak >= sub_limit:
                message += (
                    f" (below this vault's limit: the subscription's "
                    f"{counted(others, 'vault')} in this log together made {load.subscription_peak:,} in a throttled window, at or "
                    f"above the subscription-wide limit of {sub_limit:,}, 5x the vault limit)"
                )
            else:
                message += (
                    " (429s below this vault's limit, and the subscription's vaults in this log "
                    f"made at most {load.subscription_peak:,} of the subscription-wide "
                    f"{sub_limit:,} (5x) in a throttled window: vaults of the subscription "
                    "missing from this log, or operations kvlint cannot weigh, reached a limit)"
                )
        code = "KVL401"
    else:
        first, last = load.peak_window * 10, load.peak_window * 10 + 10
        message = (
            f"{load.requests:,} {what} and no 429 yet, but the busiest 10 s (from "
            f"{iso(load.peak_window * 10)}) carried {peak:,}{weighed}, {share:.0%} of the "
            f"documented limit of {limit:,} per 10 s per vault"
        )
        code = "KVL402"
    assumed = [(kind, n) for kind, n in kinds if kind.assumed]
    if assumed:
        message += (
            "; "
            + "; ".join(f"{kind.assumed} for {counted(n, 'request')}" for kind, n in assumed)
            + ", so the load may be heavier than shown"
        )
    if caller_text:
        message += (
            f"; callers throttled: {caller_text}"
            if load.throttled
            else f"; top callers: {caller_text}"
        )
    message += (
        "; cache what you read (the secrets above, see KVL403), reuse one client per vault, back "
        "off on 429 (Retry-After), or spread the load over more vaults"
    )
    return build(
        code,
        load.vault,
        vault_id,
        message,
        requests=load.throttled or load.peak_requests,
        first=first,
        last=last,
        **details,
    )


def _every(hourly: int) -> str:
    seconds = 3600 / hourly
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.2g} s"


def _rate(total: int, hourly: int, peak: int, window: int) -> str:
    """How often a secret was read: the busiest 10 seconds (a real rate) and the busiest hour."""
    hour = f"up to {hourly:,} in one hour"
    if peak > 1:
        per_second = peak / 10
        rate = f"{per_second:,.0f}" if per_second >= 10 else f"{per_second:.1f}"
        return (
            f"{total:,} times ({hour}; at the peak {peak:,} in the 10 s"
            f"{f' from {iso(window * 10)}' if window else ''}, {rate} a second)"
        )
    return f"{total:,} times ({hour}, one every {_every(hourly)} on average)"


def _reread_findings(analysis: Analysis) -> list[LogFinding]:
    found = []
    vaults = sorted({v for v, _, _ in analysis.reads})
    for vault in vaults:
        for caller, rows in sorted(_hot_reads(analysis, vault).items()):
            secrets = ", ".join(
                f"'{s}' {_rate(total, hourly, peak, window)}"
                for s, total, hourly, peak, window in rows[: analysis.settings.top]
            )
            more = len(rows) - analysis.settings.top
            found.append(
                build(
                    "KVL403",
                    vault,
                    analysis.vault_ids.get(vault, ""),
                    f"{analysis.label(caller)} read {secrets}{f' and {more} more' if more > 0 else ''}: "
                    "the value is fetched per use instead of cached; read it once (or every few "
                    "minutes) and keep it in memory, as Key Vault's throttling guidance asks",
                    requests=sum(r[1] for r in rows),
                    key=f"{caller}",
                    caller={"object_id": caller[0], "app_id": caller[1]},
                    secrets=[
                        {
                            "name": s,
                            "reads": t,
                            "max_per_hour": h,
                            "max_per_10s": p or None,
                            "peak_window": iso(w * 10) if p else None,
                        }
                        for s, t, h, p, w in rows
                    ],
                )
            )
    return found


def findings_of(analysis: Analysis) -> list[LogFinding]:
    found = []
    for _key, load in sorted(loads(analysis).items(), key=lambda item: item[0]):
        finding = _load_finding(analysis, load)
        if finding:
            found.append(finding)
    return found + _reread_findings(analysis)
