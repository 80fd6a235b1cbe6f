"""The logs classifiers and aggregates in process: tricky positives and negatives."""

from __future__ import annotations

import json

import pytest

from kvlint.logs import classify, records, service
from kvlint.logs.analyze import Analysis, Settings
from tests.logs_data import record

OID = "2f1c7d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"


def rec(status: int, text: str = "", **props) -> records.Record:
    doc = record(1772445600.0, "kv-a", status=status)
    doc["resultDescription"] = text
    doc["properties"].update(props)
    return records.normalize(doc)


@pytest.mark.parametrize(
    ("status", "text", "props", "expected"),
    [
        (
            401,
            "AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://vault.azure.net/.",
            {},
            ("KVL102", "https://vault.azure.net/"),
        ),
        (
            401,
            "AKV10022: Invalid audience. Expected https://vault.azure.cn, found: https://vault.azure.cn/.",
            {},
            ("KVL102", "https://vault.azure.cn/"),
        ),
        # a trailing slash on another resource is not the Key Vault slash mistake
        (
            401,
            "AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://management.core.windows.net/.",
            {},
            ("KVL103", "https://management.core.windows.net/"),
        ),
        (
            401,
            "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/a/, found https://sts.windows.net/b/.",
            {},
            ("KVL106", "https://sts.windows.net/b/"),
        ),
        (401, "Lifetime validation failed. IDX10223: The token is expired.", {}, ("KVL104", "")),
        (
            401,
            "AKV10046: Unable to resolve the key used for signature validation.",
            {},
            ("KVL109", "AKV10046: Unable to resolve the key used for signature validation."),
        ),
        (
            403,
            "Client address (198.51.100.9) is not authorized and caller is not a trusted service",
            {},
            ("KVL201", "198.51.100.9"),
        ),
        (403, "", {"isAddressAuthorized": False}, ("KVL201", "20.50.9.9")),
        (
            403,
            "Caller was not found on any access policy in this key vault",
            {},
            ("KVL301", "secrets/get"),
        ),
        (
            403,
            "",
            {"isRbacAuthorized": False},
            ("KVL302", "Microsoft.KeyVault/vaults/secrets/getSecret/action"),
        ),
    ],
)
def test_causes(status, text, props, expected):
    cause = classify.classify(rec(status, text, **props))
    assert (cause.code, cause.detail) == expected


def test_a_403_nothing_explains_is_not_guessed():
    assert classify.classify(rec(403, "")) is None
    assert classify.classify(rec(403, "Operation decrypt is not permitted on this key.")) is None
    analysis = Analysis()
    analysis.add(rec(403, ""))
    assert service.findings(analysis) == [] and analysis.unclassified[("kv-a", 403)] == 1


def test_other_statuses_have_no_cause():
    for status in (200, 404, 429, 500):
        assert classify.classify(rec(status, "Client address is not authorized")) is None


def test_operation_permissions_and_classes():
    assert classify.permission("SecretGet") == ("secrets", "get")
    assert classify.permission("KeyUnwrap") == ("keys", "unwrapKey")
    assert classify.permission("SecretUnwrap") is None  # no such permission for secrets
    assert classify.permission("VaultGet") is None
    assert classify.data_action("KeySign") == "Microsoft.KeyVault/vaults/keys/sign/action"
    assert classify.operation_class("SecretSet") == "secret-create"
    assert classify.operation_class("CertificateGet") == "secrets"
    assert classify.operation_class("KeyRotate") == "key-create"
    assert classify.operation_class("KeyDecrypt") == "key-other"
    assert classify.operation_class("SecretNearExpiryEventGridNotification") is None
    assert classify.operation_class("VaultGet") is None  # ARM, not the data-plane limits
    assert (
        classify.limit("key-create", hsm=True) == 10 and classify.limit("key-other", True) == 2000
    )


def test_caller_named_in_the_text_when_claims_are_missing():
    found = classify.caller_from_text(
        f"Caller: appid=1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e;oid={OID};"
        "iss=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"
    )
    assert found == {
        "appid": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        "oid": OID,
        "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    }


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ([], "a list, not a record object"),
        ({"foo": 1}, "unknown record shape"),
        (
            {"operationName": "SecretGet", "time": "yesterday", "resourceId": "/x/vaults/v"},
            "unreadable time",
        ),
        (
            {
                "operationName": "SecretGet",
                "time": "2026-03-02T10:00:00+02:00",
                "resourceId": "/x/vaults/v",
            },
            "is not UTC",
        ),
        ({"operationName": "", "time": "2026-03-02T10:00:00Z"}, "no operationName"),
        ({"operationName": "SecretGet", "time": "2026-03-02T10:00:00Z"}, "no vault"),
    ],
)
def test_bad_records_say_why(doc, reason):
    with pytest.raises(records.BadRecord, match=reason):
        records.normalize(doc)


def test_near_limit_threshold_and_rereads_threshold():
    analysis = Analysis(Settings(rereads_per_hour=60))
    base = 1772445600.0
    for i in range(3199):  # 79.975 % of 4,000 in one window: below the 80 % line
        analysis.add(records.normalize(record(base + i * 10 / 3200, "kv-a", secret=f"s{i % 60}")))
    assert service.findings(analysis) == []
    analysis.add(records.normalize(record(base + 9.99, "kv-a", secret="s1")))
    assert [f.code for f in service.findings(Analysis())] == []
    assert [f.code for f in service.findings(analysis)] == ["KVL402"]


def _json_values():
    from hypothesis import strategies as st

    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=30)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def test_hostile_fields_are_bad_records_never_crashes():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tests.test_logs import DATA

    base = json.loads((DATA / "archive-records.json").read_text())["records"][0]
    diag = json.loads((DATA / "azurediagnostics.json").read_text())[0]
    azkv = json.loads((DATA / "azkvauditlogs.json").read_text())[0]

    @settings(max_examples=300, deadline=None)
    @given(
        st.sampled_from([base, diag, azkv]),
        st.lists(st.tuples(st.text(max_size=12), _json_values()), max_size=4),
        st.lists(st.sampled_from(sorted({*base, *diag, *azkv})), max_size=4),
    )
    def check(doc, extra, replaced):
        doc = dict(doc)
        for key in replaced:
            doc[key] = extra[0][1] if extra else None
        for key, value in extra:
            doc[key] = value
        try:
            record = records.normalize(doc)
        except records.BadRecord:
            return
        analysis = Analysis()
        analysis.add(record)
        service.findings(analysis)

    check()


def test_hsm_key_creation_is_judged_against_ten_per_ten_seconds():
    analysis = Analysis()
    base = 1772445600.0
    for i in range(12):
        doc = record(
            base + i * 0.5, "kv-hsm", operation="KeyCreate", status=429 if i >= 10 else 200
        )
        doc["properties"]["requestUri"] = (
            f"https://kv-hsm.vault.azure.net/keys/k{i}/create?api-version=7.4"
        )
        doc["properties"]["keyProperties"] = {"type": "RSA-HSM", "size": 2048}
        analysis.add(records.normalize(doc))
    (finding,) = service.findings(analysis)
    assert finding.code == "KVL401"
    # the two answered 429 do not count toward the limit
    assert finding.details["limit"] == 10 and finding.details["peak"] == 10
    assert "2 of 12 key creations on RSA 2,048-bit HSM keys throttled (429)" in finding.message


def test_the_trailing_slash_fix_names_the_clouds_own_audience():
    analysis = Analysis()
    analysis.add(
        rec(
            401,
            "AKV10022: Invalid audience. Expected https://vault.azure.cn, found: https://vault.azure.cn/.",
        )
    )
    (finding,) = service.findings(analysis)
    assert finding.code == "KVL102"
    assert "request the scope https://vault.azure.cn/.default (v2)" in finding.message
    assert "vault.azure.net" not in finding.message


def test_refused_reads_are_not_reads():
    """Issue 23 item 12: 120 x 401 TokenExpired are no reads, and "cache it" is not advised."""
    analysis = Analysis()
    base = 1772445600.0
    for i in range(120):
        doc = record(base + i * 20, "kv-a", status=401)
        doc["identity"] = {}
        doc["resultDescription"] = "[TokenExpired] Error validating token: 'S2S12086'."
        analysis.add(records.normalize(doc))
    for status in (403, 429, 404):
        for i in range(100):
            analysis.add(records.normalize(record(base + 3000 + i, "kv-b", status=status)))
    found = service.findings(analysis)
    assert "KVL403" not in [f.code for f in found]
    expired = [f for f in found if f.vault == "kv-a"]
    assert [f.code for f in expired] == ["KVL104"]
    assert not any("instead of cached" in f.message for f in found)
    # and 61 successful reads in one hour still are
    for i in range(61):
        analysis.add(records.normalize(record(base + i, "kv-c")))
    assert [f.vault for f in service.findings(analysis) if f.code == "KVL403"] == ["kv-c"]


def _key_op(epoch: float, vault: str, operation: str, key_type: str | None, size, status=200):
    doc = record(epoch, vault, operation=operation, status=status)
    doc["properties"]["requestUri"] = f"https://{vault}.vault.azure.net/keys/k/sign?api-version=7.4"
    if key_type is not None:
        doc["properties"]["keyProperties"] = {"type": key_type, **({"size": size} if size else {})}
    return records.normalize(doc)


def test_key_limits_depend_on_key_type_and_size():
    """Issue 23 item 13: RSA 4,096-bit HSM keys allow 250 transactions per 10 s, not 2,000."""
    analysis = Analysis()
    base = 1772445600.0
    for i in range(300):
        analysis.add(_key_op(base + i * 0.03, "kv-4096", "KeySign", "RSA-HSM", 4096))
    for i in range(900):  # RSA 3,072 software: 1,000 per 10 s
        analysis.add(_key_op(base + i * 0.01, "kv-3072", "KeyDecrypt", "RSA", 3072))
    for i in range(900):  # the same load on EC keys is far from EC's 4,000
        analysis.add(_key_op(base + i * 0.01, "kv-ec", "KeyDecrypt", "EC", None))
    found = {f.vault: f for f in service.findings(analysis)}
    assert sorted(found) == ["kv-3072", "kv-4096"]
    hsm = found["kv-4096"]
    assert hsm.code == "KVL402"
    assert (hsm.details["limit"], hsm.details["peak"]) == (250, 300)
    assert "key transactions on RSA 4,096-bit HSM keys" in hsm.message
    assert found["kv-3072"].details["limit"] == 1000


def test_mixed_key_kinds_are_weighed_and_a_missing_size_is_said():
    analysis = Analysis()
    base = 1772445600.0
    for i in range(200):  # 200 x 16
        analysis.add(_key_op(base + i * 0.04, "kv-mix", "KeySign", "RSA-HSM", 4096))
    for i in range(300):  # size not logged: counted as RSA 2,048 (weight 1)
        analysis.add(_key_op(base + i * 0.03, "kv-mix", "KeySign", "RSA", None))
    (finding,) = service.findings(analysis)
    assert finding.code == "KVL402"
    assert finding.details["peak"] == 200 * 16 + 300 and finding.details["limit"] == 4000
    assert "weighed by key type and size" in finding.message
    assert "key size not in the log: counted as RSA 2,048-bit (the lightest) for 300" in (
        finding.message
    )


def test_imports_share_the_secret_creation_limit():
    analysis = Analysis()
    base = 1772445600.0
    for i, operation in enumerate(
        ["SecretSet"] * 150 + ["CertificateImport"] * 100 + ["KeyImport"] * 50
    ):
        analysis.add(records.normalize(record(base + i * 0.03, "kv-imp", operation=operation)))
    (finding,) = service.findings(analysis)
    assert finding.code == "KVL402" and finding.details["class"] == "secret-create"
    assert (finding.details["peak"], finding.details["limit"]) == (300, 300)


def test_the_subscription_wide_limit_explains_429s_below_the_vault_limit():
    analysis = Analysis()
    base = 1772445600.0
    for vault in ("kv-s1", "kv-s2", "kv-s3", "kv-s4", "kv-s5", "kv-s6"):
        for i in range(3500):
            status = 429 if vault == "kv-s6" and i >= 3400 else 200
            analysis.add(records.normalize(record(base + i * 10 / 3500, vault, status=status)))
    throttled = [f for f in service.findings(analysis) if f.code == "KVL401"]
    (finding,) = throttled
    assert finding.vault == "kv-s6"
    assert finding.details["subscription"]["limit"] == 20000
    assert finding.details["subscription"]["peak_in_throttled_windows"] == 5 * 3500 + 3400
    assert "at or above the subscription-wide limit of 20,000, 5x the vault limit" in (
        finding.message
    )


def test_throttling_messages_read_well():
    """Issue 23 item 19: one window is "one window", and a caller with no 429 is not listed
    among the callers of a throttled vault."""
    analysis = Analysis()
    base = 1772445600.0
    for i in range(4100):
        status = 429 if i >= 4000 else 200
        analysis.add(records.normalize(record(base + i * 9 / 4100, "kv-a", status=status, oid=OID)))
    for i in range(50):  # another caller, an hour later: never throttled
        analysis.add(records.normalize(record(base + 3600 + i, "kv-a")))
    (finding,) = [f for f in service.findings(analysis) if f.code == "KVL401"]
    assert "throttled (429) in one window of 10 seconds between" in finding.message
    assert "window(s)" not in finding.message
    assert [c["object_id"] for c in finding.details["top_callers"]] == [OID]
    assert "callers throttled: object " + OID in finding.message


def test_rereads_name_the_real_peak_rate():
    """Issue 23 item 19: 4,301 reads within 10 s are 430 a second, not one every 0.84 s."""
    analysis = Analysis()
    base = 1772445600.0
    for i in range(4301):
        analysis.add(records.normalize(record(base + i * 9.9 / 4301, "kv-a", oid=OID)))
    (finding,) = [f for f in service.findings(analysis) if f.code == "KVL403"]
    assert "4,301 times (up to 4,301 in one hour; at the peak 4,301 in the 10 s from" in (
        finding.message
    )
    assert "430 a second" in finding.message and "0.84" not in finding.message
    assert finding.details["secrets"][0]["max_per_10s"] == 4301


@pytest.mark.parametrize("shape", ["lines", "csv", "array"])
def test_a_huge_record_is_skipped_in_bounded_memory(tmp_path, shape):
    """Issue 23 item 7: one 24 MB line is one unreadable record, read a chunk at a time (never
    held whole); the records around it are read."""
    import tracemalloc

    from kvlint.logs import sources

    good = json.dumps(record(1772445600.0, "kv-a"))
    huge = '{"time": "2026-03-02T10:00:00Z", "pad": "' + "x" * (24 << 20) + '"}'
    path = tmp_path / f"big.{'csv' if shape == 'csv' else 'json'}"
    with path.open("w", encoding="utf-8") as out:
        if shape == "lines":
            out.write(f"{good}\n{huge}\n{good}\n")
        elif shape == "csv":
            out.write("TimeGenerated,OperationName,ResourceId,CallerIPAddress,ResultSignature\n")
            row = "2026-03-02T10:00:00Z,SecretGet,/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv-a,1.2.3.4,OK\n"
            out.write(row + "x" * (24 << 20) + "\n" + row)
        else:
            out.write(f"[\n{good},\n{huge},\n{good}\n]\n")
    intake = sources.Intake()
    tracemalloc.start()
    try:
        found = list(sources.read([str(path)], intake))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(found) == 2 and intake.bad == 1
    assert intake.problems[0].line == (2 if shape == "lines" else 3)
    assert "larger than 4 MB" in intake.problems[0].reason
    assert peak < 16 << 20, f"peak {peak >> 20} MB for a 24 MB line"
