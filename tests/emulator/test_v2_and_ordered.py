"""Raw HTTP against v2 standard data stores and v1 ordered data stores."""

from __future__ import annotations

import time

import httpx

from datastore_manager.model import format_time, utc_now

from .conftest import UNIVERSE, Urls


def test_v2_create_get_update_delete_cycle(client: httpx.Client, urls: Urls, store: str):
    entries = f"{urls.v2}/{store}/scopes/global/entries"
    created = client.post(
        entries,
        params={"id": "player-1"},
        json={"value": {"gold": 1}, "users": ["users/7"], "attributes": {"a": 1}},
    )
    assert created.status_code == 200
    body = created.json()
    assert (
        body["path"] == f"universes/{UNIVERSE}/data-stores/{store}/scopes/global/entries/player-1"
    )
    assert body["id"] == "player-1" and body["state"] == "ACTIVE"
    assert body["users"] == ["users/7"] and body["attributes"] == {"a": 1}
    assert body["etag"] == body["revisionId"]

    again = client.post(entries, params={"id": "player-1"}, json={"value": 2})
    assert again.status_code == 400 and again.json()["code"] == "INVALID_ARGUMENT"

    got = client.get(f"{entries}/player-1").json()
    assert got["value"] == {"gold": 1} and got["revisionId"] == body["revisionId"]

    stale = client.patch(f"{entries}/player-1", json={"value": 3, "etag": "not-the-etag"})
    assert stale.status_code == 409 and stale.json()["code"] == "ABORTED"
    updated = client.patch(f"{entries}/player-1", json={"value": 3, "etag": body["etag"]})
    assert updated.status_code == 200
    assert updated.json()["users"] == [] and updated.json()["attributes"] == {}  # cleared

    at_first = client.get(f"{entries}/player-1@{body['revisionId']}").json()
    assert at_first["value"] == {"gold": 1}
    assert client.get(f"{entries}/player-1@latest").json()["value"] == 3
    now = format_time(utc_now())
    assert client.get(f"{entries}/player-1@latest:{now}").json()["value"] == 3
    future = client.get(f"{entries}/player-1@latest:2999-01-01T00:00:00Z")
    assert future.status_code == 400

    deleted = client.delete(f"{entries}/player-1")
    assert deleted.status_code == 200
    missing = client.get(f"{entries}/player-1")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    assert client.delete(f"{entries}/never").status_code == 404

    revisions = client.get(f"{entries}/player-1:listRevisions").json()["dataStoreEntries"]
    assert [r["state"] for r in revisions] == ["ACTIVE", "ACTIVE", "DELETED"]
    assert revisions[0]["id"] == f"player-1@{body['revisionId']}"


def test_v2_patch_requires_existing_entry_unless_allow_missing(
    client: httpx.Client, urls: Urls, store: str
):
    entry = f"{urls.v2}/{store}/entries/new-one"
    missing = client.patch(entry, json={"value": 1})
    assert missing.status_code == 404 and "allowMissing" in missing.json()["message"]
    made = client.patch(entry, params={"allowMissing": "true"}, json={"value": 1})
    assert made.status_code == 200 and made.json()["value"] == 1


def test_v2_increment_and_listing(client: httpx.Client, urls: Urls, store: str):
    entries = f"{urls.v2}/{store}/entries"
    assert client.post(f"{entries}/n:increment", json={"amount": 4}).json()["value"] == 4
    assert client.post(f"{entries}/n:increment", json={"amount": 2}).json()["value"] == 6
    assert client.post(f"{entries}/n:increment", json={"amount": 0.5}).status_code == 400
    client.post(entries, params={"id": "other"}, json={"value": "x"})
    listed = client.get(entries, params={"filter": 'id.startsWith("n")'}).json()
    assert listed == {
        "dataStoreEntries": [
            {"path": f"universes/{UNIVERSE}/data-stores/{store}/entries/n", "id": "n"}
        ],
        "nextPageToken": "",
    }
    client.post(f"{urls.v2}/{store}/scopes/side/entries", params={"id": "s"}, json={"value": 1})
    everything = client.get(f"{urls.v2}/{store}/scopes/-/entries").json()["dataStoreEntries"]
    assert [e["id"] for e in everything] == ["global/n", "global/other", "side/s"]
    bad = client.get(entries, params={"filter": "id == 'n'"})
    assert bad.status_code == 400 and "startsWith" in bad.json()["message"]


def test_v2_delete_and_undelete_data_store(client: httpx.Client, urls: Urls, store: str):
    client.post(f"{urls.v2}/{store}/entries", params={"id": "k"}, json={"value": 1})
    deleted = client.delete(f"{urls.v2}/{store}")
    assert deleted.status_code == 200
    assert deleted.json()["state"] == "DELETED" and "expireTime" in deleted.json()
    listed = client.get(urls.v2, params={"filter": f'id.startsWith("{store}")'}).json()
    assert listed["dataStores"] == []
    shown = client.get(
        urls.v2, params={"filter": f'id.startsWith("{store}")', "showDeleted": "true"}
    ).json()
    assert [s["state"] for s in shown["dataStores"]] == ["DELETED"]
    restored = client.post(f"{urls.v2}/{store}:undelete", json={})
    assert restored.status_code == 200 and restored.json()["state"] == "ACTIVE"
    assert client.get(f"{urls.v2}/{store}/entries/k").json()["value"] == 1


def test_v2_snapshot_once_per_utc_day(client: httpx.Client, urls: Urls):
    first = client.post(f"{urls.v2}:snapshot", json={})
    assert first.status_code == 200
    second = client.post(f"{urls.v2}:snapshot", json={}).json()
    assert second["newSnapshotTaken"] is False
    assert second["latestSnapshotTime"] == first.json()["latestSnapshotTime"]


def test_ordered_v1_full_cycle(client: httpx.Client, urls: Urls, store: str):
    entries = f"{urls.ordered}/{store}/scopes/global/entries"
    for name, value in [("a", 10), ("b", 30), ("c", 20)]:
        made = client.post(entries, params={"id": name}, json={"value": value})
        assert made.status_code == 200
    assert made.json() == {
        "path": f"universes/{UNIVERSE}/orderedDataStores/{store}/scopes/global/entries/c",
        "id": "c",
        "value": 20,
    }
    assert client.post(entries, params={"id": "a"}, json={"value": 1}).status_code == 400
    listed = client.get(entries, params={"order_by": "desc"}).json()
    assert [e["id"] for e in listed["entries"]] == ["b", "c", "a"]
    ranged = client.get(entries, params={"filter": "entry >= 15 && entry <= 30"}).json()
    assert [e["value"] for e in ranged["entries"]] == [20, 30]
    assert client.get(entries, params={"filter": "entry<=3"}).status_code == 400
    page = client.get(entries, params={"max_page_size": "2"}).json()
    assert len(page["entries"]) == 2 and page["nextPageToken"]
    rest = client.get(entries, params={"max_page_size": "2", "page_token": page["nextPageToken"]})
    assert [e["id"] for e in rest.json()["entries"]] == ["b"]

    assert client.post(f"{entries}/a:increment", json={"amount": 5}).json()["value"] == 15
    assert client.patch(f"{entries}/zz", json={"value": 1}).status_code == 404
    made = client.patch(f"{entries}/zz", params={"allow_missing": "true"}, json={"value": 1})
    assert made.status_code == 200 and made.json()["value"] == 1
    assert client.patch(f"{entries}/a", json={"value": 2**63}).status_code == 400
    assert client.get(f"{entries}/a").json()["value"] == 15
    assert client.delete(f"{entries}/a").status_code == 200
    assert client.delete(f"{entries}/a").status_code == 200  # OV1: "or didn't exist"
    missing = client.get(f"{entries}/a")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


def test_unknown_path_is_gateway_404(client: httpx.Client, urls: Urls):
    got = client.get(f"{urls.base}/cloud/v2/universes/{UNIVERSE}/nothing-here")
    assert got.status_code == 404 and got.json() == {"errors": [{"code": 0, "message": "NotFound"}]}


def test_other_universe_is_refused(client: httpx.Client, urls: Urls):
    got = client.get(f"{urls.base}/cloud/v2/universes/1/data-stores")
    assert got.status_code == 403 and str(UNIVERSE) in got.json()["message"]


def test_entry_ids_with_encoded_slash_stay_one_segment(
    client: httpx.Client, urls: Urls, store: str
):
    entries = f"{urls.v2}/{store}/entries"
    made = client.post(entries, params={"id": "a/b"}, json={"value": time.time()})
    assert made.status_code == 200
    assert client.get(f"{entries}/a%2Fb").status_code == 200
