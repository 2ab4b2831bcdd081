"""Fuzzing the real ``dsm serve`` over stdio (hypothesis): malformed JSON-RPC frames, random
JSON documents and schemas through didOpen/didChange + pull diagnostics, and invalid
``dataStore/*`` / command params with hostile names and URIs.

One server serves the whole module. After every generated input the server must still answer
a request (no crash, no hang), and every bad request must get an error response. If the server
dies, the test that killed it fails and the next test starts a new one (counted in the report).

Framing note: a byte stream that is not a frame has no request id to answer, so "bad input gets
an error response" is checked where JSON-RPC defines one (a parsed message). After garbage the
driver sends a blank line, as any LSP client's next ``Content-Length`` header would follow a
line break; a garbage line without a line break would swallow the next header in every
``Content-Length``-framed server.
"""

from __future__ import annotations

import io
import json
import string
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datastore_manager.backends.local import LocalEngine
from datastore_manager.lsp import framing, validation
from datastore_manager.model import InvalidArgument

from .conftest import report
from .lsp_driver import StdioServer, frame

ANSWER_TIMEOUT = 30.0
FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def fuzz(examples: int) -> settings:
    """The suite's settings with ``examples`` generated inputs (deterministic: derandomized)."""
    return settings(FUZZ, max_examples=examples)


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["Data"],
    "properties": {
        "Data": {
            "type": "object",
            "properties": {"Coins": {"type": "integer", "minimum": 0}},
        }
    },
}


class Harness:
    """The module's one server; restarted (and counted) only when it died."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.starts = 0
        self.examples: dict[str, int] = {}
        self.server = self._start()

    def _start(self) -> StdioServer:
        self.starts += 1
        server = StdioServer(self.root, stderr=open(self.root / "stderr.txt", "ab"))  # noqa: SIM115
        answer = server.initialize({"formatting": {"tabSize": 2}})
        assert "result" in answer, answer
        return server

    def ensure_alive(self) -> bool:
        if self.server.alive:
            return True
        self.server = self._start()
        return False

    def ping(self) -> None:
        """The server still answers a request."""
        answer = self.server.request("dataStore/listConnections", {}, timeout=ANSWER_TIMEOUT)
        assert "result" in answer and answer["result"]["connections"], answer

    def count(self, test: str) -> None:
        self.examples[test] = self.examples.get(test, 0) + 1


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    root = tmp_path_factory.mktemp("fuzz-workspace")
    with closing(LocalEngine(root / "game.db")) as engine:
        for n in range(5):
            engine.set_entry("PlayerData", f"Player_{n}", {"Data": {"Coins": n}})
        engine.put_ordered("Leaderboard", "Player_1", 10, mode="create")
    (root / "schemas").mkdir()
    (root / "schemas" / "player.schema.json").write_text(json.dumps(SCHEMA))
    (root / "fixtures").mkdir()
    config = {
        "connections": {"local": {"target": "local:game.db"}},
        "schemas": [
            {
                "fileMatch": ["local/PlayerData/*/*", "fixtures/*.json"],
                "url": "./schemas/player.schema.json",
            }
        ],
    }
    (root / ".datastore-manager.json").write_text(json.dumps(config))
    harness = Harness(root)
    yield harness
    report(
        "fuzz.lsp",
        examples=harness.examples,
        total=sum(harness.examples.values()),
        server_starts=harness.starts,
    )
    harness.server.close()


@pytest.fixture(autouse=True)
def server_survives(harness: Harness) -> Iterator[None]:
    assert harness.ensure_alive(), "dsm serve had died in an earlier test (restarted now)"
    yield
    assert harness.server.alive, f"dsm serve died (exit code {harness.server.process.poll()})"


# ---- strategies -----------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60
) | st.sampled_from(
    [
        "",
        "/",
        "%",
        "%2F",
        "%25",
        ":",
        "..",
        "../../etc/passwd",
        "\x00",
        "\u202e",
        "a" * 51,
        "a" * 5000,
        "😀" * 20,
        "key.json",
        "?version=1",
        "#",
        " ",
        "\r\n",
    ]
)
hostile_uris = (
    st.builds(
        lambda conn, store, scope, key, tail: f"datastore://{conn}/{store}/{scope}/{key}{tail}",
        st.sampled_from(["local", "LOCAL", "", "nope", "a b", "%6Cocal", "local:80", "x" * 70]),
        hostile_text,
        hostile_text,
        hostile_text,
        st.sampled_from([".json", "", ".json?version=", ".json?version=%00", ".json?x=1", "/"]),
    )
    | hostile_text
    | st.sampled_from(["file:///etc/passwd", "datastore:", "datastore://", "http://x/y.json"])
)


def garbage_frame() -> st.SearchStrategy[bytes]:
    garbage = st.binary(max_size=300).filter(lambda data: b"content-length" not in data.lower())
    return garbage.map(lambda data: data + b"\r\n")


bad_headers = st.sampled_from(
    [b"abc", b"-1", b"", b"1e3", b"0x10", b"  12", b"12 ", b"\xff\xfe"]
).map(lambda value: b"Content-Length: " + value + b"\r\n\r\n{}\r\n")


def invalid_body_frame() -> st.SearchStrategy[bytes]:
    return st.binary(max_size=300).map(
        lambda body: b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


def truncated_frame() -> st.SearchStrategy[bytes]:
    def cut(message: Any, fraction: float) -> bytes:
        body = json.dumps(message).encode()
        keep = int(len(body) * fraction)
        return b"Content-Length: %d\r\n\r\n" % keep + body + b"\r\n"

    message = st.fixed_dictionaries(
        {"jsonrpc": st.just("2.0"), "id": st.integers(10**6, 10**7), "method": st.just("fuzz/x")}
    )
    return st.builds(cut, message, st.floats(0.0, 0.95))


odd_messages = st.one_of(
    json_values,  # numbers, arrays, strings, objects without method …
    st.fixed_dictionaries(
        {"jsonrpc": st.sampled_from(["2.0", "1.0", None, 2]), "method": st.integers() | st.none()}
    ),
    st.fixed_dictionaries(
        {
            "jsonrpc": st.just("2.0"),
            "method": st.text(max_size=20).map(lambda name: "fuzz/" + name),
            "params": json_values,
        }
    ),
)

# Unknown methods with a well-formed id must get MethodNotFound with that id.
unknown_requests = st.builds(
    lambda request_id, name, params: (
        request_id,
        {"jsonrpc": "2.0", "id": request_id, "method": "fuzz/" + name, "params": params},
    ),
    st.integers(10**8, 10**9) | st.text(string.ascii_letters, min_size=1, max_size=10),
    st.text(max_size=20),
    json_values,
)


# ---- malformed frames -----------------------------------------------------------------------


@fuzz(400)
@given(
    data=st.one_of(
        garbage_frame(),
        bad_headers,
        invalid_body_frame(),
        truncated_frame(),
        odd_messages.map(lambda message: frame(message) + b"\r\n"),
    )
)
def test_malformed_frames_never_crash_or_hang(harness: Harness, data: bytes) -> None:
    harness.count("malformed_frames")
    harness.server.send_raw(data)
    harness.server.send_raw(b"\r\n")
    harness.ping()


@fuzz(200)
@given(request=unknown_requests)
def test_unknown_methods_get_method_not_found(
    harness: Harness, request: tuple[Any, dict[str, Any]]
) -> None:
    harness.count("unknown_methods")
    request_id, message = request
    harness.server.send_raw(frame(message))
    answer = harness.server.wait_answer(request_id, ANSWER_TIMEOUT)
    assert answer is not None, f"no answer to {message}"
    assert answer["error"]["code"] == -32601


def test_huge_frames_are_answered(harness: Harness) -> None:
    """5 MB of invalid JSON, a 5 MB unknown request, a 6 MB document: all survived, answered."""
    harness.count("huge_frames")
    harness.server.send_raw(b"Content-Length: %d\r\n\r\n" % (5 << 20) + b"{" * (5 << 20))
    harness.ping()
    big_id = 424242
    harness.server.send_raw(
        frame({"jsonrpc": "2.0", "id": big_id, "method": "fuzz/big", "params": "x" * (5 << 20)})
    )
    answer = harness.server.wait_answer(big_id, ANSWER_TIMEOUT)
    assert answer is not None and answer["error"]["code"] == -32601
    uri = (harness.root / "fixtures" / "huge.json").as_uri()
    text = json.dumps({"Data": {"Coins": -1}, "Blob": ["z" * 100] * 60_000})
    harness.server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}},
    )
    pulled = harness.server.request(
        "textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=120
    )
    codes = {item.get("code") for item in pulled["result"]["items"]}
    assert "schema" in codes, pulled["result"]["items"]
    harness.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    harness.ping()


# ---- documents and schemas ------------------------------------------------------------------


def mutate(text: str, cut: float, insert: str) -> str:
    """Break a JSON text somewhere (truncate and splice in random characters)."""
    at = int(len(text) * cut)
    return text[:at] + insert + text[at + len(insert) :]


documents = st.one_of(
    json_values.map(json.dumps),
    json_values.map(lambda value: json.dumps({"Data": value})),
    st.builds(mutate, json_values.map(json.dumps), st.floats(0, 1), st.text(max_size=5)),
    st.text(max_size=200),
    st.sampled_from(['"\\uD800"', '{"Data": {"Coins": "\\udfff"}}', '["\\uDBFF\\u0041"]']),
)


def pull(harness: Harness, uri: str) -> list[dict[str, Any]]:
    answer = harness.server.request(
        "textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=ANSWER_TIMEOUT
    )
    assert "result" in answer, answer
    items: list[dict[str, Any]] = answer["result"]["items"]
    return items


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def is_json(text: str) -> bool:
    """Strict JSON (RFC 8259): Python's json also takes NaN and Infinity; JSON does not."""
    try:
        json.loads(text, parse_constant=_no_constants)
    except ValueError:
        return False
    return True


def check_diagnostics(text: str, items: list[dict[str, Any]]) -> None:
    lines = text.split("\n")
    for item in items:
        start, end = item["range"]["start"], item["range"]["end"]
        assert (start["line"], start["character"]) <= (end["line"], end["character"]), item
        assert end["line"] <= len(lines), item
    has_syntax_error = any(item.get("code") == "json-syntax" for item in items)
    assert has_syntax_error == (not is_json(text) and text.strip() != "") or (
        not text.strip() and items
    ), (text, items)


@fuzz(300)
@given(first=documents, second=documents)
def test_random_documents_get_diagnostics(harness: Harness, first: str, second: str) -> None:
    harness.count("documents")
    uri = (harness.root / "fixtures" / "doc.json").as_uri()
    server = harness.server
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": first}},
    )
    check_diagnostics(first, pull(harness, uri))
    server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": second}]},
    )
    check_diagnostics(second, pull(harness, uri))
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    server.notifications()  # drop pushed diagnostics


schema_keywords = st.fixed_dictionaries(
    {},
    optional={
        "$schema": st.sampled_from(
            [
                "https://json-schema.org/draft/2020-12/schema",
                "http://json-schema.org/draft-07/schema#",
                "nonsense",
            ]
        ),
        "type": st.sampled_from(["object", "integer", "string", "nope", 5])
        | st.lists(st.sampled_from(["object", "null", "array"])),
        "required": st.lists(st.text(max_size=8), max_size=3) | json_scalars,
        "minimum": json_scalars,
        "pattern": st.text(max_size=12) | st.sampled_from(["(a+)+$", "[", "\\", "(?<=a)b"]),
        "enum": st.lists(json_values, max_size=3) | json_scalars,
        "$ref": st.sampled_from(["#/$defs/x", "#/nowhere", "other.json", "#", "file:///nope"]),
        "$defs": st.dictionaries(st.sampled_from(["x", "y"]), json_values, max_size=2),
        "properties": st.dictionaries(st.text(max_size=8), json_values, max_size=3) | json_scalars,
        "additionalProperties": st.booleans() | json_values,
        "items": json_values,
        "maxLength": st.integers(-5, 10**20) | json_scalars,
    },
)
schemas_text = st.one_of(
    schema_keywords.map(json.dumps),
    json_values.map(json.dumps),
    st.builds(mutate, schema_keywords.map(json.dumps), st.floats(0, 1), st.text(max_size=3)),
)


@fuzz(150)
@given(schema=schemas_text, instance=json_values)
def test_random_schemas_never_break_validation(
    harness: Harness, schema: str, instance: Any
) -> None:
    harness.count("schemas")
    server = harness.server
    schema_uri = (harness.root / "schemas" / "player.schema.json").as_uri()
    doc_uri = (harness.root / "fixtures" / "instance.json").as_uri()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": schema_uri, "languageId": "json", "version": 1, "text": schema}},
    )
    pull(harness, schema_uri)  # the schema against its metaschema
    server.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": doc_uri,
                "languageId": "json",
                "version": 1,
                "text": json.dumps(instance),
            }
        },
    )
    pull(harness, doc_uri)  # the instance against the (edited, possibly broken) schema
    server.notify("textDocument/didClose", {"textDocument": {"uri": doc_uri}})
    server.notify("textDocument/didClose", {"textDocument": {"uri": schema_uri}})
    server.notifications()


# ---- invalid custom-request params ---------------------------------------------------------

METHODS = [
    "dataStore/listConnections",
    "dataStore/listStores",
    "dataStore/listScopes",
    "dataStore/listKeys",
    "dataStore/read",
    "dataStore/write",
    "dataStore/delete",
    "dataStore/listVersions",
    "dataStore/updateMetadata",
    "dataStore/orderedList",
    "dataStore/orderedGet",
    "dataStore/orderedSet",
    "dataStore/orderedIncrement",
    "dataStore/readDirectory",
    "dataStore/stat",
    "dataStore/auditLog",
]
COMMANDS = [
    "dataStore.snapshot",
    "dataStore.rollback",
    "dataStore.compareVersions",
    "dataStore.validateStore",
    "dataStore.inferSchema",
    "dataStore.schemaDocs",
    "dataStore.search",
]
PARAM_NAMES = [
    "uri",
    "connection",
    "store",
    "scope",
    "prefix",
    "cursor",
    "limit",
    "kind",
    "content",
    "expectedVersion",
    "attributes",
    "userIds",
    "overrideSessionLock",
    "descending",
    "startTime",
    "endTime",
    "minValue",
    "maxValue",
    "value",
    "mode",
    "amount",
    "includeDeleted",
    "version",
    "otherVersion",
    "schema",
    "sampleSize",
    "maxFailures",
    "allScopes",
    "key",
    "since",
]
hostile_values = st.one_of(
    json_values,
    hostile_uris,
    hostile_text,
    st.sampled_from(["local", "PlayerData", "global", "Player_1", -1, 0, 2**63, 10**30, 1e308]),
)
param_objects = st.one_of(
    st.dictionaries(st.sampled_from(PARAM_NAMES), hostile_values, max_size=6),
    st.fixed_dictionaries({"uri": hostile_uris}),
    st.fixed_dictionaries(
        {"connection": st.sampled_from(["local", "nope", ""]) | hostile_text},
        optional={name: hostile_values for name in ("store", "scope", "limit", "cursor")},
    ),
)
non_objects = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=10), st.lists(json_values)
)


def check_answer(answer: dict[str, Any], params: Any) -> None:
    assert ("result" in answer) != ("error" in answer), answer
    if "error" in answer:
        error = answer["error"]
        assert isinstance(error["code"], int) and isinstance(error["message"], str), answer
        assert error["code"] != -32603, f"an internal error for {params!r}: {answer}"
        if "data" in error and error["code"] >= 1000:
            assert error["data"]["error"] != "InternalError", (params, answer)


@fuzz(800)
@given(method=st.sampled_from(METHODS), params=param_objects)
def test_invalid_datastore_params_get_error_responses(
    harness: Harness, method: str, params: dict[str, Any]
) -> None:
    harness.count("datastore_params")
    answer = harness.server.request(method, params, timeout=ANSWER_TIMEOUT)
    check_answer(answer, params)


#: Every param optional: absent (null) params are a valid request, not an error.
ALL_PARAMS_OPTIONAL = {"dataStore/listConnections", "dataStore/auditLog"}


@fuzz(100)
@given(
    method=st.sampled_from([m for m in METHODS if m not in ALL_PARAMS_OPTIONAL]), params=non_objects
)
def test_non_object_params_are_invalid_argument(harness: Harness, method: str, params: Any) -> None:
    harness.count("non_object_params")
    answer = harness.server.request(method, params, timeout=ANSWER_TIMEOUT)
    assert answer.get("error", {}).get("code") in (1001, -32602), answer


@fuzz(200)
@given(
    command=st.sampled_from(COMMANDS),
    arguments=st.one_of(
        param_objects.map(lambda params: [params]),
        st.lists(hostile_values, max_size=3),
    ),
)
def test_invalid_command_arguments_get_error_responses(
    harness: Harness, command: str, arguments: Any
) -> None:
    harness.count("command_arguments")
    answer = harness.server.request(
        "workspace/executeCommand", {"command": command, "arguments": arguments}, timeout=120
    )
    check_answer(answer, arguments)


STANDARD_REQUESTS = [
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/documentSymbol",
    "textDocument/foldingRange",
    "textDocument/selectionRange",
    "textDocument/formatting",
    "textDocument/diagnostic",
    "workspace/executeCommand",
]


@fuzz(150)
@given(
    method=st.sampled_from(STANDARD_REQUESTS),
    params=json_values
    | st.fixed_dictionaries(
        {"textDocument": st.fixed_dictionaries({"uri": hostile_uris}) | json_values},
        optional={"position": json_values, "command": json_values, "arguments": json_values},
    ),
)
def test_standard_requests_with_random_params_are_answered(
    harness: Harness, method: str, params: Any
) -> None:
    """Params pygls cannot structure get Invalid params (-32602) with the request's id."""
    harness.count("standard_params")
    answer = harness.server.request(method, params, timeout=ANSWER_TIMEOUT)
    check_answer(answer, params)


# ---- in process: the frame reader, the envelope check and params validation ----------------
# Cheap (no server round trip), so many inputs: the same code the server runs on every frame.


def _frame_stream() -> st.SearchStrategy[list[bytes]]:
    valid = st.builds(
        lambda message: frame(message),
        st.fixed_dictionaries({"id": st.integers(), "x": json_values}),
    )
    # Not bad_headers' "  12" / "12 " (valid, leniently): a frame claiming more bytes than it
    # has swallows what follows in any Content-Length reader.
    refused = st.sampled_from([b"abc", b"-1", b"", b"1e3", b"0x10", b"\xff", b"9" * 20])
    chunk = st.one_of(
        garbage_frame(),
        refused.map(lambda value: b"Content-Length: " + value + b"\r\n\r\n{}\r\n"),
        invalid_body_frame(),
        truncated_frame(),
        valid,
        st.binary().filter(lambda data: b"content-length" not in data.lower()),
    )
    return st.lists(chunk, max_size=6)


@fuzz(1500)
@given(chunks=_frame_stream(), last=json_values)
def test_frame_reader_resynchronises(harness: Harness, chunks: list[bytes], last: Any) -> None:
    """framing.read_frame never raises on any byte stream, never reads past a bad header
    block, and a well-formed frame after a line break is always read intact."""
    harness.count("in_process_frames")
    body = json.dumps({"last": last}).encode()
    stream = io.BytesIO(b"".join(chunks) + b"\r\n" + frame({"last": last}))
    bodies: list[bytes] = []
    while True:
        raw, read, error, ended = framing.read_frame(stream)
        assert (read is None) or (error is None), (raw, error)
        if error is not None:
            assert error.startswith(("Content-Length", "a header block")), error
        if read is not None:
            bodies.append(read)
        if ended:
            break
    assert bodies and bodies[-1] == body, (chunks, bodies[-1:])


def _is_jsonrpc(message: Any) -> bool:
    """A JSON-RPC 2.0 request, notification or response (the oracle of the envelope check)."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return False
    raw_id = message.get("id")
    id_ok = raw_id is None or (isinstance(raw_id, str | int) and not isinstance(raw_id, bool))
    if "method" in message:
        return isinstance(message["method"], str) and id_ok
    return "id" in message and ("result" in message or "error" in message) and id_ok


@fuzz(2000)
@given(message=odd_messages | json_values | st.builds(dict, json_values.map(lambda v: [("id", v)])))
def test_envelope_check_in_process(harness: Harness, message: Any) -> None:
    """Exactly the JSON-RPC 2.0 requests, notifications and responses pass; anything else is an
    Invalid Request answered with the message's id when it has a usable one."""
    harness.count("in_process_envelopes")
    problem = framing.envelope_problem(message)
    is_message = _is_jsonrpc(message)
    assert (problem is None) == is_message, (message, problem)
    if problem is not None:
        answer_id, code, text = problem
        assert code == framing.INVALID_REQUEST and text.startswith("Invalid Request"), problem
        assert answer_id is None or answer_id == message.get("id"), (message, problem)


surrogate_text = st.text(alphabet=st.characters(codec=None), max_size=8)


@fuzz(3000)
@given(
    method=st.sampled_from(METHODS + COMMANDS),
    params=param_objects
    | st.dictionaries(st.sampled_from(PARAM_NAMES), surrogate_text, max_size=3),
)
def test_params_validation_in_process(harness: Harness, method: str, params: Any) -> None:
    """The dispatch-layer check against schemas/protocol raises InvalidArgument or nothing."""
    harness.count("in_process_params")
    check = validation.check_arguments if "." in method else validation.check_params
    try:
        check(method, params)
    except InvalidArgument as error:
        assert error.message.startswith(f"Invalid {method}"), error.message
    else:
        if "/" in method:
            schema = validation.validator(method.replace("/", ".") + ".params")
            assert schema is not None and schema.is_valid(params), (method, params)


# ---- fixed bugs (found by this suite): each input on its own short-lived server -------------


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[StdioServer]:
    server = StdioServer(tmp_path, stderr=open(tmp_path / "stderr.txt", "ab"))  # noqa: SIM115
    yield server
    server.close()


def test_oversized_content_length_does_not_kill_the_server(fresh: StdioServer) -> None:
    assert "result" in fresh.initialize()
    fresh.send_raw(b"Content-Length: 99999999999999999999\r\n\r\n{}\r\n")
    answer = fresh.request("dataStore/listConnections", {}, timeout=20)
    assert "result" in answer


def test_bad_content_length_before_initialize_does_not_kill_the_server(
    fresh: StdioServer,
) -> None:
    fresh.send_raw(b"Content-Length: abc\r\n\r\n")
    assert "result" in fresh.initialize()


def test_unparsable_body_gets_a_parse_error_response(fresh: StdioServer) -> None:
    assert "result" in fresh.initialize()
    fresh.send_raw(b"Content-Length: 5\r\n\r\n{abc}")
    answer = fresh.wait_answer(None, timeout=10)
    assert answer is not None and answer["error"]["code"] == -32700


def test_request_without_method_gets_invalid_request(fresh: StdioServer) -> None:
    assert "result" in fresh.initialize()
    fresh.send_raw(frame({"jsonrpc": "2.0", "id": 77}))
    answer = fresh.wait_answer(77, timeout=10)
    assert answer is not None and answer["error"]["code"] == -32600


def test_standard_request_with_invalid_params_gets_an_answer(fresh: StdioServer) -> None:
    assert "result" in fresh.initialize()
    answer = fresh.request("textDocument/hover", {"x": 1}, timeout=10)
    assert answer["error"]["code"] == -32602


def test_lone_surrogate_escape_gets_a_diagnostic(fresh: StdioServer) -> None:
    (fresh.root / "s.json").write_text(json.dumps({"type": "object", "required": ["Data"]}))
    config = {"schemas": [{"fileMatch": ["*.json"], "url": "./s.json"}]}
    (fresh.root / ".datastore-manager.json").write_text(json.dumps(config))
    assert "result" in fresh.initialize()
    uri = (fresh.root / "doc.json").as_uri()
    fresh.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": '"\\uD800"'}},
    )
    answer = fresh.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=30)
    assert "result" in answer, answer


def test_null_schema_document_does_not_break_diagnostics(fresh: StdioServer) -> None:
    (fresh.root / "schemas").mkdir()
    schema = fresh.root / "schemas" / "s.schema.json"
    schema.write_text("{}")
    config = {"schemas": [{"fileMatch": ["*.json"], "url": "./schemas/s.schema.json"}]}
    (fresh.root / ".datastore-manager.json").write_text(json.dumps(config))
    assert "result" in fresh.initialize()
    fresh.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": schema.as_uri(),
                "languageId": "json",
                "version": 1,
                "text": "null",
            }
        },
    )
    doc = (fresh.root / "doc.json").as_uri()
    fresh.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": doc, "languageId": "json", "version": 1, "text": "{}"}},
    )
    for uri in (schema.as_uri(), doc):
        answer = fresh.request(
            "textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=30
        )
        assert "result" in answer, answer


def test_execute_command_with_non_array_arguments_gets_an_answer(fresh: StdioServer) -> None:
    assert "result" in fresh.initialize()
    answer = fresh.request(
        "workspace/executeCommand", {"command": "dataStore.schemaDocs", "arguments": 5}, timeout=10
    )
    assert answer["error"]["code"] == -32602


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("dataStore.inferSchema", {"connection": "local", "store": "PlayerData", "sampleSize": ""}),
        (
            "dataStore.validateStore",
            {"connection": "local", "store": "PlayerData", "maxFailures": {}},
        ),
    ],
    ids=["inferSchema-sampleSize", "validateStore-maxFailures"],
)
def test_command_count_arguments_are_validated(
    harness: Harness, command: str, arguments: dict[str, Any]
) -> None:
    answer = harness.server.request(
        "workspace/executeCommand", {"command": command, "arguments": [arguments]}, timeout=60
    )
    assert answer.get("error", {}).get("code") == 1001, answer
