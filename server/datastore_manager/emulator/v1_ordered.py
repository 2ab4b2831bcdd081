"""v1 ordered data stores: ``/ordered-data-stores/v1/universes/{u}/orderedDataStores/...``
(FACTS §4). Errors use the ``{code, message}`` body; a missing entry's DELETE answers 200."""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.responses import Response

from ..model import EntryNotFound, InvalidArgument, OrderedEntry
from ..model.validation import check_int64
from . import auth
from .context import Call
from .filters import ordered_descending, ordered_range
from .params import flag, json_object, optional_int, required
from .routing import Handler, Operation
from .wire import Api, json_response

BASE = "/ordered-data-stores/v1/universes/{universe}/orderedDataStores/{store}/scopes/{scope}"
ENTRIES = BASE + "/entries"
ENTRY = ENTRIES + "/{entry}"


def _entry_dict(call: Call, entry: OrderedEntry) -> dict[str, Any]:
    path = (
        f"universes/{call.universe}/orderedDataStores/{entry.store}/scopes/{entry.scope}"
        f"/entries/{entry.key}"
    )
    return {"path": path, "id": entry.key, "value": entry.value}


async def _number(call: Call, field: str) -> int:
    body = json_object(await call.request.body())
    if field not in body:
        raise InvalidArgument(f"The request body needs {field!r}, e.g. {{{field!r}: 10}}.")
    return check_int64(field, body[field])


async def list_entries(call: Call) -> Response:
    query = call.request.query_params
    low, high = ordered_range(query.get("filter"))
    page = await call.backend.list_ordered(
        call.params["store"],
        scope=call.params["scope"],
        descending=ordered_descending(query.get("order_by")),
        min_value=low,
        max_value=high,
        cursor=query.get("page_token") or None,
        limit=optional_int(query, "max_page_size"),
    )
    entries = [_entry_dict(call, e) for e in page.items]
    return json_response({"entries": entries, "nextPageToken": page.next_cursor or ""})


async def create_entry(call: Call) -> Response:
    key = required(call.request.query_params, "id")
    value = await _number(call, "value")
    call.charge_write(1, call.params["store"], call.params["scope"], key)
    entry = await call.backend.create_ordered(
        call.params["store"], key, value, scope=call.params["scope"]
    )
    return json_response(_entry_dict(call, entry))


async def get_entry(call: Call) -> Response:
    entry = await call.backend.get_ordered(
        call.params["store"], call.params["entry"], scope=call.params["scope"]
    )
    return json_response(_entry_dict(call, entry))


async def delete_entry(call: Call) -> Response:
    with contextlib.suppress(EntryNotFound):  # OV1: "successfully deleted or didn't exist"
        await call.backend.delete_ordered(
            call.params["store"], call.params["entry"], scope=call.params["scope"]
        )
    return json_response({})


async def update_entry(call: Call) -> Response:
    value = await _number(call, "value")
    call.charge_write(1, call.params["store"], call.params["scope"], call.params["entry"])
    entry = await call.backend.update_ordered(
        call.params["store"],
        call.params["entry"],
        value,
        scope=call.params["scope"],
        allow_missing=flag(call.request.query_params, "allow_missing"),
    )
    return json_response(_entry_dict(call, entry))


async def increment_entry(call: Call) -> Response:
    amount = await _number(call, "amount")
    call.charge_write(1, call.params["store"], call.params["scope"], call.params["entry"])
    entry = await call.backend.increment_ordered(
        call.params["store"], call.params["entry"], amount, scope=call.params["scope"]
    )
    return json_response(_entry_dict(call, entry))


def _op(name: str, method: str, path: str, handler: Handler, scope: str, budget: str) -> Operation:
    return Operation(
        name=f"ordered-v1.{name}",
        api=Api.ORDERED_V1,
        method=method,
        template=path,
        handler=handler,
        scopes=(scope,),
        category=budget,
    )


# ``:increment`` comes before the plain entry path so the suffix is not read as part of the id.
OPERATIONS = (
    _op("list_entries", "GET", ENTRIES, list_entries, auth.ORDERED_READ, "ordered.list"),
    _op("create_entry", "POST", ENTRIES, create_entry, auth.ORDERED_WRITE, "ordered.write"),
    _op("increment_entry", "POST", ENTRY + ":increment", increment_entry, auth.ORDERED_WRITE,
        "ordered.write"),
    _op("get_entry", "GET", ENTRY, get_entry, auth.ORDERED_READ, "ordered.read"),
    _op("delete_entry", "DELETE", ENTRY, delete_entry, auth.ORDERED_WRITE, "ordered.remove"),
    _op("update_entry", "PATCH", ENTRY, update_entry, auth.ORDERED_WRITE, "ordered.write"),
)  # fmt: skip
