"""Reading ``Content-Length`` frames and checking the JSON-RPC envelope, robustly.

pygls's own loop (``pygls.io_.run_async``) trusts its input: an oversized ``Content-Length``
reaches ``stdin.read()`` (OverflowError: the server exits), an unparsable body or a message
without ``method`` is only logged, so the client never hears of it. This module — standard
library only, so :mod:`.boot` can use it before pygls is imported — replaces that loop:

* a header block is the lines up to a blank line; it must carry one ``Content-Length: <n>``,
  ``<n>`` a decimal number of at most :data:`MAX_CONTENT_LENGTH` bytes (other headers are ignored);
  a bad block is answered with a Parse error (-32700, id null) and skipped, and reading goes
  on at the next header block;
* a body that is not JSON gets a Parse error (-32700, id null); a JSON value that is not a
  JSON-RPC 2.0 message gets an Invalid Request (-32600) with its id when it has a usable one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

if TYPE_CHECKING:  # asyncio is not imported here: boot.py reads the first frame before it is
    from concurrent.futures import Executor
    from threading import Event

MAX_CONTENT_LENGTH = 1 << 30  # 1 GiB: far above any entry (Roblox's limit is 4 MB)
MAX_HEADER_LINE = 8192  # a longer "line" is read in pieces, each one a bad header line

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


class Headers:
    """One header block, fed line by line."""

    def __init__(self) -> None:
        self.length: int | None = None
        self.error: str | None = None
        self.lines = 0

    def feed(self, line: bytes) -> bool:
        """Take one line; True when it ended the block (then ``length`` or ``error`` is set)."""
        if line.endswith(b"\n") and not line.strip():
            if self.lines == 0:
                return False  # blank lines between frames
            if self.length is None and self.error is None:
                self.error = "a header block without a Content-Length header"
            return True
        self.lines += 1
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() == b"content-length" and self.error is None:
            # Exactly "Content-Length: 12" (one optional space): "  12" or "12 " is refused,
            # not read as a length the client may not have meant (its body would swallow
            # the next frame).
            number = value.rstrip(b"\r\n")
            number = number[1:] if number.startswith(b" ") else number
            if not number.isdigit() or not number.isascii():
                shown = number[:40].decode("ascii", "replace")
                self.error = f"Content-Length must be a number of bytes, got {shown!r}"
            elif len(number) > 12 or int(number) > MAX_CONTENT_LENGTH:
                shown = number[:40].decode("ascii")
                self.error = f"Content-Length {shown} exceeds the {MAX_CONTENT_LENGTH}-byte limit"
            else:
                self.length = int(number)
        return False


def read_frame(stream: Any) -> tuple[bytes, bytes | None, str | None, bool]:
    """One frame from a blocking stream: (raw bytes read, body, header error, at end of input).

    ``body`` is None when the header block was bad (``error`` says why) or input ended."""
    raw = b""
    headers = Headers()
    while True:
        line = stream.readline(MAX_HEADER_LINE)
        raw += line
        if not line:
            return raw, None, None, True
        if headers.feed(line):
            break
    if headers.length is None:
        return raw, None, headers.error, False
    body: bytes = stream.read(headers.length)
    raw += body
    if len(body) < headers.length:
        return raw, None, None, True
    return raw, body, None, False


def envelope_problem(message: Any) -> tuple[Any, int, str] | None:
    """(id to answer, code, why) when a parsed body is not a JSON-RPC 2.0 message, else None."""
    if not isinstance(message, dict):
        kind = "an array (batches are not used by LSP)" if isinstance(message, list) else "not"
        return None, INVALID_REQUEST, f"Invalid Request: a JSON-RPC message is an object, {kind}."
    raw_id = message.get("id")
    usable = isinstance(raw_id, str) or (isinstance(raw_id, int) and not isinstance(raw_id, bool))
    answer_id = raw_id if usable else None
    if message.get("jsonrpc") != "2.0":
        return answer_id, INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0".'
    if "id" in message and not usable and raw_id is not None:
        return None, INVALID_REQUEST, 'Invalid Request: "id" must be a string or an integer.'
    if "method" in message:
        if not isinstance(message["method"], str):
            return answer_id, INVALID_REQUEST, 'Invalid Request: "method" must be a string.'
        return None
    if "id" in message and ("result" in message or "error" in message):
        return None  # a response to one of our requests
    return answer_id, INVALID_REQUEST, 'Invalid Request: a request needs a "method".'


class MessageSink(Protocol):
    """What the loop hands frames to (``DsmProtocol``)."""

    def handle_body(self, body: bytes) -> None: ...

    def reject(self, answer_id: Any, code: int, message: str) -> None: ...


class ExecutorReader:
    """Blocking ``readline`` / ``read`` of a binary stream, run on an executor."""

    def __init__(self, stream: BinaryIO, executor: Executor | None = None) -> None:
        self.stream = stream
        self.executor = executor

    def _run(self, call: Callable[..., bytes], *args: Any) -> Awaitable[bytes]:
        import asyncio

        return asyncio.get_running_loop().run_in_executor(self.executor, call, *args)

    def readline(self) -> Awaitable[bytes]:
        return self._run(self.stream.readline, MAX_HEADER_LINE)

    def readexactly(self, size: int) -> Awaitable[bytes]:
        return self._run(self.stream.read, size)


async def run_async(stop_event: Event, reader: ExecutorReader, sink: MessageSink) -> None:
    """The message loop: frames from ``reader`` to ``sink`` until input ends or ``stop_event``."""
    import logging  # not at import time (boot.py), as for asyncio

    logger = logging.getLogger(__name__)
    while not stop_event.is_set():
        headers = Headers()
        while True:
            line = await reader.readline()
            if not line:
                return
            if headers.feed(line):
                break
        if headers.length is None:
            logger.warning("Skipped a bad frame: %s", headers.error)
            sink.reject(None, PARSE_ERROR, f"Parse error: {headers.error}.")
            continue
        body = await reader.readexactly(headers.length)
        if len(body) < headers.length:
            return  # input ended inside the body
        sink.handle_body(body)
