"""A repository can commit anything under ``.kvlint_cache``: kvlint never follows a link there,
never writes or deletes outside the tree, and says in one line what it refused (issue 23, 1)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kvlint.findings import Finding, Location
from kvlint.lint.cache import FOLDER, ResultCache
from kvlint.lint.cachefs import open_root
from tests.conftest import run_kvlint

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX")

BAD = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    """A project and, beside it, a folder standing for "outside the tree"."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "app.py").write_text(BAD)
    return project, outside


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_a_cloned_repository_with_links_in_its_cache_is_left_untouched(tmp_path):
    """As a new user meets it: clone a repository that committed links, run `kvlint check .`."""
    if shutil.which("git") is None:
        pytest.skip("git")
    origin, outside = _repo(tmp_path)
    (outside / "precious.txt").write_text("keep me\n")
    (outside / "tag.txt").write_text("keep me too\n")
    for n in range(5):
        (outside / f"{n:064x}.json").write_text("[]")
    cache = origin / ".kvlint_cache"
    cache.mkdir()
    (cache / ".gitignore").symlink_to(outside / "precious.txt")
    (cache / "CACHEDIR.TAG").symlink_to(outside / "tag.txt")
    (cache / "v1").symlink_to(outside)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", str(origin)], check=True)
    subprocess.run([*git, "-C", str(origin), "add", "-A", "-f"], check=True)
    subprocess.run([*git, "-C", str(origin), "commit", "-q", "-m", "x"], check=True)
    clone = tmp_path / "clone"
    subprocess.run([*git, "clone", "-q", str(origin), str(clone)], check=True)
    assert (clone / ".kvlint_cache" / "v1").is_symlink()
    before = _snapshot(outside)

    result = run_kvlint("check", ".", cwd=clone)

    assert result.returncode == 1, result.stderr  # the finding is still reported
    assert "KV" in result.stdout
    assert _snapshot(outside) == before
    refusals = [line for line in result.stderr.splitlines() if "cache not used" in line]
    assert len(refusals) == 1
    assert "symbolic link" in refusals[0] and ".kvlint_cache" in refusals[0]


@pytest.mark.parametrize("name", [".gitignore", "CACHEDIR.TAG"])
def test_marker_links_are_never_written_through(tmp_path, name):
    project, outside = _repo(tmp_path)
    target = outside / "victim"
    target.write_text("original\n")
    (project / ".kvlint_cache").mkdir()
    (project / ".kvlint_cache" / name).symlink_to(target)

    result = run_kvlint("check", ".", cwd=project)

    assert target.read_text() == "original\n"
    assert f".kvlint_cache/{name} is a symbolic link" in result.stderr
    assert not (project / ".kvlint_cache" / "v1").exists()


def test_a_cache_root_that_is_a_link_is_used_only_when_named(tmp_path):
    project, outside = _repo(tmp_path)
    (project / ".kvlint_cache").symlink_to(outside)

    result = run_kvlint("check", ".", cwd=project)
    assert ".kvlint_cache is a symbolic link (name it with --cache-dir" in result.stderr
    assert list(outside.iterdir()) == []

    named = run_kvlint("check", "--cache-dir", ".kvlint_cache", ".", cwd=project)
    assert "cache not used" not in named.stderr
    assert (outside / "v1").is_dir() and (outside / "CACHEDIR.TAG").is_file()


def test_a_configured_cache_outside_the_project_is_refused(tmp_path):
    project, outside = _repo(tmp_path)
    (project / "pyproject.toml").write_text(
        f"[project]\nname = 'x'\n[tool.kvlint]\ncache-dir = {str(outside / 'c')!r}\n"
    )
    result = run_kvlint("check", ".", cwd=project)
    assert "is outside the project" in result.stderr
    assert list(outside.iterdir()) == []


def test_summaries_folder_link_is_refused(tmp_path):
    project, outside = _repo(tmp_path)
    (project / ".kvlint_cache").mkdir()
    (project / ".kvlint_cache" / "summaries-v2").symlink_to(outside)
    result = run_kvlint("check", ".", cwd=project)
    assert ".kvlint_cache/summaries-v2 is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def _finding() -> Finding:
    return Finding("KV101", "r", "error", "m", location=Location("x.py", 1, 1, 1, 2))


def test_links_met_inside_the_cache_are_neither_followed_nor_pruned(tmp_path):
    """Links placed below a checked root (a bucket, an entry) are refused at each step."""
    outside = tmp_path / "outside"
    outside.mkdir()
    root, refused = open_root(tmp_path / "cache", explicit=True)
    assert root is not None and refused is None
    cache = ResultCache(root.path, "s")
    key = cache.key(b"data", "x.py")
    # the bucket of this key is a link to a folder outside
    (cache.root).mkdir(parents=True)  # the root itself is made at the first write
    (cache.root / key[:2]).symlink_to(outside)
    cache.put(key, [_finding()])
    assert list(outside.iterdir()) == []
    assert cache.get(key, "x.py") is None
    # an entry that is a link to a file outside: not read through, replaced (not written through)
    other = cache.key(b"other", "x.py")
    victim = outside / "victim.json"
    victim.write_text("[]")
    (cache.root / other[:2]).mkdir(exist_ok=True)
    (cache.root / other[:2] / f"{other}.json").symlink_to(victim)
    assert cache.get(other, "x.py") is None
    cache.put(other, [_finding()])
    assert victim.read_text() == "[]"
    assert cache.get(other, "x.py").findings[0].code == "KV101"


def test_prune_removes_only_what_kvlint_wrote(tmp_path):
    cache = ResultCache(tmp_path, "s")
    for n in range(30):
        cache.put(cache.key(str(n).encode(), "x.py"), [])
    bucket = next(p for p in cache.root.iterdir() if p.is_dir())
    foreign = {
        bucket / "notes.txt": "mine",
        bucket / "zz.json": "mine",
        bucket / (("cd" if bucket.name == "ab" else "ab") + "0" * 62 + ".json"): "wrong bucket",
    }
    for path, text in foreign.items():
        path.write_text(text)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    kept = outside / ("0" * 64 + ".json")
    kept.write_text("[]")
    (cache.root / "ff").mkdir(exist_ok=True)
    (cache.root / "ff" / ("ff" + "0" * 62 + ".json")).symlink_to(kept)
    (cache.root / "00").symlink_to(outside) if not (cache.root / "00").exists() else None
    hard = cache.root / "ee"
    hard.mkdir(exist_ok=True)
    os.link(kept, hard / ("ee" + "1" * 62 + ".json"))

    assert cache.prune(limit=5) == 25
    assert kept.read_text() == "[]" and (hard / ("ee" + "1" * 62 + ".json")).exists()
    for path, text in foreign.items():
        assert path.read_text() == text
    entries = [p for p in cache.root.rglob("*.json") if p.is_file() and not p.is_symlink()]
    assert len([p for p in entries if p.parent.name == p.name[:2] and p.stat().st_nlink == 1]) == 5
    assert cache.refused >= 1


def test_entries_still_round_trip(tmp_path):
    cache = ResultCache(tmp_path, "s")
    key = cache.key(b"data", "x.py")
    cache.put(key, [_finding()], used={"m": "d"})
    assert cache.get(key, "y.py", lambda used: used == {"m": "d"}).findings[0].path == "y.py"
    assert (tmp_path / "CACHEDIR.TAG").is_file() and (tmp_path / ".gitignore").is_file()
    assert (cache.root / key[:2] / f"{key}.json").is_file()
    assert FOLDER == "v1"
