"""Language-server memory: ``dsm serve`` RSS with 1, 10 and 50 open entries of 1 MB.

Run: ``.venv/bin/python bench/memory.py [--counts 1,10,50] [--size-mb 1]``. Prints a table and
one JSON line. For each count a fresh ``dsm serve`` is started over stdio in a scratch
workspace (a local store + a JSON Schema mapped to the documents), driven by a minimal JSON-RPC
client: ``initialize``, then ``didOpen`` of N distinct ~1 MB JSON documents, each followed by a
pull ``textDocument/diagnostic`` (so each is parsed and schema-validated, as in the editor). RSS
and peak RSS (VmRSS / VmHWM from /proc) are read after startup and after the last diagnostics.
Linux only (/proc). Not part of the test command.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["Data"],
    "properties": {
        "Data": {
            "type": "object",
            "properties": {
                "Coins": {"type": "integer", "minimum": 0},
                "Inventory": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def document(index: int, size: int) -> str:
    """A ProfileService-like save of about ``size`` bytes (an inventory of small objects)."""
    item = {"Id": "item-000000", "Count": 1, "Tags": ["rare", "bound"], "Level": 7}
    per_item = len(json.dumps(item)) + 2
    items = [dict(item, Id=f"item-{n:06d}", Count=n) for n in range(max(1, size // per_item))]
    return json.dumps({"Data": {"Coins": index, "Inventory": items}, "MetaData": {"N": index}})


class Driver:
    """Just enough JSON-RPC over stdio: requests with ids, notifications, server requests → null."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "datastore_manager.cli.main", "serve"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._ids = itertools.count(1)
        self._answers: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(stream.read(length))
            if "method" in message and "id" in message:
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "id" in message and "method" not in message:
                with self._cond:
                    self._answers[message["id"]] = message
                    self._cond.notify_all()

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        with self._lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 300) -> Any:
        request_id = next(self._ids)
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        with self._cond:
            if not self._cond.wait_for(lambda: request_id in self._answers, timeout):
                raise TimeoutError(f"no answer to {method} within {timeout} s")
            answer = self._answers.pop(request_id)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def memory_mb(self) -> tuple[float, float]:
        """(RSS, peak RSS) in MB."""
        fields: dict[str, float] = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
        return fields["VmRSS"], fields["VmHWM"]

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
            self.process.wait()


def measure(count: int, size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dsm-memory-") as scratch:
        root = Path(scratch)
        (root / "player.schema.json").write_text(json.dumps(SCHEMA))
        (root / "docs").mkdir()
        config = {"schemas": [{"fileMatch": ["docs/*.json"], "url": "./player.schema.json"}]}
        (root / ".datastore-manager.json").write_text(json.dumps(config))
        driver = Driver(root)
        try:
            driver.request(
                "initialize",
                {
                    "processId": None,
                    "rootUri": root.as_uri(),
                    "capabilities": {"textDocument": {"diagnostic": {}}},
                },
            )
            driver.notify("initialized", {})
            time.sleep(1.0)  # let start-up work settle
            idle_rss, _ = driver.memory_mb()
            started = time.perf_counter()
            total_bytes = 0
            for index in range(count):
                uri = (root / "docs" / f"save-{index}.json").as_uri()
                text = document(index, size)
                total_bytes += len(text)
                driver.notify(
                    "textDocument/didOpen",
                    {
                        "textDocument": {
                            "uri": uri,
                            "languageId": "json",
                            "version": 1,
                            "text": text,
                        }
                    },
                )
                report = driver.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
                assert report["kind"] == "full" and report["items"] == [], report
            seconds = time.perf_counter() - started
            time.sleep(0.5)
            rss, peak = driver.memory_mb()
        finally:
            driver.close()
    return {
        "documents": count,
        "document_mb": round(total_bytes / count / 2**20, 2),
        "idle_rss_mb": round(idle_rss, 1),
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(peak, 1),
        "rss_per_document_mb": round((rss - idle_rss) / count, 2),
        "open_and_validate_s": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--counts", default="1,10,50", help="open-document counts (default 1,10,50)"
    )
    parser.add_argument("--size-mb", type=float, default=1.0, help="document size (default 1 MB)")
    args = parser.parse_args()
    size = int(args.size_mb * 2**20)
    rows = [measure(int(count), size) for count in args.counts.split(",")]
    print(f"dsm serve memory with open {args.size_mb:g} MB documents (each validated once)")
    header = ("docs", "doc MB", "idle RSS", "RSS MB", "peak MB", "MB/doc", "open+diag s")
    print(
        f"{header[0]:>5} {header[1]:>7} {header[2]:>9} {header[3]:>8} {header[4]:>8} "
        f"{header[5]:>7} {header[6]:>12}"
    )
    for row in rows:
        print(
            f"{row['documents']:>5} {row['document_mb']:>7} {row['idle_rss_mb']:>9} "
            f"{row['rss_mb']:>8} {row['peak_rss_mb']:>8} {row['rss_per_document_mb']:>7} "
            f"{row['open_and_validate_s']:>12}"
        )
    print(json.dumps({"bench": "memory", "results": rows}))


if __name__ == "__main__":
    main()
