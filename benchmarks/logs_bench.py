"""Benchmark ``kvlint logs`` on synthetic AuditEvent archives: time and peak memory.

    python benchmarks/logs_bench.py                    # 100,000 and 1,000,000 records
    python benchmarks/logs_bench.py --records 250000   # one size

The records are written to a temporary directory (JSON lines, the storage archive's PT1H.json
shape, one file per hour) and deleted afterwards. The mix is a busy vault's day: 93 % SecretGet
200 from 40 callers over 200 secrets, 3 % 429 in bursts, 2 % firewall 403s from 30 addresses,
1 % access-policy 403s, 1 % SDK challenge 401s. ``kvlint logs DIR --format json`` runs from this
checkout in a child process; wall time is measured around it and peak memory is the child's
maximum resident set size and CPU time (``getrusage(RUSAGE_CHILDREN)``, one child per size, so each
number is that run's own; CPU time is the fairer number on a busy machine). Flat memory means the 1,000,000-record peak is about the 100,000-record one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUB = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DAY = 1772409600  # 2026-03-02T00:00:00Z


def _oid(i: int) -> str:
    return f"{i:08x}-0000-4000-8000-{i:012x}"


def generate(folder: Path, records: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    resource_id = (
        f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-BUSY"
    )
    per_hour = max(1, records // 24)
    written = 0
    for hour in range(24):
        path = folder / f"h={hour:02d}" / "PT1H.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        count = per_hour if hour < 23 else records - written
        with path.open("w", encoding="utf-8") as out:
            for i in range(count):
                t = DAY + hour * 3600 + i * 3600 / count
                roll = rng.random()
                caller = rng.randrange(40)
                status, signature, text, ip = 200, "OK", "", f"20.50.{caller}.9"
                claim = {
                    "oid": _oid(caller),
                    "appid": _oid(1000 + caller),
                    "iss": f"https://sts.windows.net/{TENANT}/",
                }
                operation = "SecretGet"
                if roll < 0.03:
                    status, signature = 429, "TooManyRequests"
                elif roll < 0.05:
                    ip = f"198.51.100.{rng.randrange(30)}"
                    status, signature = 403, "Forbidden"
                    text = f"Client address is not authorized and caller is not a trusted service.\r\nClient address: {ip}"
                elif roll < 0.06:
                    status, signature = 403, "Forbidden"
                    text = "Caller was not found on any access policy in this key vault."
                elif roll < 0.07:
                    status, signature, claim, operation = 401, "Unauthorized", {}, "Authentication"
                stamp = (
                    time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e7):07d}Z"
                )
                doc = {
                    "time": stamp,
                    "resourceId": resource_id,
                    "operationName": operation,
                    "operationVersion": "7.4",
                    "category": "AuditEvent",
                    "resultType": "Success",
                    "resultSignature": signature,
                    "resultDescription": text,
                    "durationMs": "11",
                    "callerIpAddress": ip,
                    "correlationId": "",
                    "identity": {"claim": claim} if claim else {},
                    "properties": {
                        "clientInfo": "azsdk-python-keyvault-secrets/4.8.0 Python/3.11.7",
                        "httpStatusCode": status,
                        "requestUri": f"https://kv-busy.vault.azure.net/secrets/s{rng.randrange(200)}/?api-version=7.4",
                    },
                }
                out.write(json.dumps(doc) + "\n")
        written += count
    return written


def measure(folder: Path) -> tuple[float, float, float, dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kvlint",
            "logs",
            str(folder),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    if result.returncode != 0:
        raise SystemExit(f"kvlint logs failed ({result.returncode}): {result.stderr.strip()}")
    if peak <= before:
        raise SystemExit("run one size per process invocation to read its own peak memory")
    return wall, cpu, peak / 1024, json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, action="append", help="records (repeatable)")
    args = parser.parse_args()
    sizes = args.records or [100_000, 1_000_000]
    if len(sizes) > 1:  # one child per size, each in a fresh interpreter, so peaks are its own
        for size in sizes:
            subprocess.run([sys.executable, __file__, "--records", str(size)], check=True)
        return 0
    (size,) = sizes
    with tempfile.TemporaryDirectory(prefix="kvlint-logs-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        generate(folder, size)
        made = time.perf_counter() - started
        megabytes = sum(f.stat().st_size for f in folder.rglob("*.json")) / 1e6
        wall, cpu, peak, doc = measure(folder)
        codes = sorted({f["code"] for f in doc["findings"]})
        print(
            f"{size:>9,} records  {megabytes:7.0f} MB  read in {wall:6.1f} s "
            f"({size / wall:8,.0f} records/s), CPU {cpu:6.1f} s ({size / cpu:8,.0f} records/CPU-s)  "
            f"peak RSS {peak:6.0f} MB  findings {', '.join(codes)}"
            f"  (generated in {made:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
