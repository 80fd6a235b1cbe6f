"""Aggregates over a stream of requests, then findings. Memory grows with distinct keys only.

A day of a busy vault is millions of records; nothing here keeps a record. What is kept:

- per (vault, throttling class, 10-second window): requests, 429s and what counted toward the
  limit (requests not answered 429, each key transaction weighed by its key's type and size);
- per (vault, throttling class): the key kinds seen (what was assumed where the log is silent);
- per (vault, class, caller): requests and 429s; per (vault, caller, secret, hour): successful
  reads, and the busiest 10-second window so far (logs come in time order, so the window being
  counted is kept and closed when the next begins: no per-window table);
- per refusal group (cause, vault, caller, detail): count, first/last time, refused addresses;
- per (vault, caller, operation): first and last success (a 403 that later succeeded);
- per (vault, address, user agent): unauthenticated 401s, and whether that client ever
  authenticated (the SDKs' normal challenge: a first request without a token, then the real one).

The file path feeds :meth:`Analysis.add` with every record; the live path
(:mod:`kvlint.logs.live`) feeds the same aggregates from KQL ``summarize`` results and the
downloaded failed records through :meth:`Analysis.add_failure`. :mod:`kvlint.logs.refusals` and
:mod:`kvlint.logs.throttling` turn the aggregates into findings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kvlint.logs import classify
from kvlint.logs.records import Record

Caller = tuple[str, str]  # (object id, app id)
MAX_ADDRESSES = 50  # distinct refused addresses kept per group (the count stays exact)


@dataclass
class Group:
    """Requests refused for one cause, by one caller, on one vault."""

    code: str
    vault: str
    vault_id: str
    caller: Caller
    detail: str
    operations: Counter = field(default_factory=Counter)
    addresses: Counter = field(default_factory=Counter)
    count: int = 0
    first: float = float("inf")
    last: float = float("-inf")
    upn: str = ""
    tenant: str = ""
    clients: Counter = field(default_factory=Counter)
    text: str = ""  # the first result description (Key Vault's words)

    def add(self, record: Record, count: int = 1) -> None:
        self.count += count
        self.first = min(self.first, record.time)
        self.last = max(self.last, record.time)
        self.operations[record.operation] += count
        if record.ip and (record.ip in self.addresses or len(self.addresses) < MAX_ADDRESSES):
            self.addresses[record.ip] += count
        if record.client and len(self.clients) < 5:
            self.clients[record.client[:120]] += count
        self.upn = self.upn or record.upn or ""
        self.tenant = self.tenant or record.tenant or ""
        self.text = self.text or record.description or ""


@dataclass
class Unauthenticated:
    count: int = 0
    first: float = float("inf")
    last: float = float("-inf")
    vault_id: str = ""
    text: str = ""


@dataclass
class Settings:
    propagation_minutes: float = 15.0  # a 403 that succeeds within this is propagation delay
    near_limit: float = 0.8  # a peak window at this share of the limit is KVL402
    rereads_per_hour: int = 60  # one caller reading one secret more often than this is KVL403
    top: int = 5  # callers and secrets named per finding


class Analysis:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.records = 0
        self.first = float("inf")
        self.last = float("-inf")
        self.statuses: Counter = Counter()
        self.vault_ids: dict[str, str] = {}
        # throttling
        # (vault, class, window) -> [requests, 429s, units counted toward the limit]
        self.windows: dict[tuple[str, str, int], list[int]] = {}
        self.kinds: dict[tuple[str, str], Counter] = {}  # key kind code -> requests
        self.callers: dict[tuple[str, str, Caller], list[int]] = {}  # (vault, class, caller)
        self.labels: dict[Caller, str] = {}
        self.hourly_reads: dict[tuple[str, Caller, str], Counter] = {}
        # [window being counted, its reads, the busiest window's reads, that window]
        self.peak_reads: dict[tuple[str, Caller, str], list[int]] = {}
        # [total, max in one hour, max in one 10-second window, that window]
        self.reads: dict[tuple[str, Caller, str], list[int]] = {}
        # refusals
        self.groups: dict[tuple[str, str, Caller, str], Group] = {}
        self.unclassified: Counter = Counter()  # (vault, status) -> count
        self.unauthenticated: dict[tuple[str, str, str], Unauthenticated] = {}
        self.authenticated_clients: set[tuple[str, str, str]] = set()
        self.successes: dict[tuple[str, Caller, str], list[float]] = {}
        self.series: dict[tuple[str, str], list[tuple[int, int, int]]] = {}  # live: chart data
        self.totals: dict[tuple[str, str], int] = {}  # live: requests per (vault, class)

    # -- the file path: every record -------------------------------------------------------------

    def add(self, record: Record) -> None:
        self.records += 1
        when = record.time
        if when < self.first:
            self.first = when
        if when > self.last:
            self.last = when
        status = record.status
        self.statuses[status] += 1
        vault = record.vault
        if vault not in self.vault_ids or (record.vault_id and not self.vault_ids[vault]):
            self.vault_ids[vault] = record.vault_id
        caller = (record.oid or "", record.appid or "")
        if record.upn and caller not in self.labels:
            self.labels[caller] = record.upn
        cls = classify.operation_class(record.operation)
        throttled = status == 429
        if cls is not None:
            kind = None
            if cls in (classify.KEY_CREATE, classify.KEY_OTHER):
                kind = classify.key_kind(record.key_type, record.key_size)
                kinds = self.kinds.setdefault((vault, cls), Counter())
                kinds[kind.code] += 1
            # a request answered 429 does not count toward the limit (throttling guide)
            units = 0 if throttled else classify.weight(cls, kind)
            key = (vault, cls, int(when // 10))
            counts = self.windows.get(key)
            if counts is None:
                self.windows[key] = [1, int(throttled), units]
            else:
                counts[0] += 1
                counts[1] += throttled
                counts[2] += units
            per_caller = self.callers.get((vault, cls, caller))
            if per_caller is None:
                self.callers[(vault, cls, caller)] = [1, int(throttled)]
            else:
                per_caller[0] += 1
                per_caller[1] += throttled
            if record.operation == "SecretGet" and record.item and 200 <= status < 300:
                # only a successful read is a read: a refused one (401, 403, 429) fetched nothing
                read = (vault, caller, record.item)
                window = int(when // 10)
                hours = self.hourly_reads.get(read)
                if hours is None:
                    hours = self.hourly_reads[read] = Counter()
                    self.peak_reads[read] = [window, 0, 0, window]
                hours[window // 360] += 1
                peak = self.peak_reads[read]
                if window != peak[0]:
                    _close_window(peak)
                    peak[0], peak[1] = window, 0
                peak[1] += 1
        if status in (401, 403):
            self.add_failure(record)
        elif status < 400 and record.authenticated:
            self._success(vault, caller, record.operation, when, when)
        if record.authenticated:
            self.authenticated_clients.add((vault, record.ip, record.client))

    def _success(
        self, vault: str, caller: Caller, operation: str, first: float, last: float
    ) -> None:
        span = self.successes.get((vault, caller, operation))
        if span is None:
            self.successes[(vault, caller, operation)] = [first, last]
        else:
            span[0] = min(span[0], first)
            span[1] = max(span[1], last)

    # -- shared: refusals (both paths) -------------------------------------------------------

    def add_failure(self, record: Record, count: int = 1) -> None:
        cause = classify.classify(record)
        if cause is None:
            self.unclassified[(record.vault, record.status)] += count
            return
        if cause.code == "KVL101" and not record.authenticated:
            key = (record.vault, record.ip, record.client)
            item = self.unauthenticated.setdefault(key, Unauthenticated())
            item.count += count
            item.first = min(item.first, record.time)
            item.last = max(item.last, record.time)
            item.vault_id = item.vault_id or record.vault_id
            item.text = item.text or record.description
            return
        if not record.authenticated and record.description:
            named = classify.caller_from_text(record.description)
            record.oid = record.oid or named.get("oid", "")
            record.appid = record.appid or named.get("appid", "")
            record.tenant = record.tenant or named.get("tenant", "")
        caller = (record.oid or "", record.appid or "")
        detail = "" if cause.code in ("KVL201", "KVL202") else cause.detail
        group_key = (cause.code, record.vault, caller, detail)
        group = self.groups.get(group_key)
        if group is None:
            group = self.groups[group_key] = Group(
                cause.code, record.vault, record.vault_id, caller, detail
            )
        if cause.code in ("KVL201", "KVL202") and cause.detail and cause.detail != record.ip:
            record.ip = cause.detail  # the address Key Vault saw, from its own message
        group.add(record, count)
        if record.upn and caller not in self.labels:
            self.labels[caller] = record.upn

    # -- the live path: pre-aggregated rows ------------------------------------------------------

    def add_window(
        self,
        vault: str,
        vault_id: str,
        cls: str,
        window: int,
        requests: int,
        throttled: int,
        units: int | None = None,
    ) -> None:
        """One 10-second window of the live path; ``units`` is what counted toward the limit
        (None: every request not answered 429, at weight 1)."""
        self.vault_ids.setdefault(vault, vault_id)
        counts = self.windows.setdefault((vault, cls, window), [0, 0, 0])
        counts[0] += requests
        counts[1] += throttled
        counts[2] += requests - throttled if units is None else units

    def add_kind(self, vault: str, cls: str, code: str, requests: int) -> None:
        self.kinds.setdefault((vault, cls), Counter())[code] += requests

    def add_caller(
        self, vault: str, cls: str, caller: Caller, upn: str, requests: int, throttled: int
    ) -> None:
        counts = self.callers.setdefault((vault, cls, caller), [0, 0])
        counts[0] += requests
        counts[1] += throttled
        if upn and caller not in self.labels:
            self.labels[caller] = upn

    def add_reads(
        self,
        vault: str,
        caller: Caller,
        secret: str,
        total: int,
        hourly: int,
        peak: int = 0,
        peak_window: int = 0,
    ) -> None:
        """A secret's successful reads: in all, at most in one hour and in one 10-second
        window (``peak``, from ``peak_window``; 0 when the source does not say)."""
        counts = self.reads.setdefault((vault, caller, secret), [0, 0, 0, 0])
        counts[0] += total
        counts[1] = max(counts[1], hourly)
        if peak > counts[2]:
            counts[2], counts[3] = peak, peak_window

    def add_unauthenticated(
        self,
        vault: str,
        vault_id: str,
        ip: str,
        client: str,
        count: int,
        first: float,
        last: float,
        authenticated: bool,
    ) -> None:
        item = self.unauthenticated.setdefault((vault, ip, client), Unauthenticated())
        item.count += count
        item.first = min(item.first, first)
        item.last = max(item.last, last)
        item.vault_id = item.vault_id or vault_id
        if authenticated:
            self.authenticated_clients.add((vault, ip, client))

    def add_success(
        self, vault: str, caller: Caller, operation: str, first: float, last: float
    ) -> None:
        self._success(vault, caller, operation, first, last)

    # -- results -------------------------------------------------------------------------------

    def label(self, caller: Caller) -> str:
        oid, appid = caller
        upn = self.labels.get(caller)
        parts = [f"object {oid}" if oid else "", f"app {appid}" if appid else ""]
        who = " ".join(p for p in parts if p) or "an unidentified caller"
        return f"{upn} ({who})" if upn else who

    def finish_reads(self) -> None:
        for key, hours in self.hourly_reads.items():
            peak = self.peak_reads[key]
            _close_window(peak)
            self.add_reads(*key, sum(hours.values()), max(hours.values()), peak[2], peak[3])
        self.hourly_reads.clear()
        self.peak_reads.clear()


def _close_window(peak: list[int]) -> None:
    """Fold the window being counted into the busiest one (the earliest wins a tie)."""
    window, count = peak[0], peak[1]
    if count > peak[2] or (count == peak[2] and window < peak[3]):
        peak[2], peak[3] = count, window
