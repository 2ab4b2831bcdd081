"""Diagnostics: JSON syntax, schema, entry size, Roblox round-trip values, metaschema.

Computed once per (document version, schema version) and cached; pushed after a debounce
(stale runs are cancelled) unless the client pulls (``textDocument/diagnostic``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..model import InvalidArgument, StoreKind
from ..model.limits import INT64_MAX, INT64_MIN, MAX_VALUE_LENGTH
from ..model.uris import EntryUri, is_datastore_uri, parse_uri
from ..services.changesets.layout import changeset_entry
from ..services.documents import JsonDocument, Range
from ..services.roblox_values import TextFacts, roblox_findings, text_facts
from ..services.schemas import (
    LoadedSchema,
    declared_metaschema,
    metaschema_problems,
    normalise_url,
    url_to_path,
)

if TYPE_CHECKING:
    from .server import DsmServer

SOURCE = "dsm"
SIZE_WARNING_RATIO = 0.9


def lsp_range(span: Range) -> types.Range:
    return types.Range(
        types.Position(span.start.line, span.start.character),
        types.Position(span.end.line, span.end.character),
    )


def _diagnostic(span: Range, message: str, code: str, warning: bool = False) -> types.Diagnostic:
    severity = types.DiagnosticSeverity.Warning if warning else types.DiagnosticSeverity.Error
    return types.Diagnostic(lsp_range(span), message, severity, code, source=SOURCE)


def match_paths(server: DsmServer, uri: str) -> list[str]:
    """What schema globs are matched against for this document."""
    if is_datastore_uri(uri):
        parsed = parse_uri(uri)
        return [parsed.mapping_path] if isinstance(parsed, EntryUri) else []
    path = url_to_path(normalise_url(uri))
    if path is None:
        return []
    root = server.state.root
    paths = [path.as_posix()]
    if root is not None and path.is_relative_to(root):
        paths.insert(0, path.relative_to(root).as_posix())
    pulled = pulled_entry(uri)
    if pulled is not None:  # a file of a `dsm pull` folder matches like the entry it holds
        paths.insert(0, pulled.mapping_path)
    return paths


def pulled_entry(uri: str) -> EntryUri | None:
    """The entry a ``file://`` document of a changeset folder (``dsm pull``) holds."""
    path = url_to_path(normalise_url(uri))
    found = changeset_entry(path) if path is not None else None
    return None if found is None else EntryUri(*found)


def schema_for(server: DsmServer, uri: str, document: JsonDocument) -> LoadedSchema | None:
    if not document.is_valid_json:
        return None
    return server.state.schemas.for_document(
        match_paths(server, uri), document.value, server.state.root
    )


def compute(
    server: DsmServer, uri: str, document: JsonDocument, check: Callable[[], None] = lambda: None
) -> list[types.Diagnostic]:
    """Every diagnostic of ``document``; ``check`` runs between stages (it raises to stop a
    run that became stale)."""
    diagnostics = [_diagnostic(p.range, p.message, "json-syntax") for p in document.syntax_problems]
    if not document.is_valid_json:
        return diagnostics
    check()
    value = document.value
    entry: EntryUri | None = None
    if is_datastore_uri(uri):
        try:
            parsed = parse_uri(uri)
            entry = parsed if isinstance(parsed, EntryUri) else None
        except InvalidArgument as error:
            return [*diagnostics, _diagnostic(document.full_range, error.message, "uri")]
    else:
        entry = pulled_entry(uri)  # size and Roblox checks as for the entry itself
    if entry is not None:
        diagnostics.extend(_entry_checks(document, entry, check))
        check()
    schema = schema_for(server, uri, document)
    if schema is not None:
        diagnostics.extend(_schema_checks(document, schema, check))
        check()
    if declared_metaschema(value) or normalise_url(uri) in server.state.schemas.schema_urls():
        for problem in metaschema_problems(value):
            span = document.range_of(problem.path)
            diagnostics.append(_diagnostic(span, problem.message, "metaschema"))
    return diagnostics


def _entry_checks(
    document: JsonDocument, entry: EntryUri, check: Callable[[], None] = lambda: None
) -> list[types.Diagnostic]:
    from ..model import EncodedValue

    value = document.value
    top = document.range_of(())
    if entry.kind is StoreKind.ORDERED:
        if isinstance(value, bool) or not isinstance(value, int):
            return [_diagnostic(top, "Ordered data stores hold integers only.", "roblox-value")]
        if not INT64_MIN <= value <= INT64_MAX:
            return [_diagnostic(top, "Ordered values must fit in int64.", "roblox-value")]
        return []
    found: list[types.Diagnostic] = []
    facts = text_facts(document.text)  # one pass over the text answers every "may it hold"
    size = _compact_size(document, EncodedValue, facts)
    if size > MAX_VALUE_LENGTH:
        found.append(
            _diagnostic(
                top,
                f"Entry is {size:,} characters as compact JSON; Roblox's limit is "
                f"{MAX_VALUE_LENGTH:,} ({size - MAX_VALUE_LENGTH:,} over): saving will fail.",
                "entry-size",
            )
        )
    elif size >= SIZE_WARNING_RATIO * MAX_VALUE_LENGTH:
        found.append(
            _diagnostic(
                top,
                f"Entry is {size:,} characters, {size / MAX_VALUE_LENGTH:.0%} of Roblox's "
                f"{MAX_VALUE_LENGTH:,}-character limit.",
                "entry-size",
                warning=True,
            )
        )
    for finding in roblox_findings(value, facts=facts):
        check()
        span = document.range_of(finding.path, key=finding.on_key)
        found.append(_diagnostic(span, finding.message, "roblox-value", warning=True))
    return found


def _compact_size(document: JsonDocument, encoded: Any, facts: TextFacts) -> int:
    """Characters of the value as compact JSON (what Roblox counts). The text's own length
    bounds it unless a number has an exponent (1e5 → 100000.0), so a text clearly under the
    warning threshold skips encoding the value."""
    text = document.text
    if len(text) < SIZE_WARNING_RATIO * MAX_VALUE_LENGTH and not facts.exponent:
        return len(text)  # an upper bound: below the threshold either way
    size: int = encoded.from_value(document.value).size
    return size


def _schema_checks(
    document: JsonDocument, schema: LoadedSchema, check: Callable[[], None] = lambda: None
) -> list[types.Diagnostic]:
    if schema.error is not None:
        return [_diagnostic(document.range_of(()), schema.error, "schema-load", warning=True)]
    try:
        problems = schema.validate(document.value)
    except InvalidArgument as error:
        return [_diagnostic(document.range_of(()), error.message, "schema-load", warning=True)]
    found = []
    for problem in problems:
        check()  # placing an error deep in a big array is the slow part: stop when stale
        if problem.on_key and problem.message.startswith("Missing"):
            span = _missing_property_range(document, problem.path)
        else:
            span = document.range_of(problem.path, key=problem.on_key)
        found.append(_diagnostic(span, problem.message, "schema"))
    return found


def _missing_property_range(document: JsonDocument, path: tuple[str | int, ...]) -> Range:
    """A missing property is reported on the key of the object lacking it (else its ``{``)."""
    return document.property_owner_range(path)


# ---- push / pull -------------------------------------------------------------------------


Computed = tuple[Any, list[types.Diagnostic]]  # (cache key, diagnostics)


class Stale(Exception):
    """The document changed while its diagnostics were being computed."""


class DiagnosticsRunner:
    """Computes diagnostics on one worker thread (parsing and validating a multi-MB entry must
    not block the event loop), once per (document version, schema version, settings
    generation). A run whose document was replaced stops at its next stage; pushes are
    debounced and a newer edit cancels the pending push."""

    def __init__(self, server: DsmServer) -> None:
        self.server = server
        self.cache: dict[str, tuple[Any, JsonDocument, list[types.Diagnostic]]] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.running: dict[str, tuple[JsonDocument, int, asyncio.Future[Computed]]] = {}
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="dsm-diagnostics")

    def _key(self, uri: str, document: JsonDocument) -> Any:
        schema = schema_for(self.server, uri, document) if document.is_valid_json else None
        schema_version = schema.version if schema is not None else None
        return (schema_version, self.server.generation)

    def cached(self, uri: str, document: JsonDocument) -> list[types.Diagnostic] | None:
        """The cached result for this very document, if schemas and settings are unchanged
        (checking that costs no parse: the document was parsed when the result was made)."""
        entry = self.cache.get(uri)
        if entry is None or entry[1].text is not document.text:  # same text: same answer
            return None
        return entry[2] if entry[0] == self._key(uri, document) else None

    def _compute(self, uri: str, document: JsonDocument) -> Computed:
        """On the worker thread."""

        texts, key = self.server.state.texts, normalise_url(uri)

        def check() -> None:  # cheap, and touches no state (this is the worker thread)
            current = texts.get(key)
            if current is None or current[1] is not document.text:
                raise Stale(uri)

        check()
        result = compute(self.server, uri, document, check)
        return self._key(uri, document), result

    async def diagnostics_async(self, uri: str) -> list[types.Diagnostic]:
        """The current document's diagnostics, computed off the event loop. Raises
        :class:`Stale` when the document changed meanwhile."""
        document = self.server.state.document(uri)
        if document is None:
            return []
        hit = self.cached(uri, document)
        if hit is not None:
            return hit
        generation = self.server.generation
        running = self.running.get(uri)
        if running is not None and running[0].text is document.text and running[1] == generation:
            future = running[2]
        else:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(self.executor, self._compute, uri, document)
            self.running[uri] = (document, generation, future)
        try:
            key, result = await asyncio.shield(future)
        finally:
            current = self.running.get(uri)
            if current is not None and current[2] is future and future.done():
                del self.running[uri]
        latest = self.server.state.document(uri)
        same = latest is not None and latest.text is document.text
        if same and generation == self.server.generation:
            self.cache[uri] = (key, document, result)
        return result

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """Synchronous (tests, tools): on the calling thread."""
        document = self.server.state.document(uri)
        if document is None:
            return []
        hit = self.cached(uri, document)
        if hit is not None:
            return hit
        key, result = self._compute(uri, document)
        self.cache[uri] = (key, document, result)
        return result

    def schedule(self, uri: str, *, delay: float | None = None) -> None:
        """Push diagnostics after the debounce; a newer edit cancels this run."""
        if self.server.client_pulls:
            return
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        seconds = self.server.state.settings.debounce_ms / 1000 if delay is None else delay
        self.pending[uri] = asyncio.ensure_future(self._push(uri, seconds))

    async def _push(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = self.server.state.document(uri)
        if document is None:
            return
        try:
            result = await self.diagnostics_async(uri)
        except Stale:
            return  # edited meanwhile: the newer run publishes
        current = self.server.state.document(uri)
        if current is None or current.text is not document.text:
            return
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=result, version=current.version)
        )
        if self.pending.get(uri) is asyncio.current_task():
            self.pending.pop(uri, None)

    def revalidate_all(self) -> None:
        """Schemas or mappings changed: every open document may have new diagnostics."""
        self.cache.clear()
        if self.server.client_pulls:
            if self.server.client_refreshes:
                self.server.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.server.open_uris):
            self.schedule(uri, delay=0)

    def clear(self, uri: str) -> None:
        self.cache.pop(uri, None)
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()


def path_of_uri(uri: str) -> Path | None:
    return url_to_path(normalise_url(uri))
