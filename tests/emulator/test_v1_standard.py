"""Raw HTTP against v1 standard data stores: paths, headers, status codes, bodies."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx

from .conftest import Urls


def _md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def _entry_params(store: str, key: str, **extra: str) -> dict[str, str]:
    return {"datastoreName": store, "entryKey": key, **extra}


def test_set_then_get_returns_value_and_entry_headers(client: httpx.Client, urls: Urls, store: str):
    body = b'{"coins":750}'
    put = client.post(
        f"{urls.v1}/datastore/entries/entry",
        params=_entry_params(store, "player_1"),
        content=body,
        headers={
            "content-type": "application/json",
            "content-md5": _md5(body),
            "roblox-entry-attributes": '{"LockId":"abc"}',
            "roblox-entry-userids": "[269323]",
        },
    )
    assert put.status_code == 200
    assert put.headers["content-type"].startswith("text/json")
    version = put.json()
    assert set(version) == {
        "version",
        "deleted",
        "contentLength",
        "createdTime",
        "objectCreatedTime",
    }
    assert version["deleted"] is False and version["contentLength"] == len(body)

    got = client.get(f"{urls.v1}/datastore/entries/entry", params=_entry_params(store, "player_1"))
    assert got.status_code == 200
    assert got.json() == {"coins": 750}
    assert got.headers["content-md5"] == _md5(got.content)
    assert got.headers["roblox-entry-version"] == version["version"]
    assert got.headers["roblox-entry-created-time"] == version["objectCreatedTime"]
    assert got.headers["roblox-entry-version-created-time"] == version["createdTime"]
    assert json.loads(got.headers["roblox-entry-attributes"]) == {"LockId": "abc"}
    assert json.loads(got.headers["roblox-entry-userids"]) == [269323]


def test_set_without_metadata_headers_clears_them(client: httpx.Client, urls: Urls, store: str):
    url, params = f"{urls.v1}/datastore/entries/entry", _entry_params(store, "k")
    client.post(url, params=params, content=b"1", headers={"roblox-entry-userids": "[1]"})
    client.post(url, params=params, content=b"2")
    got = client.get(url, params=params)
    assert got.headers["roblox-entry-userids"] == "[]"
    assert got.headers["roblox-entry-attributes"] == "{}"


def test_mismatching_content_md5_is_400_and_writes_nothing(
    client: httpx.Client, urls: Urls, store: str
):
    url, params = f"{urls.v1}/datastore/entries/entry", _entry_params(store, "k")
    bad = client.post(url, params=params, content=b"750", headers={"content-md5": _md5(b"751")})
    assert bad.status_code == 400
    assert bad.json()["error"] == "INVALID_ARGUMENT"
    assert "content-md5" in bad.json()["message"]
    assert client.get(url, params=params).status_code == 404


def test_stale_match_version_is_412_with_current_entry_headers(
    client: httpx.Client, urls: Urls, store: str
):
    url, params = f"{urls.v1}/datastore/entries/entry", _entry_params(store, "k")
    first = client.post(url, params=params, content=b'"a"').json()["version"]
    second = client.post(url, params=params, content=b'"b"').json()["version"]
    stale = client.post(url, params={**params, "matchVersion": first}, content=b'"c"')
    assert stale.status_code == 412
    assert stale.headers["roblox-entry-version"] == second
    assert "roblox-entry-created-time" in stale.headers
    assert stale.json()["error"] == "FAILED_PRECONDITION"
    assert client.get(url, params=params).json() == "b"
    fresh = client.post(url, params={**params, "matchVersion": second}, content=b'"c"')
    assert fresh.status_code == 200


def test_exclusive_create_on_existing_entry_is_412(client: httpx.Client, urls: Urls, store: str):
    url, params = f"{urls.v1}/datastore/entries/entry", _entry_params(store, "k")
    assert client.post(url, params={**params, "exclusiveCreate": "true"}, content=b"1").is_success
    again = client.post(url, params={**params, "exclusiveCreate": "true"}, content=b"2")
    assert again.status_code == 412
    assert client.get(url, params=params).json() == 1


def test_missing_entry_is_404_with_v1_error_body(client: httpx.Client, urls: Urls, store: str):
    got = client.get(f"{urls.v1}/datastore/entries/entry", params=_entry_params(store, "nope"))
    assert got.status_code == 404
    body = got.json()
    assert body["error"] == "NOT_FOUND"
    assert body["errorDetails"] == [
        {"errorDetailType": "DatastoreErrorInfo", "datastoreErrorCode": "KeyNotFound"}
    ]


def test_delete_is_204_then_get_is_204_and_versions_keep_history(
    client: httpx.Client, urls: Urls, store: str
):
    url, params = f"{urls.v1}/datastore/entries/entry", _entry_params(store, "k")
    written = client.post(url, params=params, content=b'{"v":1}').json()["version"]
    deleted = client.delete(url, params=params)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(url, params=params).status_code == 204  # tombstone (FACTS §22.4)
    versions = client.get(f"{url}/versions", params=params)
    assert versions.status_code == 200
    listed = versions.json()
    assert [v["deleted"] for v in listed["versions"]] == [False, True]
    assert listed["nextPageCursor"] == ""
    old = client.get(f"{url}/versions/version", params={**params, "versionId": written})
    assert old.status_code == 200 and old.json() == {"v": 1}
    assert old.headers["roblox-entry-version"] == written
    descending = client.get(f"{url}/versions", params={**params, "sortOrder": "Descending"})
    assert [v["deleted"] for v in descending.json()["versions"]] == [True, False]


def test_increment_returns_new_value_and_headers(client: httpx.Client, urls: Urls, store: str):
    url, params = f"{urls.v1}/datastore/entries/entry/increment", _entry_params(store, "n")
    first = client.post(url, params={**params, "incrementBy": "5"})
    assert first.status_code == 200 and first.json() == 5
    second = client.post(
        url, params={**params, "incrementBy": "-2"}, headers={"roblox-entry-userids": "[7]"}
    )
    assert second.json() == 3
    assert second.headers["roblox-entry-userids"] == "[7]"
    assert second.headers["roblox-entry-version"] != first.headers["roblox-entry-version"]


def test_increment_of_non_integer_is_400(client: httpx.Client, urls: Urls, store: str):
    entry = f"{urls.v1}/datastore/entries/entry"
    client.post(entry, params=_entry_params(store, "t"), content=b'"text"')
    bad = client.post(f"{entry}/increment", params=_entry_params(store, "t"))
    assert bad.status_code == 400


def test_list_stores_and_keys_with_prefix_and_all_scopes(
    client: httpx.Client, urls: Urls, store: str
):
    url = f"{urls.v1}/datastore/entries/entry"
    for scope, key in [("global", "User_1"), ("global", "User_2"), ("special", "User_3")]:
        client.post(url, params=_entry_params(store, key, scope=scope), content=b"0")
    stores = client.get(urls.v1, params={"prefix": store})
    assert stores.status_code == 200
    assert [s["name"] for s in stores.json()["datastores"]] == [store]
    keys = client.get(f"{urls.v1}/datastore/entries", params={"datastoreName": store})
    assert keys.json()["keys"] == [
        {"scope": "global", "key": "User_1"},
        {"scope": "global", "key": "User_2"},
    ]
    every = client.get(
        f"{urls.v1}/datastore/entries", params={"datastoreName": store, "allScopes": "true"}
    )
    assert {(k["scope"], k["key"]) for k in every.json()["keys"]} == {
        ("global", "User_1"),
        ("global", "User_2"),
        ("special", "User_3"),
    }
    both = client.get(
        f"{urls.v1}/datastore/entries",
        params={"datastoreName": store, "allScopes": "true", "scope": "global"},
    )
    assert both.status_code == 400


def test_key_listing_pages_with_cursor(client: httpx.Client, urls: Urls, store: str):
    url = f"{urls.v1}/datastore/entries/entry"
    for index in range(5):
        client.post(url, params=_entry_params(store, f"k{index}"), content=b"0")
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        page = client.get(
            f"{urls.v1}/datastore/entries",
            params={"datastoreName": store, "limit": "2", "cursor": cursor},
        ).json()
        seen += [k["key"] for k in page["keys"]]
        cursor = page["nextPageCursor"]
        if not cursor:
            break
    assert seen == [f"k{i}" for i in range(5)]
    bad = client.get(
        f"{urls.v1}/datastore/entries", params={"datastoreName": store, "cursor": "garbage"}
    )
    assert bad.status_code == 400


def test_missing_required_parameter_names_it(client: httpx.Client, urls: Urls):
    got = client.get(f"{urls.v1}/datastore/entries/entry", params={"entryKey": "k"})
    assert got.status_code == 400
    assert "datastoreName" in got.json()["message"]
