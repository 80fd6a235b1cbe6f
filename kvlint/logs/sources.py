"""Streaming readers for exported audit logs: files, directories, stdin.

Each file is sniffed from its first bytes and read incrementally, one record at a time:

- JSON lines (the storage archive writes one record per line; a line may also be a whole
  ``{"records": [...]}`` document);
- a JSON document ``{"records": [...]}`` / ``{"value": [...]}`` or a top-level array
  (Log Analytics JSON exports, ``az monitor log-analytics query``), streamed item by item;
- a Log Analytics REST response ``{"tables": [{"columns": …, "rows": …}]}`` (read whole: the
  API caps a response at 64 MB);
- CSV with a header row (the portal's *Export to CSV*), dynamic columns as JSON text.

A record that cannot be read is a :class:`Problem` (file, line, reason): counted, the first few
kept, the rest of the input goes on. Text that is not UTF-8 is one :class:`KvlintError`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kvlint.errors import KvlintError
from kvlint.logs.records import BadRecord, Record, normalize

CHUNK = 1 << 16
MAX_ITEM = 1 << 22  # a single record larger than 4 MB is malformed, not incomplete
SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
_WRAPPER = re.compile(r'^\s*\{\s*"(records|value)"\s*:\s*\[')
KEEP = 10  # problems kept with their line numbers
PROGRESS_EVERY = 50_000  # records between progress updates

csv.field_size_limit(MAX_ITEM)


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    reason: str


@dataclass
class Intake:
    """What was read: counts and the first problems."""

    files: int = 0
    records: int = 0
    bad: int = 0
    problems: list[Problem] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)

    def problem(self, source: str, line: int, reason: str) -> None:
        self.bad += 1
        self.reasons[reason.split(" (")[0].split(":")[0]] += 1
        if len(self.problems) < KEEP:
            self.problems.append(Problem(source, line, reason))


def files_of(paths: list[str]) -> list[str]:
    """Every log file named or under a named directory, in path order ('-' is stdin)."""
    found: list[str] = []
    for path in paths:
        if path == "-":
            found.append(path)
            continue
        p = Path(path)
        if p.is_dir():
            inside = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
            )
            if not inside:
                raise KvlintError(f"{path}: no log files ({', '.join(SUFFIXES)}) in this directory")
            found += inside
        elif p.is_file():
            found.append(path)
        else:
            raise KvlintError(f"{path}: no such file or directory")
    return found


class _Text:
    """A text stream whose first chunk was already read (for sniffing)."""

    def __init__(self, stream: TextIO, head: str) -> None:
        self.stream = stream
        self.head = head

    def read(self, size: int = CHUNK) -> str:
        if self.head:
            data, self.head = self.head, ""
            return data
        return self.stream.read(size)

    def lines(self) -> Iterator[str | None]:
        """The lines, each read at most :data:`MAX_ITEM` characters at a time: a longer line
        is never held whole; it is skipped in chunks and yields None (one unreadable record)."""
        if self.head:
            head, self.head = self.head, ""
            complete = head.endswith("\n")
            parts = head.splitlines(keepends=True)
            last = parts.pop() if parts and not complete else ""
            yield from parts
            if last:
                rest = (
                    self.stream.readline(MAX_ITEM + 1 - len(last)) if len(last) <= MAX_ITEM else ""
                )
                line = last + rest
                if len(line) > MAX_ITEM and not line.endswith(("\n", "\r")):
                    self._skip_line()
                    yield None
                else:
                    yield line
        while True:
            line = self.stream.readline(MAX_ITEM + 1)
            if not line:
                return
            if len(line) > MAX_ITEM and not line.endswith(("\n", "\r")):
                self._skip_line()
                yield None
            else:
                yield line

    def _skip_line(self) -> None:
        while True:
            piece = self.stream.readline(CHUNK)
            if not piece or piece.endswith(("\n", "\r")):
                return


def _rows_of(doc: Any) -> list[Any] | None:
    if isinstance(doc, dict):
        for key in ("records", "value"):
            if isinstance(doc.get(key), list):
                return doc[key]
        tables = doc.get("tables")
        if isinstance(tables, list):
            rows: list[Any] = []
            for table in tables:
                columns = [c.get("name") for c in table.get("columns", []) if isinstance(c, dict)]
                rows += [dict(zip(columns, row, strict=False)) for row in table.get("rows", [])]
            return rows
    if isinstance(doc, list):
        return doc
    return None


TOO_LARGE = f"record larger than {MAX_ITEM >> 20} MB (skipped unread)"


def _json_lines(text: _Text) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.lines(), 1):
        if line is None:
            yield number, BadRecord(TOO_LARGE)
            continue
        line = line.strip()
        if not line:
            continue
        try:
            doc = json.loads(line)
        except ValueError as exc:
            yield number, BadRecord(f"not JSON ({exc.args[0].split(':')[0]}); truncated line?")
            continue
        except RecursionError:
            yield number, BadRecord("JSON nested too deeply")
            continue
        rows = _rows_of(doc) if not (isinstance(doc, dict) and "time" in doc) else None
        if rows is None:
            yield number, doc
        else:
            for row in rows:
                yield number, row


def _array(text: _Text, buf: str, pos: int) -> Iterator[tuple[int, Any]]:
    """Items of a JSON array whose '[' ends at ``pos`` in ``buf``, decoded one at a time."""
    decoder = json.JSONDecoder()
    line = buf.count("\n", 0, pos) + 1
    eof = False
    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            if buf[pos] == "\n":
                line += 1
            pos += 1
        if pos >= len(buf):
            if eof:
                yield line, BadRecord("the JSON array is not closed (truncated file?)")
                return
            more = text.read(CHUNK)
            eof = not more
            buf, pos = buf[pos:] + more, 0
            continue
        if buf[pos] == "]":
            return
        try:
            doc, end = decoder.raw_decode(buf, pos)
        except RecursionError:
            yield line, BadRecord("JSON nested too deeply")
            while buf.find("\n", pos) < 0 and not eof:  # skip the rest of that line
                more = text.read(CHUNK)
                eof = not more
                buf, pos = buf[pos:] + more, 0
            nxt = buf.find("\n", pos)
            if nxt < 0:
                return
            pos = nxt
            continue
        except ValueError as exc:
            if not eof and len(buf) - pos < MAX_ITEM:
                more = text.read(CHUNK)
                eof = not more
                buf, pos = buf[pos:] + more, 0
                continue
            too_large = len(buf) - pos >= MAX_ITEM
            yield (
                line,
                BadRecord(
                    TOO_LARGE
                    if too_large
                    else f"not JSON ({exc.args[0].split(':')[0]}); truncated record?"
                ),
            )
            nxt = buf.find("\n", pos)
            while nxt < 0 and not eof:  # skip the rest of that line, a chunk at a time
                more = text.read(CHUNK)
                eof = not more
                buf, pos = more, 0
                nxt = buf.find("\n")
            if nxt < 0:
                return
            line += buf.count("\n", pos, nxt)
            pos = nxt
            continue
        yield line, doc
        line += buf.count("\n", pos, end)
        pos = end


_UNIT = re.compile(r"\s*\[[^\]]*\]$")  # the portal's "TimeGenerated [UTC]" header


def _csv(text: _Text) -> Iterator[tuple[int, Any]]:
    oversized: list[int] = []  # physical line numbers of lines too long to read

    def lines() -> Iterator[str]:
        for number, line in enumerate(text.lines(), 1):
            if line is None:
                oversized.append(number)
                yield "\n"
            else:
                yield line

    reader = _oversize_aware(csv.reader(lines()), oversized)
    yield from reader


def _oversize_aware(reader: Any, oversized: list[int]) -> Iterator[tuple[int, Any]]:
    for item in _csv_rows(reader):
        while oversized:
            yield oversized.pop(0), BadRecord(TOO_LARGE)
        yield item
    while oversized:
        yield oversized.pop(0), BadRecord(TOO_LARGE)


def _csv_rows(reader: Any) -> Iterator[tuple[int, Any]]:
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield 1, BadRecord(f"unreadable CSV header ({exc})")
        return
    if not header:
        return
    names = [_UNIT.sub("", name.strip()) for name in header]
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a NUL byte, an oversized field: this row only
            yield reader.line_num, BadRecord(f"unreadable CSV row ({exc})")
            continue
        if row:
            yield reader.line_num, {k: v for k, v in zip(names, row, strict=False) if k and v != ""}


def _documents(stream: TextIO) -> Iterator[tuple[int, Any]]:
    head = stream.read(CHUNK)
    text = _Text(stream, head)
    first = head.lstrip()[:1]
    if first == "[":
        yield from _array(text, text.read(), head.index("[") + 1)
        return
    if first == "{":
        line = head.split("\n", 1)[0]
        try:
            json.loads(line)
            whole_line = True
        except ValueError:
            whole_line = False
        if whole_line or "\n" not in head.strip():
            yield from _json_lines(text)
            return
        match = _WRAPPER.match(head)
        if match:
            yield from _array(text, text.read(), match.end())
            return
        data = text.read() + stream.read()
        try:
            doc = json.loads(data)
        except RecursionError:
            yield 1, BadRecord("JSON nested too deeply")
            return
        except ValueError as exc:
            yield 1, BadRecord(f"not JSON ({exc.args[0].split(':')[0]})")
            return
        rows = _rows_of(doc)
        for row in rows if rows is not None else [doc]:
            yield 1, row
        return
    if first:
        yield from _csv(text)


def read(
    paths: list[str],
    intake: Intake,
    *,
    stdin: TextIO | None = None,
    progress: Callable[[Intake, str], None] | None = None,
) -> Iterator[Record]:
    """Every readable AuditEvent record under ``paths``; problems go to ``intake``."""
    for path in files_of(paths):
        intake.files += 1
        name = "<stdin>" if path == "-" else path
        try:
            if path == "-":
                source = stdin or sys.stdin
                stream: TextIO = (
                    io.TextIOWrapper(source.buffer, encoding="utf-8-sig")
                    if hasattr(source, "buffer")
                    else source
                )
            else:
                stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise KvlintError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            for line, doc in _documents(stream):
                if isinstance(doc, BadRecord):
                    intake.problem(name, line, str(doc))
                    continue
                try:
                    record = normalize(doc)
                except BadRecord as exc:
                    intake.problem(name, line, str(exc))
                    continue
                intake.records += 1
                if progress and not intake.records % PROGRESS_EVERY:
                    progress(intake, name)
                yield record
        except UnicodeDecodeError as exc:
            raise KvlintError(
                f"{name}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); is it a "
                "compressed or binary file? Export the log as JSON or CSV"
            ) from None
        except OSError as exc:
            raise KvlintError(f"cannot read {name}: {exc.strerror or exc}") from None
        finally:
            if path != "-":
                stream.close()
