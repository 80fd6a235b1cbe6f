"""tools/pin_examples.py: annotations parsed, pinned from findings, written back (and into the
``.fixed`` twin and JSON sidecars) without touching anything else."""

from __future__ import annotations

from dataclasses import dataclass

from tools.pin_examples import (
    EXPECT,
    Pin,
    expectations,
    fragment_of,
    parse_items,
    pins_for,
    render_items,
    rewrite,
)


@dataclass
class F:
    code: str
    column: int
    message: str
    line: int = 1


def test_items_parse_and_render_back():
    text = 'KV101@17 "token resource", KV103, KV306@4 "new SecretClient (Key Vault client)"'
    pins = parse_items(text)
    assert pins == [
        Pin("KV101", 17, "token resource"),
        Pin("KV103"),
        Pin("KV306", 4, "new SecretClient (Key Vault client)"),
    ]
    assert [p.pinned for p in pins] == [True, False, True]
    assert render_items(pins) == text


def test_a_fragment_is_a_verbatim_clause_without_double_quotes():
    message = "Key Vault read on every request: get_secret() in a handler; cache it"
    assert fragment_of(message) == "Key Vault read on every request"
    assert fragment_of(message) in message
    quoted = 'the key "https://vault.azure.net/" is a v1 resource: use a scope'
    assert '"' not in fragment_of(quoted) and fragment_of(quoted) in quoted
    long = "word " * 30
    assert len(fragment_of(long)) <= 48 and fragment_of(long) in long


def test_pins_keep_what_is_written_and_pin_every_finding_of_a_written_code():
    findings = [
        F("KV306", 40, "new DefaultAzureCredential ..."),
        F("KV306", 16, "new SecretClient"),
    ]
    kept = Pin("KV306", 16, "SecretClient")
    assert pins_for(findings, [kept], repin=False) == [
        kept,
        Pin("KV306", 40, "new DefaultAzureCredential ..."),
    ]
    assert pins_for(findings, [kept], repin=True)[0] == Pin("KV306", 16, "new SecretClient")
    # nothing reported for a written code: left as written, for the test to report
    assert pins_for([], [Pin("KV101")], repin=False) == [Pin("KV101")]


def test_rewrite_edits_the_annotation_and_its_fixed_twin_only(tmp_path):
    source = tmp_path / "KV999.py"
    source.write_text('x = get("a/")  # expect: KV101\ny = 1  # not an annotation\n')
    fixed = tmp_path / "KV999.py.fixed"
    fixed.write_text('x = get("a")  # expect: KV101\ny = 1  # not an annotation\n')
    new = {1: [Pin("KV101", 9, "token resource")]}
    assert rewrite(source, EXPECT, new) == [f'{source}:1: KV101@9 "token resource"']
    assert source.read_text().splitlines() == [
        'x = get("a/")  # expect: KV101@9 "token resource"',
        "y = 1  # not an annotation",
    ]
    assert fixed.read_text().splitlines()[0] == 'x = get("a")  # expect: KV101@9 "token resource"'
    assert expectations(source) == new


def test_json_sidecars_are_pinned_in_place(tmp_path):
    data = tmp_path / "settings.json"
    data.write_text('{\n  "resource": "https://vault.azure.net/"\n}\n')
    sidecar = tmp_path / "settings.json.expect"
    sidecar.write_text("# comment\n2:KV101  # the slash\n")
    assert expectations(data) == {2: [Pin("KV101")]}
    rewrite(data, EXPECT, {2: [Pin("KV101", 15, "token resource")]})
    assert sidecar.read_text() == '# comment\n2:KV101@15 "token resource"  # the slash\n'
    assert expectations(data) == {2: [Pin("KV101", 15, "token resource")]}
