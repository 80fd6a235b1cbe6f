"""Messages say what they mean (issue 23, item 19, lint and configuration parts): no "raw
requests request", no "Log …" advice for an HTTP response, no "'all'" explanation when only
purge was granted, no "list of strs"."""

from __future__ import annotations

from kvlint.cli import main
from tests.conftest import ROOT

EXAMPLES = ROOT / "rules" / "examples"


def _messages(capsys, *files: str) -> list[str]:
    main(["check", "--no-cache", "--output-format", "concise", *(str(EXAMPLES / f) for f in files)])
    out = capsys.readouterr().out
    return [line.split(" ", 1)[1] for line in out.splitlines() if ": KV" in line]


def test_raw_request_messages_name_the_library_once(capsys) -> None:
    messages = [
        m[6:] for m in _messages(capsys, "KV302.py", "KV104.py") if m[:5] in ("KV302", "KV104")
    ]
    assert messages
    for message in messages:
        assert "raw requests request" not in message and "raw httpx request" not in message
        assert message.startswith("raw HTTP request to Key Vault through ")
        assert "client (azure-core" not in message


def test_exposure_advice_fits_where_the_value_went(capsys) -> None:
    messages = [m[6:] for m in _messages(capsys, "KV401.py", "KV402.py")]
    response = [m for m in messages if "HTTP response" in m.split(":")[0]]
    assert response, messages
    for message in response:
        assert " Log " not in message, message
        assert "Send " in message or "Return " in message
    logged = [m for m in messages if m.split(":")[0].endswith("logged")]
    assert logged and all(" Log " in m for m in logged)


def test_purge_alone_is_not_explained_as_all(capsys) -> None:
    messages = [m[6:] for m in _messages(capsys, "KV203.py") if m.startswith("KV203")]
    purge_only = [m for m in messages if "'all'" not in m.split(":")[0]]
    assert purge_only, messages
    for message in purge_only:
        assert "'all' includes" not in message
        assert "'purge' destroys" in message


def test_config_type_errors_use_words(tmp_path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kvlint]\nselect = "KV101"\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    assert main(["check", "--no-cache", str(tmp_path / "app.py")]) == 2
    err = capsys.readouterr().err
    assert "'select' must be a list of strings" in err and "strs" not in err
    (tmp_path / "pyproject.toml").write_text("[tool.kvlint]\ncache-dir = 3\n")
    assert main(["check", "--no-cache", str(tmp_path / "app.py")]) == 2
    assert "'cache-dir' must be a string" in capsys.readouterr().err
