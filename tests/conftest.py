"""Shared test helpers: run the real ``kvlint`` entry point in a subprocess."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_kvlint(
    *args: str,
    input: str | bytes | None = None,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kvlint ARGS`` from this checkout and return the completed process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("KVLINT_CONFIG", None)
    data = input.decode() if isinstance(input, bytes) else input
    return subprocess.run(
        [sys.executable, "-m", "kvlint", *args],
        input=data,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
        check=False,
    )


@dataclass
class CliResult:
    """What ``kvlint.cli.main(argv)`` did in this process: as a completed subprocess."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    *args: str,
    input: str | bytes | None = None,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CliResult:
    """``kvlint ARGS`` in this process: ``kvlint.cli.main(argv)`` with stdin, stdout, stderr,
    the working directory and the environment swapped in for the call, and its exit code as the
    console script would report it (``sys.exit(main())``: a return value, or argparse's
    ``SystemExit``). About ten times cheaper than a subprocess; use :func:`run_kvlint` when
    the entry point, the process or its imports are what a test is about. A call that takes
    longer than ``timeout`` seconds is interrupted (SIGALRM) and fails the test, as a
    subprocess's timeout would: a hang must not stall the suite."""
    from kvlint import cli

    data = input.encode() if isinstance(input, str) else (input or b"")
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    saved_env = dict(os.environ)
    saved_cwd = Path.cwd()
    saved = sys.stdin, sys.stdout, sys.stderr
    os.environ.pop("KVLINT_CONFIG", None)
    os.environ.update(env or {})
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    if alarm:
        previous = signal.signal(signal.SIGALRM, _timed_out)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        if cwd is not None:
            os.chdir(cwd)
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse (--help, usage errors)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        sys.stdin, sys.stdout, sys.stderr = saved
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return CliResult(
        ["kvlint", *args],
        code,
        _text(out.getvalue()),
        _text(err.getvalue()),
    )


def _timed_out(signum, frame):
    raise TimeoutError("kvlint did not finish in time (run_cli's timeout): a hang")


def _text(data: bytes) -> str:
    # As subprocess.run(text=True) decodes: universal newlines.
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def kvlint():
    """``kvlint ARGS`` in process (:func:`run_cli`)."""
    return run_cli


@pytest.fixture
def kvlint_process():
    """``python -m kvlint ARGS`` in a subprocess (:func:`run_kvlint`)."""
    return run_kvlint


@pytest.fixture
def stub(tmp_path):
    """A local HTTPS stand-in for Azure Resource Manager (tests/arm_stub.py)."""
    from tests.arm_stub import ArmStub

    server = ArmStub(tmp_path)
    yield server
    server.close()


@dataclass(frozen=True)
class PreCommitSource:
    """This checkout as pre-commit sees a hook repository: one commit, made once per session."""

    home: Path  # PRE_COMMIT_HOME shared by the session: kvlint is installed into it once
    repo: Path
    rev: str


@pytest.fixture(scope="session")
def pre_commit_source(tmp_path_factory) -> PreCommitSource:
    """A snapshot of the checkout as it is now (uncommitted changes included, ignored files left
    out, as ``pre-commit try-repo`` would take it) committed once into a repository of its own.

    ``try-repo`` installs the hooks into a fresh temporary store on every call (a virtualenv
    and a pip install of kvlint each time); pointing a config at one fixed commit lets
    pre-commit's store install kvlint once for the whole run, while every test still drives the
    real ``pre-commit`` on a real git repository."""
    if shutil.which("git") is None:
        pytest.skip("git is required")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("the checkout is not a git repository")
    source = tmp_path_factory.mktemp("kvlint-hook-repo")
    for name in filter(None, listed.stdout.decode().split("\0")):
        path = ROOT / name
        if path.is_file() and not path.is_symlink():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, source / name)
    env = git_env(tmp_path_factory.mktemp("unused-pre-commit-home"))
    subprocess.run(["git", "init", "-q", str(source)], check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=source, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "snapshot"], cwd=source, check=True, env=env)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=source, check=True, env=env, capture_output=True
    ).stdout.decode()
    return PreCommitSource(tmp_path_factory.mktemp("pre-commit-home"), source, rev.strip())


def git_env(pre_commit_home: Path) -> dict[str, str]:
    """Environment for git and pre-commit in tests: a fixed identity, the given store."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "GIT_AUTHOR_NAME": "kvlint tests",
        "GIT_AUTHOR_EMAIL": "tests@kvlint.invalid",
        "GIT_COMMITTER_NAME": "kvlint tests",
        "GIT_COMMITTER_EMAIL": "tests@kvlint.invalid",
    }
    env.pop("KVLINT_CONFIG", None)
    return env


def run_pre_commit(
    source: PreCommitSource, repo: Path, hook: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit run HOOK --all-files`` in ``repo`` with a config naming the kvlint snapshot.

    The config lives outside ``repo`` (as ``try-repo`` keeps it), so it is not a file the
    hooks see."""
    config = repo.parent / f"pre-commit-config-{hook}.yaml"
    config.write_text(
        f"repos:\n- repo: {source.repo.as_posix()}\n  rev: {source.rev}\n"
        f"  hooks:\n  - id: {hook}\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "pre_commit", "run", hook, "--config", str(config)]
    return subprocess.run(
        [*command, "--all-files", "--color", "never"],
        cwd=repo,
        env=git_env(source.home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
