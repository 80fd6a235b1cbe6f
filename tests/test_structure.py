"""The written structure rules, checked: no import cycles, imports one way, small modules.

README's "How kvlint is built": ``cli.py`` -> ``commands/`` -> the faces (``lint/``, ``audit/``,
``token/``, ``logs/``, ``server/``) -> ``findings.py`` / ``catalog.py``, ``report/`` rendering every
face's findings; inside the linter ``engine`` -> ``sources`` -> ``rules`` -> ``facts`` ->
``semantic``. Every import counts (module level, inside functions, under ``TYPE_CHECKING``): a
lazy import still couples two modules. The graph is read from the source with ``ast``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kvlint"

# Top level, from the outside in. A module may import from its own layer or any layer after it;
# between faces only along FACE_USES.
TOP_LAYERS: list[tuple[str, ...]] = [
    ("__main__", "cli", "action"),  # entry points
    ("commands",),  # argument parsing, printing, exit codes
    ("report",),  # renders every face's findings
    ("lint", "audit", "token", "logs", "explain", "server", "causes"),  # the faces
    ("config",),
    # "": kvlint/__init__.py; notebook: cells as text; extras: optional dependencies
    (
        "findings",
        "catalog",
        "keyvault",
        "redact",
        "errors",
        "notebook",
        "extras",
        "snippet",
        "fileio",
        "",
    ),
]
FACES = TOP_LAYERS[3]
# Which face may use which: the server lints; the audit explains token problems with the token
# doctor; causes (why Key Vault refused a request) judges against the audit's model of a vault;
# the logs and explain read refusals with causes and cross-check them against the audit's model.
FACE_USES: dict[str, set[str]] = {
    "server": {"lint"},
    "audit": {"token"},
    "causes": {"audit"},
    "logs": {"audit", "causes"},
    "explain": {"audit", "causes", "logs"},
}

# Inside kvlint/lint/, from the outside in (README: engine -> sources -> rules -> facts ->
# semantic, with the modules around them placed where they are used).
LINT_LAYERS: list[tuple[str, ...]] = [
    ("__init__", "runner"),  # processes, passes across modules, --fix
    (
        "checking",
        "rewrite",
    ),  # rewrite: --fix / --add-noqa written back; one file through the cache and the engine (the runner's unit of work)
    ("discovery",),  # which files; a file that cannot be read is a finding built by the engine
    ("engine",),  # one file's pipeline, the one place findings are built
    ("registry", "cache"),  # the rule classes; the result cache
    ("sources",),  # python / config sources
    ("rules",),  # one file per rule
    ("facts",),  # Key Vault knowledge
    ("semantic",),  # generic Python
    ("project",),  # generic: the module map, outlines, symbols
    ("rule", "suppress", "baseline", "generated", "cachefs"),  # contracts, text and file utilities
]
LINT_ORDER = "engine -> sources -> rules -> facts -> semantic"

MAX_LINES = 500
# Known exceptions to MAX_LINES: the module's size when the limit was first checked, which it may
# not exceed (a ratchet). Split the module and delete its entry.
TOO_LONG_FOR_NOW: dict[str, int] = {}
# Known import cycles, by the import that closes them. Remove an entry when its cycle is gone.
KNOWN_CYCLES: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module, dotted (the longest existing module of the name)
    path: str  # importing file, relative to the repository
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.target}"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports() -> list[Import]:
    found: list[Import] = []
    root = PACKAGE.parent
    for module, path in MODULES.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    prefix = ".".join([*base, node.module] if node.module else base)
                else:
                    prefix = node.module or ""
                # ``from kvlint.lint import rules`` imports the module kvlint.lint.rules
                names = [f"{prefix}.{alias.name}" for alias in node.names]
            for name in names:
                if name == "kvlint" or name.startswith("kvlint."):
                    target = _resolve(name)
                    if target is not None and target != module:
                        found.append(Import(module, target, rel, node.lineno))
    return found


IMPORTS = _imports()


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _rank(layers: list[tuple[str, ...]], part: str) -> int:
    for rank, layer in enumerate(layers):
        if part in layer:
            return rank
    raise AssertionError(f"{part!r} is in no layer of tests/test_structure.py: place it")


def _lint_part(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] != ["kvlint", "lint"]:
        return None
    return parts[2] if len(parts) > 2 else "__init__"


def test_the_graph_is_read() -> None:
    # A parser that found nothing would pass every test below.
    assert len(MODULES) > 100
    assert any(
        i.source == "kvlint.lint.engine" and i.target.startswith("kvlint.lint.sources")
        for i in IMPORTS
    )
    assert any(
        i.source == "kvlint.lint.registry" and i.target == "kvlint.lint.rules" for i in IMPORTS
    )


def test_every_module_is_placed() -> None:
    for module in MODULES:
        _rank(TOP_LAYERS, _top(module))
        part = _lint_part(module)
        if part is not None:
            _rank(LINT_LAYERS, part)


def _cycle(
    imports: list[Import], skip: dict[tuple[str, str], str] = KNOWN_CYCLES
) -> list[Import] | None:
    """One import cycle (as the imports that make it), or None; the ``skip`` imports left out."""
    graph: dict[str, list[Import]] = {}
    for imp in imports:
        if (imp.source, imp.target) not in skip:
            graph.setdefault(imp.source, []).append(imp)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Import] = []

    def visit(module: str) -> list[Import] | None:
        state[module] = 1
        for imp in graph.get(module, ()):
            if state.get(imp.target) == 1:
                start = next(
                    (n for n, step in enumerate(path) if step.source == imp.target), len(path)
                )
                return [*path[start:], imp]
            if imp.target not in state:
                path.append(imp)
                cycle = visit(imp.target)
                if cycle:
                    return cycle
                path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def test_no_import_cycles() -> None:
    cycle = _cycle(IMPORTS)
    assert cycle is None, "import cycle:\n  " + "\n  ".join(map(str, cycle or ()))


def _top_violation(imp: Import) -> str | None:
    src, dst = _top(imp.source), _top(imp.target)
    if src == dst:
        return None
    if src in FACES and dst in FACES:
        if dst in FACE_USES.get(src, set()):
            return None
        return f"the {src} face may not import the {dst} face (allowed: FACE_USES)"
    if _rank(TOP_LAYERS, dst) < _rank(TOP_LAYERS, src):
        return (
            f"{src or 'kvlint'} may not import {dst}: imports go cli -> commands -> report -> "
            "faces -> config -> findings / catalog"
        )
    return None


def _lint_violation(imp: Import) -> str | None:
    src, dst = _lint_part(imp.source), _lint_part(imp.target)
    if src is None or dst is None or src == dst:
        return None
    if _rank(LINT_LAYERS, dst) < _rank(LINT_LAYERS, src):
        return f"lint/{src} may not import lint/{dst}: in lint, {LINT_ORDER}"
    return None


def _violations() -> list[str]:
    out = []
    for imp in IMPORTS:
        why = _top_violation(imp) or _lint_violation(imp)
        if why:
            out.append(f"{imp} ({why})")
    return out


def test_imports_go_one_way() -> None:
    violations = _violations()
    assert not violations, "imports against the layer order:\n  " + "\n  ".join(violations)


def test_the_lint_path_never_imports_an_azure_sdk() -> None:
    # Statically, at any depth (the end-to-end test checks sys.modules after a real run).
    found = []
    for module, path in MODULES.items():
        if _lint_part(module) is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            found += [f"{module}:{node.lineno} imports {n}" for n in names if n.startswith("azure")]
    assert not found, "\n".join(found)


def _long_modules() -> dict[str, int]:
    root = PACKAGE.parent
    out = {}
    for path in MODULES.values():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            out[path.relative_to(root).as_posix()] = lines
    return out


def test_no_module_over_500_lines() -> None:
    too_long = {p: n for p, n in _long_modules().items() if n > TOO_LONG_FOR_NOW.get(p, MAX_LINES)}
    assert not too_long, "\n".join(
        f"{p}: {n} lines (at most {TOO_LONG_FOR_NOW.get(p, MAX_LINES)}: split it by concept)"
        for p, n in too_long.items()
    )


def test_known_exceptions_are_still_needed() -> None:
    # An exception that no longer applies is removed, so the limit applies to that file again.
    stale = sorted(set(TOO_LONG_FOR_NOW) - set(_long_modules()))
    assert not stale, f"no longer over {MAX_LINES} lines, remove from TOO_LONG_FOR_NOW: {stale}"
    edges = {(i.source, i.target) for i in IMPORTS}
    gone = sorted(e for e in KNOWN_CYCLES if e not in edges or _cycle_through(e) is None)
    assert not gone, f"no longer a cycle, remove from KNOWN_CYCLES: {gone}"


def _cycle_through(edge: tuple[str, str]) -> list[Import] | None:
    """The cycle a known-cycle import closes, if it still does (the other imports have none)."""
    kept = [
        i
        for i in IMPORTS
        if (i.source, i.target) not in KNOWN_CYCLES or (i.source, i.target) == edge
    ]
    return _cycle(kept, skip={})


# The checks themselves, on made-up imports: each names the offending import.
@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("kvlint.lint.facts.web", "kvlint.lint.rules.kv305_read_per_request", "lint/facts"),
        ("kvlint.lint.semantic.model", "kvlint.lint.facts.types", "lint/semantic"),
        ("kvlint.lint.sources.python", "kvlint.lint.engine", "lint/sources"),
        ("kvlint.lint.engine", "kvlint.commands.check", "lint may not import commands"),
        ("kvlint.findings", "kvlint.report.text", "findings may not import report"),
        ("kvlint.token.diagnose", "kvlint.audit.model", "the token face"),
        ("kvlint.lint.engine", "kvlint.audit.live", "the lint face"),
    ],
)
def test_a_wrong_import_is_named(source: str, target: str, expected: str) -> None:
    imp = Import(source, target, "kvlint/x.py", 7)
    why = _top_violation(imp) or _lint_violation(imp)
    assert why is not None and expected in why
    assert f"kvlint/x.py:7: {source} imports {target}" == str(imp)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("kvlint.lint.engine", "kvlint.lint.sources.python"),
        ("kvlint.lint.rules.kv305_read_per_request", "kvlint.lint.facts.web"),
        ("kvlint.lint.facts.web", "kvlint.lint.semantic.model"),
        ("kvlint.commands.check", "kvlint.lint.runner"),
        ("kvlint.server.app", "kvlint.lint.engine"),
        ("kvlint.report.sarif", "kvlint.findings"),
    ],
)
def test_a_right_import_passes(source: str, target: str) -> None:
    imp = Import(source, target, "kvlint/x.py", 1)
    assert _top_violation(imp) is None and _lint_violation(imp) is None


def test_a_cycle_is_named() -> None:
    a_b = Import("kvlint.a", "kvlint.b", "kvlint/a.py", 3)
    b_c = Import("kvlint.b", "kvlint.c", "kvlint/b.py", 4)
    c_b = Import("kvlint.c", "kvlint.b", "kvlint/c.py", 5)
    assert _cycle([a_b, b_c]) is None
    assert _cycle([a_b, b_c, c_b]) == [b_c, c_b]
