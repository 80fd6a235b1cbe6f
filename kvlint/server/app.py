"""The Language Server: document sync, debounced linting, publishing, and error handling.

Every open document is linted on open and on save at once, and after a change once the
typing has paused (:data:`DEBOUNCE_SECONDS`). Lints run one at a time on a worker thread, so
the server keeps reading messages meanwhile; a result for a text that has changed since is
dropped. A broken ``[tool.kvlint]`` is shown once (``window/showMessage``) and the document
gets no diagnostics; a bug in kvlint is logged with its traceback (``window/logMessage``),
shown as a KV000 diagnostic, and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from kvlint import __version__
from kvlint.errors import KvlintError
from kvlint.redact import mask
from kvlint.server import engine, features, notebooks
from kvlint.server.features import Linted
from kvlint.server.positions import Positions
from kvlint.server.project import CONFIG_NAME, Projects, is_config

DEBOUNCE_SECONDS = 0.15
WATCHER_ID = "kvlint-pyproject-watcher"
logger = logging.getLogger("kvlint.server")


@dataclass(frozen=True)
class Snapshot:
    """What a lint needs of a document, taken on the event loop (the worker never reads
    pygls' workspace)."""

    uri: str
    version: int | None
    text: str
    fs_path: str | None
    name: str
    language_id: str | None
    encoding: str


_ANSWERED = object()  # a request already answered with an error while it was read


class Protocol(LanguageServerProtocol):
    """pygls' protocol, where every request gets a response.

    pygls reads a message and hands it to a handler; a request whose params do not fit the
    protocol's types (a negative or huge position, a hover without params) failed while being
    read and was only logged, so the editor waited for ever. Such a request is answered with
    the JSON-RPC error (Invalid Params), as is a request after ``shutdown`` (Invalid Request).
    """

    def structure_message(self, data: dict):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            request_id = data.get("id")
            if isinstance(request_id, int | str) and "method" in data:
                method = str(data.get("method"))[:80]
                logger.error("request %r (%s) answered with an error: %s", request_id, method, exc)
                self._send_response(request_id, None, exc.to_response_error())
                return _ANSWERED
            raise

    def handle_message(self, message) -> None:
        if message is _ANSWERED:
            return
        request_id = getattr(message, "id", None)
        method = getattr(message, "method", None)
        if self._shutdown and method not in (None, types.EXIT) and request_id is not None:
            error = JsonRpcInvalidRequest("the server is shutting down")
            self._send_response(request_id, None, error.to_response_error())
            return
        super().handle_message(message)


class KvlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "kvlint",
            __version__,
            protocol_cls=Protocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            notebook_document_sync=notebooks.SYNC,
        )
        self.projects = Projects()
        self.linted: dict[str, Linted] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="kvlint-lint")
        self.shown: set[str] = set()
        self.debounce = DEBOUNCE_SECONDS

    # -- messages to the client ---------------------------------------------------------------
    def log(self, kind: types.MessageType, message: str) -> None:
        message = mask(message)
        logger.log(logging.ERROR if kind == types.MessageType.Error else logging.INFO, message)
        with contextlib.suppress(Exception):  # no client to tell (closed pipe): logged above
            self.window_log_message(types.LogMessageParams(kind, f"kvlint: {message}"))

    def report_server_error(self, error: Exception, source) -> None:
        """pygls' own errors go to the output log, never to a pop-up per keystroke."""
        self.log(types.MessageType.Error, f"internal error: {type(error).__name__}: {error}")

    def _show_once(self, message: str) -> None:
        if message not in self.shown:
            self.shown.add(message)
            self.log(types.MessageType.Error, message)
            self.window_show_message(
                types.ShowMessageParams(types.MessageType.Error, mask(f"kvlint: {message}"))
            )

    # -- linting --------------------------------------------------------------------------------
    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Lint ``uri`` after ``delay`` seconds, replacing a lint still waiting for it."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._lint(uri, delay))

    def relint_all(self) -> None:
        """Settings changed: drop them (in turn with the lints) and lint every open document."""
        self.shown.clear()
        self.pool.submit(self.projects.invalidate)
        cells = {c.document for n in self.workspace.notebook_documents.values() for c in n.cells}
        for uri in [*self.workspace.notebook_documents, *self.workspace.text_documents]:
            if uri not in cells:
                self.schedule(uri)

    async def current(self, uri: str) -> Linted | None:
        """The findings for the document's current text, linting it now if they are stale (a
        notebook cell's: its notebook's lint)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        linted = self.linted.get(uri)
        if linted is None or linted.doc.positions.text != document.source:
            lint = notebooks.notebook_of_cell(self, uri) or uri
            self.schedule(lint)
            try:
                await asyncio.shield(self.pending[lint])
            except asyncio.CancelledError:  # the text changed again meanwhile: nothing current
                return None
            linted = self.linted.get(uri)
        if linted is None or linted.doc.positions.text != document.source:
            return None
        return linted

    def _snapshot(self, uri: str) -> Snapshot | None:
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        self.projects.folders = self._folders()
        encoding = self.workspace.position_encoding
        return Snapshot(
            uri=uri,
            version=document.version,
            text=document.source,
            fs_path=to_fs_path(uri) if uri.startswith("file:") else None,
            name=uri.rsplit("/", 1)[-1] or "untitled",
            language_id=document.language_id,
            encoding=str(getattr(encoding, "value", encoding) or "utf-16"),
        )

    def _folders(self) -> list[Path]:
        uris = [folder.uri for folder in self.workspace.folders.values()]
        if self.workspace.root_uri:
            uris.append(self.workspace.root_uri)
        paths = (to_fs_path(uri) for uri in uris if uri.startswith("file:"))
        return [Path(p).absolute() for p in paths if p]

    async def _lint(self, uri: str, delay: float) -> None:
        task = asyncio.current_task()
        try:
            if delay:
                await asyncio.sleep(delay)
            if self.workspace.get_notebook_document(notebook_uri=uri) is not None:
                await self._lint_notebook(uri)
                return
            snapshot = self._snapshot(uri)
            if snapshot is None:
                return
            loop = asyncio.get_running_loop()
            try:
                linted = await loop.run_in_executor(self.pool, self._lint_job, snapshot)
            except Exception as exc:
                linted = self._internal_error(snapshot, exc)
            self._publish(snapshot, linted)
        except Exception as exc:  # in the server itself: say so, and keep serving
            self.log(types.MessageType.Error, f"internal error: {_traceback(exc)}")
        finally:
            if self.pending.get(uri) is task:
                del self.pending[uri]

    async def _lint_notebook(self, uri: str) -> None:
        """An open notebook document: its cells as one module, diagnostics per cell."""
        self.projects.folders = self._folders()
        shot = notebooks.snapshot(self, uri)
        if shot is None:
            return
        versioned = _takes_document_changes(self.client_capabilities)
        loop = asyncio.get_running_loop()
        try:
            linted, problem = await loop.run_in_executor(
                self.pool, notebooks.lint_job, self, shot, versioned
            )
        except Exception as exc:
            self.log(types.MessageType.Error, f"internal error linting {uri}:\n{_traceback(exc)}")
            return
        if problem:
            self._show_once(problem)
        notebooks.publish(self, shot, linted)

    def _lint_job(self, snapshot: Snapshot) -> Linted:
        """On the worker thread: settings, the engine, diagnostics-ready findings."""
        positions = Positions(snapshot.text, snapshot.encoding)
        versioned = _takes_document_changes(self.client_capabilities)
        try:
            target = self.projects.target(snapshot.fs_path, snapshot.name, snapshot.language_id)
        except KvlintError as exc:
            doc = features.Doc(snapshot.uri, snapshot.version, snapshot.name, positions, versioned)
            return Linted(doc, problem=str(exc))
        doc = features.Doc(snapshot.uri, snapshot.version, target.path, positions, versioned)
        if target.project is None:
            return Linted(doc)
        result = engine.lint_text(target.project.linter, snapshot.text, target.path, target.relpath)
        return Linted(doc, result.findings)

    def _internal_error(self, snapshot: Snapshot, exc: Exception) -> Linted:
        self.log(
            types.MessageType.Error,
            f"internal error linting {snapshot.uri}:\n{_traceback(exc)}",
        )
        message = mask(
            f"internal error: {type(exc).__name__}: {exc} (the kvlint output log has the "
            "traceback; please report it)"
        )
        finding = engine.parse_error_finding(snapshot.fs_path or snapshot.name, message)
        positions = Positions(snapshot.text, snapshot.encoding)
        doc = features.Doc(snapshot.uri, snapshot.version, snapshot.name, positions)
        return Linted(doc, [finding])

    def _publish(self, snapshot: Snapshot, linted: Linted) -> None:
        document = self.workspace.text_documents.get(snapshot.uri)
        if document is None or document.source != snapshot.text:
            return  # closed, or changed again since: a newer lint will publish
        if linted.problem:
            self._show_once(linted.problem)
        self.linted[snapshot.uri] = linted
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(snapshot.uri, linted.diagnostics, snapshot.version)
        )

    def forget(self, uri: str) -> None:
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.linted.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))


def _warm_up(ls: KvlintServer) -> None:
    """On the worker thread: imports and the rule catalogue, ahead of the first lint."""
    try:
        engine.warm_up()
        features.rule("KV000")  # parses the rule pages (links, hovers)
    except Exception as exc:  # the first real lint will say what is wrong
        logger.warning("warm-up failed: %s", exc)


def _resolves_edits(capabilities: types.ClientCapabilities | None) -> bool:
    """Whether the client fills in a code action's edit with ``codeAction/resolve``."""
    document = capabilities.text_document if capabilities else None
    actions = document.code_action if document else None
    support = actions.resolve_support if actions else None
    return bool(support and "edit" in support.properties)


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _takes_document_changes(capabilities: types.ClientCapabilities | None) -> bool:
    workspace = capabilities.workspace if capabilities else None
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes)


def _guarded(handler):
    """A handler whose bug is logged and answered with nothing, never a dead server."""

    async def wrapper(ls: KvlintServer, params):
        try:
            return await handler(ls, params)
        except Exception as exc:
            ls.log(
                types.MessageType.Error,
                f"internal error in {handler.__name__}:\n{_traceback(exc)}",
            )
            return None

    wrapper.__name__ = handler.__name__
    return wrapper


def build() -> KvlintServer:
    server = KvlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: KvlintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounceMs"), int | float):
            ls.debounce = max(0.0, float(options["debounceMs"]) / 1000)

    @server.feature(types.INITIALIZED)
    @_guarded
    async def initialized(ls: KvlintServer, params: types.InitializedParams) -> None:
        ls.pool.submit(_warm_up, ls)  # while the editor is still opening files
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if not (watched and watched.dynamic_registration):
            return  # settings are still reloaded on save, and when the file's mtime changes
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=f"**/{CONFIG_NAME}")]
        )
        registration = types.Registration(
            WATCHER_ID, types.WORKSPACE_DID_CHANGE_WATCHED_FILES, options
        )
        await ls.client_register_capability_async(types.RegistrationParams([registration]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KvlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KvlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KvlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.startswith("file:") and is_config(to_fs_path(uri)):
            ls.relint_all()
        else:
            ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KvlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: KvlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: KvlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, ls.debounce)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: KvlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: KvlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget(params.notebook_document.uri)
        for cell in notebooks.cells_of(params):
            ls.forget(cell)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: KvlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith(f"/{CONFIG_NAME}") for change in params.changes):
            ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, features.FIX_ALL_KIND],
            resolve_provider=True,
        ),
    )
    @_guarded
    async def code_action(
        ls: KvlintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        linted = await ls.current(params.text_document.uri)
        if linted is None or not linted.findings:
            return None
        only = params.context.only
        wanted = (lambda kind: any(kind.startswith(str(o)) for o in only)) if only else None
        doc = linted.doc
        lazy = _resolves_edits(ls.client_capabilities)
        actions: list[types.CodeAction] = []
        if wanted is None or wanted(types.CodeActionKind.QuickFix.value):
            here = features.at(linted.findings, doc.positions, params.range)
            actions += [features.fix_action(doc, f) for f in here if features.is_safe_fix(f)]
            index = {id(f): i for i, f in enumerate(linted.findings)}
            noqa = (features.noqa_action(doc, linted.findings, index[id(f)], lazy) for f in here)
            actions += [action for action in noqa if action is not None]
        if wanted is None or wanted(features.FIX_ALL_KIND):
            fix_all = features.fix_all_action(doc, linted.findings, lazy)
            if fix_all is not None:
                actions.append(fix_all)
        return actions or None

    @server.feature(types.CODE_ACTION_RESOLVE)
    @_guarded
    async def resolve_code_action(ls: KvlintServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        linted = await ls.current(str(data.get("uri", "")))
        if linted is None:
            return action
        return features.resolve(action, linted.doc, linted.findings) or action

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_guarded
    async def hover(ls: KvlintServer, params: types.HoverParams) -> types.Hover | None:
        linted = await ls.current(params.text_document.uri)
        if linted is None:
            return None
        point = types.Range(params.position, params.position)
        return features.hover(
            features.at(linted.findings, linted.doc.positions, point), linted.doc.positions
        )

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: KvlintServer, params: None) -> None:
        for task in ls.pending.values():
            task.cancel()
        ls.pool.shutdown(wait=False, cancel_futures=True)

    return server


def serve(log_file: str | None = None) -> int:
    """Serve one client over stdin/stdout until it says exit."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    handlers[0].setLevel(logging.WARNING)
    if log_file:
        try:
            handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise KvlintError(f"cannot write the log file {log_file}: {exc.strerror}") from None
        handler.setLevel(logging.DEBUG)
        handlers.append(handler)
    logging.basicConfig(
        level=logging.DEBUG if log_file else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
    )
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must never corrupt the protocol stream
    build().start_io(stdin, stdout)
    return 0
