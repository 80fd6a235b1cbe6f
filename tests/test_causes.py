"""The one refusal classifier both faces share (kvlint.causes): Key Vault's words before flags.

Issue 23 item 8: an AuditEvent record saying "Public network access is disabled …" that also
carries ``isAddressAuthorized: false`` is KVL202 (publicNetworkAccess Disabled overrides the
firewall rules), and no IP-rule fix is suggested for it.
"""

from __future__ import annotations

import json

from kvlint import causes
from kvlint.cli import main
from kvlint.logs import classify
from tests.logs_data import record

CONNECTION = (
    "Public network access is disabled and request is not from a trusted service nor via an "
    "approved private link."
)


def test_key_vault_text_decides_before_the_address_flag():
    ev = causes.Evidence(403, CONNECTION, address_authorized=False, ip="203.0.113.7")
    assert causes.refusal(ev) == causes.Cause("KVL202", "203.0.113.7")
    # an RBAC text with a false address flag is RBAC, not the firewall
    rbac = "Caller is not authorized to perform action on resource.\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'"
    ev = causes.Evidence(403, rbac, address_authorized=False)
    assert causes.refusal(ev).code == "KVL302"
    # the flag alone still says firewall
    assert causes.refusal(causes.Evidence(403, "", address_authorized=False)).code == "KVL201"


def test_both_faces_use_the_same_classifier():
    assert classify.Cause is causes.Cause and classify.permission is causes.permission


def test_logs_report_forbidden_by_connection_as_kvl202_without_an_ip_rule(tmp_path, capsys):
    doc = record(1772445600.0, "kv-closed", status=403)
    doc["resultDescription"] = CONNECTION
    doc["properties"]["isAddressAuthorized"] = False
    path = tmp_path / "PT1H.json"
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    assert main(["logs", str(path), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [f["code"] for f in found] == ["KVL202"]
    message = found[0]["message"]
    assert "network-rule add" not in message and "Client address is not authorized" not in message
    assert "private endpoint" in message


def test_a_firewall_flag_without_key_vault_text_is_not_quoted_as_its_text(tmp_path, capsys):
    doc = record(1772445600.0, "kv-fw", status=403)
    doc["properties"]["isAddressAuthorized"] = False
    path = tmp_path / "PT1H.json"
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    assert main(["logs", str(path), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [f["code"] for f in found] == ["KVL201"]
    assert "Client address is not authorized" not in found[0]["message"]
    assert "isAddressAuthorized false" in found[0]["message"]


def test_ip_rule_for():
    assert causes.ip_rule_for("203.0.113.7") == "203.0.113.7/32"
    assert "private" in causes.ip_rule_for("10.1.2.3")
    assert "IPv6" in causes.ip_rule_for("2001:db8::1")
