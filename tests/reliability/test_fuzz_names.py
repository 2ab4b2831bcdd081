"""Hostile names, keys and URIs (hypothesis): the URI module, the local engine and the
emulator's HTTP paths either accept a name and round-trip it exactly, or refuse it with one of
our errors (never another exception, never a 5xx, never a crash)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datastore_manager.backends.local import LocalEngine
from datastore_manager.model import DataStoreError, InvalidArgument, StoreKind
from datastore_manager.model.uris import EntryUri, entry_uri, parse_entry_uri, parse_uri
from support.emulator import emulator_process

from .conftest import API_KEY, report

COUNTS: dict[str, int] = {}
FUZZ = settings(
    deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples)


def count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    report("fuzz.names", examples=COUNTS, total=sum(COUNTS.values()))


any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
hostile = any_text | st.sampled_from(
    [
        "",
        " ",
        "/",
        "//",
        "%",
        "%2F",
        "%252F",
        "%3A",
        ":",
        ":ordered",
        "..",
        "../x",
        "\x00",
        "a\x00b",
        "\u202e",
        "\ufeff",
        "é",
        "e\u0301",
        "😀",
        "a" * 50,
        "a" * 51,
        "key.json",
        "?version=1",
        "#frag",
        "\r\n",
        "NULL",
        "'; DROP TABLE entries; --",
    ]
)
names = hostile.filter(lambda text: text != "")
connections = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)


# ---- model/uris ---------------------------------------------------------------------------


@fuzz(3000)
@given(text=hostile | st.builds(lambda tail: "datastore://" + tail, hostile))
def test_parse_uri_accepts_or_refuses_with_invalid_argument(text: str) -> None:
    count("parse_uri")
    try:
        parsed = parse_uri(text)
    except InvalidArgument:
        return
    assert str(parsed).startswith("datastore://")
    assert parse_uri(str(parsed)) == parsed  # what it accepted, it formats and re-reads the same


@fuzz(2000)
@given(
    connection=connections,
    store=names,
    scope=names,
    key=names,
    ordered=st.booleans(),
    version=st.none() | names,
)
def test_entry_uris_round_trip_any_name(
    connection: str, store: str, scope: str, key: str, ordered: bool, version: str | None
) -> None:
    count("uri_round_trip")
    kind = StoreKind.ORDERED if ordered else StoreKind.STANDARD
    uri = entry_uri(connection, store, key, scope=scope, kind=kind)
    if version is not None and not ordered:
        uri = uri.at_version(version)
    text = str(uri)
    # every name is escaped: exactly the scheme's separators remain
    assert text.split("?")[0].split("://", 1)[1].count("/") == (4 if ordered else 3)
    assert parse_entry_uri(text) == uri
    assert isinstance(parse_uri(text), EntryUri)


# ---- local engine ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    with closing(LocalEngine(tmp_path_factory.mktemp("names") / "names.db")) as opened:
        yield opened


@fuzz(1500)
@given(store=hostile, scope=hostile, key=hostile, value=st.text(max_size=20) | st.integers())
def test_local_engine_stores_any_accepted_name_exactly(
    engine: LocalEngine, store: str, scope: str, key: str, value: Any
) -> None:
    count("local_engine")
    try:
        written = engine.set_entry(store, key, {"v": value}, scope=scope)
    except DataStoreError:
        with pytest.raises(DataStoreError):  # refused names are refused on reads as well
            engine.get_entry(store, key, scope=scope)
        return
    entry = engine.get_entry(store, key, scope=scope)
    assert (entry.store, entry.scope, entry.key, entry.value) == (store, scope, key, {"v": value})
    assert entry.version == written.version
    prefix = key
    listed: list[str] = []
    cursor: str | None = None
    while key not in listed:
        page = engine.list_keys(store, scope=scope, prefix=prefix, cursor=cursor, limit=100)
        listed += [info.key for info in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert key in listed


def test_local_prefix_with_nul_lists_its_key(engine: LocalEngine) -> None:
    engine.set_entry("NulPrefix", "a\x00b", 1)
    listed = engine.list_keys("NulPrefix", prefix="a\x00", limit=10).items
    assert [info.key for info in listed] == ["a\x00b"]


# ---- emulator paths -------------------------------------------------------------------------

UNIVERSE = 5150


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, httpx.Client]]:
    data = tmp_path_factory.mktemp("emulator-names") / "game.db"
    with (
        emulator_process(data, api_keys=[f"{API_KEY}=*"], universe_id=UNIVERSE) as handle,
        httpx.Client(headers={"x-api-key": API_KEY}, timeout=30) as client,
    ):
        yield handle.base_url, client
        assert handle.process.poll() is None, "the emulator died"


def no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.url, response.status_code, response.text)


@fuzz(400)
@given(store=hostile, scope=hostile, key=hostile)
def test_emulator_v1_query_names_never_5xx(
    emulator: tuple[str, httpx.Client], store: str, scope: str, key: str
) -> None:
    count("emulator_v1")
    base, client = emulator
    url = f"{base}/datastores/v1/universes/{UNIVERSE}/standard-datastores/datastore/entries/entry"
    params = {"datastoreName": store, "entryKey": key, "scope": scope}
    put = client.post(url, params=params, content=b'{"ok":1}')
    no_server_error(put)
    got = client.get(url, params=params)
    no_server_error(got)
    if put.status_code == 200:  # accepted: stored under exactly that name
        assert got.status_code == 200 and got.json() == {"ok": 1}
    else:
        assert put.status_code == 400, put.text


@fuzz(400)
@given(store=hostile, scope=hostile, key=hostile, raw=st.booleans())
def test_emulator_v2_path_segments_never_5xx(
    emulator: tuple[str, httpx.Client], store: str, scope: str, key: str, raw: bool
) -> None:
    count("emulator_v2")
    base, client = emulator

    def seg(name: str) -> str:
        return (
            name
            if raw and "/" not in name and "?" not in name and "#" not in name
            else quote(name, safe="")
        )

    root = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores/{seg(store)}"
    entry = f"{root}/scopes/{seg(scope)}/entries/{seg(key)}"
    try:
        responses = [
            client.get(entry),
            client.patch(entry, params={"allowMissing": "true"}, json={"value": 1}),
            client.get(f"{root}/entries", params={"filter": key}),
            client.post(f"{entry}:increment", json={"amount": 1}),
        ]
    except httpx.InvalidURL:
        return  # httpx refuses to send it at all: nothing reached the emulator
    for response in responses:
        no_server_error(response)
