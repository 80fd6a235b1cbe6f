"""429 findings: requests per 10-second window against Key Vault's documented limits.

Key Vault throttles per vault and region, per 10 seconds, by operation class (service limits):
4,000 secret/certificate transactions (300 secret creations), 4,000 software-key or 2,000
HSM-key transactions (RSA 2,048-bit / EC; larger RSA keys weigh more), 20 software-key or 10
HSM-key creations. A vault that answered 429 is KVL401 (its peak window, top callers and the
secrets they re-read); one whose peak reached 80 % of a limit without 429s is KVL402; a caller
reading one secret more than once a minute in some hour is KVL403 ("cache these").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    peak: int = 0
    peak_window: int = 0
    first_throttled: int | None = None
    last_throttled: int | None = None


def loads(analysis: Analysis) -> dict[tuple[str, str], Load]:
    found: dict[tuple[str, str], Load] = {}
    for (vault, cls, window), (requests, throttled) in analysis.windows.items():
        load = found.get((vault, cls))
        if load is None:
            load = found[(vault, cls)] = Load(vault, cls)
        load.requests += requests
        load.throttled += throttled
        if requests > load.peak or (requests == load.peak and window < load.peak_window):
            load.peak, load.peak_window = requests, window
        if throttled:
            load.throttled_windows += 1
            if load.first_throttled is None or window < load.first_throttled:
                load.first_throttled = window
            if load.last_throttled is None or window > load.last_throttled:
                load.last_throttled = window
    for key, load in found.items():
        load.requests = analysis.totals.get(key, load.requests)
    return found


def series(analysis: Analysis, load: Load) -> list[list]:
    """[[iso time, requests, throttled], ...] around the peak window, gaps as zero."""
    live = analysis.series.get((load.vault, load.cls))
    if live is not None:
        return [[iso(w * 10), r, t] for w, r, t in sorted(live)]
    rows = []
    for window in range(load.peak_window - CHART_WINDOWS, load.peak_window + CHART_WINDOWS + 1):
        requests, throttled = analysis.windows.get((load.vault, load.cls, window), (0, 0))
        rows.append([iso(window * 10), requests, throttled])
    return rows


def _top_callers(analysis: Analysis, vault: str) -> list[tuple[Caller, int, int]]:
    rows = [
        (caller, counts[0], counts[1])
        for (v, caller), counts in analysis.callers.items()
        if v == vault
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


def _hot_reads(analysis: Analysis, vault: str) -> dict[Caller, list[tuple[str, int, int]]]:
    by_caller: dict[Caller, list[tuple[str, int, int]]] = {}
    for (v, caller, secret), (total, hourly) in analysis.reads.items():
        if v == vault and hourly > analysis.settings.rereads_per_hour:
            by_caller.setdefault(caller, []).append((secret, total, hourly))
    for rows in by_caller.values():
        rows.sort(key=lambda r: (-r[1], r[0]))
    return by_caller


def _load_finding(analysis: Analysis, load: Load, hsm: bool) -> LogFinding | None:
    limit = classify.limit(load.cls, hsm)
    what = classify.CLASS_TEXT[load.cls] + (" on HSM keys" if hsm else "")
    share = load.peak / limit
    if not load.throttled and share < analysis.settings.near_limit:
        return None
    vault_id = analysis.vault_ids.get(load.vault, "")
    peak_text = (
        f"peak {load.peak:,} in the 10 s from {iso(load.peak_window * 10)} against the documented "
        f"limit of {limit:,} per 10 s per vault ({share:.0%})"
    )
    callers = _top_callers(analysis, load.vault)
    most = {c: _most_read(analysis, load.vault, c) for c, _, _ in callers}

    def reads_of(caller: Caller) -> str:
        rows = most[caller]
        return "; reads " + ", ".join(f"'{s}' {n:,}x" for s, n in rows) if rows else ""

    caller_text = ", ".join(
        f"{analysis.label(c)} ({n:,} requests, {t:,} throttled{reads_of(c)})" for c, n, t in callers
    )
    details: dict[str, Any] = {
        "key": load.cls,
        "class": load.cls,
        "limit": limit,
        "peak": load.peak,
        "peak_window": iso(load.peak_window * 10),
        "throttled": load.throttled,
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
            f"{load.throttled:,} of {load.requests:,} {what} throttled (429) in "
            f"{load.throttled_windows:,} 10-second window(s) between {iso(first)} and "
            f"{iso(last)}; {peak_text}"
        )
        if share < 1:
            message += (
                " (429s below this vault's limit: the subscription-wide limit, 5x the vault "
                "limit, or heavier operations such as RSA 3,072/4,096-bit keys were reached)"
            )
        code = "KVL401"
    else:
        first, last = load.peak_window * 10, load.peak_window * 10 + 10
        message = f"{load.requests:,} {what} and no 429 yet, but the {peak_text}"
        code = "KVL402"
    if caller_text:
        message += f"; top callers: {caller_text}"
    message += (
        "; cache what you read (the secrets above, see KVL403), reuse one client per vault, back "
        "off on 429 (Retry-After), or spread the load over more vaults"
    )
    return build(
        code,
        load.vault,
        vault_id,
        message,
        requests=load.throttled or load.peak,
        first=first,
        last=last,
        **details,
    )


def _every(hourly: int) -> str:
    seconds = 3600 / hourly
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.2g} s"


def _reread_findings(analysis: Analysis) -> list[LogFinding]:
    found = []
    vaults = sorted({v for v, _, _ in analysis.reads})
    for vault in vaults:
        for caller, rows in sorted(_hot_reads(analysis, vault).items()):
            secrets = ", ".join(
                f"'{s}' {total:,} times (up to {hourly:,} in one hour, one every {_every(hourly)})"
                for s, total, hourly in rows[: analysis.settings.top]
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
                    secrets=[{"name": s, "reads": t, "max_per_hour": h} for s, t, h in rows],
                )
            )
    return found


def findings_of(analysis: Analysis) -> list[LogFinding]:
    found = []
    for (vault, cls), load in sorted(loads(analysis).items()):
        finding = _load_finding(analysis, load, (vault, cls) in analysis.hsm)
        if finding:
            found.append(finding)
    return found + _reread_findings(analysis)
