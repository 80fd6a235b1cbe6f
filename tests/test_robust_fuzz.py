"""Fuzzing the linter: whatever the input, ``kvlint check`` answers and never breaks a file.

Generated programs (hypothesmith, from the Python grammar and from libcst nodes), random bytes
and text, and Key Vault-flavoured programs assembled from the catalogue's APIs, arguments and
wrappers go through the real linter in-process (``Linter`` / ``Runner``, without the
``safe_lint`` safety net, so a bug is an exception here rather than a KV000 there), plus a few
subprocess runs of ``python -m kvlint`` for the exit-code and no-traceback guarantees.

Example counts are small by default so the suite stays fast; ``KVLINT_FUZZ_EXAMPLES=2000``
raises every property test to that many examples for a long run. The property tests are marked
``slow``: ``pytest -m "not slow"`` skips them while working; .ci/run runs them.
"""

from __future__ import annotations

import ast
import json
import os
import re
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from kvlint import keyvault
from kvlint.config import Settings
from kvlint.lint.engine import Linter
from kvlint.lint.facts import types as kvtypes
from kvlint.lint.runner import Runner
from kvlint.lint.sources.python import decode

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # compile() of odd programs
LONG_RUN = int(os.environ.get("KVLINT_FUZZ_EXAMPLES", "0"))
# A trigger import in front of generated code, so the prefilter lets it through to the parser.
TRIGGER = "import azure.identity\n"


def fuzz(examples: int):
    """Hypothesis settings: ``examples`` by default, ``KVLINT_FUZZ_EXAMPLES`` when set; a
    fuzzing test is ``slow`` (``pytest -m "not slow"`` skips it; .ci/run runs it)."""
    chosen = settings(
        max_examples=LONG_RUN or examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )

    def apply(test):
        return pytest.mark.slow(chosen(test))

    return apply


LINTER = Linter(Settings())


def lint(data: bytes):
    return LINTER.lint_bytes(data, "fuzz.py", "fuzz.py")


def is_python(text: str) -> bool:
    """CPython's parser accepts ``text`` (syntax only, like libcst)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def fix_stdin(data: bytes, unsafe: bool = False) -> tuple[bytes, list]:
    runner = Runner(Settings(), fix=True, unsafe_fixes=unsafe)
    outcome, fixed = runner.lint_stdin(data, "fuzz.py")
    return fixed, outcome.findings


def assert_fix_is_safe(data: bytes, unsafe: bool = False) -> None:
    """--fix output re-parses, keeps every line no edit touched, and a second run changes nothing."""
    before = lint(data)
    fixed, _ = fix_stdin(data, unsafe)
    if not before.parsed:
        assert fixed == data
        return
    touched: set[int] = set()
    for finding in before.findings:
        if finding.edits and (finding.fix_applicability == "safe" or unsafe):
            for edit in finding.edits:
                touched.update(range(edit.line, edit.end_line + 1))
    original_lines = decode(data).text.splitlines(keepends=True)
    fixed_text = decode(fixed).text
    assert is_python(fixed_text), fixed_text
    fixed_lines = fixed_text.splitlines(keepends=True)
    assert len(fixed_lines) == len(original_lines)  # no fix of ours adds or removes lines
    for number, (old, new) in enumerate(zip(original_lines, fixed_lines, strict=True), 1):
        if number not in touched:
            assert old == new, f"line {number} changed without an edit on it"
    again, findings = fix_stdin(fixed, unsafe)
    assert again == fixed, "--fix is not idempotent"
    assert not [f for f in findings if f.edits and (f.fix_applicability == "safe" or unsafe)]


# -- generated programs and random input -------------------------------------------------------


@fuzz(40)
@given(hypothesmith.from_grammar())
@example(program="pass\n\\\r\n")  # found by this test: a continuation at the very end of the file
def test_grammar_programs_lint_without_error(program):
    source = TRIGGER + program
    result = lint(source.encode("utf-8", "surrogatepass"))
    kv000 = [f.message for f in result.findings if f.code == "KV000"]
    if is_python(source):
        assert not kv000
    else:
        assert len(kv000) == 1 and not kv000[0].startswith("internal error")


@fuzz(6)
@given(hypothesmith.from_node())
def test_libcst_node_programs_lint_and_fix_safely(program):
    data = (TRIGGER + program).encode()
    result = lint(data)
    assert result.parsed, [f.message for f in result.findings]
    assert_fix_is_safe(data, unsafe=True)


@fuzz(300)
@given(st.binary(max_size=400))
def test_random_bytes_give_kv000_or_nothing(blob):
    data = TRIGGER.encode() + blob
    result = lint(data)
    try:
        text = decode(data).text
    except ValueError:
        text = None
    if text is None or not is_python(text):
        assert [f.code for f in result.findings] == ["KV000"]
        assert not result.findings[0].message.startswith("internal error")
    else:
        assert all(f.code != "KV000" for f in result.findings)


@fuzz(300)
@given(st.text(max_size=300))
def test_random_text_give_kv000_or_nothing(text):
    source = TRIGGER + text
    result = lint(source.encode("utf-8", "surrogatepass"))
    valid = "\x00" not in source and is_python(source) and not _has_surrogates(source)
    if valid:
        assert all(f.code != "KV000" for f in result.findings), result.findings
    else:
        assert [f.code for f in result.findings] == ["KV000"]
        assert not result.findings[0].message.startswith("internal error")


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


# -- Key Vault-flavoured programs ---------------------------------------------------------------

AUDIENCES = [*sorted(keyvault.AUDIENCES), keyvault.KEY_VAULT_APP_ID]
OTHER_AUDIENCES = [
    "https://management.azure.com/",
    "https://management.core.windows.net/",
    "https://graph.microsoft.com",
    "https://storage.azure.com",
    "https://myvault.vault.azure.net",
    "https://myvault.privatelink.vaultcore.azure.net",
    "http://vault.azure.net",
    "https://vault.azure.com",
]
VAULT_URLS = [f"https://contoso{cloud.vault_suffix}" for cloud in keyvault.CLOUDS] + [
    "https://hsm.managedhsm.azure.net",
    "https://contoso.privatelink.vaultcore.azure.net",
    "https://example.com",
]
TOKEN_URLS = [
    "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=",
    "https://login.microsoftonline.com/tenant/oauth2/token",
    "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
]
CREDENTIALS = [
    "DefaultAzureCredential()",
    "ManagedIdentityCredential(client_id='x')",
    "ClientSecretCredential('t', 'c', 's')",
    "AzureCliCredential()",
    "aio.DefaultAzureCredential()",
]
IMPORTS = """\
import os
import functools
import subprocess
import requests
import httpx
import aiohttp
import urllib.request
import msal
import adal
from azure.identity import (
    AzureCliCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential,
)
from azure.identity import aio
from azure.keyvault.secrets import SecretClient
from azure.keyvault.keys import KeyClient
from azure.keyvault.certificates import CertificateClient
from azure.keyvault.keys.crypto import CryptographyClient
from msrestazure.azure_active_directory import MSIAuthentication
"""

NAMES = st.sampled_from(["cred", "client", "token", "scope", "url", "app", "session", "s", "r"])


def literal(value: str) -> st.SearchStrategy[str]:
    return st.sampled_from([repr(value), json.dumps(value), f"'''{value}'''", f"r{value!r}"])


@st.composite
def audience_value(draw) -> str:
    """A string expression that folds to a (possibly broken) Key Vault or other audience."""
    base = draw(st.sampled_from(AUDIENCES + OTHER_AUDIENCES))
    tail = draw(st.sampled_from(["", "/", "//", "/.default", "//.default", "/.DEFAULT", "///"]))
    value = base + tail
    form = draw(st.integers(0, 5))
    if form == 0:
        return draw(literal(value))
    if form == 1:
        return f"{base!r} + {tail!r}"
    if form == 2:
        return f'f"{{{base!r}}}{tail}"'
    if form == 3:
        return f"os.environ.get('KV_SCOPE', {value!r})"
    if form == 4:
        return f"'{{}}{tail}'.format({base!r})"
    return f"'%s{tail}' % {base!r}"


@st.composite
def url_value(draw, urls: list[str] = VAULT_URLS) -> str:
    url = draw(st.sampled_from(urls))
    path = draw(st.sampled_from(["", "/secrets/db?api-version=7.5", "/keys/k/sign"]))
    if draw(st.booleans()):
        return repr(url + path)
    return f"f'{url}/{{name}}{path}'"


CREDENTIAL = st.sampled_from([*CREDENTIALS, "cred", "self.cred"])
HTTP = st.sampled_from(["requests", "httpx", "session", "self.session"])
HTTP_METHOD = st.sampled_from(kvtypes.HTTP_SESSION_METHODS)
CLIENT = st.sampled_from(sorted(kvtypes.KV_CLIENT_CLASSES))
AUTH = st.sampled_from(
    ["", "", "", ", headers={'Authorization': 'Bearer ' + token}", ", headers=h", ", auth=a"]
)
CLIENT_OPTIONS = st.sampled_from(
    ["", ", retry_total=0", ", verify_challenge_resource=False", ", api_version='7.5'"]
)

# One call of the catalogue's APIs each: token requests, raw HTTP, clients, retired libraries.
KV_CALL = st.one_of(
    st.builds(
        "{}.get_token({}){}".format, CREDENTIAL, audience_value(), st.sampled_from(["", ".token"])
    ),
    st.builds("app.acquire_token_for_client(scopes=[{}])".format, audience_value()),
    st.builds(
        "msal.ConfidentialClientApplication('c', client_credential='s').acquire_token_silent([{}], None)".format,
        audience_value(),
    ),
    st.builds(
        "adal.AuthenticationContext('a').acquire_token_with_client_credentials({}, 'c', 's')".format,
        audience_value(),
    ),
    st.builds("MSIAuthentication(resource={})".format, audience_value()),
    st.builds("{}.{}({}{})".format, HTTP, HTTP_METHOD, url_value(), AUTH),
    st.builds(
        "{}.{}({})".format,
        st.sampled_from(["requests", "httpx"]),
        st.sampled_from(["get", "post"]),
        url_value(),
    ),
    st.builds("{}({}, {}{})".format, CLIENT, url_value(), CREDENTIAL, CLIENT_OPTIONS),
    st.builds(
        "{}({}, credential={}).get_secret('db').value".format, CLIENT, url_value(), CREDENTIAL
    ),
    st.builds(
        "{}.post({}, data={{'resource': {}}})".format, HTTP, url_value(TOKEN_URLS), audience_value()
    ),
    st.builds("{}.{}({} + {})".format, HTTP, HTTP_METHOD, url_value(TOKEN_URLS), audience_value()),
    st.builds(
        "{}.get({!r}, headers={{'Metadata': 'true'}}, params={{'resource': {}}})".format,
        HTTP,
        st.sampled_from(TOKEN_URLS),
        audience_value(),
    ),
    st.builds(
        "subprocess.run(['curl', '-H', 'Metadata:true', {!r} + {}])".format,
        st.sampled_from(TOKEN_URLS),
        audience_value(),
    ),
)


@st.composite
def kv_statement(draw, depth: int = 0) -> list[str]:
    """A statement using a call, possibly wrapped in a def / class / loop / with / try / lambda."""
    call = draw(KV_CALL)
    name = draw(NAMES)
    simple = draw(
        st.sampled_from(
            [
                f"{name} = {call}",
                call,
                f"self.{name} = {call}" if depth else f"{name}: object = {call}",
                f"{name} = lambda: {call}",
                f"{name} = [{call} for _ in range(3)]",
                f"{name} = {{'scope': {draw(audience_value())}, 'resource': {call}}}",
                f"SCOPE = {draw(audience_value())}",
                f"cred = {draw(st.sampled_from(CREDENTIALS))}",
                f"session = {draw(st.sampled_from(['requests.Session()', 'httpx.Client()']))}",
            ]
        )
    )
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return [simple]
    body = [line for _ in range(draw(st.integers(1, 3))) for line in draw(kv_statement(depth + 1))]
    indented = ["    " + line for line in body]
    header = draw(
        st.sampled_from(
            [
                ["def f(cred=None, scope=SCOPE):"],
                ["async def f():"],
                ["@functools.lru_cache", "def cached():"],
                ["class Holder:", "    cred = None", "    def __init__(self):"],
                ["for i in range(10):"],
                ["while True:"],
                ["with requests.Session() as session:"],
                ["if __name__ == '__main__':"],
                ["try:"],
            ]
        )
    )
    if header[0] == "class Holder:":
        return header + ["    " + line for line in indented]
    lines = header + indented
    if header == ["try:"]:
        lines += ["except Exception:", "    pass"]
    return lines


@st.composite
def kv_program(draw) -> str:
    statements = [line for _ in range(draw(st.integers(1, 6))) for line in draw(kv_statement())]
    return IMPORTS + "\n".join(statements) + "\n"


@fuzz(30)
@given(kv_program(), st.sampled_from(["\n", "\r\n"]))
def test_keyvault_programs_lint_and_fix_safely(program, newline):
    assume(is_python(program))
    data = program.replace("\n", newline).encode()
    result = lint(data)
    assert result.parsed and not [f for f in result.findings if f.code == "KV000"], result.findings
    for finding in result.findings:
        assert finding.message and finding.line >= 1 and finding.column >= 1
    assert_fix_is_safe(data)


@pytest.mark.slow
def test_keyvault_generator_reaches_the_rules():
    """The generator is worth its time only if its programs trigger most rules."""
    seen: set[str] = set()

    @settings(max_examples=30, deadline=None, database=None, derandomize=True)
    @given(kv_program())
    def collect(program):
        if is_python(program):
            seen.update(f.code for f in lint(program.encode()).findings)

    collect()
    assert seen >= {"KV101", "KV102", "KV103", "KV104", "KV106", "KV107"}, sorted(seen)


# -- the rules' own example files, cut up -----------------------------------------------------


def _plain_python(path: Path) -> bool:
    """Whether CPython parses the file (a Databricks notebook exported as source may hold
    IPython lines such as ``!pip install``, which only kvlint's notebook reading accepts)."""
    try:
        ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return False
    return True


EXAMPLES = [
    p
    for p in sorted((Path(__file__).resolve().parent.parent / "rules" / "examples").glob("*.py"))
    if _plain_python(p)
]


def statements(path: Path) -> tuple[list[str], list[str]]:
    """(imports, other top-level statements) of a file, each with its decorators and comments."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    imports, others = [], []
    for node in ast.parse(text).body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        chunk = "".join(lines[first - 1 : node.end_lineno])
        (imports if isinstance(node, ast.Import | ast.ImportFrom) else others).append(chunk)
    return imports, others


EXAMPLE_STATEMENTS = [statements(path) for path in EXAMPLES]


@st.composite
def example_fragments(draw) -> str:
    """The imports of the rules' annotated examples and a random selection of their other
    statements, reordered and repeated: every rule's positive and negative shapes, in
    combinations and orders the examples never show."""
    files = draw(st.lists(st.sampled_from(EXAMPLE_STATEMENTS), min_size=1, max_size=3))
    imports = [chunk for chunk_imports, _ in files for chunk in chunk_imports]
    pool = [chunk for _, others in files for chunk in others]
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=12))
    return TRIGGER + "".join(imports) + "".join(chosen)


@fuzz(40)
@given(example_fragments())
def test_cut_up_examples_lint_and_fix_safely(program):
    data = program.encode()
    result = lint(data)
    assert result.parsed and not [f for f in result.findings if f.code == "KV000"]
    assert_fix_is_safe(data)


# -- the command line: exit codes and no traceback ---------------------------------------------

TRACEBACK = re.compile(r"Traceback \(most recent call last\)")


CONTENTS = {
    "syntax.py": b"import azure.identity\ndef broken(:\n",
    "binary.py": b"import azure.identity\n\xff\xfe\x00garbage",
    "all_bytes.py": b"import azure.identity\n" + bytes(range(256)),
    "finding.py": b"from azure.identity import DefaultAzureCredential as D\n"
    b"D().get_token('https://vault.azure.net/')\n",
}


def test_command_line_never_shows_a_traceback(kvlint, tmp_path):
    for args in (["--format", "json"], ["--format", "sarif"], ["--diff"], ["--fix"]):
        for name, content in CONTENTS.items():
            (tmp_path / name).write_bytes(content)
        result = kvlint("check", "--no-cache", *args, ".", cwd=tmp_path)
        assert result.returncode == 1, result.stderr  # findings (or a diff) to show
        assert not TRACEBACK.search(result.stderr)
        for name, content in CONTENTS.items():  # only --fix writes, and only what parses
            assert (tmp_path / name).read_bytes() == content or (
                "--fix" in args and name == "finding.py"
            )
    for content in CONTENTS.values():
        stdin = kvlint("check", "--format", "json", "-", input=content.decode("latin-1"))
        assert stdin.returncode == 1 and not TRACEBACK.search(stdin.stderr)


def test_a_bug_in_kvlint_is_one_line_and_exit_2(monkeypatch, capsys):
    from kvlint import cli
    from kvlint.lint import discovery

    def broken(*args, **kwargs):
        raise RuntimeError("something kvlint did not expect")

    monkeypatch.setattr(discovery, "discover", broken)
    monkeypatch.delenv("KVLINT_DEBUG", raising=False)
    assert cli.main(["check", "--no-cache", "."]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("kvlint: internal error: RuntimeError: something kvlint did not expect")
    monkeypatch.setenv("KVLINT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["check", "--no-cache", "."])
