"""``kvlint token``: decoding, KVT101-KVT105, input handling, output formats and ``--acquire``.

Every token here is built by the tests themselves (unsigned: base64url of JSON); no real token.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError, DefaultAzureCredential
from hypothesis import given, settings
from hypothesis import strategies as st

from kvlint import catalog, cli
from kvlint import token as kvtoken
from kvlint.errors import KvlintError
from kvlint.findings import Finding
from kvlint.report import token as token_report
from kvlint.token import acquire as token_acquire
from kvlint.token import diagnose as token_diagnose
from tests.conftest import ROOT
from tests.token_data import (
    APP_ID,
    NOW,
    OBJECT_ID,
    OTHER_TENANT,
    TENANT,
    USER_OID,
    b64url,
    make_jwt,
    v1_app,
    v2_user,
)

# Written out here rather than read from kvlint.keyvault, so that dropping one there fails a test.
ACCEPTED_AUDIENCES = [
    "https://vault.azure.net",
    "https://vault.azure.cn",
    "https://vault.usgovcloudapi.net",
    "https://vault.microsoftazure.de",
    "https://managedhsm.azure.net",
    "https://managedhsm.azure.cn",
    "https://managedhsm.usgovcloudapi.net",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
]
URL_AUDIENCES = [aud for aud in ACCEPTED_AUDIENCES if aud.startswith("https://")]


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


# --- audiences (KVT101, KVT102) ----------------------------------------------------------------


@pytest.mark.parametrize("audience", ACCEPTED_AUDIENCES)
@pytest.mark.parametrize("make", [v1_app, v2_user], ids=["v1", "v2"])
def test_every_key_vault_audience_is_accepted(make, audience):
    assert token_diagnose.diagnose(make(aud=audience), now=NOW) == []


def test_audience_comparison_ignores_case():
    assert token_diagnose.diagnose(v1_app(aud="https://Vault.Azure.NET"), now=NOW) == []


@pytest.mark.parametrize("audience", URL_AUDIENCES)
def test_trailing_slash_is_kvt101(audience):
    findings = token_diagnose.diagnose(v2_user(aud=audience + "/"), now=NOW)
    assert codes(findings) == ["KVT101"]
    message = findings[0].message
    assert f"aud is '{audience}/' (trailing slash)" in message
    assert f"request scope '{audience}/.default' (v2) or resource '{audience}' (v1)" in message


@pytest.mark.parametrize(
    ("audience", "described"),
    [
        ("https://management.core.windows.net/", "Azure Resource Manager"),
        ("https://management.azure.com", "Azure Resource Manager"),
        ("https://graph.microsoft.com", "not a Key Vault audience"),
        ("https://myvault.vault.azure.net", "one vault's own URL, not an audience"),
        ("https://myvault.privatelink.vaultcore.azure.net", "one vault's own URL, not an audience"),
        ("http://vault.azure.net", "an http:// address, not an audience"),
        ("https://vault.azure.com", "not a Key Vault audience"),
        ("https://vault.azure.net/.default", "not a Key Vault audience"),
        ("https://[vault.azure.net", "not a Key Vault audience"),
    ],
)
def test_other_audiences_are_kvt102(audience, described):
    findings = token_diagnose.diagnose(v1_app(aud=audience), now=NOW)
    assert codes(findings) == ["KVT102"]
    assert f"aud is '{audience}' ({described})" in findings[0].message
    assert "request scope 'https://vault.azure.net/.default'" in findings[0].message


def test_missing_audience_is_kvt102():
    findings = token_diagnose.diagnose(v1_app(aud=None), now=NOW)
    assert codes(findings) == ["KVT102"]
    assert "no aud claim" in findings[0].message


def test_audience_list_is_accepted_when_one_entry_is_key_vault():
    claims = v1_app(aud=["https://graph.microsoft.com", "https://vault.azure.net"])
    assert token_diagnose.diagnose(claims, now=NOW) == []


@pytest.mark.parametrize(
    ("vault", "audience"),
    [
        ("https://contoso.vault.azure.net/", "https://vault.azure.net"),
        ("https://contoso.vault.azure.cn", "https://vault.azure.cn"),
        ("contoso.vault.usgovcloudapi.net", "https://vault.usgovcloudapi.net"),
        ("https://contoso.vault.microsoftazure.de/secrets/x", "https://vault.microsoftazure.de"),
        ("https://contoso.managedhsm.azure.net", "https://managedhsm.azure.net"),
        ("https://contoso.managedhsm.azure.cn", "https://managedhsm.azure.cn"),
        ("https://contoso.privatelink.vaultcore.azure.net", "https://vault.azure.net"),
        ("https://contoso.privatelink.vaultcore.azure.cn", "https://vault.azure.cn"),
    ],
)
def test_vault_decides_the_expected_audience(vault, audience):
    assert kvtoken.vault_target(vault).audience == audience
    assert token_diagnose.diagnose(v1_app(aud=audience), vault_url=vault, now=NOW) == []
    key_vault_app = token_diagnose.diagnose(
        v1_app(aud="cfa8b339-82a2-471a-a3c9-0fc0be7a4093"), vault_url=vault, now=NOW
    )
    assert key_vault_app == []


def test_public_token_for_a_china_vault_is_kvt102():
    findings = token_diagnose.diagnose(
        v2_user(), vault_url="https://contoso.vault.azure.cn", now=NOW
    )
    assert codes(findings) == ["KVT102"]
    message = findings[0].message
    assert "(Key Vault, public cloud)" in message
    assert "contoso.vault.azure.cn needs 'https://vault.azure.cn'" in message
    assert "request scope 'https://vault.azure.cn/.default'" in message


def test_vault_audience_for_a_managed_hsm_is_kvt102():
    findings = token_diagnose.diagnose(
        v2_user(), vault_url="https://hsm1.managedhsm.azure.net", now=NOW
    )
    assert codes(findings) == ["KVT102"]
    assert "needs 'https://managedhsm.azure.net'" in findings[0].message


def test_slashed_audience_of_the_wrong_cloud_is_both_findings():
    claims = v2_user(aud="https://vault.azure.net/")
    findings = token_diagnose.diagnose(claims, vault_url="https://contoso.vault.azure.cn", now=NOW)
    assert codes(findings) == ["KVT101", "KVT102"]
    assert "request scope 'https://vault.azure.cn/.default'" in findings[0].message


@pytest.mark.parametrize("url", ["https://example.com", "https://management.azure.com", "", "::"])
def test_vault_must_be_a_key_vault_url(url):
    with pytest.raises(KvlintError, match="not a Key Vault or Managed HSM URL"):
        kvtoken.vault_target(url)


# --- lifetime (KVT103, KVT104) -----------------------------------------------------------------


def test_expired_token_is_kvt103_with_utc_and_relative_time():
    expired = NOW - timedelta(hours=3, minutes=12)
    findings = token_diagnose.diagnose(v1_app(exp=int(expired.timestamp())), now=NOW)
    assert codes(findings) == ["KVT103"]
    assert "expired 2024-05-01 08:48:00 UTC (3 h 12 min ago)" in findings[0].message


def test_expiry_within_the_clock_skew_is_tolerated():
    just_expired = v1_app(exp=int((NOW - timedelta(minutes=4)).timestamp()))
    assert token_diagnose.diagnose(just_expired, now=NOW) == []
    assert codes(token_diagnose.diagnose(just_expired, now=NOW, skew=timedelta(0))) == ["KVT103"]
    assert codes(token_diagnose.diagnose(just_expired, now=NOW, skew=timedelta(minutes=3))) == [
        "KVT103"
    ]


def test_future_not_before_is_kvt104():
    later = NOW + timedelta(minutes=38)
    findings = token_diagnose.diagnose(v2_user(nbf=int(later.timestamp())), now=NOW)
    assert codes(findings) == ["KVT104"]
    assert "not valid before 2024-05-01 12:38:00 UTC (in 38 min)" in findings[0].message
    assert "5 min clock-skew allowance" in findings[0].message


def test_not_before_within_the_clock_skew_is_tolerated():
    soon = v2_user(nbf=int((NOW + timedelta(minutes=4)).timestamp()))
    assert token_diagnose.diagnose(soon, now=NOW) == []
    assert codes(token_diagnose.diagnose(soon, now=NOW, skew=timedelta(minutes=1))) == ["KVT104"]


def test_non_numeric_times_are_findings():
    """A lifetime Key Vault cannot read is a malformed token, never a valid one (issue 12)."""
    assert codes(token_diagnose.diagnose(v1_app(exp="soon", nbf=True), now=NOW)) == [
        "KVT103",
        "KVT104",
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "now"),
        (-45, "45 s ago"),
        (52 * 60, "in 52 min"),
        (-(3 * 3600 + 12 * 60 + 30), "3 h 12 min ago"),
        (-2 * 3600, "2 h ago"),
        (-(3 * 86400 + 5 * 3600), "3 d 5 h ago"),
        (4 * 86400, "in 4 d"),
    ],
)
def test_relative_times(seconds, text):
    assert token_diagnose.relative(NOW + timedelta(seconds=seconds), NOW) == text


# --- tenant (KVT105) ---------------------------------------------------------------------------


def test_tenant_mismatch_is_kvt105():
    findings = token_diagnose.diagnose(v1_app(), tenant=OTHER_TENANT, now=NOW)
    assert codes(findings) == ["KVT105"]
    assert f"issued by tenant '{TENANT}' but the vault is in tenant '{OTHER_TENANT}'" in (
        findings[0].message
    )
    assert "401 AKV10032 Invalid issuer" in findings[0].message
    assert f"az login --tenant {OTHER_TENANT}" in findings[0].message


def test_matching_tenant_in_any_case_is_fine():
    assert token_diagnose.diagnose(v1_app(), tenant=TENANT.upper(), now=NOW) == []


def test_missing_tid_with_an_expected_tenant_is_kvt105():
    findings = token_diagnose.diagnose(v1_app(tid=None), tenant=TENANT, now=NOW)
    assert codes(findings) == ["KVT105"]
    assert "no tid claim" in findings[0].message


def test_findings_take_name_and_severity_from_the_catalogue():
    claims = v1_app(aud="https://vault.azure.net/", exp=int((NOW - timedelta(hours=2)).timestamp()))
    findings = token_diagnose.diagnose(claims, tenant=OTHER_TENANT, now=NOW)
    assert codes(findings) == ["KVT101", "KVT103", "KVT105"]
    for finding in findings:
        rule = catalog.get(finding.code)
        assert finding.as_dict() == {
            "code": finding.code,
            "name": rule.name,
            "severity": rule.severity,
            "message": finding.message,
        }
    assert catalog.codes("token") == ["KVT101", "KVT102", "KVT103", "KVT104", "KVT105"]


# --- decoding: versions and identities ---------------------------------------------------------


def rows(claims: dict) -> dict[str, str]:
    return dict(token_report.summary(kvtoken.parse(make_jwt(claims)), NOW))


def test_v1_app_token_summary():
    summary = rows(v1_app(app_displayname="payments-api"))
    assert summary["version"] == "v1.0"
    assert summary["app id (appid)"] == f"{APP_ID} (payments-api)"
    assert summary["client auth"] == "client secret"
    assert summary["object id"] == OBJECT_ID
    assert summary["tenant"] == TENANT
    assert summary["identity"] == "application (service principal, app-only)"
    assert summary["audience"] == "https://vault.azure.net (Key Vault, public cloud)"
    assert summary["issuer"] == f"https://sts.windows.net/{TENANT}/"
    assert summary["expires"] == "2024-05-01 12:50:00 UTC (in 50 min)"
    assert summary["issued"] == "2024-05-01 11:50:00 UTC (10 min ago)"
    assert "scopes" not in summary and "user" not in summary


def test_v2_user_token_summary():
    summary = rows(v2_user(roles=["Reader", "Auditor"]))
    assert summary["version"] == "v2.0"
    assert summary["app id (azp)"] == "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    assert summary["client auth"] == "public client (no secret)"
    assert summary["identity"] == "user (delegated)"
    assert summary["user"] == "alice@contoso.com"
    assert summary["scopes"] == "user_impersonation"
    assert summary["roles"] == "Reader, Auditor"
    assert summary["issuer"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"


def test_v1_token_without_ver_is_recognised_by_appid():
    assert rows(v1_app(ver=None))["version"] == "v1.0 (no ver claim)"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"idtyp": "app"}, "application (service principal, app-only)"),
        ({"idtyp": "user", "scp": None, "preferred_username": None}, "user (delegated)"),
        ({"scp": None, "preferred_username": None, "upn": "bob@contoso.com"}, "user (delegated)"),
        (
            {"scp": None, "preferred_username": None, "sub": USER_OID, "roles": ["Reader"]},
            "application (service principal, app-only)",
        ),
        (
            {"scp": None, "preferred_username": None},
            "unknown (no idtyp, scp, roles or user name claim)",
        ),
        (
            {
                "scp": None,
                "preferred_username": None,
                "xms_mirid": "/subscriptions/0000/resourcegroups/rg/providers/"
                "Microsoft.ManagedIdentity/userAssignedIdentities/orders-identity",
            },
            "managed identity, user-assigned 'orders-identity'",
        ),
        (
            {
                "scp": None,
                "preferred_username": None,
                "xms_mirid": "/subscriptions/0000/resourcegroups/rg/providers/"
                "Microsoft.Web/sites/orders-app",
            },
            "managed identity, system-assigned (/subscriptions/0000/resourcegroups/rg/providers/"
            "Microsoft.Web/sites/orders-app)",
        ),
    ],
)
def test_identity_type(overrides, expected):
    assert token_diagnose.identity(v2_user(**overrides)) == expected


# --- input forms -------------------------------------------------------------------------------

JWT = make_jwt(v1_app())


@pytest.mark.parametrize(
    "text",
    [
        JWT,
        f"  {JWT}\n",
        f"Bearer {JWT}",
        f"bearer   {JWT}",
        f'"Bearer {JWT}"',
        f"Authorization: Bearer {JWT}",
        f"authorization:Bearer {JWT}\r\n",
        # a whole request as pasted from a log or the Key Vault error guide
        f"PUT https://contoso.vault.azure.net/secrets/x?api-version=7.4 HTTP/1.1\n"
        f"accept-language: en-US\nAuthorization: Bearer     {JWT}\nContent-Length: 31\n",
        f'curl -H "Authorization: Bearer {JWT}" https://contoso.vault.azure.net/secrets/x',
        json.dumps({"accessToken": JWT, "expiresOn": "2024-05-01 12:50:00", "tokenType": "Bearer"}),
        json.dumps({"access_token": JWT, "token_type": "Bearer", "expires_in": 3599}),
        JWT[:40] + "\n" + JWT[40:90] + "\n" + JWT[90:],  # wrapped over lines
    ],
    ids=[
        "raw",
        "whitespace",
        "bearer",
        "bearer-lowercase",
        "quoted",
        "header-line",
        "header-crlf",
        "request",
        "curl",
        "az-json",
        "oauth-json",
        "wrapped",
    ],
)
def test_accepted_input_forms(text):
    token = kvtoken.parse(text)
    assert token.claims == v1_app()
    assert token.header["alg"] == "RS256"
    assert token.length == len(JWT)


def test_read_from_file_and_stdin(tmp_path):
    path = tmp_path / "token.txt"
    path.write_text(f"Bearer {JWT}\n", encoding="utf-8")
    assert kvtoken.load(f"@{path}").claims == v1_app()
    assert kvtoken.load("-", stdin=io.StringIO(JWT + "\n")).claims == v1_app()


def test_nothing_to_read_from_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(KvlintError, match="no token given"):
        kvtoken.load(None, stdin=Terminal())


MALFORMED = {
    "one part": ("eyJhbGciOiJub25lIn0", "expected three dot-separated parts"),
    "two parts": ("eyJhbGciOiJub25lIn0.eyJhIjoxfQ", "found 2"),
    "four parts": (JWT + ".extra", "found 4"),
    "jwe": ("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "encrypted token (JWE)"),
    "bad base64": ("eyJhbGciOiJub25lIn0.eyJh*IjoxfQ.sig", "the payload is not base64url"),
    "bad length": ("eyJhbGciOiJub25lIn0.eyJhI.sig", "the payload is not base64url"),
    "header not json": (f"{b64url({'a': 1})[:-2]}x.{b64url({'a': 1})}.sig", "header is not JSON"),
    "payload not json": (
        "eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(b"not json").decode() + ".sig",
        "the payload is not JSON",
    ),
    "payload array": (
        "eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(b"[1, 2]").decode() + ".sig",
        "the payload is not a JSON object",
    ),
    "empty": ("   \n", "the input is empty"),
    "bearer only": ("Bearer ", "the input is empty"),
    "json without token": ('{"expiresOn": "2024-05-01"}', "no accessToken / access_token"),
    "broken json": ('{"accessToken": ', "is not JSON"),
    "deeply nested": (
        "eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(b"[" * 100_000).decode() + ".sig",
        "the payload is not JSON",
    ),
}


@pytest.mark.parametrize(("text", "error"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_is_one_clear_error(text, error):
    with pytest.raises(KvlintError, match=re.escape(error)):
        kvtoken.parse(text)


CLAIM_NAMES = ["aud", "exp", "nbf", "iat", "tid", "oid", "sub", "scp", "roles", "xms_mirid"]
CLAIM_NAMES += ["idtyp", "ver", "appid", "azp", "upn", "appidacr", "iss", "app_displayname"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_decodes_or_is_one_clear_error(text):
    try:
        kvtoken.parse(text)
    except KvlintError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=150, deadline=None)
@given(
    header=JSON_VALUES,
    claims=st.dictionaries(st.sampled_from(CLAIM_NAMES) | st.text(max_size=6), JSON_VALUES),
)
def test_any_claims_are_diagnosed_and_rendered(header, claims):
    jwt = f"{b64url(header)}.{b64url(claims)}.c2ln"  # b64url takes any JSON value
    try:
        token = kvtoken.parse(jwt)
    except KvlintError:
        assert not isinstance(header, dict)
        return
    findings = token_diagnose.diagnose(
        token.claims, tenant=TENANT, vault_url="https://contoso.vault.azure.cn", now=NOW
    )
    assert {finding.code for finding in findings} <= set(catalog.codes("token"))
    text = token_report.render_text(token, findings, NOW, tenant_checked=True)
    assert jwt not in text
    json.dumps({"claims": token.claims, "findings": [f.as_dict() for f in findings]})


# --- the command, run for real -----------------------------------------------------------------


def fresh(make=v1_app, **overrides) -> str:
    return make_jwt(make(now=datetime.now(timezone.utc), **overrides))


def assert_not_leaked(token: str, result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert token not in output
    for part in token.split("."):
        if len(part) > 12:
            assert part not in output
    assert "Traceback" not in output


def test_command_reports_nothing_for_a_good_token(kvlint):
    jwt = fresh()
    result = kvlint("token", jwt, "--tenant", TENANT, "--vault", "https://contoso.vault.azure.net")
    assert result.returncode == 0, result.stderr
    assert "audience" in result.stdout and "https://vault.azure.net (Key Vault" in result.stdout
    assert "accepts this token's audience, tenant and lifetime (signature not checked)" in (
        result.stdout
    )
    assert f"object id {OBJECT_ID} needs an access policy or role" in result.stdout
    assert f"{jwt[:8]}… ({len(jwt)} characters)" in result.stdout
    assert_not_leaked(jwt, result)


def test_command_reports_findings_with_exit_1(kvlint):
    stale = datetime.now(timezone.utc) - timedelta(hours=3, minutes=12, seconds=30)
    jwt = make_jwt(
        v1_app(now=stale - timedelta(minutes=50), aud="https://vault.azure.net/", exp=None)
        | {"exp": int(stale.timestamp())}
    )
    result = kvlint("token", "-", "--tenant", OTHER_TENANT, input=f"Bearer {jwt}\n")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("KVT101 error token-audience-trailing-slash: ") for line in lines)
    assert any(line.startswith("KVT103 error token-expired: expired ") for line in lines)
    assert any("(3 h 12 min ago)" in line for line in lines if line.startswith("KVT103"))
    assert any(line.startswith("KVT105 error token-tenant-mismatch: ") for line in lines)
    assert lines[-1] == "3 findings"
    assert_not_leaked(jwt, result)


def test_command_json_output(kvlint, tmp_path):
    claims = v2_user(now=datetime.now(timezone.utc), aud="https://management.azure.com")
    jwt = make_jwt(claims)
    path = tmp_path / "token"
    path.write_text(f"Authorization: Bearer {jwt}\n", encoding="utf-8")
    result = kvlint("token", f"@{path}", "--format", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"claims", "findings"}
    assert document["claims"] == claims
    assert [f["code"] for f in document["findings"]] == ["KVT102"]
    assert document["findings"][0]["name"] == "token-audience-not-key-vault"
    assert document["findings"][0]["severity"] == catalog.get("KVT102").severity
    assert_not_leaked(jwt, result)


def test_command_skew_option(kvlint):
    jwt = fresh(exp=int(time.time()) - 120)
    assert kvlint("token", jwt).returncode == 0
    tight = kvlint("token", jwt, "--skew", "1")
    assert tight.returncode == 1
    assert "KVT103" in tight.stdout


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["eyJhbGciOiJub25lIn0.eyJh*IjoxfQ.c2lnbmF0dXJlLXBhcnQ"], "payload is not base64url"),
        ([JWT + ".x"], "found 4"),
        (["not-a-token"], "input of 11 characters"),
        ([JWT, "--tenant", "contoso.onmicrosoft.com"], "--tenant must be a tenant id"),
        ([JWT, "--vault", "https://example.com"], "not a Key Vault or Managed HSM URL"),
        ([JWT, "--scope", "https://vault.azure.net/.default"], "--scope applies only with"),
        ([JWT, "--skew", "-1"], "--skew must not be negative"),
        (["@/nonexistent/token.txt"], "cannot read token file /nonexistent/token.txt"),
        ([JWT, "--acquire"], "either a token or --acquire"),
    ],
)
def test_command_input_errors_exit_2_with_one_line(kvlint, args, error):
    result = kvlint("token", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kvlint: error: ")
    assert error in lines[0]
    assert_not_leaked(args[0], result)


def test_error_shows_only_a_prefix_of_a_jwt_like_input(kvlint):
    bad = JWT + ".more"
    result = kvlint("token", "-", input=bad)
    assert result.returncode == 2
    assert f"input '{bad[:8]}…', {len(bad)} characters" in result.stderr
    assert_not_leaked(bad, result)


def test_decoding_does_not_import_the_azure_sdk():
    code = (
        "import sys\nfrom kvlint.cli import main\n"
        f"rc = main(['token', {fresh()!r}, '--format', 'json'])\n"
        "assert rc == 0, rc\n"
        "assert not [m for m in sys.modules if m.startswith('azure')], 'azure imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- --acquire, with a stand-in for Azure AD ---------------------------------------------------


class RecordingCredential:
    """Stands in for DefaultAzureCredential: there is no Azure AD here."""

    def __init__(self, token: str | None = None, error: Exception | None = None) -> None:
        self.token = token
        self.error = error
        self.requests: list[tuple[tuple[str, ...], dict]] = []
        self.closed = False

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        self.requests.append((scopes, kwargs))
        if self.error:
            raise self.error
        assert self.token is not None
        return AccessToken(self.token, int(time.time()) + 3600)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def credential(monkeypatch):
    holder: dict = {}

    def install(cred: RecordingCredential) -> RecordingCredential:
        def factory(authority_host):
            holder["authority"] = authority_host
            return cred

        monkeypatch.setattr(token_acquire, "make_credential", factory)
        return cred

    install.holder = holder  # type: ignore[attr-defined]
    return install


def test_acquire_diagnoses_the_identity_the_code_presents(credential, capsys):
    jwt = fresh(
        v2_user,
        scp=None,
        preferred_username=None,
        xms_mirid="/subscriptions/0000/resourcegroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/orders-identity",
    )
    cred = credential(RecordingCredential(jwt))
    assert cli.main(["token", "--acquire"]) == 0
    assert cred.requests == [(("https://vault.azure.net/.default",), {})]
    assert credential.holder["authority"] is None
    assert cred.closed
    out = capsys.readouterr().out
    assert "managed identity, user-assigned 'orders-identity'" in out
    assert "accepts this token's audience and lifetime (signature and tenant (use --tenant)" in out
    assert f"object id {USER_OID} needs an access policy or role" in out
    assert jwt not in out


def test_acquire_for_a_china_vault_and_tenant(credential, capsys):
    cred = credential(RecordingCredential(fresh(v1_app, aud="https://vault.azure.net")))
    rc = cli.main(
        [
            "token",
            "--acquire",
            "--vault",
            "https://contoso.vault.azure.cn",
            "--tenant",
            OTHER_TENANT,
            "--format",
            "json",
        ]
    )
    assert rc == 1
    assert cred.requests == [(("https://vault.azure.cn/.default",), {"tenant_id": OTHER_TENANT})]
    assert credential.holder["authority"] == "login.chinacloudapi.cn"
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f["code"] for f in findings] == ["KVT102", "KVT105"]


def test_acquire_with_an_explicit_scope(credential, capsys):
    cred = credential(RecordingCredential(fresh(v1_app, aud="https://management.azure.com")))
    assert cli.main(["token", "--acquire", "--scope", "https://management.azure.com/.default"]) == 1
    assert cred.requests[0][0] == ("https://management.azure.com/.default",)
    assert "KVT102" in capsys.readouterr().out


ATTEMPTS = (
    "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
    "Attempted credentials:\n"
    "\tEnvironmentCredential: EnvironmentCredential authentication unavailable. Environment "
    "variables are not fully configured.\n"
    "\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable.\n"
    "\tAzureCliCredential: {cli}\n"
    "To mitigate this issue, please refer to the troubleshooting guidelines here at "
    "https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot."
)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            CredentialUnavailableError(ATTEMPTS.format(cli="Azure CLI not found on path")),
            "no credential is available (tried EnvironmentCredential, "
            "ManagedIdentityCredential, AzureCliCredential)",
        ),
        (
            ClientAuthenticationError(
                ATTEMPTS.format(cli="ERROR: AADSTS50173: The provided grant has expired.")
            ),
            "AzureCliCredential: ERROR: AADSTS50173: The provided grant has expired.",
        ),
        (
            ClientAuthenticationError("AADSTS700016: Application not found in the directory."),
            "AADSTS700016: Application not found in the directory.",
        ),
    ],
    ids=["unavailable", "one-rejected", "plain"],
)
def test_acquire_failure_is_one_line_telling_how_to_sign_in(credential, capsys, error, reason):
    cred = credential(RecordingCredential(error=error))
    assert cli.main(["token", "--acquire"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines == [
        "kvlint: error: DefaultAzureCredential could not get a token for "
        f"https://vault.azure.net/.default: {reason} -- sign in with `az login`, set "
        "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run where a managed "
        "identity is assigned"
    ]
    assert cred.closed


def without_azure_settings(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "IDENTITY_", "MSI_"))}
    return {**env, **extra}


def test_acquire_with_the_real_credential_and_nothing_signed_in():
    # AZURE_TOKEN_CREDENTIALS narrows DefaultAzureCredential to one real credential, so the
    # chain fails at once here instead of probing for a managed identity endpoint.
    result = subprocess.run(
        [sys.executable, "-m", "kvlint", "token", "--acquire"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=without_azure_settings(
            PYTHONPATH=str(ROOT), AZURE_TOKEN_CREDENTIALS="EnvironmentCredential"
        ),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "kvlint: error: DefaultAzureCredential could not get a token for "
        "https://vault.azure.net/.default: no credential is available (tried "
        "EnvironmentCredential) -- sign in with `az login`, set AZURE_TENANT_ID, AZURE_CLIENT_ID "
        "and AZURE_CLIENT_SECRET, or run where a managed identity is assigned"
    ]


def test_acquire_with_a_bad_credential_setting_is_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "kvlint", "token", "--acquire"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=without_azure_settings(PYTHONPATH=str(ROOT), AZURE_TOKEN_CREDENTIALS="bogus"),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("kvlint: error: cannot set up DefaultAzureCredential: ")
    assert "AZURE_TOKEN_CREDENTIALS" in lines[0]


def test_default_credential_factory_builds_a_default_azure_credential():
    credential = token_acquire.make_credential("login.chinacloudapi.cn")
    try:
        assert isinstance(credential, DefaultAzureCredential)
    finally:
        credential.close()
