"""The audit domain takes a typed AuditRequest; argparse, printing and exit codes live in
kvlint/commands/audit.py, rendering in kvlint/report/."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from kvlint.audit import engine
from kvlint.audit.config import AuditConfig
from kvlint.audit.request import AuditRequest
from kvlint.errors import KvlintError
from tests.audit_data import APP, vault

AUDIT = Path(engine.__file__).parent


def test_the_domain_is_a_function_of_a_typed_request(tmp_path):
    path = tmp_path / "v.json"
    path.write_text(json.dumps([vault("kv-open", networkAcls=None), vault("kv-ok")]))
    result = engine.audit(
        AuditRequest(inputs=(str(path),), principal=APP, ip="198.51.100.7"),
        settings=AuditConfig(),
    )
    assert [(f.resource.name, f.code) for f in result.findings] == [
        ("kv-open", "KVA211"),
        ("kv-ok", "KVA501"),
    ]
    assert result.vaults_audited == 2
    assert result.reachability is not None
    assert result.reachability.allowed == ["kv-open"]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (AuditRequest(), "choose one source"),
        (AuditRequest(inputs=("a",), subscriptions=("x",)), "got --subscription, --input"),
        (AuditRequest(inputs=("-", "-")), "--input - can be given once"),
        (AuditRequest(inputs=("a",), principal=APP), "--principal and --ip go together"),
        (AuditRequest(inputs=("a",), groups=(APP,)), "need --principal and --ip"),
        (AuditRequest(inputs=("a",), cloud="mars"), "--cloud must be one of"),
    ],
)
def test_a_contradictory_request_is_refused_in_one_line(request_, message):
    with pytest.raises(KvlintError, match=message):
        engine.audit(request_, settings=AuditConfig())


def test_no_audit_or_report_module_parses_arguments_or_exceeds_500_lines():
    report = AUDIT.parent / "report"
    for path in [*AUDIT.glob("*.py"), *report.glob("audit_*.py")]:
        source = path.read_text()
        assert source.count("\n") <= 500, path
        imported = {
            alias.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert "argparse" not in imported, path
        assert not any(name.startswith("kvlint.commands") for name in imported), path
