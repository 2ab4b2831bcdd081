"""``dsm serve``: the pygls server, wiring each LSP feature to the module that implements it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage
from pygls.protocol.language_server import lsp_method

from .. import __name__ as _package
from ..model.uris import EntryUri
from ..services.documents import JsonDocument
from ..services.schemas import normalise_url, url_to_path
from . import audit_log as audit_log  # registers dataStore/auditLog
from . import (
    commands,
    completion,
    diagnostics,
    export_command,
    formatting,
    hover,
    lenses,
    logs,
    requests,
    rpc,
    search_command,
    status,
    structure,
)
from . import files as files  # registers dataStore/stat and dataStore/readDirectory
from . import insight as insight  # registers dataStore/storeStats and dataStore/testConnection
from .errors import DataStoreRpcError
from .state import ServerState

NAME = "dsm"
VERSION = "0.1.0"


class DsmProtocol(rpc.RobustProtocol):
    """Keeps ``dataStore/*`` params as plain JSON (pygls would turn them into namedtuples,
    renaming keys such as attribute names that are not Python identifiers)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method", "")
        if isinstance(method, str) and method.startswith("dataStore/") and "id" in data:
            return JsonRPCRequestMessage(
                id=data["id"], method=method, jsonrpc=data["jsonrpc"], params=data.get("params")
            )
        return super().structure_message(data)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, Any]:
        """Positions are always UTF-16 (services/documents computes them so), whatever the
        client prefers; this also keeps the answer equal to ``initialize_result.json``."""
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = None
        # Nor do will-save (no such handlers) or notebooks change what we answer: without this
        # VS Code's capabilities made pygls answer ``willSave: false`` (boot.py's warning).
        text = params.capabilities.text_document
        if text is not None and text.synchronization is not None:
            text.synchronization.will_save = None
            text.synchronization.will_save_wait_until = None
        params.capabilities.notebook_document = None
        result = yield from super().lsp_initialize(params)
        return result

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Changes are applied by ServerState (pygls's copy re-joins every line of the text on
        each keystroke: 0.1 s on a 1.5 MB entry); pygls's workspace copy is not kept."""
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(
        self, params: types.ExecuteCommandParams
    ) -> Generator[Any, Any, Any]:
        """All commands get the whole params (pygls would drop the work-done token)."""
        server = self._server
        assert isinstance(server, DsmServer)
        result = yield partial(commands.execute, server), (params,), None
        return result


class Progress:
    """Work-done progress for one command (a no-op without a client token)."""

    def __init__(self, server: DsmServer, token: Any, title: str) -> None:
        self.server, self.token = server, token
        if token is not None:
            server.work_done_progress.begin(
                token, types.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0)
            )

    @property
    def cancelled(self) -> bool:
        future = self.server.work_done_progress.tokens.get(self.token)
        return future is not None and future.cancelled()

    def report(self, message: str) -> None:
        if self.token is not None:
            self.server.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message)
            )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.server.work_done_progress.end(
                self.token, types.WorkDoneProgressEnd(message=message)
            )


class DsmServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(NAME, VERSION, protocol_cls=DsmProtocol)
        self.state = ServerState()
        self.runner = diagnostics.DiagnosticsRunner(self)
        self.generation = 0  # bumped when settings or schemas change (diagnostic cache key)
        self.open_uris: set[str] = set()
        self.client_pulls = False
        self.client_refreshes = False
        self.status = status.StatusMonitor(self)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        rpc.serve_io(self, stdin, stdout)  # our framing: bad frames are answered, not fatal

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, DataStoreRpcError):
            return  # an answer to the client, not a server fault
        super().report_server_error(error, source)

    def start_progress(self, token: Any, title: str) -> Progress:
        return Progress(self, token, title)

    async def yield_to_loop(self) -> None:
        await asyncio.sleep(0)

    def after_write(self, uri: EntryUri) -> None:
        self.state.entries.pop(str(uri), None)

    def settings_changed(self) -> None:
        self.state.reload_settings()
        self.generation += 1
        self.runner.revalidate_all()


def build() -> DsmServer:
    server = DsmServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: DsmServer, params: types.InitializeParams) -> None:
        folders = params.workspace_folders or []
        root_uri = params.root_uri or (folders[0].uri if folders else None)
        path = url_to_path(root_uri) if root_uri else None
        ls.state.root = path.resolve() if path else None
        options = params.initialization_options
        ls.state.client_settings = dict(options) if isinstance(options, dict) else {}
        text_caps = params.capabilities.text_document
        ls.client_pulls = bool(text_caps and text_caps.diagnostic)
        workspace_caps = params.capabilities.workspace
        ls.client_refreshes = bool(
            workspace_caps
            and workspace_caps.diagnostics
            and workspace_caps.diagnostics.refresh_support
        )
        ls.state.reload_settings()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: DsmServer, params: Any) -> None:
        ls.status.stop()
        await ls.state.close()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: DsmServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("dataStoreManager"), dict):
            ls.state.client_settings = settings["dataStoreManager"]
            ls.settings_changed()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: DsmServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            ls.state.schemas.forget(change.uri)
        ls.settings_changed()

    # ---- documents ------------------------------------------------------------------

    def text_changed(ls: DsmServer, uri: str, delay: float | None) -> None:
        key = normalise_url(uri)
        if key in ls.state.schemas.schema_urls() or Path(uri).name == ".datastore-manager.json":
            ls.state.schemas.forget(uri)
            ls.generation += 1
            if Path(uri).name == ".datastore-manager.json":
                ls.state.reload_settings()
            ls.runner.revalidate_all()
        ls.runner.schedule(uri, delay=delay)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DsmServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.open_uris.add(item.uri)
        ls.state.set_text(item.uri, item.version, item.text)
        text_changed(ls, item.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DsmServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.state.apply_changes(uri, params.text_document.version, params.content_changes)
        text_changed(ls, uri, None)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DsmServer, params: types.DidSaveTextDocumentParams) -> None:
        if Path(params.text_document.uri).name == ".datastore-manager.json":
            ls.settings_changed()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DsmServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open_uris.discard(uri)
        ls.state.close_text(uri)
        ls.runner.clear(uri)
        if not ls.client_pulls:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(inter_file_dependencies=True, workspace_diagnostics=False),
    )
    async def pull_diagnostics(
        ls: DsmServer, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport:
        try:
            items = await ls.runner.diagnostics_async(params.text_document.uri)
        except diagnostics.Stale:
            raise JsonRpcException(  # the client asks again for the new version
                message="The document changed; diagnostics are being recomputed.",
                code=types.LSPErrorCodes.ServerCancelled,
                data=types.DiagnosticServerCancellationData(retrigger_request=True),
            ) from None
        return types.RelatedFullDocumentDiagnosticReport(items=items)

    # ---- language features ----------------------------------------------------------

    def doc(ls: DsmServer, uri: str) -> JsonDocument | None:
        return ls.state.document(uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: DsmServer, params: types.HoverParams) -> types.Hover | None:
        document = doc(ls, params.text_document.uri)
        if document is None:
            return None
        result: types.Hover | None = hover.hover(
            ls, params.text_document.uri, document, params.position
        )
        return result

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=['"', ":"])
    )
    def on_completion(ls: DsmServer, params: types.CompletionParams) -> types.CompletionList:
        document = doc(ls, params.text_document.uri)
        if document is None:
            return types.CompletionList(is_incomplete=False, items=[])
        return completion.complete(ls, params.text_document.uri, document, params.position)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def on_code_lens(ls: DsmServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        try:
            return await lenses.code_lenses(ls, params.text_document.uri)
        except Exception:  # lenses are decoration: a backend failure must not break the editor
            return []

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(ls: DsmServer, params: types.DocumentSymbolParams) -> list[Any]:
        document = doc(ls, params.text_document.uri)
        return structure.document_symbols(document) if document else []

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    def on_folding(ls: DsmServer, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        document = doc(ls, params.text_document.uri)
        return structure.folding_ranges(document) if document else []

    @server.feature(types.TEXT_DOCUMENT_SELECTION_RANGE)
    def on_selection(
        ls: DsmServer, params: types.SelectionRangeParams
    ) -> list[types.SelectionRange]:
        document = doc(ls, params.text_document.uri)
        return structure.selection_ranges(document, list(params.positions)) if document else []

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(
        ls: DsmServer, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit]:
        document = doc(ls, params.text_document.uri)
        if document is None:
            return []
        tab = ls.state.settings.tab_size
        return formatting.format_document(document, tab, ls.state.settings.sort_keys)

    # Advertised; run by DsmProtocol.
    for name in (*commands.COMMANDS, *export_command.COMMANDS, *search_command.COMMANDS):
        server.command(name)(_unreachable)

    for method in requests.HANDLERS:  # with files.py's and insight.py's registrations
        _register_request(server, method)
    logs.install()
    return server


def _unreachable(ls: DsmServer, *args: Any) -> None:
    raise AssertionError("commands are dispatched by DsmProtocol")


def _register_request(server: DsmServer, method: str) -> None:
    @server.feature(method)
    async def handle(ls: DsmServer, params: Any) -> Any:
        with ls.status.watch(params):
            return await requests.dispatch(ls, method, params)


def initialize_result(server: DsmServer) -> Any:
    """What pygls answers to ``initialize`` (client-independent for our features), as JSON."""
    from pygls.capabilities import ServerCapabilitiesBuilder

    manager = server.protocol.fm
    capabilities = ServerCapabilitiesBuilder(
        types.ClientCapabilities(),
        set({**manager.features, **manager.builtin_features}.keys()),
        manager.feature_options,
        list(manager.commands.keys()),
        server._text_document_sync_kind,
        server._notebook_document_sync,
        types.PositionEncodingKind.Utf16,
    ).build()  # type: ignore[no-untyped-call]
    result = types.InitializeResult(capabilities, types.ServerInfo(NAME, VERSION))
    return json.loads(json.dumps(result, default=server.protocol._serialize_message))


def run(tcp: tuple[str, int] | None = None) -> None:
    server = build()
    if tcp is None:
        server.start_io()
    else:
        server.start_tcp(*tcp)


_ = (_package, JsonRPCNotification)
