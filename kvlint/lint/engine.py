"""The lint pipeline for one file, and the one place findings are built.

    bytes ─ prefilter ─ decode ─ source (parse / scan) ─ facts ─ rules ─ reports
          ─ positions (only when something was reported) ─ suppression ─ findings with fixes

:class:`Linter` is the top-level linter ``kvlint check`` (and the Language Server) uses: it picks
the source by file name (:mod:`kvlint.lint.sources.config` for YAML / JSON / TOML / dotenv,
else :mod:`kvlint.lint.sources.python`), runs the enabled rules that read that kind of file
(:mod:`kvlint.lint.registry`), and turns their reports into
:class:`~kvlint.findings.Finding` objects here, and only here.

Entry point for editors and tools: :func:`lint_text` (an in-memory text for a path, with given
settings; returns findings with their fixes).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Protocol

from kvlint import catalog
from kvlint.config import Settings
from kvlint.findings import Edit, Finding, Fix, Location
from kvlint.lint import suppress
from kvlint.lint.rule import Report, Rule
from kvlint.lint.sources import IGNORE_FILE, SourceFile, Triggers
from kvlint.lint.sources import config as config_source
from kvlint.lint.sources import notebook as notebook_source
from kvlint.lint.sources import python as python_source
from kvlint.lint.suppress import LINE_BREAK
from kvlint.notebook import is_source_notebook, python_of_source_notebook

if TYPE_CHECKING:
    from libcst import Module

    from kvlint.lint.project import ProjectOptions
    from kvlint.lint.project.modules import ModuleRef
    from kvlint.lint.project.resolver import ModuleView, Project
    from kvlint.lint.project.summary import Symbol
    from kvlint.lint.sources.slicing import Slice as SliceOf

MAX_BYTES = python_source.MAX_BYTES
NOTEBOOK_MAX_BYTES = 8 * MAX_BYTES  # outputs (images, tables) make most of a notebook's bytes
_DIRECTIVE = re.compile(r"#\s*(?:noqa|kvlint:\s*ignore)", re.IGNORECASE)


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    parsed: bool = False
    source: SourceFile | None = None
    # what of other first-party modules the findings depend on: key -> digest (resolver.py)
    used: dict[str, str] = field(default_factory=dict)
    # what this module tells the modules it imports: (their file, key, call site described)
    passed: list[tuple[str, str, str]] = field(default_factory=list)
    # it holds something other modules may import and use against Key Vault (a client, a
    # credential, a read, a vault URL or token scope): files importing it are linted too
    exports: bool = False
    # valid Python where nothing can matter to a rule: answered from CPython's outline, never
    # parsed by libcst (kvlint.lint.sources.slicing)
    outlined: bool = False


class Located(Protocol):
    """A parsed file that can place what rules report (:mod:`kvlint.lint.sources`)."""

    def locate(self, node: object) -> tuple[int, int, int, int]: ...
    def subject(self, line: int, column: int, end_line: int, end_column: int) -> str: ...


def error_finding(path: str, message: str, line: int = 1, column: int = 1) -> Finding:
    """KV000: a file kvlint could not read or parse."""
    name = catalog.entry("KV000").name
    return Finding("KV000", name, "error", message, location=Location.point(path, line, column))


parse_error_finding = error_finding  # the runner's name for it


class Linter:
    """Lints Python and configuration files with the enabled rules. One instance serves many
    files (and processes: it is rebuilt from its settings in each worker)."""

    def __init__(self, settings: Settings, project: ProjectOptions | None = None) -> None:
        self.settings = settings
        self.enabled = settings.enabled_codes()
        self.pattern = python_source.prefilter(settings.extra_vault_hosts)
        hosts = tuple(re.escape(h.strip(".").encode()) for h in settings.extra_vault_hosts)
        self.config_pattern = Triggers(config_source.AUDIENCE_TRIGGERS + hosts)
        self.project_options = project
        # for the runner's second pass: a file -> what other modules told it (facts/outgoing.py)
        self.incoming: dict[str, dict[str, str]] = {}

    @functools.cached_property
    def project(self) -> Project | None:
        """The first-party modules of the linted tree, for imported names (None: each file is
        linted on its own, ``--no-project``)."""
        options = self.project_options
        if options is None or not options.enabled:
            return None
        from kvlint.lint.cache import code_fingerprint
        from kvlint.lint.project.resolver import Project

        hosts = ",".join(self.settings.extra_vault_hosts)
        return Project(
            functools.partial(summarise_slice, extra_vault_hosts=self.settings.extra_vault_hosts),
            options.cache_dir,
            f"{code_fingerprint()}:{hosts}",
            options.fallback_root,
            python_source.worth_summarising,
            lambda data: python_source.decode(data).text,
            self.wants,
        )

    @functools.cached_property
    def tells(self) -> Callable[[ModuleRef, str, str | None], bool]:
        """Whether a name a skipped file imports from its project (``from written import
        member``) tells it anything a rule could report (:func:`kvlint.lint.facts.told.gate`):
        the importers pass and the editor lint a file that imports none of these only for
        what it says itself."""
        from kvlint.lint.facts.told import gate

        return gate(self.project, self.wants)

    def _view(self, path: str) -> ModuleView | None:
        if self.project is None or not path or path == "-":
            return None
        return self.project.view(path)

    @functools.cached_property
    def rules(self) -> list[Rule]:
        """The enabled rules; importing them imports libcst, so only on the first parse."""
        from kvlint.lint.registry import all_rules

        return [cls() for cls in all_rules() if cls.code in self.enabled]

    @functools.cached_property
    def config_codes(self) -> frozenset[str]:
        from kvlint.lint.registry import all_rules

        return frozenset(cls.code for cls in all_rules() if "config" in cls.sources)

    def wants(self, data: bytes) -> bool:
        """Whether a file's bytes can hold anything a rule looks for (the cheap prefilter)."""
        return self.pattern.search(data)

    # -- bytes ---------------------------------------------------------------------------------
    def lint_bytes(
        self, data: bytes, path: str, relpath: str | None = None, imports_kv: bool = False
    ) -> LintResult:
        """``imports_kv``: the file imports a first-party module that passes the prefilter
        (:mod:`kvlint.lint.project.reach`), so it is linted without passing it itself."""
        if notebook_source.is_notebook(path):
            return self._notebook_bytes(data, path, relpath, imports_kv)
        if config_source.kind_of(path):
            return self._config_bytes(data, path, relpath)
        if not (imports_kv or self.wants(data)) or IGNORE_FILE.search(data):
            return LintResult()
        enabled = self.settings.codes_for(relpath or path, self.enabled)
        if len(data) > MAX_BYTES:
            return LintResult(
                [
                    error_finding(
                        path,
                        f"file too large to lint ({len(data) // 1024 // 1024} MiB > "
                        f"{MAX_BYTES // 1024 // 1024} MiB); skipped",
                    )
                ]
            )
        try:
            source = python_source.decode(data)
        except ValueError as exc:
            return LintResult([error_finding(path, f"cannot read source: {exc}")])
        return self.lint_text(source, path, enabled)

    def _notebook_bytes(
        self, data: bytes, path: str, relpath: str | None, imports_kv: bool = False
    ) -> LintResult:
        """A Jupyter notebook: its code cells as one module (:mod:`kvlint.notebook`)."""
        if not (imports_kv or self.wants(data)) or IGNORE_FILE.search(data):
            return LintResult()
        enabled = self.settings.codes_for(relpath or path, self.enabled)
        if len(data) > NOTEBOOK_MAX_BYTES:
            size = len(data) // 1024 // 1024
            message = f"notebook too large to lint ({size} MiB > {NOTEBOOK_MAX_BYTES >> 20} MiB)"
            return LintResult([error_finding(path, message + "; skipped")])
        try:
            source = notebook_source.read(data)
        except notebook_source.NotebookError as exc:
            return LintResult([error_finding(path, str(exc), exc.line, exc.column)])
        if len(source.text) > MAX_BYTES:
            return LintResult([error_finding(path, "notebook code too large to lint; skipped")])
        return self.lint_text(source, path, enabled)

    def _config_bytes(self, data: bytes, path: str, relpath: str | None) -> LintResult:
        name = PurePath(path).name.lower()
        if name in config_source.SKIPPED_NAMES or len(data) > config_source.MAX_CONFIG_BYTES:
            return LintResult()
        if not self.config_pattern.search(data) or IGNORE_FILE.search(data):
            return LintResult()
        enabled = self.settings.codes_for(relpath or path, self.enabled)
        if not enabled & self.config_codes:
            return LintResult()
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            message = (
                f"cannot read file: not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})"
            )
            return LintResult([error_finding(path, message)])
        return self.lint_text(SourceFile(text, encoding), path, enabled)

    # -- text ----------------------------------------------------------------------------------
    def lint_text(self, source: SourceFile, path: str, enabled: frozenset[str]) -> LintResult:
        if isinstance(source, notebook_source.NotebookSource):
            result = self._lint_python(source, path, enabled, notebook=True)
            result.findings = [source.to_cells(f) for f in result.findings]
            result.passed = [
                (to, key, source.in_cells(via, path)) for to, key, via in result.passed
            ]
            return result
        if config_source.kind_of(path):
            return self._lint_config(source, path, enabled)
        return self._lint_python(source, path, enabled)

    def _lint_python(
        self, source: SourceFile, path: str, enabled: frozenset[str], notebook: bool = False
    ) -> LintResult:
        text = source.text
        if not notebook and is_source_notebook(text):
            # a Databricks / Fabric notebook exported as .py: its cells may hold IPython lines
            # (`!pip install`, `%sql`), replaced in place (same lines and columns); fixes and
            # suppression comments still apply to the file's own text
            text = python_of_source_notebook(text)
        view = self._view(path)  # a notebook imports its project's modules as a script does
        incoming = self.incoming.get(str(view.module.path), {}) if view is not None else {}
        try:
            sliced = self._slice(text, view) if not incoming else None
            if sliced is not None and sliced.empty:  # nothing can matter: no libcst at all
                found = (
                    suppress.directives(LINE_BREAK.split(text)) if _DIRECTIVE.search(text) else {}
                )
                result = self._result(source, text, path, enabled, [], view, found)
                result.outlined = True
                return result
            parsed_text = sliced.text if sliced is not None else text
            try:
                module = python_source.parse(parsed_text, bounded=sliced is not None)
            except python_source.SyntaxProblem:
                if sliced is None:
                    raise
                module = python_source.parse(text)  # never lose a file to the slice
                parsed_text = text
        except python_source.SyntaxProblem as exc:
            return LintResult([error_finding(path, str(exc), exc.line, exc.column)], source=source)
        return self._analyse(source, text, parsed_text, module, path, enabled, view, incoming)

    def _slice(self, text: str, view: ModuleView | None) -> SliceOf | None:
        """The statements of ``text`` that can matter (:mod:`kvlint.lint.sources.slicing`);
        None: parse it whole (``--no-slice``, or it cannot be sliced)."""
        options = self.project_options
        mode = options.slicing if options is not None else "auto"
        if mode == "never":
            return None
        matters = view.may_matter if view is not None else None
        return python_source.slice_source(text, self.settings.extra_vault_hosts, matters, mode)

    def _analyse(
        self,
        source: SourceFile,
        text: str,
        parsed_text: str,
        module: Module,
        path: str,
        enabled: frozenset[str],
        view: ModuleView | None,
        incoming: dict[str, str],
    ) -> LintResult:
        from kvlint.lint.facts import types as kvtypes
        from kvlint.lint.semantic.model import Analysis

        passed: list[tuple[str, str, str]] = []
        analysis: Analysis | None = None
        try:
            hosts = self.settings.extra_vault_hosts
            analysis = Analysis(module, parsed_text, hosts, path, kvtypes, view)
            if incoming:
                analysis.incoming = incoming
            if self.settings.databricks_scopes:
                analysis.options["databricks-scopes"] = self.settings.databricks_scopes
            parsed = python_source.PythonFile(module, text, analysis)
            reports = self._run(analysis, "python", enabled)
            exports = False
            if view is not None:
                from kvlint.lint.facts.outgoing import exports_keyvault, vault_urls_passed_out

                passed = [(p.path, p.key, p.via) for p in vault_urls_passed_out(analysis)]
                exports = exports_keyvault(analysis)
            notes = assumptions(analysis) if reports else {}
            found = suppress.directives(LINE_BREAK.split(text)) if _DIRECTIVE.search(text) else {}
            findings = self._findings(parsed, path, reports, found, notes) if reports else []
        except RecursionError:  # the rules, or positions (a deeper walk) for what they found
            return LintResult(
                [error_finding(path, "code too deeply nested to analyse")],
                parsed=True,
                source=source,
            )
        finally:
            if analysis is not None:
                analysis.release()  # its tree is freed by reference counting, not by the gc
        result = self._result(source, text, path, enabled, findings, view, found)
        result.passed, result.exports = passed, exports
        return result

    def _result(
        self,
        source: SourceFile,
        text: str,
        path: str,
        enabled: frozenset[str],
        findings: list[Finding],
        view: ModuleView | None,
        found: dict[int, list[suppress.Directive]],
    ) -> LintResult:
        """The result of a checked Python file: its findings, and the suppression comments
        (``found``) no finding used (KV100)."""
        if found and "KV100" in enabled:
            findings += [
                self.finding(
                    "KV100",
                    stale.message,
                    Location(
                        path,
                        stale.directive.line,
                        stale.directive.start + 1,
                        stale.directive.line,
                        stale.directive.end + 1,
                    ),
                    (stale.edit,),
                    "safe",
                    stale.text,
                )
                for stale in suppress.unused(found, text, enabled)
            ]
            findings.sort(key=lambda f: f.sort_key)
        used = dict(view.used) if view is not None else {}
        return LintResult(findings, True, source, used)

    def _lint_config(self, source: SourceFile, path: str, enabled: frozenset[str]) -> LintResult:
        text = source.text
        try:
            values = config_source.scan(text, path)
        except config_source.Malformed as exc:
            if config_source.is_template(text, path):
                return LintResult(source=source)
            return LintResult([error_finding(path, str(exc), exc.line, exc.column)], source=source)
        parsed = config_source.ConfigFile(text, values, self.settings.extra_vault_hosts)
        reports = self._run(parsed, "config", enabled)
        directives = suppress.directives(LINE_BREAK.split(text))
        return LintResult(
            self._findings(parsed, path, reports, directives), parsed=True, source=source
        )

    def _run(self, module: object, kind: str, enabled: frozenset[str]) -> list[Report]:
        """Every rule's reports, once per (code, node)."""
        seen: set[tuple[str, int]] = set()
        reports = []
        for rule in self.rules:
            if kind not in rule.sources or rule.code not in enabled:
                continue
            for report in rule.run(module):
                key = (report.code, id(report.node))
                if report.code in enabled and key not in seen:
                    seen.add(key)
                    reports.append(report)
        return reports

    # -- findings: built here, and only here -----------------------------------------------------
    def finding(
        self,
        code: str,
        message: str,
        location: Location,
        edits: Sequence[Edit] = (),
        applicability: str = "safe",
        subject: str = "",
    ) -> Finding:
        return Finding(
            code=code,
            name=catalog.entry(code).name,
            severity=self.settings.severity_of(code),
            message=message,
            location=location,
            fix=Fix(tuple(edits), applicability) if edits else None,
            subject=subject,
        )

    def _findings(
        self,
        parsed: Located,
        path: str,
        reports: list[Report],
        directives: dict[int, list[suppress.Directive]],
        notes: dict[object, str] | None = None,
    ) -> list[Finding]:
        findings = []
        for report in reports:
            message = report.message
            if notes and report.node in notes:  # what the finding assumes (facts/platforms.py)
                message = f"{message} {notes[report.node]}"
            line, column, end_line, end_column = parsed.locate(report.node)
            if suppress.suppressing(directives, report.code, line, end_line):
                continue
            edits = [Edit(*parsed.locate(r.node), r.text) for r in report.fix]
            subject = report.subject
            if subject is None:
                subject = parsed.subject(line, column, end_line, end_column)
            findings.append(
                self.finding(
                    report.code,
                    message,
                    Location(path, line, column, end_line, end_column),
                    edits,
                    report.fix_applicability,
                    subject,
                )
            )
        findings.sort(key=lambda f: f.sort_key)
        return findings


def assumptions(analysis: object) -> dict[object, str]:
    """What findings reported on a node must add about what kvlint assumed there."""
    from kvlint.lint.facts.platforms import notes

    return dict(notes(analysis))  # type: ignore[arg-type]


def summarise_slice(
    text: str, name: str, path: str, extra_vault_hosts: tuple[str, ...] = ()
) -> Symbol | None:
    """What the slice of a module that defines ``name`` (:mod:`kvlint.lint.project.outline`)
    binds it to, described by the rules' own facts; None when it cannot be parsed."""
    from kvlint.lint.facts import types as kvtypes
    from kvlint.lint.facts.exports import summarise_name
    from kvlint.lint.semantic.model import Analysis

    try:
        module = python_source.parse(text)
        return summarise_name(Analysis(module, text, extra_vault_hosts, path, kvtypes), name)
    except (python_source.SyntaxProblem, RecursionError):
        return None


def lint_text(
    text: str, path: str, settings: Settings, linter: Linter | None = None
) -> list[Finding]:
    """Lint an in-memory ``text`` as the file ``path`` (its name picks Python or configuration,
    and per-file settings apply to it): the findings, with their fixes. For editors and tools;
    pass a ``linter`` to reuse one across calls (it caches the enabled rules)."""
    linter = linter or Linter(settings)
    data = text.encode("utf-8")
    return linter.lint_bytes(data, path).findings


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (1-based line/column, end exclusive) to ``text``."""
    starts = [0]
    for match in LINE_BREAK.finditer(text):
        starts.append(match.end())

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = sorted(
        ((offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in edits),
        reverse=True,
    )
    last_start = len(text) + 1
    for start, end, content in spans:
        if end > last_start:
            continue  # overlapping edit: leave it for the next round
        text = text[:start] + content + text[end:]
        last_start = start
    return text
