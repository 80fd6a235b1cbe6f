"""Entry point of the GitHub Action (action.yml): ``python -m kvlint.action``.

Reads the action's inputs from ``INPUT_ARGS``, ``INPUT_FORMAT`` and ``INPUT_UPLOAD_SARIF``, runs
``kvlint check`` once (the chosen format on stdout, SARIF to a file with ``-o sarif:FILE``),
writes the step outputs (``findings``, ``exit-code``, ``sarif-file``) to ``$GITHUB_OUTPUT`` and a summary table to
``$GITHUB_STEP_SUMMARY``. It always exits 0 itself, so that the SARIF upload step runs even
when there are findings; the action's last step fails the job with kvlint's exit code.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

FORMATS = ("github", "text", "json", "junit", "sarif")
RESERVED = ("--output-format", "--format", "--output-file", "-o")


def _kvlint(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kvlint", "check", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _reserved(arg: str) -> bool:
    """An option the action sets itself: ``--format json``, ``--format=json``, ``-oFILE``."""
    if arg.startswith("-o") and not arg.startswith("--"):
        return True
    return any(arg == r or arg.startswith(r + "=") for r in RESERVED)


def _append(variable: str, text: str) -> None:
    target = os.environ.get(variable)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)


def _summary(results: list[dict]) -> str:
    if not results:
        return "### kvlint\n\nNo Key Vault problems found.\n"
    counts = Counter(r["ruleId"] for r in results)
    lines = ["### kvlint", "", f"{len(results)} finding(s).", "", "| code | count |", "|---|---|"]
    lines += [f"| {code} | {count} |" for code, count in sorted(counts.items())]
    return "\n".join(lines) + "\n"


def main() -> int:
    args = shlex.split(os.environ.get("INPUT_ARGS", ".") or ".")
    fmt = os.environ.get("INPUT_FORMAT", "github") or "github"
    upload = os.environ.get("INPUT_UPLOAD_SARIF", "false").strip().lower() == "true"
    if fmt not in FORMATS:
        print(f"::error title=kvlint::unknown format {fmt!r} (choose {', '.join(FORMATS)})")
        _append("GITHUB_OUTPUT", "exit-code=2\nfindings=0\nsarif-file=\n")
        return 0
    if any(_reserved(a) for a in args):
        print(
            "::error title=kvlint::set the format with the 'format' input, not in 'args' "
            "(--output-format, --format, --output-file and -o are the action's)"
        )
        _append("GITHUB_OUTPUT", "exit-code=2\nfindings=0\nsarif-file=\n")
        return 0
    workspace = Path(os.environ.get("RUNNER_TEMP") or ".")
    sarif_path = (workspace / "kvlint.sarif").resolve()
    sarif_path.unlink(missing_ok=True)
    # one run: the chosen format on stdout, SARIF (for the outputs and code scanning) to a file
    shown = _kvlint([*args, "--format", fmt, "-o", f"sarif:{sarif_path}"])
    sys.stdout.write(shown.stdout)
    sys.stderr.write(shown.stderr)
    if shown.returncode == 2 or not sarif_path.is_file():
        message = (shown.stderr.strip().splitlines() or ["kvlint failed"])[-1]
        print(f"::error title=kvlint::{message}")
        _append("GITHUB_OUTPUT", "exit-code=2\nfindings=0\nsarif-file=\n")
        return 0
    results = json.loads(sarif_path.read_text(encoding="utf-8"))["runs"][0]["results"]
    _append(
        "GITHUB_OUTPUT",
        f"findings={len(results)}\nexit-code={shown.returncode}\n"
        f"sarif-file={sarif_path if upload else ''}\n",
    )
    _append("GITHUB_STEP_SUMMARY", _summary(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
