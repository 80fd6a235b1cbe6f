"""The result cache and process parallelism: same answers, never stale, safe to share."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kvlint.findings import Finding, Location
from kvlint.lint.cache import ResultCache
from tests.conftest import ROOT, run_cli

BAD = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")  # {n}\n'
)
PLAIN = "def f(x):\n    return x + {n}\n"


def make_tree(root: Path, count: int = 40) -> None:
    for n in range(count):
        text = (BAD if n % 2 else PLAIN).format(n=n)
        (root / f"m{n:03d}.py").write_text(text)


def test_warm_run_reads_from_cache_and_answers_the_same(tmp_path):
    make_tree(tmp_path)
    cold = run_cli("check", "--format", "json", "-v", ".", cwd=tmp_path)
    warm = run_cli("check", "--format", "json", "-v", ".", cwd=tmp_path)
    assert cold.returncode == warm.returncode == 1
    assert json.loads(cold.stdout) == json.loads(warm.stdout)
    assert (
        "20 parsed, 0 answered from the outline (nothing in them can matter), 0 from cache"
        in cold.stderr
    )
    assert (
        "0 parsed, 0 answered from the outline (nothing in them can matter), 20 from cache"
        in warm.stderr
    )
    assert (tmp_path / ".kvlint_cache" / "CACHEDIR.TAG").is_file()


def test_config_change_is_never_served_stale(tmp_path):
    make_tree(tmp_path, 4)
    assert run_cli("check", ".", cwd=tmp_path).returncode == 1
    (tmp_path / "pyproject.toml").write_text('[tool.kvlint]\nignore = ["KV101"]\n')
    result = run_cli("check", "-v", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert "2 parsed" in result.stderr


def test_content_change_is_a_miss(tmp_path):
    make_tree(tmp_path, 2)
    run_cli("check", ".", cwd=tmp_path)
    (tmp_path / "m001.py").write_text(BAD.format(n=1).replace("net/", "net/.default"))
    assert run_cli("check", ".", cwd=tmp_path).returncode == 0


def test_no_cache_and_cache_dir(tmp_path):
    make_tree(tmp_path, 2)
    run_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert not (tmp_path / ".kvlint_cache").exists()
    run_cli("check", "--cache-dir", str(tmp_path / "elsewhere"), ".", cwd=tmp_path)
    assert (tmp_path / "elsewhere" / "v1").is_dir()


def test_corrupt_entry_is_a_miss(tmp_path):
    make_tree(tmp_path, 2)
    run_cli("check", ".", cwd=tmp_path)
    for entry in (tmp_path / ".kvlint_cache" / "v1").rglob("*.json"):
        entry.write_text("{not json")
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert [f["code"] for f in json.loads(result.stdout)] == ["KV101"]


def test_concurrent_runs_share_the_cache(tmp_path):
    make_tree(tmp_path)
    command = [sys.executable, "-m", "kvlint", "check", "--format", "json", "-j", "1", "."]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(3)
    ]
    outputs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == 20


def test_parallel_equals_serial(tmp_path):
    make_tree(tmp_path)
    serial = run_cli("check", "--no-cache", "-j", "1", "--format", "json", ".", cwd=tmp_path)
    parallel = run_cli("check", "--no-cache", "-j", "2", "--format", "json", ".", cwd=tmp_path)
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    assert len(json.loads(serial.stdout)) == 20


def test_cache_is_keyed_by_settings_and_path_and_bounded(tmp_path):
    finding = Finding(
        "KV101",
        "keyvault-resource-trailing-slash",
        "error",
        "m",
        location=Location("x.py", 1, 1, 1, 2),
    )
    one = ResultCache(tmp_path, "settings-a")
    other = ResultCache(tmp_path, "settings-b")
    key = one.key(b"data", "x.py")
    assert key != other.key(b"data", "x.py") and key != one.key(b"data", "y.py")
    one.put(key, [finding])
    assert one.get(key, "shown.py").findings[0].path == "shown.py"
    assert other.get(other.key(b"data", "x.py"), "x.py") is None
    for n in range(30):
        one.put(one.key(str(n).encode(), "x.py"), [])
    assert one.prune(limit=1000) == 0
    assert one.prune(limit=5) == 26
    assert len(list(one.root.rglob("*.json"))) == 5
