"""Fast start over stdio: answer ``initialize`` while pygls is still importing.

Importing pygls + lsprotocol costs 0.3–2 s (lsprotocol builds ~1,000 attrs classes at import).
Editors wait for the ``initialize`` answer before doing anything, so this module — which
imports only the standard library — starts that import on a thread, reads the first message
itself and answers ``initialize`` from ``initialize_result.json`` (the capabilities pygls would
compute; ``tests/lsp/test_boot.py`` keeps the file equal to them). Then it hands stdin to pygls,
replaying the ``initialize`` request so pygls sets up its workspace and runs our handler; pygls's
own answer to it is dropped. Requests that arrive meanwhile wait in the pipe.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

from . import framing

RESULT_FILE = Path(__file__).with_name("initialize_result.json")


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: Any) -> tuple[bytes, dict[str, Any] | None]:
    """One framed message: (the raw bytes read, the decoded body or None).

    None for anything but a JSON object (a bad header block, a body that is not JSON, end of
    input): the raw bytes are replayed to pygls, whose loop (:mod:`.framing`) answers them."""
    raw, body, _error, _ended = framing.read_frame(stream)
    if body is None:
        return raw, None
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        return raw, None
    return raw, message if isinstance(message, dict) else None


class Replay:
    """A binary reader that yields ``prefix`` first, then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream

    def readline(self, size: int = -1) -> bytes:
        if self._prefix:
            end = self._prefix.find(b"\n") + 1 or len(self._prefix)
            if size >= 0:
                end = min(end, size)
            line, self._prefix = self._prefix[:end], self._prefix[end:]
            if line.endswith(b"\n") or self._prefix or len(line) == size:
                return line
            return line + self._stream.readline(size - len(line) if size >= 0 else -1)
        return self._stream.readline(size)

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            chunk, self._prefix = self._prefix[:size], self._prefix[size:]
            if len(chunk) < size:
                chunk += self._stream.read(size - len(chunk))
            return chunk
        return self._stream.read(size)


class DropAnswer:
    """stdout for pygls, minus its answer to the request this module already answered."""

    def __init__(self, stream: BinaryIO, request_id: Any, sent: dict[str, Any]) -> None:
        self._stream = stream
        self._request_id = request_id
        self._sent = sent
        self.pending = request_id is not None

    def write(self, data: bytes) -> int:
        if self.pending and b'"result"' in data:
            _, _, body = data.partition(b"\r\n\r\n")
            message = json.loads(body)
            if message.get("id") == self._request_id and "method" not in message:
                self.pending = False
                if message.get("result") != self._sent:
                    sys.stderr.write(
                        "dsm serve: initialize_result.json differs from the capabilities pygls "
                        "computed; run tests/lsp/test_boot.py to regenerate it.\n"
                    )
                return len(data)
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()


def serve_stdio(stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    loaded: dict[str, Any] = {}

    def load() -> None:
        try:
            from . import server

            loaded["server"] = server.build()
        except BaseException as error:  # re-raised on the main thread
            loaded["error"] = error

    thread = threading.Thread(target=load, name="dsm-import", daemon=True)
    thread.start()
    raw, message = read_message(stdin)
    answered: Any = None
    result: dict[str, Any] = {}
    if message is not None and message.get("method") == "initialize" and "id" in message:
        answered = message["id"]
        result = json.loads(RESULT_FILE.read_text(encoding="utf-8"))
        stdout.write(frame({"jsonrpc": "2.0", "id": answered, "result": result}))
        stdout.flush()
    thread.join()
    if "error" in loaded:
        raise loaded["error"]
    writer = DropAnswer(stdout, answered, result)
    loaded["server"].start_io(stdin=Replay(raw, stdin), stdout=writer)
