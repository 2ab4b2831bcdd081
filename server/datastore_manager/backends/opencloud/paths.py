"""URL paths of the three Open Cloud API families (FACTS §2–6). Every segment is percent-encoded
on its own so names holding ``/``, ``@`` or spaces stay one segment."""

from __future__ import annotations

from urllib.parse import quote

DEFAULT_BASE_URL = "https://apis.roblox.com"


def _seg(text: str) -> str:
    return quote(text, safe="")


def v1_standard(universe: int, suffix: str = "") -> str:
    return f"/datastores/v1/universes/{universe}/standard-datastores{suffix}"


def v1_entry(universe: int, suffix: str = "") -> str:
    return v1_standard(universe, f"/datastore/entries/entry{suffix}")


def v1_ordered_entries(universe: int, store: str, scope: str, entry: str | None = None) -> str:
    base = (
        f"/ordered-data-stores/v1/universes/{universe}/orderedDataStores/{_seg(store)}"
        f"/scopes/{_seg(scope)}/entries"
    )
    return base if entry is None else f"{base}/{_seg(entry)}"


def v2_data_stores(universe: int, suffix: str = "") -> str:
    return f"/cloud/v2/universes/{universe}/data-stores{suffix}"


def v2_data_store(universe: int, store: str, suffix: str = "") -> str:
    return v2_data_stores(universe, f"/{_seg(store)}{suffix}")


def v2_entries(universe: int, store: str, scope: str) -> str:
    """``scope`` may be ``-``, the wildcard for every scope (OA List Entries)."""
    return v2_data_store(universe, store, f"/scopes/{_seg(scope)}/entries")


def v2_entry(universe: int, store: str, scope: str, entry_id: str) -> str:
    """``entry_id`` may carry a revision selector (``key@latest:<time>``); '@' stays literal."""
    return f"{v2_entries(universe, store, scope)}/{quote(entry_id, safe='@:')}"


def v2_ordered_entry(universe: int, store: str, scope: str, entry: str) -> str:
    return (
        f"/cloud/v2/universes/{universe}/ordered-data-stores/{_seg(store)}"
        f"/scopes/{_seg(scope)}/entries/{_seg(entry)}"
    )


def cel_string(text: str) -> str:
    """A CEL string literal for ``id.startsWith(...)`` filters."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
