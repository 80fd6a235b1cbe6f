"""The server's pure parts: position conversion, minimal edits, the engine door, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types

from kvlint.config import Settings
from kvlint.server import engine
from kvlint.server.positions import Positions
from kvlint.server.project import Projects
from tests.lsp_client import apply_text_edits

SLASH = "https://vault.azure.net/"
BAD = (
    "from azure.identity import DefaultAzureCredential\n\n"
    f'token = DefaultAzureCredential().get_token("{SLASH}")\n'
)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-16", 4), ("utf-8", 7), ("utf-32", 3)],
)
def test_columns_in_the_negotiated_encoding(encoding: str, expected: int) -> None:
    positions = Positions('a😀é"x"\n', encoding)  # 😀: 2 UTF-16 units, 4 UTF-8 bytes
    assert positions.to_lsp(1, 4) == types.Position(0, expected)
    assert positions.from_lsp(types.Position(0, expected)) == (1, 4)
    kind = types.PositionEncodingKind(encoding)  # what pygls negotiated, as the enum
    assert Positions(positions.text, kind).to_lsp(1, 4) == types.Position(0, expected)


def test_lines_split_as_lsp_splits_them() -> None:
    positions = Positions("a\fb\u2028c\r\nd\re\nf")  # form feed and U+2028 are not breaks
    assert positions.lines == ["a\fb\u2028c", "d", "e", "f"]
    assert positions.to_lsp(2, 1) == types.Position(1, 0)
    assert positions.from_lsp(types.Position(0, 99)) == (1, 6)  # clamped to the line's end
    assert positions.from_lsp(types.Position(9, 0)) == (4, 2)  # past the end


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a = 1\r\nb = 2\r\n", "a = 1\r\nb = 2  # noqa: KV101\r\n"),
        ("x\r\ny\r\n", "x\ny\r\n"),  # a CRLF becomes LF: the edit must not split the pair
        ("x\ny", "x\r\ny"),
        ("same", "same"),
        ("😀😀 a", "😀😀 b"),
        ("", "new"),
        ("abcabc", "abc"),
    ],
)
def test_replace_with_is_one_exact_edit(old: str, new: str) -> None:
    edit = Positions(old).replace_with(new)
    if old == new:
        assert edit is None
        return
    assert edit is not None
    assert apply_text_edits(old, [edit]) == new


def test_engine_door_keeps_a_declared_encoding_intact() -> None:
    linter = engine.make_linter(Settings())
    text = "# -*- coding: latin-1 -*-\nnom = 'Gérard'\n" + BAD.replace("\n\n", "\n")
    result = engine.lint_text(linter, text, "legacy.py", "legacy.py")
    (finding,) = result.findings
    assert finding.code == "KV101"
    assert result.source is not None and result.source.text == text


def test_engine_door_lints_config_files_by_name() -> None:
    linter = engine.make_linter(Settings())
    result = engine.lint_text(linter, f"resource: {SLASH}\n", "app.yaml", "app.yaml")
    assert [f.code for f in result.findings] == ["KV101"]


def test_settings_are_cached_per_folder_and_reloaded_on_change(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kvlint]\nignore = ["KV101"]\n')
    sub = tmp_path / "pkg"
    sub.mkdir()
    projects = Projects()
    first = projects.project_for(sub)
    assert projects.project_for(sub) is first
    assert projects.project_for(tmp_path) is first  # one linter per configuration
    assert "KV101" not in first.linter.enabled
    import os

    (tmp_path / "pyproject.toml").write_text('[tool.kvlint]\nignore = ["KV3"]\n')
    stat = (tmp_path / "pyproject.toml").stat()
    os.utime(tmp_path / "pyproject.toml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    reloaded = projects.project_for(sub)
    assert reloaded is not first and "KV101" in reloaded.linter.enabled


def test_target_without_configuration_uses_the_workspace_folder(tmp_path: Path) -> None:
    projects = Projects()
    projects.folders = [tmp_path]
    (tmp_path / "venv" / "lib").mkdir(parents=True)
    inside = projects.target(str(tmp_path / "venv" / "lib" / "x.py"), "x.py", "python")
    assert inside.skip == "excluded by the configuration"  # the default excludes hold
    kept = projects.target(str(tmp_path / "src.py"), "src.py", "python")
    assert kept.skip is None and kept.relpath == "src.py"
    untitled = projects.target(None, "Untitled-1", "python")
    assert untitled.skip is None and untitled.path == "Untitled-1.py"
    assert projects.target(None, "notes", "plaintext").skip is not None


def test_the_server_extra_and_the_test_extra_bring_pygls() -> None:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    root = Path(__file__).resolve().parent.parent
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(req.startswith("pygls") for req in extras["server"])
    # the test extra brings the server extra (and with it pygls) through kvlint-azure[...]
    itself = [r for r in extras["test"] if r.startswith("kvlint-azure[")]
    assert any("server" in r.split("[", 1)[1] for r in itself)
    assert any(req.startswith("pytest-lsp") for req in extras["test"])


def test_readme_editor_snippets_parse() -> None:
    import json
    import re
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Editors: `kvlint server`") :]
    section = section[: section.index("\n## ", 1)]
    # VS Code: the extension in editors/vscode, packaged as the README says
    assert "editors/vscode" in section and "code --install-extension kvlint.vsix" in section
    manifest = json.loads(
        (Path(__file__).resolve().parent.parent / "editors/vscode/package.json").read_text(
            encoding="utf-8"
        )
    )
    assert "kvlint.path" in manifest["contributes"]["configuration"]["properties"]
    (helix,) = re.findall(r"```toml\n(.*?)```", section, re.DOTALL)
    languages = tomllib.loads(helix)
    assert languages["language-server"]["kvlint"] == {"command": "kvlint", "args": ["server"]}
    assert all("kvlint" in lang["language-servers"] for lang in languages["language"])
    # Neovim 0.11+ (vim.lsp.config / enable) and 0.8-0.10 (vim.lsp.start per buffer)
    modern, older = re.findall(r"```lua\n(.*?)```", section, re.DOTALL)
    assert "cmd = { 'kvlint', 'server' }" in modern and "vim.lsp.enable('kvlint')" in modern
    assert "cmd = { 'kvlint', 'server' }" in older and "vim.lsp.start(" in older
