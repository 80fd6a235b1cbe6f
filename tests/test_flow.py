"""How often code runs and where values go, across a project: the consumers of project-wide
findings (--add-noqa, the cache, --fix) and the frequency model's chains."""

from __future__ import annotations

import shutil
from pathlib import Path

from kvlint.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "rules" / "examples"


def copy_example(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def test_add_noqa_marks_the_findings_of_the_project_passes(tmp_path, capsys):
    root = copy_example("project_accessor", tmp_path)
    assert main(["check", str(root), "--no-cache", "--output-format", "json"]) == 1
    assert "KV305" in capsys.readouterr().out  # a finding the project passes make
    assert main(["check", str(root), "--no-cache", "--add-noqa"]) == 0
    capsys.readouterr()
    assert main(["check", str(root), "--no-cache"]) == 0, capsys.readouterr().out
    text = (root / "shop" / "vault.py").read_text(encoding="utf-8")
    assert "# noqa: KV305" in text
