"""Benchmark ``kvlint check`` against ruff, bandit and semgrep on real PyPI source trees.

    python benchmarks/run.py                 # both corpora, 3 rounds, all peers found
    python benchmarks/run.py --rounds 5 --corpus dense
    python benchmarks/run.py --markdown      # the tables as Markdown (for the README)

Corpora are PyPI source distributions (pinned versions, so runs stay comparable), downloaded
with ``pip download --no-deps --no-binary :all:`` into ``benchmarks/.corpora/sdists`` and
unpacked into ``benchmarks/.corpora/src`` once; later runs reuse them (``--refresh`` redoes it).

* **mixed**: large general projects (sympy, django, ansible-core) plus the Azure SDK's Key Vault
  and identity packages: thousands of files, few of which touch Key Vault.
* **dense**: only the Azure SDK Key Vault / identity / keyvault-management distributions (with
  their tests and samples): nearly every file mentions Key Vault.

Each round runs every tool once per corpus, in a rotating order so that background load hits all
tools alike; the table shows medians. Wall time is measured around the process, CPU time
(user + system, including worker processes) from ``wait4``, and peak memory is the largest sum
of proportional set sizes over the tool's process tree (sampled from /proc every 50 ms), so a
tool that forks workers is charged for all of them (pages they share are counted once).
``files/s`` is the corpus's ``.py`` file count over wall time, the same denominator for every
tool (kvlint also reads YAML/JSON/TOML/.env files, which its "files read" count includes).

Tools: ``kvlint cold`` (``--no-cache``), ``kvlint warm`` (a result cache filled by a run
before the rounds), ``ruff check`` (default rules, ``--isolated --no-cache``), ``bandit -r``
and ``semgrep`` with one local rule. A peer that is not installed is skipped with a note
(``pip install bandit``; semgrep is best installed in its own virtual environment and passed
with ``--semgrep PATH``). kvlint runs from this checkout (``PYTHONPATH``), not from whatever
is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = HERE / ".corpora"

AZURE = (
    "azure-keyvault-secrets==4.12.0",
    "azure-keyvault-keys==4.11.3",
    "azure-keyvault-certificates==4.12.0",
    "azure-keyvault-administration==4.7.2",
    "azure-identity==1.27.0",
    "azure-mgmt-keyvault==14.1.0",
)
CORPORA = {
    "mixed": ("sympy==1.14.0", "django==5.2.19", "ansible-core==2.19.14", *AZURE),
    "dense": AZURE,
}
# The file used for the one-file start-up measurement (a Key Vault sample from the SDK).
ONE_FILE = ("azure-keyvault-secrets==4.12.0", "samples/hello_world.py")

SEMGREP_RULE = """\
rules:
  - id: keyvault-get-secret-in-loop
    languages: [python]
    severity: WARNING
    message: Key Vault get_secret() inside a loop; read the secret once and reuse it
    patterns:
      - pattern-inside: |
          for $X in $Y:
            ...
      - pattern: $CLIENT.get_secret(...)
"""


# -- corpora ------------------------------------------------------------------------------------
def _unpacked_name(requirement: str) -> str:
    name, version = requirement.split("==")
    return f"{name.replace('-', '_')}-{version}"


def prepare(requirements: set[str], refresh: bool) -> dict[str, Path]:
    """Download and unpack the sdists; returns requirement -> unpacked source folder."""
    sdists, src = DATA / "sdists", DATA / "src"
    if refresh:
        shutil.rmtree(DATA, ignore_errors=True)
    sdists.mkdir(parents=True, exist_ok=True)
    src.mkdir(parents=True, exist_ok=True)
    folders = {}
    for requirement in sorted(requirements):
        folder = src / _unpacked_name(requirement)
        folders[requirement] = folder
        if folder.is_dir():
            continue
        name, version = requirement.split("==")
        archive = _find_sdist(sdists, name, version)
        if archive is None:
            print(f"downloading {requirement} ...", file=sys.stderr)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--no-binary",
                    ":all:",
                    "--dest",
                    str(sdists),
                    requirement,
                ],
                check=True,
            )
            archive = _find_sdist(sdists, name, version)
            if archive is None:
                raise SystemExit(f"pip did not produce an sdist for {requirement}")
        with tempfile.TemporaryDirectory(dir=src) as tmp:
            _unpack(archive, Path(tmp))
            (top,) = Path(tmp).iterdir()
            top.rename(folder)
    return folders


def _find_sdist(folder: Path, name: str, version: str) -> Path | None:
    stems = {f"{name}-{version}", f"{name.replace('-', '_')}-{version}"}
    for path in folder.iterdir():
        for suffix in (".tar.gz", ".zip"):
            if path.name.endswith(suffix) and path.name[: -len(suffix)].lower() in stems:
                return path
    return None


def _unpack(archive: Path, dest: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(dest)
    else:
        with tarfile.open(archive) as handle:
            if hasattr(tarfile, "data_filter"):
                handle.extractall(dest, filter="data")
            else:  # Python < 3.10.12 / 3.11.4
                handle.extractall(dest)


def count_py(folders: list[Path]) -> tuple[int, int]:
    files = size = 0
    for folder in folders:
        for path in folder.rglob("*.py"):
            files += 1
            size += path.stat().st_size
    return files, size


# -- measuring ----------------------------------------------------------------------------------
@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mib: float
    stderr: str


def _tree_memory_kib(pid: int) -> int:
    """Memory of ``pid`` and all its descendants (Linux /proc), in KiB.

    Proportional set size (pages shared between processes, such as a forked worker's copy of
    its parent, are split between them), else resident set size.
    """
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
                try:
                    with open(f"/proc/{current}/{name}") as handle:
                        value = next((ln for ln in handle if ln.startswith(key)), None)
                except OSError:
                    continue
                if value is not None:
                    total += int(value.split()[1])
                    break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.05):
                peak = max(peak, _tree_memory_kib(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-2000:]}")
    peak = max(peak, usage.ru_maxrss)  # a run shorter than one sample still has its own peak
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak / 1024, stderr)


@dataclass
class Tool:
    name: str
    command: list[str]
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


def kvlint_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kvlint", "check", "--exit-zero", "--quiet", *args]


def tools_for(corpus: str, paths: list[str], options: argparse.Namespace) -> list[Tool]:
    config = DATA / f"{corpus}.toml"
    config.write_text(f'[tool.kvlint]\ncache-dir = ".kvlint_cache-{corpus}"\n')
    tools = [
        Tool("kvlint cold", kvlint_command("--config", str(config), "-v", "--no-cache", *paths)),
        Tool("kvlint warm", kvlint_command("--config", str(config), "-v", *paths)),
    ]
    ruff = shutil.which("ruff")
    if ruff:
        tools.append(Tool("ruff", [ruff, "check", "--isolated", "--no-cache", "-q", *paths]))
    else:
        print("note: ruff not found; skipped", file=sys.stderr)
    bandit = options.bandit or shutil.which("bandit")
    if bandit:
        tools.append(Tool("bandit", [bandit, "-r", "-q", "-f", "txt", *paths]))
    else:
        print("note: bandit not found (pip install bandit); skipped", file=sys.stderr)
    semgrep = options.semgrep or shutil.which("semgrep")
    if semgrep:
        rule = DATA / "semgrep-rule.yaml"
        rule.write_text(SEMGREP_RULE)
        tools.append(
            Tool(
                "semgrep",
                [
                    semgrep,
                    "scan",
                    "--config",
                    str(rule),
                    "--metrics",
                    "off",
                    "--quiet",
                    "--disable-version-check",
                    "--no-git-ignore",
                    *paths,
                ],
            )
        )
    else:
        print("note: semgrep not found (see --semgrep); skipped", file=sys.stderr)
    return tools


def kvlint_counts(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith("kvlint: ") and " files read" in line:
            return line.removeprefix("kvlint: ").split(", in ")[0]
    return "?"


# -- output -------------------------------------------------------------------------------------
def table(rows: list[list[str]], markdown: bool) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        return ("| " + " | ".join(cells) + " |") if markdown else "  ".join(cells)

    out = [line(rows[0])]
    out.append(
        "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
        if markdown
        else "  ".join("-" * w for w in widths)
    )
    out += [line(row) for row in rows[1:]]
    return "\n".join(out)


def corpus_table(tools: list[Tool], files: int, markdown: bool) -> str:
    cold = tools[0].median("wall")
    rows = [["tool", "wall s", "CPU s", "peak MiB", "files/s", "kvlint cold / tool"]]
    for tool in tools:
        wall = tool.median("wall")
        rows.append(
            [
                tool.name,
                f"{wall:.2f}",
                f"{tool.median('cpu'):.2f}",
                f"{max(s.rss_mib for s in tool.samples):.0f}",
                f"{files / wall:.0f}",
                "" if tool is tools[0] else f"{cold / wall:.2f}",
            ]
        )
    return table(rows, markdown)


def one_file(options: argparse.Namespace, env: dict[str, str], source: Path) -> list[list[str]]:
    """Medians of ``kvlint check one_file.py`` (cold and warm) next to bare interpreter start."""
    folder = DATA / "one-file"
    folder.mkdir(exist_ok=True)
    (folder / "pyproject.toml").write_text("[tool.kvlint]\n")
    shutil.copyfile(source, folder / source.name)
    runs = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import libcst'": [sys.executable, "-c", "import libcst"],
        "kvlint check FILE --no-cache": kvlint_command("--no-cache", source.name),
        "kvlint check FILE (cached)": kvlint_command(source.name),
    }
    measure(runs["kvlint check FILE (cached)"], folder, env)  # fill the cache
    samples: dict[str, list[Sample]] = {name: [] for name in runs}
    for _ in range(options.one_file_runs):
        for name, command in runs.items():
            samples[name].append(measure(command, folder, env))
    rows = [["command", "wall ms (median)", "CPU ms", "peak MiB"]]
    for name, runs_ in samples.items():
        rows.append(
            [
                name,
                f"{statistics.median(s.wall for s in runs_) * 1000:.0f}",
                f"{statistics.median(s.cpu for s in runs_) * 1000:.0f}",
                f"{max(s.rss_mib for s in runs_):.0f}",
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per tool and corpus")
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="repeatable")
    parser.add_argument("--semgrep", metavar="PATH", help="semgrep executable (own venv)")
    parser.add_argument("--bandit", metavar="PATH", help="bandit executable")
    parser.add_argument("--one-file-runs", type=int, default=10)
    parser.add_argument("--skip-one-file", action="store_true")
    parser.add_argument("--refresh", action="store_true", help="download and unpack again")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    options = parser.parse_args()

    corpora = options.corpus or ["mixed", "dense"]
    folders = prepare({r for c in corpora for r in CORPORA[c]} | {ONE_FILE[0]}, options.refresh)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {options.rounds} rounds, "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )
    ratios: dict[str, dict[str, float]] = {}
    for corpus in corpora:
        paths = [str(folders[r].relative_to(DATA)) for r in CORPORA[corpus]]
        files, size = count_py([folders[r] for r in CORPORA[corpus]])
        tools = tools_for(corpus, paths, options)
        shutil.rmtree(DATA / f".kvlint_cache-{corpus}", ignore_errors=True)
        measure(tools[1].command, DATA, env)  # fill the cache for "kvlint warm"
        for round_ in range(options.rounds):
            shift = round_ % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                tool.samples.append(measure(tool.command, DATA, env))
        print(f"\n{corpus}: {files} .py files, {size / 1e6:.0f} MB ({', '.join(CORPORA[corpus])})")
        print(f"kvlint cold: {kvlint_counts(tools[0].samples[-1].stderr)}")
        print(f"kvlint warm: {kvlint_counts(tools[1].samples[-1].stderr)}\n")
        print(corpus_table(tools, files, options.markdown))
        walls = {t.name: t.median("wall") for t in tools}
        ratios[corpus] = walls
        ratios[corpus]["peak"] = max(s.rss_mib for t in tools[:2] for s in t.samples)
    if not options.skip_one_file:
        source = folders[ONE_FILE[0]] / ONE_FILE[1]
        rows = one_file(options, env, source)
        print(f"\none file ({ONE_FILE[1]} from {ONE_FILE[0]}), {options.one_file_runs} runs\n")
        print(table(rows, options.markdown))
        ratios["one-file"] = {r[0]: float(r[1]) / 1000 for r in rows[1:]}
    print(f"\nload average after: {os.getloadavg()[0]:.1f}\n\nbars")
    for line in bars(ratios):
        print(f"- {line}")
    return 0


def bars(r: dict[str, dict[str, float]]) -> list[str]:
    def verdict(value: float, limit: float) -> str:
        return "met" if value <= limit else "NOT met"

    lines = []
    mixed, dense = r.get("mixed"), r.get("dense")
    if mixed and "ruff" in mixed:
        ratio = mixed["kvlint cold"] / mixed["ruff"]
        lines.append(f"mixed cold kvlint/ruff = {ratio:.2f} (<= 1.0): {verdict(ratio, 1.0)}")
    if mixed:
        ratio = mixed["kvlint warm"] / mixed["kvlint cold"]
        lines.append(f"mixed warm/cold = {ratio:.2f} (<= 0.25): {verdict(ratio, 0.25)}")
    if dense and "bandit" in dense:
        ratio = dense["kvlint cold"] / dense["bandit"]
        lines.append(f"dense cold kvlint/bandit = {ratio:.2f} (<= 0.5): {verdict(ratio, 0.5)}")
    if "one-file" in r:
        for name in ("kvlint check FILE --no-cache", "kvlint check FILE (cached)"):
            ms = r["one-file"][name] * 1000
            lines.append(f"{name}: {ms:.0f} ms (<= 250): {verdict(ms, 250)}")
    for corpus in ("mixed", "dense"):
        if corpus in r:
            peak = r[corpus]["peak"]
            lines.append(f"{corpus} kvlint peak {peak:.0f} MiB (<= 300): {verdict(peak, 300)}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
