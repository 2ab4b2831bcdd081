"""The ``datastore://`` URI scheme: the one module that builds and parses entry addresses.

Forms (see ``docs/uri-scheme.md``)::

    datastore://<connection>/<store>/<scope>/<key>.json                 latest value
    datastore://<connection>/<store>/<scope>/<key>.json?version=<id>    a fixed version (read-only)
    datastore://<connection>/:ordered/<store>/<scope>/<key>.json        an ordered entry
    datastore://<connection>/<store>[/<scope>]                          folders (tree, FileSystem)
    datastore://<connection>/:ordered[/<store>[/<scope>]]               ordered folders

Names are escaped twice so they survive clients that decode and re-encode URIs (VS Code's
``Uri.parse``/``toString`` turns ``%2F`` into a path separator): first a *name escape* turns
``%``, ``/`` and ``:`` into ``%25``, ``%2F``, ``%3A``; then the URI's own percent-encoding is
applied to the result. After URI decoding, a raw ``:`` can therefore only come from the
``:ordered`` marker, and a raw ``/`` only separates segments.

The version query is accepted as we write it (``?version=<percent-encoded id>``) and as VS
Code's ``Uri.toString()`` writes it (the whole query encoded once: ``?version%3D<id>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlencode

from .errors import InvalidArgument
from .limits import DEFAULT_SCOPE
from .values import StoreKind

SCHEME = "datastore"
ENTRY_SUFFIX = ".json"
ORDERED_MARKER = ":ordered"
VERSION_PARAM = "version"

# Connection names live in the authority, which URI libraries (VS Code's included) lower-case.
CONNECTION_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62})$")
_NAME_ESCAPES = {"%": "%25", "/": "%2F", ":": "%3A"}
_NAME_UNESCAPE = re.compile(r"%(25|2F|3A)", re.IGNORECASE)
_NAME_UNESCAPES = {"25": "%", "2F": "/", "3A": ":"}


def check_connection_name(name: str) -> str:
    if not CONNECTION_NAME.match(name):
        raise InvalidArgument(
            f"Connection name {name!r} is not usable in a URI: use 1-63 lower-case letters, "
            "digits, '.', '_' or '-', starting with a letter or digit (e.g. 'prod', 'local-dev')."
        )
    return name


def escape_name(name: str) -> str:
    """The name escape: only ``%``, ``/`` and ``:`` change."""
    return "".join(_NAME_ESCAPES.get(char, char) for char in name)


def unescape_name(text: str) -> str:
    return _NAME_UNESCAPE.sub(lambda match: _NAME_UNESCAPES[match.group(1).upper()], text)


def _segment(name: str) -> str:
    return quote(escape_name(name), safe="")


@dataclass(frozen=True, slots=True)
class EntryUri:
    """One entry (standard or ordered), optionally pinned to a version."""

    connection: str
    store: str
    scope: str
    key: str
    kind: StoreKind = StoreKind.STANDARD
    version: str | None = None

    @property
    def read_only(self) -> bool:
        """A fixed version is history: it can be read and rolled back to, never written."""
        return self.version is not None

    @property
    def mapping_path(self) -> str:
        """``<connection>/<store>/<scope>/<key>``: what schema ``fileMatch`` globs match."""
        return f"{self.connection}/{self.store}/{self.scope}/{self.key}"

    def latest(self) -> EntryUri:
        return EntryUri(self.connection, self.store, self.scope, self.key, self.kind)

    def at_version(self, version: str) -> EntryUri:
        if self.kind is StoreKind.ORDERED:
            raise InvalidArgument("Ordered data store entries have no versions.")
        return EntryUri(self.connection, self.store, self.scope, self.key, self.kind, version)

    def __str__(self) -> str:
        marker = f"/{quote(ORDERED_MARKER, safe='')}" if self.kind is StoreKind.ORDERED else ""
        text = (
            f"{SCHEME}://{self.connection}{marker}/{_segment(self.store)}/"
            f"{_segment(self.scope)}/{_segment(self.key)}{ENTRY_SUFFIX}"
        )
        if self.version is not None:
            text += "?" + urlencode({VERSION_PARAM: self.version}, quote_via=quote)
        return text


@dataclass(frozen=True, slots=True)
class FolderUri:
    """A connection root, a store or a scope: what the tree view and FileSystemProvider list."""

    connection: str
    store: str | None = None
    scope: str | None = None
    kind: StoreKind = StoreKind.STANDARD

    def __str__(self) -> str:
        text = f"{SCHEME}://{self.connection}"
        if self.kind is StoreKind.ORDERED:
            text += "/" + quote(ORDERED_MARKER, safe="")
        for name in (self.store, self.scope):
            if name is None:
                break
            text += "/" + _segment(name)
        return text


def entry_uri(
    connection: str,
    store: str,
    key: str,
    *,
    scope: str = DEFAULT_SCOPE,
    kind: StoreKind = StoreKind.STANDARD,
    version: str | None = None,
) -> EntryUri:
    check_connection_name(connection)
    for what, name in (("data store name", store), ("scope", scope), ("key", key)):
        if not name:
            raise InvalidArgument(f"The {what} of a datastore:// URI cannot be empty.")
    return EntryUri(connection, store, scope, key, kind, version)


def is_datastore_uri(text: str) -> bool:
    return text.lower().startswith(f"{SCHEME}://")


def parse_uri(text: str) -> EntryUri | FolderUri:
    """Parse any ``datastore://`` URI; errors name what is wrong and show the expected form."""
    if not is_datastore_uri(text):
        raise InvalidArgument(f"{text!r} is not a {SCHEME}:// URI; expected {_FORM}.")
    rest = text[len(SCHEME) + 3 :]
    rest = rest.partition("#")[0]  # fragments carry nothing
    rest, _, query = rest.partition("?")
    authority, _, path = rest.partition("/")
    connection = unquote(authority).lower()
    check_connection_name(connection)
    segments = [unquote(part) for part in path.split("/")] if path else []
    if segments and segments[-1] == "":
        segments.pop()  # a trailing slash on a folder
    kind = StoreKind.STANDARD
    if segments and segments[0] == ORDERED_MARKER:
        kind = StoreKind.ORDERED
        segments = segments[1:]
    for segment in segments:
        if segment == "" or ":" in segment:
            raise InvalidArgument(
                f"{text!r} has an empty or unescaped path segment; names must be escaped as "
                f"in docs/uri-scheme.md (expected {_FORM})."
            )
    version = _version_from_query(text, query)
    if len(segments) == 3 and segments[2].endswith(ENTRY_SUFFIX):
        store, scope, key_part = (unescape_name(s) for s in segments)
        key = key_part[: -len(ENTRY_SUFFIX)]
        if not key:
            raise InvalidArgument(f"{text!r} names an empty key.")
        if version is not None and kind is StoreKind.ORDERED:
            raise InvalidArgument(f"{text!r}: ordered entries have no versions.")
        return EntryUri(connection, store, scope, key, kind, version)
    if version is not None or len(segments) > 2:
        raise InvalidArgument(f"{text!r} is neither an entry nor a folder URI; expected {_FORM}.")
    names = [unescape_name(s) for s in segments]
    return FolderUri(
        connection,
        names[0] if names else None,
        names[1] if len(names) > 1 else None,
        kind,
    )


def parse_entry_uri(text: str) -> EntryUri:
    parsed = parse_uri(text)
    if not isinstance(parsed, EntryUri):
        raise InvalidArgument(f"{text!r} is a folder, not an entry; expected {_FORM}.")
    return parsed


def _version_from_query(text: str, query: str) -> str | None:
    """The version of ``?version=<id>``, as we write it (``=`` literal, the id
    percent-encoded) or as VS Code's ``Uri.toString()`` writes it (the whole query
    percent-encoded once, ``=`` as ``%3D`` and ``&`` as ``%26``)."""
    if not query:
        return None
    if "=" not in query and "&" not in query:
        decoded = unquote(query)  # VS Code's form: one decode gives ``version=<id>``
        name, sep, value = decoded.partition("=")
        if not sep or name != VERSION_PARAM:
            raise InvalidArgument(
                f"{text!r} has an unknown query {decoded!r}; only "
                f"'?{VERSION_PARAM}=<version id>' is allowed."
            )
        if not value:
            raise InvalidArgument(f"{text!r} must give exactly one non-empty version.")
        return value
    params = parse_qs(query, keep_blank_values=True)
    unknown = set(params) - {VERSION_PARAM}
    if unknown:
        raise InvalidArgument(
            f"{text!r} has unknown query parameter(s) {sorted(unknown)}; only "
            f"'?{VERSION_PARAM}=<version id>' is allowed."
        )
    values = params[VERSION_PARAM]
    if len(values) != 1 or not values[0]:
        raise InvalidArgument(f"{text!r} must give exactly one non-empty version.")
    return values[0]


_FORM = f"{SCHEME}://<connection>/<store>/<scope>/<key>{ENTRY_SUFFIX}[?{VERSION_PARAM}=<id>]"
