"""Benchmark ``kvlint server``: time from ``didOpen`` to diagnostics and per-change latency.

    python benchmarks/server.py                    # 1,000-line file, 20 changes
    python benchmarks/server.py --lines 2000 --changes 50
    python benchmarks/server.py --debounce-ms 150  # include the server's default debounce

The document is built from the rule example files in ``rules/examples`` (real Key Vault code,
many findings), concatenated whole and padded with plain code to exactly ``--lines`` lines. A
real LSP client (pygls) starts ``python -m kvlint server`` from this checkout over stdio and
measures, with ``time.perf_counter`` around each message and the diagnostics it causes:

* start: process start to the ``initialize`` answer;
* open (cold): the first ``didOpen`` to its diagnostics, which pays for importing libcst and
  the checks; open (warm): a second document of the same size;
* change: a ``didChange`` (full text, one line edited) to the diagnostics of that version; by
  default with the debounce set to 0 ms, so that the number is the lint itself;
* code action / hover: one request on a finding, answered from the cached lint.

This is a benchmark, not a test: run it by hand, numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
# What VS Code and Neovim say: versioned edits, and code-action edits made on demand.
CAPABILITIES = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)
    ),
    text_document=types.TextDocumentClientCapabilities(
        code_action=types.CodeActionClientCapabilities(
            resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
        )
    ),
)


def build_document(lines: int) -> str:
    """Whole rule example files (each parses on its own) up to ``lines``, padded to it."""
    out: list[str] = []
    for path in sorted((ROOT / "rules" / "examples").glob("KV*.py")):
        text = path.read_text(encoding="utf-8")
        body = [line for line in text.splitlines() if not line.startswith("from __future__")]
        try:
            ast.parse("\n".join(body))
        except SyntaxError:
            continue
        if len(out) + len(body) > lines - 2:
            continue
        out += body
    index = 0
    while len(out) < lines:
        out.append(f"padding_{index} = {index}  # plain code")
        index += 1
    return "\n".join(out[:lines]) + "\n"


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("kvlint-benchmark", "1")
        self.arrived: dict[tuple[str, int | None], tuple[float, int]] = {}
        self.news = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            key = (params.uri, params.version)
            self.arrived.setdefault(key, (time.perf_counter(), len(params.diagnostics)))
            self.news.set()

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            print(f"  server: {params.message}", file=sys.stderr)

    async def wait(self, uri: str, version: int, timeout: float = 120) -> tuple[float, int]:
        while (uri, version) not in self.arrived:
            self.news.clear()
            try:
                await asyncio.wait_for(self.news.wait(), timeout)
            except asyncio.TimeoutError:
                raise SystemExit(f"no diagnostics for {uri} v{version} in {timeout} s") from None
        return self.arrived[(uri, version)]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), which the machine's other load
    does not inflate the way it inflates wall time."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def run(lines: int, changes: int, debounce_ms: float | None) -> None:
    text = build_document(lines)
    folder = Path(tempfile.mkdtemp(prefix="kvlint-server-bench-"))
    client = Client()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "kvlint", "server", env=env)
    options = {} if debounce_ms is None else {"debounceMs": debounce_ms}
    await client.initialize_async(
        types.InitializeParams(
            capabilities=CAPABILITIES,
            root_uri=folder.as_uri(),
            initialization_options=options,
        )
    )
    client.initialized(types.InitializedParams())
    start_time = time.perf_counter() - started

    async def open_doc(name: str) -> tuple[str, float, int]:
        uri = (folder / name).as_uri()
        sent = time.perf_counter()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        arrived, count = await client.wait(uri, 1)
        return uri, arrived - sent, count

    uri, cold, findings = await open_doc("cold.py")
    _, warm, _ = await open_doc("warm.py")

    pid = client._server.pid if client._server else 0
    body = text.splitlines()
    latencies = []
    cpu_before = cpu_seconds(pid)
    for version in range(2, changes + 2):
        target = len(body) - 1 - (version % 50)  # edit one padding line near the end
        body[target] = body[target].split("  #")[0] + f"  # edit {version}"
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangeWholeDocument("\n".join(body) + "\n")],
            )
        )
        arrived, _ = await client.wait(uri, version)
        latencies.append(arrived - sent)
    cpu_after = cpu_seconds(pid)
    cpu_per_change = (
        (cpu_after - cpu_before) / changes if cpu_before is not None and cpu_after else None
    )

    first = next(i for i, line in enumerate(body) if "# expect:" in line)
    timings = {}
    for label, where in (
        (
            "codeAction on one finding's line",
            types.Range(types.Position(first, 0), types.Position(first, 0)),
        ),
        (
            "codeAction over the whole file",
            types.Range(types.Position(0, 0), types.Position(len(body), 0)),
        ),
    ):
        sent = time.perf_counter()
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(uri), where, types.CodeActionContext(diagnostics=[])
            )
        )
        timings[label] = (time.perf_counter() - sent, actions or [])
    lazy = next(a for a in timings["codeAction over the whole file"][1] if a.edit is None)
    sent = time.perf_counter()
    await client.code_action_resolve_async(lazy)
    resolve_time = time.perf_counter() - sent
    sent = time.perf_counter()
    await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(first, 40))
    )
    hover_time = time.perf_counter() - sent
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()

    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    debounce = "server default" if debounce_ms is None else f"{debounce_ms:g} ms"
    print(f"kvlint server, {lines}-line Python file, {findings} findings, debounce {debounce}")
    print(f"  start (spawn to initialize answer) {_ms(start_time)}")
    print(f"  didOpen -> diagnostics, cold       {_ms(cold)}")
    print(f"  didOpen -> diagnostics, warm       {_ms(warm)}")
    print(
        f"  didChange -> diagnostics ({changes} changes): median "
        f"{_ms(statistics.median(latencies))}, p95 {_ms(p95)}, min {_ms(latencies[0])}, "
        f"max {_ms(latencies[-1])}"
    )
    if cpu_per_change is not None:
        print(f"  server CPU time per change         {_ms(cpu_per_change)}")
    print(
        f"  load average at the end            {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for label, (seconds, actions) in timings.items():
        print(f"  {label:<34} {_ms(seconds)} ({len(actions)} actions)")
    print(f"  codeAction/resolve (one noqa edit) {_ms(resolve_time)}")
    print(f"  hover                              {_ms(hover_time)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument(
        "--debounce-ms",
        type=float,
        default=0.0,
        help="the server's didChange debounce (default 0: measure the lint itself)",
    )
    parser.add_argument(
        "--server-default-debounce", action="store_true", help="leave the debounce as shipped"
    )
    args = parser.parse_args()
    debounce = None if args.server_default_debounce else args.debounce_ms
    asyncio.run(run(args.lines, args.changes, debounce))


if __name__ == "__main__":
    main()
