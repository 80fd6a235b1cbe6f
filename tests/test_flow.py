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


def _codes(capsys) -> list[tuple[str, int, str]]:
    import json

    out = json.loads(capsys.readouterr().out)
    return sorted((Path(f["path"]).name, f["line"], f["code"]) for f in out)


def test_a_copied_tree_keeps_its_project_wide_findings_from_the_cache(tmp_path, capsys):
    app = copy_example("project_accessor", tmp_path / "one")
    with (app / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.kvlint]\n")  # paths relative to this project's root
    cache = str(tmp_path / "cache")
    main(["check", str(app), "--no-cache", "--output-format", "json"])
    want = _codes(capsys)
    assert any(code == "KV305" for _, _, code in want)
    main(["check", str(app), "--cache-dir", cache, "--output-format", "json"])
    assert _codes(capsys) == want
    copy = tmp_path / "two" / "project_accessor"
    shutil.copytree(app, copy)
    shutil.rmtree(app)  # what the cache said of the first tree must not point at it
    main(["check", str(copy), "--cache-dir", cache, "--output-format", "json"])
    assert _codes(capsys) == want


def test_clean_removes_the_cache_and_only_a_kvlint_cache(tmp_path, capsys):
    app = copy_example("project_accessor", tmp_path)
    main(["check", str(app), "--output-format", "json"])
    capsys.readouterr()
    cache = app / ".kvlint_cache"
    assert (cache / "v1").is_dir()
    assert main(["clean", str(app)]) == 0
    assert not cache.exists()
    assert main(["clean", str(app)]) == 0  # nothing to remove: fine
    other = tmp_path / "not-a-cache"
    (other / "v1").mkdir(parents=True)
    assert main(["clean", "--cache-dir", str(other)]) == 2
    assert (other / "v1").is_dir()
