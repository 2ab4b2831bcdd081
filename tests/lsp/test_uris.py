"""Round trips of the datastore:// scheme (docs/uri-scheme.md) for awkward names."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datastore_manager.model import InvalidArgument, StoreKind
from datastore_manager.model.uris import EntryUri, FolderUri, entry_uri, parse_uri

NAMES = ["a/b", "50%", "#x", "a?b", "with space", "ünï😀", "a:b", "%2F", "k.json", "..", "~"]


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_awkward_names(name: str) -> None:
    uri = entry_uri("prod", name, name, scope=name)
    assert parse_uri(str(uri)) == uri
    assert parse_uri(str(uri.at_version("08D.01"))) == uri.at_version("08D.01")
    ordered = entry_uri("prod", name, name, scope=name, kind=StoreKind.ORDERED)
    assert parse_uri(str(ordered)) == ordered


@given(st.text(min_size=1, max_size=50), st.text(min_size=1, max_size=50))
def test_round_trip_any_text(store: str, key: str) -> None:
    uri = entry_uri("c", store, key)
    assert parse_uri(str(uri)) == uri


def _vscode_like(text: str) -> str:
    """Decode the path once and re-encode it (keeping '/'), as VS Code's Uri does."""
    head, _, path = text.partition("://")
    authority, _, rest = path.partition("/")
    return f"{head}://{authority}/" + quote(unquote(rest), safe="/")


@pytest.mark.parametrize("name", NAMES)
def test_survives_decode_and_reencode(name: str) -> None:
    uri = entry_uri("prod", name, name)
    assert parse_uri(_vscode_like(str(uri))) == uri


def test_forms() -> None:
    assert str(entry_uri("prod", "PlayerData", "Player_1")) == (
        "datastore://prod/PlayerData/global/Player_1.json"
    )
    assert parse_uri("datastore://prod/S") == FolderUri("prod", "S")
    assert parse_uri("datastore://prod/%3Aordered/S") == FolderUri(
        "prod", "S", kind=StoreKind.ORDERED
    )
    assert isinstance(parse_uri("datastore://prod/S/global/k.json"), EntryUri)


@pytest.mark.parametrize(
    "bad",
    [
        "file:///x.json",
        "datastore://Bad Name/S/g/k.json",
        "datastore://p/S/g/k.json?x=1",
        "datastore://p/a/b/c/d.json",
        "datastore://p/%3Aordered/S/g/k.json?version=1",
    ],
)
def test_bad_uris_say_what_is_wrong(bad: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_uri(bad)


def _vscode_query(text: str) -> str:
    """VS Code's ``Uri.toString()``: the query is decoded once and re-encoded as a whole, so
    ``version=08D.01`` goes out as ``version%3D08D.01`` (``=``, ``&``, ``%`` all escaped)."""
    base, sep, query = text.partition("?")
    return f"{base}{sep}{quote(unquote(query), safe='')}" if sep else text


VERSIONS = ["08DB3C0C6E0A1B2C.0000000002.08DB3C0C6E0A1B2C.01", "a=b", "a&b", "50%", "x y", "ü+"]


@pytest.mark.parametrize("version", VERSIONS)
def test_version_query_as_vscode_encodes_it(version: str) -> None:
    uri = entry_uri("prod", "Player Data", "Player_1").at_version(version)
    encoded = _vscode_query(str(uri))
    assert "%3D" in encoded and "version=" not in encoded
    assert parse_uri(encoded) == uri
    assert parse_uri(str(uri)) == uri  # our own form still parses
    both = _vscode_like(encoded.partition("?")[0]) + "?" + encoded.partition("?")[2]
    assert parse_uri(both) == uri  # path and query as VS Code re-encodes them


def test_vscode_query_example() -> None:
    parsed = parse_uri("datastore://local/PlayerData/global/Player_1.json?version%3D08D.01")
    assert isinstance(parsed, EntryUri) and parsed.version == "08D.01"
    assert parsed.latest() == entry_uri("local", "PlayerData", "Player_1")


@given(st.text(min_size=1, max_size=40))
def test_any_version_round_trips_both_ways(version: str) -> None:
    uri = entry_uri("c", "S", "k").at_version(version)
    assert parse_uri(str(uri)) == uri
    assert parse_uri(_vscode_query(str(uri))) == uri


@pytest.mark.parametrize(
    "bad",
    [
        "datastore://p/S/g/k.json?x%3D1",
        "datastore://p/S/g/k.json?version%3D",
        "datastore://p/S/g/k.json?version",
        "datastore://p/%3Aordered/S/g/k.json?version%3D1",
    ],
)
def test_bad_encoded_queries_say_what_is_wrong(bad: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_uri(bad)
