"""Benchmark ``kvlint check`` against ruff and semgrep (and bandit) on real PyPI source trees.

    python benchmarks/run.py --semgrep /path/to/semgrep     # every corpus, 3 rounds
    python benchmarks/run.py --rounds 1 --corpus dense --skip-one-file
    python benchmarks/run.py --variant "all files=--include-generated --no-gate"
    python benchmarks/run.py --markdown      # the tables as Markdown (for the README)

Corpora are PyPI source distributions (pinned versions, so runs stay comparable), downloaded
with ``pip download --no-deps --no-binary :all:`` into ``benchmarks/.corpora/sdists`` and
unpacked into ``benchmarks/.corpora/src`` once; later runs reuse them (``--refresh`` redoes it).

* **mixed**: large general projects (sympy, django, ansible-core) plus the Azure SDK's Key Vault
  and identity packages: thousands of files, few of which touch Key Vault.
* **dense**: only the Azure SDK Key Vault / identity / keyvault-management distributions (with
  their tests and samples): nearly every file mentions Key Vault.
* **apps**: public applications and integration libraries that *use* Key Vault / azure-identity
  (Airflow's Azure provider with its Key Vault secrets backend, msticpy, pydantic-settings,
  Dagster's and Prefect's Azure integrations, dbt-fabric, Great Expectations): what a team's
  own code base looks like, a few Key Vault modules among many others.

Each round runs every tool once per corpus, in a rotating order so that background load hits all
tools alike; the table shows medians. Wall time is measured around the process, CPU time
(user + system, including worker processes) from ``wait4``, and peak memory is the largest sum
of proportional set sizes over the tool's process tree (sampled from /proc every 50 ms), so a
tool that forks workers is charged for all of them (pages they share are counted once).
``files/s`` is the corpus's ``.py`` file count over wall time, the same denominator for every
tool (kvlint also reads YAML/JSON/TOML/.env files, which its "files read" count includes).

Tools: ``kvlint cold`` (``--no-cache``), ``kvlint warm`` (a result cache filled by a run
before the rounds), ``ruff check`` (default rules, ``--isolated --no-cache``) on every corpus,
``semgrep`` with the local rules in ``semgrep-keyvault.yaml`` (about a dozen rules mirroring
kvlint's) on the dense and apps corpora, and ``bandit -r`` only when ``--bandit`` is given (it
takes minutes on the mixed corpus). semgrep is best installed in its own virtual environment
and passed with ``--semgrep PATH``; a peer that is not installed is skipped with a note.
``--variant NAME=ARGS`` adds a ``kvlint cold NAME`` run with extra options (for example
``--include-generated`` or ``--no-gate``), to measure what one optimisation gains.
kvlint runs from this checkout (``PYTHONPATH``; ``--project DIR`` times another, such as
``git archive`` of an older commit), not from whatever is installed.

The end of the output is the issue's table (every bar in one place: ratio, goal, met or not)
with the load average before and after the run, which matters on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import re
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
APPS = (
    "apache-airflow-providers-microsoft-azure==15.2.1",
    "msticpy==3.0.2",
    "pydantic-settings==2.16.3",
    "dagster-azure==0.29.27",
    "prefect-azure==0.4.13",
    "dbt-fabric==1.12.0",
    "great-expectations==1.24.1",
)
CORPORA = {
    "mixed": ("sympy==1.14.0", "django==5.2.19", "ansible-core==2.19.14", *AZURE),
    "dense": AZURE,
    "apps": APPS,
}
# The peers each corpus is compared with (ruff is cheap everywhere; semgrep where Key Vault is).
PEERS = {"mixed": ("ruff",), "dense": ("ruff", "semgrep"), "apps": ("ruff", "semgrep")}
SEMGREP_RULES = HERE / "semgrep-keyvault.yaml"
# The file used for the one-file start-up measurement (a Key Vault sample from the SDK).
ONE_FILE = ("azure-keyvault-secrets==4.12.0", "samples/hello_world.py")
# A module with no Key Vault word (what most files of a project are), for the start-up bar.
PLAIN_FILE = Path("one-file") / "plain.py"
PLAIN_SOURCE = (
    '"""Helpers with no Key Vault in them."""\n\nimport json\n\n\n'
    "def dump(value):\n    return json.dumps(value, indent=2)\n"
)


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
    pythonpath: str | None = None  # another kvlint checkout (--before)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


def kvlint_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kvlint", "check", "--exit-zero", "--quiet", *args]


def tools_for(corpus: str, paths: list[str], options: argparse.Namespace) -> list[Tool]:
    config = DATA / f"{corpus}.toml"
    config.write_text(f'[tool.kvlint]\ncache-dir = ".kvlint_cache-{corpus}"\n')
    base = ("--config", str(config), "-v")
    tools = [
        Tool("kvlint cold", kvlint_command(*base, "--no-cache", *paths)),
        Tool("kvlint warm", kvlint_command(*base, *paths)),
    ]
    if options.before:
        before = str(Path(options.before).resolve())
        cold = kvlint_command(*base, "--no-cache", *paths)
        tools.append(Tool("kvlint cold before", cold, pythonpath=before))
    for variant in options.variant or []:
        name, _, args = variant.partition("=")
        tools.append(
            Tool(f"kvlint cold {name}", kvlint_command(*base, "--no-cache", *args.split(), *paths))
        )
    beside = Path(sys.executable).with_name("ruff")  # the venv's own, when it is not on PATH
    ruff = shutil.which("ruff") or (str(beside) if beside.exists() else None)
    if "ruff" in PEERS[corpus]:
        if ruff:
            tools.append(Tool("ruff", [ruff, "check", "--isolated", "--no-cache", "-q", *paths]))
        else:
            print("note: ruff not found; skipped", file=sys.stderr)
    bandit = options.bandit
    if bandit:
        tools.append(Tool("bandit", [bandit, "-r", "-q", "-f", "txt", *paths]))
    semgrep = options.semgrep or shutil.which("semgrep")
    if "semgrep" in PEERS[corpus]:
        if semgrep:
            tools.append(
                Tool(
                    "semgrep",
                    [
                        semgrep,
                        "scan",
                        "--config",
                        str(SEMGREP_RULES),
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
    """kvlint's ``-v`` line: how many files it read, matched, skipped, parsed."""
    for line in stderr.splitlines():
        if line.startswith("kvlint: ") and " files read" in line:
            return line.removeprefix("kvlint: ").split(", in ")[0]
    return "?"


def count_of(counts: str, label: str) -> int | None:
    """The number before ``label`` in a :func:`kvlint_counts` line."""
    match = re.search(rf"(\d+) {re.escape(label)}", counts)
    return int(match.group(1)) if match else None


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
    (folder / PLAIN_FILE.name).write_text(PLAIN_SOURCE, encoding="utf-8")
    runs = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import libcst'": [sys.executable, "-c", "import libcst"],
        "kvlint check FILE --no-cache": kvlint_command("--no-cache", source.name),
        "kvlint check FILE (cached)": kvlint_command(source.name),
        "kvlint check PLAIN --no-cache": kvlint_command("--no-cache", PLAIN_FILE.name),
    }
    envs = {name: env for name in runs}
    if options.before:
        runs["kvlint check FILE --no-cache (before)"] = runs["kvlint check FILE --no-cache"]
        envs["kvlint check FILE --no-cache (before)"] = {
            **env,
            "PYTHONPATH": str(Path(options.before).resolve()),
        }
    measure(runs["kvlint check FILE (cached)"], folder, env)  # fill the cache
    samples: dict[str, list[Sample]] = {name: [] for name in runs}
    for _ in range(options.one_file_runs):
        for name, command in runs.items():
            samples[name].append(measure(command, folder, envs[name]))
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
    parser.add_argument("--bandit", metavar="PATH", help="also run bandit (slow)")
    parser.add_argument(
        "--variant",
        action="append",
        metavar="NAME=ARGS",
        help="also time 'kvlint cold' with these extra options (repeatable)",
    )
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=str(PROJECT),
        help="the kvlint checkout to time (default: this one), e.g. an older commit's export",
    )
    parser.add_argument(
        "--before",
        metavar="DIR",
        help="also time 'kvlint cold' from another checkout (e.g. main before a change), "
        "interleaved with the others so that both see the same load",
    )
    parser.add_argument("--one-file-runs", type=int, default=10)
    parser.add_argument("--skip-one-file", action="store_true")
    parser.add_argument("--refresh", action="store_true", help="download and unpack again")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    options = parser.parse_args()

    corpora = options.corpus or list(CORPORA)
    folders = prepare({r for c in corpora for r in CORPORA[c]} | {ONE_FILE[0]}, options.refresh)
    env = {**os.environ, "PYTHONPATH": str(Path(options.project).resolve())}
    load_before = os.getloadavg()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {options.rounds} rounds, "
        f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}"
    )
    results: dict[str, dict[str, float]] = {}
    for corpus in corpora:
        paths = [str(folders[r].relative_to(DATA)) for r in CORPORA[corpus]]
        files, size = count_py([folders[r] for r in CORPORA[corpus]])
        tools = tools_for(corpus, paths, options)
        shutil.rmtree(DATA / f".kvlint_cache-{corpus}", ignore_errors=True)
        measure(tools[1].command, DATA, env)  # fill the cache for "kvlint warm"
        load = os.getloadavg()[0]
        for round_ in range(options.rounds):
            shift = round_ % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                tool_env = {**env, "PYTHONPATH": tool.pythonpath} if tool.pythonpath else env
                tool.samples.append(measure(tool.command, DATA, tool_env))
        load = (load + os.getloadavg()[0]) / 2
        print(f"\n{corpus}: {files} .py files, {size / 1e6:.0f} MB ({', '.join(CORPORA[corpus])})")
        print(f"load average during: {load:.2f}")
        for tool in tools:
            if tool.name.startswith("kvlint"):
                print(f"{tool.name}: {kvlint_counts(tool.samples[-1].stderr)}")
        print()
        print(corpus_table(tools, files, options.markdown))
        row = {t.name: t.median("wall") for t in tools}
        row.update({f"{t.name} cpu": t.median("cpu") for t in tools})
        row["peak"] = max(s.rss_mib for t in tools[:2] for s in t.samples)
        row["load"] = load
        counts = kvlint_counts(tools[0].samples[-1].stderr)
        for label in ("matched the prefilter", "generated", "passed the gate", "parsed"):
            value = count_of(counts, label)
            if value is not None:
                row[label] = value
        results[corpus] = row
    if not options.skip_one_file:
        source = folders[ONE_FILE[0]] / ONE_FILE[1]
        load = os.getloadavg()[0]
        rows = one_file(options, env, source)
        load = (load + os.getloadavg()[0]) / 2
        print(f"\none file ({ONE_FILE[1]} from {ONE_FILE[0]}), {options.one_file_runs} runs")
        print(f"load average during: {load:.2f}\n")
        print(table(rows, options.markdown))
        results["one-file"] = {r[0]: float(r[1]) / 1000 for r in rows[1:]}
        results["one-file"]["load"] = load
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}\n")
    print(table(summary(results), options.markdown))
    return 0


def summary(r: dict[str, dict[str, float]]) -> list[list[str]]:
    """The issues' table: each bar with kvlint's CPU seconds (workers included), the peer's,
    the ratio and the goal (issue 25's speed bars, issue 24's project-wide cost bars)."""
    rows = [["measure", "kvlint", "peer", "ratio", "goal", "met", "load"]]

    def add(measure: str, kvlint: str, peer: str, ratio: float | None, goal: float, load: float):
        met = "" if ratio is None else ("yes" if ratio <= goal else "**no**")
        shown = "" if ratio is None else f"{ratio:.2f}"
        rows.append([measure, kvlint, peer, shown, f"<= {goal:g}", met, f"{load:.1f}"])

    for corpus, peer, goal in (
        ("mixed", "ruff", 1.5),
        ("apps", "ruff", 3.0),
        ("dense", "semgrep", 0.6),
        ("dense", "ruff", 0.0),
        ("apps", "semgrep", 0.0),
    ):
        c = r.get(corpus)
        if not c or f"{peer} cpu" not in c:
            continue
        cold, other = c["kvlint cold cpu"], c[f"{peer} cpu"]
        if goal:
            add(
                f"{corpus} cold vs {peer} (CPU)",
                f"{cold:.2f} s",
                f"{other:.2f} s",
                cold / other,
                goal,
                c["load"],
            )
        else:  # shown, no bar
            rows.append(
                [
                    f"{corpus} cold vs {peer} (CPU)",
                    f"{cold:.2f} s",
                    f"{other:.2f} s",
                    f"{cold / other:.2f}",
                    "",
                    "",
                    f"{c['load']:.1f}",
                ]
            )
    one = r.get("one-file")
    if one:
        for name, label, bar in (
            ("kvlint check FILE --no-cache cpu", "one Key Vault file, cold (CPU)", 0.20),
            ("kvlint check PLAIN --no-cache cpu", "one file without Key Vault, cold (CPU)", 0.08),
        ):
            if name in one:
                seconds = one[name]
                add(label, f"{seconds * 1000:.0f} ms", "", seconds / bar, 1.0, one["load"])
                rows[-1][3], rows[-1][4] = "", f"<= {bar * 1000:.0f} ms"
    for corpus, c in r.items():
        if corpus == "one-file" or "kvlint warm cpu" not in c:
            continue
        ratio = c["kvlint warm cpu"] / c["kvlint cold cpu"]
        add(
            f"{corpus} warm / cold (CPU)",
            f"{c['kvlint warm cpu']:.2f} s",
            "",
            ratio,
            0.1,
            c["load"],
        )
    for corpus, c in r.items():
        if corpus == "one-file":
            continue
        for name in c:
            if not (name.startswith("kvlint cold ") and name.endswith(" cpu")):
                continue
            variant = name[len("kvlint cold ") : -len(" cpu")]
            if not variant:
                continue
            now = c["kvlint cold cpu"]
            if variant == "no project":  # issue 24: what project-wide analysis costs
                goal = {"mixed": 1.1, "apps": 1.3}.get(corpus)
                label = f"{corpus}: project-wide / --no-project (CPU)"
                if goal:
                    add(label, f"{now:.2f} s", f"{c[name]:.2f} s", now / c[name], goal, c["load"])
                    continue
            else:
                label = f"{corpus}: kvlint cold / kvlint cold {variant} (CPU)"
            rows.append(
                [
                    label,
                    f"{now:.2f} s",
                    f"{c[name]:.2f} s",
                    f"{now / c[name]:.2f}",
                    "",
                    "",
                    f"{c['load']:.1f}",
                ]
            )
        matched, parsed = c.get("matched the prefilter"), c.get("parsed")
        if matched:
            generated = int(c.get("generated", 0))
            text = (
                f"{int(matched)} matched, {generated} generated skipped, {int(parsed or 0)} parsed"
            )
            rows.append(
                [
                    f"{corpus}: files parsed / prefilter matches",
                    text,
                    "",
                    f"{(parsed or 0) / matched:.2f}",
                    "",
                    "",
                    f"{c['load']:.1f}",
                ]
            )
        peak = c["peak"]
        rows.append(
            [
                f"{corpus}: kvlint peak memory",
                f"{peak:.0f} MiB",
                "",
                "",
                "<= 250 MiB",
                "yes" if peak <= 250 else "**no**",
                f"{c['load']:.1f}",
            ]
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
