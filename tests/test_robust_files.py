"""Hostile files: each one gets a KV000 with a clear message or is skipped, the run goes on, and
the exit code follows DESIGN.md (0 nothing to report, 1 findings, 2 only for kvlint's own bugs).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from kvlint.config import Settings
from kvlint.lint.discovery import discover
from kvlint.lint.engine import MAX_BYTES, Linter
from kvlint.lint.project import ProjectOptions
from kvlint.lint.runner import Runner

BAD = "from azure.identity import DefaultAzureCredential\n"
CALL = "DefaultAzureCredential().get_token('https://vault.azure.net/')\n"


def check_json(kvlint, cwd: Path, *paths: str):
    result = kvlint("check", "--no-cache", "--format", "json", *(paths or (".",)), cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result, {(f["path"], f["line"], f["code"]): f["message"] for f in _parse(result)}


def _parse(result) -> list[dict]:
    return json.loads(result.stdout) if result.stdout.strip() else []


def test_encodings_line_endings_and_binary(kvlint, tmp_path):
    files = {
        "cookie_latin1.py": b"# -*- coding: latin-1 -*-\n"
        + BAD.encode()
        + b"x = '\xe9'\n"
        + CALL.encode(),
        "no_cookie_latin1.py": BAD.encode() + b"x = '\xe9'\n",
        "unknown_cookie.py": b"# coding: klingon\n" + BAD.encode(),
        "bom.py": b"\xef\xbb\xbf" + BAD.encode() + CALL.encode(),
        "bom_and_latin1_cookie.py": b"\xef\xbb\xbf# coding: latin-1\n" + BAD.encode(),
        "crlf.py": (BAD + "\n" + CALL).replace("\n", "\r\n").encode(),
        "mixed.py": BAD.encode() + b"x = 1\r\ny = 2\r" + CALL.encode(),
        "nul.py": BAD.encode() + b"x = 1\x00\n",
        "utf16.py": (BAD + CALL).encode("utf-16"),  # no ASCII trigger word: not Python's either
        "python2.py": b"import adal\nprint 'token'\n",
        "lone_cr_only.py": (BAD + CALL).replace("\n", "\r").encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result, found = check_json(kvlint, tmp_path)
    assert result.returncode == 1
    assert set(found) == {
        ("cookie_latin1.py", 4, "KV101"),
        ("no_cookie_latin1.py", 1, "KV000"),
        ("unknown_cookie.py", 1, "KV000"),
        ("bom.py", 2, "KV101"),
        ("bom_and_latin1_cookie.py", 1, "KV000"),
        ("crlf.py", 3, "KV101"),
        ("mixed.py", 4, "KV101"),
        ("nul.py", 1, "KV000"),
        ("python2.py", 2, "KV000"),
        ("lone_cr_only.py", 2, "KV101"),
    }  # a file that does not parse gets only its KV000 (python2.py: no KV106 for adal)
    assert "not valid utf-8 (byte 0xe9 on line 2)" in found["no_cookie_latin1.py", 1, "KV000"]
    assert (
        "bad coding declaration (unknown encoding: klingon)"
        in found["unknown_cookie.py", 1, "KV000"]
    )
    assert "bad coding declaration" in found["bom_and_latin1_cookie.py", 1, "KV000"]
    assert "NUL" in found["nul.py", 1, "KV000"]
    assert "Missing parentheses in call to 'print'" in found["python2.py", 2, "KV000"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("crlf.py", (BAD + "x = 1\n" + CALL).replace("\n", "\r\n").encode()),
        ("mixed.py", BAD.encode() + b"x = 1\r\ny = 2\r" + CALL.encode() + b"z = 3"),
        ("bom.py", b"\xef\xbb\xbf" + (BAD + CALL).encode()),
        ("latin1.py", b"# coding: latin-1\n" + BAD.encode() + b"s = '\xe9'\n" + CALL.encode()),
    ],
)
def test_fix_changes_only_the_bad_bytes(kvlint, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    result = kvlint("check", "--no-cache", "--fix", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.read_bytes() == data.replace(b"vault.azure.net/'", b"vault.azure.net/.default'")


def test_file_of_20_mb_is_skipped_with_a_message_quickly(kvlint, tmp_path):
    padding = b"x = 1  # generated code generated code generated code generated code\n"
    body = padding * (20 * 1024 * 1024 // len(padding))
    (tmp_path / "huge.py").write_bytes(BAD.encode() + body)
    (tmp_path / "huge_unrelated.py").write_bytes(body)  # no trigger word: never parsed
    (tmp_path / "small.py").write_bytes((BAD + CALL).encode())
    assert len(body) > MAX_BYTES
    started = time.monotonic()
    result, found = check_json(kvlint, tmp_path)
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert set(found) == {("huge.py", 1, "KV000"), ("small.py", 2, "KV101")}
    assert found["huge.py", 1, "KV000"] == "file too large to lint (20 MiB > 10 MiB); skipped"


NESTED = {
    "parentheses": "x = " + "(" * 1000 + "1" + ")" * 1000,
    "calls": "x = " + "f(" * 1000 + ")" * 1000,
    "lists": "x = " + "[" * 1000 + "]" * 1000,
    "dicts": "x = " + "{1: " * 1000 + "}" * 1000,
    "binary operators": "x = " + "1 + " * 1000 + "1",
    "unary minus": "x = " + "-" * 1000 + "1",
    "not": "x = " + "not " * 1000 + "y",
    "attributes": "x = a" + ".b" * 1000,
    "subscripts": "x = a" + "[0]" * 1000,
    "lambdas": "x = " + "lambda: " * 1000 + "1",
    "conditional": "x = " + " if c else ".join(["1"] * 1000),
    "blocks": "\n".join(" " * i + "if x:" for i in range(100)) + "\n" + " " * 100 + "pass",
    "strings in brackets": "x = '" + "(" * 1000 + "'",
}


@pytest.mark.parametrize("shape", NESTED, ids=str)
def test_thousand_deep_nesting_is_quick_and_never_a_crash(shape):
    linter = Linter(Settings())
    started = time.monotonic()
    result = linter.lint_bytes((BAD + CALL + NESTED[shape] + "\n").encode(), "deep.py")
    assert time.monotonic() - started < 10
    codes = [f.code for f in result.findings]
    messages = " ".join(f.message for f in result.findings)
    assert codes in (["KV101"], ["KV000"]), messages
    if codes == ["KV000"]:
        assert "nested" in messages or "levels of indentation" in messages, messages


def test_depths_where_the_checks_pass_but_positions_overflow():
    """Found by bisection: resolving positions for a finding walks deeper than the checks do.

    Below some depth the finding is reported, above it the file is a KV000; no depth in
    between may raise (it did, for a few depths just below that boundary).
    """
    linter = Linter(Settings())

    shapes = {
        "unary minus": lambda depth: "-" * depth + "1",
        "attributes": lambda depth: "a" + ".b" * depth,
        "binary operators": lambda depth: "1" + " + 1" * depth,
    }

    sliced = Linter(Settings(), ProjectOptions(slicing="always"))

    def codes(depth: int, shape: str) -> list[str]:
        # the deep expression is in a statement that can matter (it names the credential)
        source = BAD + CALL + f"x = DefaultAzureCredential if {shapes[shape](depth)} else None\n"
        return [f.code for f in linter.lint_bytes(source.encode(), "deep.py").findings]

    for shape in shapes:
        low, high = 10, 1000
        assert codes(low, shape) == ["KV101"] and codes(high, shape) == ["KV000"]
        # sliced, the deep statement that cannot matter is blanked, never parsed
        deep = BAD + CALL + f"x = {shapes[shape](high)}\n"
        found = sliced.lint_bytes(deep.encode(), "deep.py").findings
        assert [f.code for f in found] == ["KV101"]
        while high - low > 1:
            middle = (low + high) // 2
            found = codes(middle, shape)
            assert found in (["KV101"], ["KV000"]), (middle, found)
            low, high = (middle, high) if found == ["KV101"] else (low, middle)


def test_directories_symlink_loops_pipes_and_devices(kvlint, tmp_path):
    (tmp_path / "package.py").mkdir()  # a directory named like a module
    (tmp_path / "package.py" / "inner.py").write_text(BAD + CALL)
    (tmp_path / "loop_a.py").symlink_to("loop_b.py")
    (tmp_path / "loop_b.py").symlink_to("loop_a.py")
    (tmp_path / "dangling.py").symlink_to("missing.py")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")  # a directory loop: never followed
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block forever
    (tmp_path / "zero.py").symlink_to("/dev/zero")  # reading it would never end
    started = time.monotonic()
    result, found = check_json(kvlint, tmp_path)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert set(found) == {
        ("package.py/inner.py", 2, "KV101"),
        ("loop_a.py", 1, "KV000"),
        ("loop_b.py", 1, "KV000"),
        ("dangling.py", 1, "KV000"),
        ("pipe.py", 1, "KV000"),
        ("zero.py", 1, "KV000"),
    }
    assert "Too many levels of symbolic links" in found["loop_a.py", 1, "KV000"]
    assert "No such file" in found["dangling.py", 1, "KV000"]
    assert "not a regular file" in found["pipe.py", 1, "KV000"]
    assert "not a regular file" in found["zero.py", 1, "KV000"]
    # named on the command line: the same answers, and a directory is walked
    result, found = check_json(kvlint, tmp_path, "loop_a.py", "package.py", "pipe.py")
    assert result.returncode == 1
    assert set(found) == {
        ("loop_a.py", 1, "KV000"),
        ("package.py/inner.py", 2, "KV101"),
        ("pipe.py", 1, "KV000"),
    }


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.py"
    path.write_text(BAD + CALL)
    other = tmp_path / "other.py"
    other.write_text(BAD + CALL)
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the open fail as it would for a user
        real_open = os.open

        def refuse(file, *args, **kwargs):
            if Path(file) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    settings = Settings(root=tmp_path)
    outcome = Runner(settings).run(list(discover([str(tmp_path)], settings)))
    found = sorted((Path(f.path).name, f.code, f.message) for f in outcome.findings)
    assert found[0][0] == "other.py" and found[0][1] == "KV101"
    assert found[1] == ("secret.py", "KV000", "cannot read file: Permission denied")


def test_file_deleted_between_discovery_and_reading(tmp_path):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(BAD + CALL)
    settings = Settings(root=tmp_path)
    targets = list(discover([str(tmp_path)], settings))
    (tmp_path / "b.py").unlink()
    outcome = Runner(settings).run(targets)
    found = sorted((Path(f.path).name, f.code, f.message[:30]) for f in outcome.findings)
    assert [(name, code) for name, code, _ in found] == [
        ("a.py", "KV101"),
        ("b.py", "KV000"),
        ("c.py", "KV101"),
    ]
    assert found[1][2] == "cannot read file: No such file"


def test_stdin_garbage(kvlint):
    result = kvlint("check", "--no-cache", "--format", "json", "-", input="\x00\x01 azure.identity")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [f["code"] for f in _parse(result)] == ["KV000"]
