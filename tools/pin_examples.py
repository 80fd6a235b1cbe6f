"""Pin the ``# expect:`` annotations of rules/examples/ to what kvlint reports.

An annotation names each finding of its line with the column the user sees and a fragment of
the message::

    client = SecretClient(url, credential)  # expect: KV306@14 "built on every request"
    token = get("https://vault.azure.net/")  # expect: KV101@17 "trailing slash", KV103@5 "scope"

``tests/test_examples.py`` requires every annotation to be pinned and checks the pins. Write
plain ``# expect: KV306`` while working on a rule, then run::

    python tools/pin_examples.py            # pin every unpinned annotation from actual output
    python tools/pin_examples.py --check    # list unpinned annotations, change nothing
    python tools/pin_examples.py --repin rules/examples/KV306.py   # re-pin (a message changed)

and read the diff: a pin records what kvlint says today, so check it says the right thing. Only
lines that already carry an annotation are touched (the tool never decides what is a positive).
The ``.fixed`` twin of an example gets the same comment edits. JSON examples keep their
expectations in a ``.json.expect`` sidecar: ``LINE:KV101@12 "fragment"``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "rules" / "examples"

# One expected finding: a code, and once pinned its column and a fragment of its message.
ITEM = r'KV\d{3}(?:@\d+)?(?:[ \t]+"[^"\n]*")?'
ITEMS = rf"(?P<items>{ITEM}(?:[ \t]*,[ \t]*{ITEM})*)"
EXPECT = re.compile(rf"#[ \t]*expect:[ \t]*{ITEMS}")
# in example projects: reported only when the whole tree is linted (the call site is elsewhere)
EXPECT_TREE = re.compile(rf"#[ \t]*expect-tree:[ \t]*{ITEMS}")
SIDECAR_LINE = re.compile(rf"^[ \t]*(?P<line>\d+)[ \t]*:[ \t]*{ITEMS}[ \t]*(?:#.*)?$")
_ITEM = re.compile(r'(?P<code>KV\d{3})(?:@(?P<column>\d+))?(?:[ \t]+"(?P<fragment>[^"\n]*)")?')
FRAGMENT_MAX = 48


@dataclass(frozen=True)
class Pin:
    code: str
    column: int | None = None
    fragment: str | None = None

    @property
    def pinned(self) -> bool:
        return self.column is not None and bool(self.fragment)

    def __str__(self) -> str:
        out = self.code
        if self.column is not None:
            out += f"@{self.column}"
        if self.fragment is not None:
            out += f' "{self.fragment}"'
        return out


def parse_items(text: str) -> list[Pin]:
    return [
        Pin(
            m.group("code"),
            int(m.group("column")) if m.group("column") else None,
            m.group("fragment"),
        )
        for m in _ITEM.finditer(text)
    ]


def render_items(pins: Iterable[Pin]) -> str:
    return ", ".join(map(str, pins))


def sidecar(path: Path) -> Path:
    """Where a JSON example's expectations live."""
    return path.with_name(path.name + ".expect")


def expectations(path: Path, pattern: re.Pattern[str] = EXPECT) -> dict[int, list[Pin]]:
    """The annotated lines of an example: line number -> the pins written there."""
    out: dict[int, list[Pin]] = {}
    if path.suffix == ".json":
        if pattern is EXPECT and sidecar(path).exists():
            for raw in sidecar(path).read_text(encoding="utf-8").splitlines():
                m = SIDECAR_LINE.match(raw)
                if m:
                    out.setdefault(int(m.group("line")), []).extend(parse_items(m.group("items")))
        return out
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = pattern.search(line)
        if match:
            out[number] = parse_items(match.group("items"))
    return out


CLAUSE_END = re.compile(r":\s|;\s|\s\(|\.\s|,\s|\s-\s")
FRAGMENT_MIN = 16


def notebook_expectations(path: Path) -> dict[tuple[int, int], list[Pin]]:
    """A notebook's annotations: (cell, line in the cell) -> pins; cells numbered from 1, every
    cell counted (as kvlint reports them), only code cells read."""
    out: dict[tuple[int, int], list[Pin]] = {}
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells, 1):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"]
        text = "".join(source) if isinstance(source, list) else source
        for line_number, line in enumerate(text.splitlines(), 1):
            match = EXPECT.search(line)
            if match:
                out[(number, line_number)] = parse_items(match.group("items"))
    return out


def _pin_notebook(path: Path, repin: bool, write: bool) -> list[str]:
    """Notebooks are JSON: the annotations are edited in the file's text where they are
    written (JSON-escaped), in document order, so nothing else of the file changes."""
    written = notebook_expectations(path)
    reported: dict[tuple[int, int], list] = {}
    for f in lint_alone(path):
        reported.setdefault((f.cell, f.line), []).append(f)
    new = {
        key: pins_for(reported.get(key, []), pins, repin)
        for key, pins in written.items()
        if repin or not all(p.pinned for p in pins)
    }
    new = {key: pins for key, pins in new.items() if pins != written[key]}
    if not new or not write:
        return [f"{_shown(path)}:cell {c}:{n}: unpinned" for c, n in sorted(new)]
    edits = [
        (
            "# expect: " + render_items(written[key]),
            "# expect: " + render_items(new.get(key, written[key])),
        )
        for key in sorted(written)
    ]
    files = [path] + [t for t in [path.with_name(path.name + ".fixed")] if t.exists()]
    for target in files:
        text = target.read_text(encoding="utf-8")
        cursor = 0
        for old, replacement in edits:
            escaped = json.dumps(old)[1:-1]
            match = re.compile(
                re.escape("#") + r"[ \t]*expect:[ \t]*" + re.escape(escaped[len("# expect: ") :])
            ).search(text, cursor)
            if match is None:
                raise SystemExit(f"{target}: no annotation {old!r} to pin: edit it by hand")
            new_text = json.dumps(replacement)[1:-1]
            text = text[: match.start()] + new_text + text[match.end() :]
            cursor = match.start() + len(new_text)
        target.write_bytes(text.encode("utf-8"))
    return [f"{_shown(path)}:cell {c}:{n}: {render_items(new[(c, n)])}" for c, n in sorted(new)]


def fragment_of(message: str) -> str:
    """A short, verbatim piece of a message: its first clause (or opening words, cut at a word
    boundary), without double quotes (they delimit the fragment in an annotation)."""
    runs = [run.strip() for run in message.split('"')]
    text = next((run for run in runs if len(run) >= 8), max(runs, key=len))
    for end in CLAUSE_END.finditer(text):
        if FRAGMENT_MIN <= end.start() <= FRAGMENT_MAX:
            return text[: end.start()]
        if end.start() > FRAGMENT_MAX:
            break
    if len(text) <= FRAGMENT_MAX:
        return text
    cut = text[:FRAGMENT_MAX].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return cut or text[:FRAGMENT_MAX]


def pins_for(findings: Sequence, written: list[Pin], repin: bool) -> list[Pin]:
    """The pins of one line: the written ones kept (unless ``repin``), every reported finding
    of a written code pinned, in column order."""
    codes = list(dict.fromkeys(p.code for p in written))
    out: list[Pin] = []
    for code in codes:
        mine = sorted((f for f in findings if f.code == code), key=lambda f: f.column)
        kept = [p for p in written if p.code == code and p.pinned and not repin]
        if not mine:  # nothing reported: leave it for the test to say so
            out += [p for p in written if p.code == code]
            continue
        for finding in mine:
            match = next(
                (p for p in kept if p.column == finding.column and p.fragment in finding.message),
                None,
            )
            if match is not None:
                kept.remove(match)
                out.append(match)
            else:
                out.append(Pin(code, finding.column, fragment_of(finding.message)))
    return out


def _edit_line(line: str, pattern: re.Pattern[str], pins: list[Pin]) -> str:
    match = pattern.search(line)
    assert match is not None
    return line[: match.start("items")] + render_items(pins) + line[match.end("items") :]


def rewrite(path: Path, pattern: re.Pattern[str], new: dict[int, list[Pin]]) -> list[str]:
    """Write ``new`` pins into the annotated lines of ``path`` (and its ``.fixed`` twin, or the
    JSON sidecar); the changed lines, for the report."""
    changed: list[str] = []
    if path.suffix == ".json":
        target = sidecar(path)
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, raw in enumerate(lines):
            m = SIDECAR_LINE.match(raw.rstrip("\r\n"))
            if m and int(m.group("line")) in new:
                body = raw.rstrip("\r\n")
                pins = new[int(m.group("line"))]
                edited = body[: m.start("items")] + render_items(pins) + body[m.end("items") :]
                if edited != body:
                    lines[i] = edited + raw[len(body) :]
                    changed.append(f"{target.name}:{edited.strip()}")
        target.write_text("".join(lines), encoding="utf-8")
        return changed
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    edits: list[tuple[str, str]] = []  # (old annotation, new one), in line order
    for number, pins in sorted(new.items()):
        raw = lines[number - 1]
        body = raw.rstrip("\r\n")
        edited = _edit_line(body, pattern, pins)
        if edited != body:
            lines[number - 1] = edited + raw[len(body) :]
            edits.append((_annotation(body, pattern), _annotation(edited, pattern)))
            changed.append(f"{_shown(path)}:{number}: {render_items(pins)}")
    if changed:
        path.write_bytes("".join(lines).encode("utf-8"))
        fixed = path.with_name(path.name + ".fixed")
        if fixed.exists():
            _edit_twin(fixed, pattern, edits)
    return changed


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if ROOT in path.parents else str(path)


def _annotation(line: str, pattern: re.Pattern[str]) -> str:
    match = pattern.search(line)
    assert match is not None
    return match.group(0)


def _edit_twin(fixed: Path, pattern: re.Pattern[str], edits: list[tuple[str, str]]) -> None:
    """The same comment edits in the ``.fixed`` twin: fixes change code, not these comments,
    and keep the lines in order, so the n-th edit goes to the next line with that comment."""
    lines = fixed.read_text(encoding="utf-8").splitlines(keepends=True)
    cursor = 0
    for old, new in edits:
        for i in range(cursor, len(lines)):
            match = pattern.search(lines[i])
            if match and match.group(0) == old:
                lines[i] = lines[i][: match.start()] + new + lines[i][match.end() :]
                cursor = i + 1
                break
        else:
            raise SystemExit(f"{fixed}: no line annotated {old!r} to pin: edit it by hand")
    fixed.write_bytes("".join(lines).encode("utf-8"))


# -- what kvlint reports, linted as tests/test_examples.py lints it ------------------------------


def projects() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.glob("*/pyproject.toml"))


def single_examples() -> list[Path]:
    """Examples linted one file at a time: Python files outside projects, configuration files."""
    from kvlint.lint.sources.config import kind_of

    inside = projects()
    python = [
        p
        for p in EXAMPLES.rglob("*.py")
        if not any(project in p.parents for project in inside) and p.is_file()
    ]
    config = [p for p in (EXAMPLES / "config").iterdir() if kind_of(p.name)]
    return sorted(python + config)


def lint_alone(path: Path) -> list:
    from kvlint.config import Settings
    from kvlint.lint.discovery import Target
    from kvlint.lint.runner import Runner

    return Runner(Settings()).run([Target(path, str(path), path.name)]).findings


def lint_tree(project: Path) -> list:
    from kvlint.config import Settings
    from kvlint.lint.discovery import Target
    from kvlint.lint.runner import Runner

    files = sorted(project.rglob("*.py"))
    targets = [Target(p, str(p), p.relative_to(project).as_posix()) for p in files]
    return Runner(Settings(root=project)).run(targets).findings


def by_line(findings: Iterable, path: Path | None = None) -> dict[int, list]:
    out: dict[int, list] = {}
    for f in findings:
        if path is None or f.path == str(path):
            out.setdefault(f.line, []).append(f)
    return out


def _pin(
    path: Path, pattern: re.Pattern[str], reported: dict[int, list], repin: bool, write: bool
) -> list[str]:
    written = expectations(path, pattern)
    new = {
        line: pins_for(reported.get(line, []), pins, repin)
        for line, pins in written.items()
        if repin or not all(p.pinned for p in pins)
    }
    new = {line: pins for line, pins in new.items() if pins != written[line]}
    if not new:
        return []
    if not write:
        return [f"{_shown(path)}:{line}: unpinned" for line in sorted(new)]
    return rewrite(path, pattern, new)


def run(paths: Sequence[Path], repin: bool, write: bool) -> list[str]:
    wanted = {p.resolve() for p in paths}

    def chosen(path: Path) -> bool:
        return not wanted or path.resolve() in wanted or any(w in path.parents for w in wanted)

    changed: list[str] = []
    for path in single_examples():
        if chosen(path):
            changed += _pin(path, EXPECT, by_line(lint_alone(path)), repin, write)
    for path in sorted(EXAMPLES.rglob("*.ipynb")):
        if chosen(path):
            changed += _pin_notebook(path, repin, write)
    for project in projects():
        files = [p for p in sorted(project.rglob("*.py")) if chosen(p)]
        if not files:
            continue
        tree = lint_tree(project)
        for path in files:
            # ``# expect:`` holds both alone and in the tree; pins come from the file alone
            changed += _pin(path, EXPECT, by_line(lint_alone(path)), repin, write)
            changed += _pin(path, EXPECT_TREE, by_line(tree, path), repin, write)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="examples (default: all)")
    parser.add_argument("--check", action="store_true", help="list unpinned lines, write nothing")
    parser.add_argument("--repin", action="store_true", help="re-pin pinned lines too")
    args = parser.parse_args(argv)
    changed = run(args.paths, args.repin, write=not args.check)
    for line in changed:
        print(line)
    if args.check:
        return 1 if changed else 0
    print(f"{len(changed)} annotation(s) pinned", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
