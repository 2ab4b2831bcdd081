"""A small synchronous JSON-RPC client for ``dsm serve`` over stdio, able to send any bytes.

pytest-lsp's client cannot send malformed frames, so the fuzz suites use this instead. A
reader thread splits the server's output into messages; requests the server sends to the
client (``workspace/configuration``, ``window/workDoneProgress/create``…) are answered with
``null`` so the server never waits on us.
"""

from __future__ import annotations

import itertools
import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

DSM_SERVE = [sys.executable, "-m", "datastore_manager.cli.main", "serve"]


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class ServerDied(AssertionError):
    pass


class StdioServer:
    def __init__(self, root: Path, *, stderr: IO[bytes] | None = None) -> None:
        self.root = root
        self.process = subprocess.Popen(
            DSM_SERVE,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
        )
        self._ids = itertools.count(1)
        self._answers: dict[Any, dict[str, Any]] = {}
        self._notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self._arrived = threading.Condition()
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="lsp-reader", daemon=True)
        self._reader.start()

    # ---- output ------------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self._arrived:
                        self._arrived.notify_all()
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            message = json.loads(stream.read(length))
            if "method" in message and "id" in message:  # a request to us: answer it
                self._write(frame({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            elif "method" in message:
                self._notifications.put(message)
            else:
                with self._arrived:
                    self._answers[message.get("id")] = message
                    self._arrived.notify_all()

    def notifications(self) -> list[dict[str, Any]]:
        drained = []
        while True:
            try:
                drained.append(self._notifications.get_nowait())
            except queue.Empty:
                return drained

    # ---- input -------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with self._write_lock:
            try:
                stdin.write(data)
                stdin.flush()
            except (BrokenPipeError, ValueError):
                raise ServerDied(f"dsm serve is gone (exit code {self.process.poll()})") from None

    def send_raw(self, data: bytes) -> None:
        self._write(data)

    def notify(self, method: str, params: Any) -> None:
        self._write(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def send_request(self, method: str, params: Any) -> int:
        request_id = next(self._ids)
        self._write(frame({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
        return request_id

    def wait_answer(self, request_id: Any, timeout: float) -> dict[str, Any] | None:
        """The response to ``request_id``, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while request_id not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive:
                    return None
                self._arrived.wait(min(left, 0.5))
            return self._answers.pop(request_id)

    def request(self, method: str, params: Any, timeout: float = 30.0) -> dict[str, Any]:
        """Send a request and return the whole response (``result`` or ``error``)."""
        request_id = self.send_request(method, params)
        answer = self.wait_answer(request_id, timeout)
        if answer is None:
            state = "alive" if self.alive else f"dead (exit {self.process.poll()})"
            raise AssertionError(f"no answer to {method} within {timeout} s; the server is {state}")
        return answer

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    # ---- life cycle --------------------------------------------------------------------

    def initialize(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        capabilities = {
            "textDocument": {"diagnostic": {}, "publishDiagnostics": {}},
            "window": {"workDoneProgress": True},
        }
        answer = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": self.root.as_uri(),
                "capabilities": capabilities,
                "initializationOptions": options or {},
            },
            timeout=60,
        )
        self.notify("initialized", {})
        return answer

    def close(self) -> int | None:
        """Shut down politely; kill if it does not exit. Returns the exit code."""
        if self.alive:
            try:
                self.request("shutdown", None, timeout=10)
                self.notify("exit", None)
                self.process.wait(timeout=10)
            except (AssertionError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        return self.process.returncode
