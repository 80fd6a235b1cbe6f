"""Fix safety: --fix replaces a file atomically or not at all, and --diff never writes.

The runner reads each file once; ``write_atomically`` compares what is on disk with those bytes
just before replacing it, writes a temporary file in the same directory and ``os.replace``s it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from kvlint.config import Settings
from kvlint.lint import rewrite as runner_module
from kvlint.lint.discovery import discover
from kvlint.lint.runner import Runner

SOURCE = (
    "from azure.identity import DefaultAzureCredential\n"
    "credential = DefaultAzureCredential()\n"
    "token = credential.get_token('https://vault.azure.net/')\n"
)
FIXED = SOURCE.replace("vault.azure.net/'", "vault.azure.net/.default'")


def fix(folder: Path, **runner_options):
    settings = Settings(root=folder)
    runner = Runner(settings, fix=True, **runner_options)
    return runner, runner.run(list(discover([str(folder)], settings)))


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_fix_replaces_through_a_temporary_file_in_the_same_directory(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    before = path.stat().st_ino
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src, dst):
        assert Path(src).read_text() == FIXED  # complete before it becomes the file
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(runner_module.os, "replace", spy)
    _, outcome = fix(tmp_path)
    assert outcome.fixed == 1 and path.read_text() == FIXED
    ((src, dst),) = replaced
    assert Path(src).parent == path.parent and Path(dst) == path
    assert Path(src).name.startswith(".app.py.") and src.endswith(".kvlint-tmp")
    assert path.stat().st_ino != before  # a new file took the name: never a half-written one
    assert listing(tmp_path) == ["app.py"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o664])
def test_fix_keeps_the_file_mode(tmp_path, mode):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    path.chmod(mode)
    _, outcome = fix(tmp_path)
    assert outcome.fixed == 1 and path.read_text() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand a file to another owner")
def test_fix_keeps_the_owner(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    os.chown(path, 65534, 65534)
    fix(tmp_path)
    assert path.read_text() == FIXED
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)


def test_fix_writes_through_a_symlink_to_its_target(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "app.py").write_text(SOURCE)
    link_dir = tmp_path / "src"
    link_dir.mkdir()
    (link_dir / "app.py").symlink_to(real / "app.py")
    fix(link_dir)
    assert (link_dir / "app.py").is_symlink()
    assert (real / "app.py").read_text() == FIXED
    assert listing(real) == ["app.py"] and listing(link_dir) == ["app.py"]


def test_a_read_only_file_is_not_fixed(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    path.chmod(0o444)
    _, outcome = fix(tmp_path)
    assert path.read_text() == SOURCE and outcome.fixed == 0
    assert outcome.notes == [f"{tmp_path / 'app.py'}: not fixed: file is read-only"]
    assert [f.code for f in outcome.findings] == ["KV101"]  # still reported


def _after_lint(runner: Runner, action) -> None:
    """Run ``action(path)`` after the file was read and linted, before the fix is written."""
    lint_bytes = runner.linter.lint_bytes

    def hooked(data, display, *args, **kwargs):
        result = lint_bytes(data, display, *args, **kwargs)
        action(Path(display))
        return result

    runner.linter.lint_bytes = hooked  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("change", "note"),
    [
        (lambda p: p.write_text(SOURCE + "# edited meanwhile\n"), "file changed while kvlint"),
        # edited so that nothing is left to fix: reported as it is now, no note (issue 23, 7)
        (lambda p: p.write_text(SOURCE.replace("token", "tok")), None),
        (lambda p: p.unlink(), "file disappeared before it could be fixed"),
    ],
    ids=["appended", "edited", "deleted"],
)
def test_a_file_changed_between_read_and_write_is_left_alone(tmp_path, change, note):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    settings = Settings(root=tmp_path)
    runner = Runner(settings, fix=True)
    _after_lint(runner, change)
    expected = None
    outcome = runner.run(list(discover([str(tmp_path)], settings)))
    if path.exists():
        expected = path.read_text()
        assert FIXED not in expected  # the concurrent edit won; kvlint wrote nothing
    assert outcome.fixed == 0
    if note is None:
        assert outcome.notes == [] and outcome.findings == []
    else:
        assert len(outcome.notes) == 1 and note in outcome.notes[0]
    assert listing(tmp_path) == (["app.py"] if expected is not None else [])


def test_disk_full_during_the_write_leaves_the_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    other = tmp_path / "other.py"
    other.write_text(SOURCE)
    real_fdopen = os.fdopen
    writes = []

    class FullDisk:
        """A file object whose write stores half the data, then fails like a full disk."""

        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            writes.append(len(data))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        return FullDisk(handle) if "w" in (args[0] if args else kwargs.get("mode", "r")) else handle

    monkeypatch.setattr(runner_module.os, "fdopen", fdopen)
    _, outcome = fix(tmp_path)
    assert len(writes) == 2  # both files were attempted
    assert path.read_text() == SOURCE and other.read_text() == SOURCE
    assert listing(tmp_path) == ["app.py", "other.py"]  # no temporary file left behind
    assert outcome.fixed == 0
    assert sorted(outcome.notes) == [
        f"{tmp_path / name}: not fixed: No space left on device" for name in ("app.py", "other.py")
    ]


def test_an_interrupted_fix_removes_its_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SOURCE)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fix(tmp_path)
    assert path.read_text() == SOURCE
    assert listing(tmp_path) == ["app.py"]


def test_diff_never_writes(kvlint, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(SOURCE)
    (project / "crlf.py").write_bytes(SOURCE.replace("\n", "\r\n").encode())
    snapshot = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in project.iterdir()}
    project.chmod(0o555)  # not even a temporary file could be created here
    try:
        for extra in ([], ["--unsafe-fixes"], ["--format", "json"]):
            result = kvlint("check", "--diff", "--no-cache", *extra, ".", cwd=project)
            assert result.returncode == 1, result.stderr
            assert "-token = credential.get_token('https://vault.azure.net/')" in result.stdout
            assert "+token = credential.get_token('https://vault.azure.net/.default')" in (
                result.stdout
            )
        piped = kvlint("check", "--diff", "-", input=SOURCE, cwd=project)
        assert piped.returncode == 1 and "+token" in piped.stdout
    finally:
        project.chmod(0o755)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in project.iterdir()} == snapshot
