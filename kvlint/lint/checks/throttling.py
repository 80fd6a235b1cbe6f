"""KV3xx: why Key Vault answers 429 Too Many Requests.

Key Vault throttles per vault (about 4,000 transactions per 10 s for secrets, far fewer for HSM
key creation). The SDK clients retry 429 with exponential backoff and honour ``Retry-After``;
these checks find code that switches that off, bypasses it, or simply asks too often. The
facts they share (Key Vault calls, loops, request handlers, caching, retry protection) come
from :mod:`kvlint.lint.flow`, computed once per module.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint import flow
from kvlint.lint import types as kvtypes
from kvlint.lint.analysis import Analysis, arg, keywords
from kvlint.lint.checks import Check
from kvlint.lint.facts import derives_from
from kvlint.lint.model import Report

SDK_RETRY = (
    "azure-core's retry policy (on by default: exponential backoff, honours Retry-After, "
    "retry_total=10)"
)
RETRY_KEYWORDS = ("retry_total", "retry_status")
NO_RETRY_POLICIES = ("RetryPolicy", "AsyncRetryPolicy")


class RetryDisabled(Check):
    codes = ("KV301",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        calls = [
            call
            for call, tag in flow.kv_constructors(analysis)
            if kvtypes.category(tag) == "kv-client"
        ]
        calls += [kv.call for kv in flow.kv_calls(analysis) if kv.http is None]
        for call in calls:
            setting = self._disabling(analysis, call)
            if setting is not None:
                yield Report(
                    "KV301",
                    call,
                    (
                        f"Key Vault retries are switched off ({setting}): every 429 (throttling) "
                        f"becomes an error instead of a wait. Drop the setting and keep "
                        f"{SDK_RETRY}; tune retry_total / retry_backoff_factor / "
                        f"retry_backoff_max if needed."
                    ),
                )

    @classmethod
    def _disabling(cls, analysis: Analysis, call: cst.Call) -> str | None:
        options = dict(keywords(call))
        for argument in call.args:
            if argument.star == "**":
                options.update(_dict_options(analysis, argument.value))
        for name in RETRY_KEYWORDS:
            if name in options and flow.int_value(analysis, options[name].value) == 0:
                return f"{name}=0"
        policy = options.get("retry_policy")
        if policy is not None and cls._no_retry_policy(analysis, policy.value):
            return "a retry_policy without retries"
        return None

    @classmethod
    def _no_retry_policy(cls, analysis: Analysis, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            values = analysis.assigned_values(expr)
            return bool(values) and all(cls._no_retry_policy(analysis, v) for v in values)
        if not isinstance(expr, cst.Call):
            return False
        name = analysis.callee(expr) or ""
        parts = name.rsplit(".", 2)
        if parts[-1] == "no_retries" and len(parts) > 1 and parts[-2] in NO_RETRY_POLICIES:
            return True
        if parts[-1] in NO_RETRY_POLICIES:
            kw = keywords(expr)
            return any(
                k in kw and flow.int_value(analysis, kw[k].value) == 0 for k in RETRY_KEYWORDS
            )
        return False


def _dict_options(analysis: Analysis, expr: cst.BaseExpression) -> dict[str, cst.Arg]:
    """``**{"retry_total": 0}`` / ``**options`` (a local dict literal) as keyword arguments."""
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        expr = values[-1] if values else expr
    options = {}
    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                key = analysis.fold_str(element.key)
                if key:
                    options[key] = cst.Arg(element.value)
    return options


class RawRequestWithoutRetry(Check):
    codes = ("KV302",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in flow.kv_calls(analysis):
            if kv.http is None or flow.retry_protection(analysis, kv) is not None:
                continue
            loop_note = ""
            if any(
                flow.is_retry_loop(analysis, loop, kv) for loop in flow.loops_of(analysis, kv.call)
            ):
                loop_note = " The loop around it retries without backing off (see KV303)."
            yield Report(
                "KV302",
                kv.call,
                (
                    f"raw {kv.http.library} request to Key Vault with no retry: a 429 (throttling) "
                    f"or 503 fails at once.{loop_note} Prefer the Key Vault SDK client "
                    f"({SDK_RETRY}); otherwise retry with exponential backoff that honours "
                    f"Retry-After (tenacity / backoff, or a requests Session mounting "
                    f"HTTPAdapter(max_retries=Retry(total=5, backoff_factor=1, "
                    f"status_forcelist=[429, 500, 503])))."
                ),
            )


class RetryWithoutBackoff(Check):
    codes = ("KV303",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        seen: set[cst.CSTNode] = set()
        for kv in flow.kv_calls(analysis):
            for loop in flow.loops_of(analysis, kv.call):
                if loop.node in seen or loop.library_retry or loop.retry_after:
                    continue
                if not flow.is_retry_loop(analysis, loop, kv):
                    continue
                seen.add(loop.node)
                problems = []
                if not loop.sleeps:
                    problems.append("retries immediately (no sleep)")
                elif not flow.delay_grows(analysis, loop):
                    problems.append("sleeps a constant time")
                if not loop.bounded:
                    problems.append("never gives up (no attempt limit)")
                if not problems:
                    continue
                yield Report(
                    "KV303",
                    loop.node,
                    (
                        f"hand-written retry loop around a Key Vault call {' and '.join(problems)}: "
                        f"under throttling each attempt is another 429 and keeps the vault "
                        f"throttled. Back off exponentially (e.g. 2 ** attempt seconds, capped, "
                        f"with jitter), honour the Retry-After header and limit the attempts - or "
                        f"drop the loop and rely on {SDK_RETRY}."
                    ),
                )


class ReadInLoop(Check):
    codes = ("KV304",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in flow.kv_calls(analysis):
            if not kv.read:
                continue
            why = self._why(analysis, kv)
            if why is None or flow.is_cached(analysis, kv.call):
                continue
            yield Report(
                "KV304",
                kv.call,
                (
                    f"Key Vault read {why}: the request count grows with every iteration and "
                    f"counts against the vault's limit (about 4,000 requests per 10 s, shared by "
                    f"every caller), ending in 429. Read each secret once and cache it with a TTL "
                    f"(e.g. cachetools.TTLCache), outside the loop."
                ),
            )

    @staticmethod
    def _why(analysis: Analysis, kv: flow.KvCall) -> str | None:
        for loop in flow.loops_of(analysis, kv.call):
            if flow.is_retry_loop(analysis, loop, kv):
                continue  # KV303's business
            if loop.kind == "while":
                if _paginates(analysis, loop, kv):
                    continue
                return "inside a while loop (polling)"
            if loop.sleeps:
                return "inside a loop that sleeps (polling)"
            if flow.iterates_literal(analysis, loop):
                continue
            if flow.iterates_kv_list(analysis, loop) and flow.uses_loop_item(analysis, loop, kv):
                continue  # N+1 over a listing: KV308
            return f"inside a {loop.described} over data that is not a fixed list of names"
        return None


def _paginates(analysis: Analysis, loop: flow.Loop, kv: flow.KvCall) -> bool:
    """``while url: r = requests.get(url); url = r.json().get("nextLink")``."""
    if not isinstance(loop.node, cst.While):
        return False
    tested = flow.names_in(analysis, loop.node.test)
    return any(
        derives_from(analysis, a, lambda n: isinstance(n, cst.Name) and n.value in tested)
        for a in kv.name_args
    ) and bool(tested & loop.counters - loop.targets or _reassigned_in(analysis, loop, tested))


def _reassigned_in(analysis: Analysis, loop: flow.Loop, names: set[str]) -> bool:
    for node in flow.subtree(analysis, loop.node.body):
        if isinstance(node, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value in names for t in node.targets
        ):
            return True
    return False


class ReadPerRequest(Check):
    codes = ("KV305",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in flow.kv_calls(analysis):
            if not kv.read:
                continue
            context = flow.request_context(analysis, kv.call)
            if context is None or flow.is_cached(analysis, kv.call):
                continue
            yield Report(
                "KV305",
                kv.call,
                (
                    f"Key Vault read on every request ({context.describe()}): traffic to the app "
                    f"becomes traffic to the vault, which throttles at about 4,000 requests per "
                    f"10 s and answers 429. Read the value once at startup, or cache it with a "
                    f"TTL (cachetools.TTLCache, @cached(TTLCache(maxsize=64, ttl=600))), using "
                    f"a module-level client."
                ),
            )


NOT_PER_CALL = ("__init__", "main", "__aenter__", "setUp", "setup")


class ClientPerCall(Check):
    codes = ("KV306",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call, tag in flow.kv_constructors(analysis):
            where = self._where(analysis, call)
            if where is None or flow.is_cached(analysis, call):
                continue
            name = tag.split(":", 1)[1]
            what = "credential" if kvtypes.category(tag) == "credential" else "Key Vault client"
            yield Report(
                "KV306",
                call,
                (
                    f"new {name} ({what}) built {where}: each one starts without a token cache "
                    f"or connection pool, so every call also asks Azure AD for a token and opens "
                    f"new connections, multiplying requests until they are throttled (429). "
                    f"Create the credential and client once - at module level, at app startup, "
                    f"or in an @functools.cache factory - and reuse them."
                ),
            )

    @staticmethod
    def _where(analysis: Analysis, call: cst.Call) -> str | None:
        for loop in flow.loops_of(analysis, call):
            per_item = flow.from_loop_item(analysis, loop, [a.value for a in call.args])
            if not per_item:  # one client per vault / tenant is fine, one per item is not
                return f"inside a {loop.described}"
        context = flow.request_context(analysis, call)
        if context is not None:
            return f"on every request ({context.describe()})"
        function = analysis.enclosing_function(call)
        if function is None or function.name.value in NOT_PER_CALL:
            return None
        if function in flow.auth_callbacks(analysis):
            return f"in {function.name.value}(), the authentication callback run for every request"
        if flow.accessor_reads(analysis, function):
            return f"in {function.name.value}(), on every call of this accessor"
        return None


HSM_CREATE_METHODS = ("create_rsa_key", "create_ec_key")
HSM_KEY_TYPE_MEMBERS = ("rsa_hsm", "ec_hsm")  # azure.keyvault.keys.KeyType
HSM_KEY_TYPE_VALUES = ("RSA-HSM", "EC-HSM")


class HsmKeyCreateInLoop(Check):
    codes = ("KV307",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in flow.kv_calls(analysis):
            if kv.http is not None or not self._creates_hsm_key(analysis, kv):
                continue
            loops = flow.loops_of(analysis, kv.call)
            if not loops or flow.in_retry_only(analysis, kv):
                continue
            yield Report(
                "KV307",
                kv.call,
                (
                    f"HSM-protected key created in a {loops[0].described}: Key Vault allows only "
                    f"about 10 HSM RSA/EC key creations per 10 s per vault, so bulk creation is "
                    f"throttled (429). Pace the creations (a sleep between keys, honouring "
                    f"Retry-After), create keys ahead of time, or use software-protected keys "
                    f"where HSM protection is not required."
                ),
            )

    @staticmethod
    def _creates_hsm_key(analysis: Analysis, kv: flow.KvCall) -> bool:
        kw = keywords(kv.call)
        if kv.method in HSM_CREATE_METHODS:
            hardware = kw.get("hardware_protected")
            return hardware is not None and flow.int_value(analysis, hardware.value) == 1
        if kv.method == "create_key":
            key_type = arg(kv.call, "key_type", 1)
            return key_type is not None and _is_hsm_key_type(analysis, key_type.value)
        return False


def _is_hsm_key_type(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value.lower() in HSM_KEY_TYPE_MEMBERS
    if isinstance(expr, cst.Name) and analysis.fold_str(expr) is None:
        return any(_is_hsm_key_type(analysis, v) for v in analysis.assigned_values(expr))
    return (analysis.fold_str(expr) or "").upper() in HSM_KEY_TYPE_VALUES


class ListThenGet(Check):
    codes = ("KV308",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in flow.kv_calls(analysis):
            if kv.http is not None or not kv.method.startswith("get_"):
                continue
            for loop in flow.loops_of(analysis, kv.call):
                listing = flow.iterates_kv_list(analysis, loop)
                if listing and flow.uses_loop_item(analysis, loop, kv):
                    yield Report(
                        "KV308",
                        kv.call,
                        (
                            f"{kv.method}() for every item of {listing}(): one request per item "
                            f"(N+1), so a large vault is throttled (429). The listed properties "
                            f"already carry names, tags, dates and content types; fetch values "
                            f"only for the items you need, and cache them with a TTL."
                        ),
                    )
                    break


CHECKS = [
    RetryDisabled,
    RawRequestWithoutRetry,
    RetryWithoutBackoff,
    ReadInLoop,
    ReadPerRequest,
    ClientPerCall,
    HsmKeyCreateInLoop,
    ListThenGet,
]
