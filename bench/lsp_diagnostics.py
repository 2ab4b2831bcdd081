"""Pull diagnostics: ``dsm serve`` against VS Code's JSON language server, side by side.

Both servers get the same ``json.schemas``-shaped mapping (the demo ProfileService schema,
``schemas/demo/player-data.schema.json``) and the same generated player saves (~8 KB, ~1.5 MB,
~6 MB; each with the same four schema errors), over stdio with ``textDocument/diagnostic``.
Each size runs on a fresh server process. Printed per server and size: process start →
``initialize`` answered (``init s``), process start → the first real answer (``1st s``: the
diagnostics of a small document, after ``initialized``), open → diagnostics (each run opens a
distinct text) and edit → diagnostics (min / median of --runs),
error count, peak RSS (VmHWM); then one JSON line with everything.

The peer is npm ``vscode-langservers-extracted``, installed on first use into ``bench/.peer/``
(git-ignored), or by hand::

    npm install --prefix bench/.peer --no-audit --no-fund vscode-langservers-extracted@4

Run: ``.venv/bin/python bench/lsp_diagnostics.py [--runs 5] [--sizes 8k,1.5m,6m]``
(``DSM_BENCH_COMMAND`` overrides how our server is started, e.g. under a profiler).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEER_DIR = ROOT / "bench" / ".peer"
PEER_BIN = PEER_DIR / "node_modules" / ".bin" / "vscode-json-language-server"
PEER_PACKAGE = "vscode-langservers-extracted@4"
SCHEMA = ROOT / "schemas" / "demo" / "player-data.schema.json"
SIZES = {"8k": 8_000, "1.5m": 1_500_000, "6m": 6_000_000}
EXPECTED_ERRORS = 4


# ---- a minimal LSP client over stdio -------------------------------------------------------


class Client:
    def __init__(self, command: list[str], cwd: Path) -> None:
        self.command, self.cwd = command, cwd
        self.next_id = 0
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> float:
        """Spawn, initialize; seconds from spawn to the ``initialize`` answer."""
        started = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.cwd,
            limit=2**26,
        )
        self.reader = asyncio.ensure_future(self._read())
        return started

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        while True:
            length = 0
            while True:
                line = await stdout.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(await stdout.readexactly(length))
            if "id" in message and "method" in message:  # a request to the client
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [None for _ in message["params"]["items"]]
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            elif "id" in message and message["id"] in self.waiting:
                future = self.waiting.pop(message["id"])
                if "error" in message:
                    future.set_exception(RuntimeError(str(message["error"])))
                else:
                    future.set_result(message.get("result"))

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return await asyncio.wait_for(future, 600)

    def peak_rss_mb(self) -> float:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def stop(self) -> None:
        assert self.process is not None
        try:
            await asyncio.wait_for(self.request("shutdown", None), 30)
            self.notify("exit", None)
            await asyncio.wait_for(self.process.wait(), 10)
        except (TimeoutError, RuntimeError, ConnectionError):
            self.process.kill()
            await self.process.wait()
        self.reader.cancel()


CAPABILITIES: dict[str, Any] = {
    "textDocument": {
        "diagnostic": {"dynamicRegistration": False},
        "synchronization": {"didSave": True},
    },
    "workspace": {"configuration": True, "diagnostics": {"refreshSupport": False}},
}


@dataclass
class Server:
    name: str
    command: list[str]
    initialization_options: dict[str, Any]
    settings: dict[str, Any] | None
    start_s: list[float] = field(default_factory=list)


def servers(mapping: list[dict[str, Any]]) -> list[Server]:
    dsm = shutil.which("dsm", path=str(Path(sys.executable).parent)) or "dsm"
    command = os.environ.get("DSM_BENCH_COMMAND", f"{dsm} serve").split()
    return [
        Server("dsm", command, {"schemas": mapping}, None),
        Server(
            "vscode-json",
            [str(PEER_BIN), "--stdio"],
            {"handledSchemaProtocols": ["file"], "provideFormatter": False},
            {"json": {"schemas": mapping, "validate": {"enable": True}}},
        ),
    ]


# ---- documents ---------------------------------------------------------------------------


CATEGORIES = ["Weapon", "Armor", "Potion", "Pet", "Trail", "Emote", "Tool", "Skin"]
NAMES = ["Sword", "Bow", "Shield", "Dragon", "Phoenix", "Spark", "Glow", "Dance", "Axe", "Cape"]


def player_save(target_bytes: int, seed: int = 5) -> tuple[str, tuple[int, int]]:
    """A ProfileService save of about ``target_bytes`` (2-space JSON) with four schema errors:
    negative Coins, Level as a string, a volume above 1, an item Count of 0 (near the end).
    Returns the text and the (line, character) of the Coins value, where edits happen."""
    rng = random.Random(seed)
    per_item = 58  # bytes of one pretty-printed inventory item
    items = max(4, (target_bytes - 1200) // per_item)
    inventory = [
        {"Id": f"{rng.choice(CATEGORIES)}_{rng.choice(NAMES)}", "Count": rng.randint(1, 99)}
        for _ in range(items)
    ]
    inventory[-2]["Count"] = 0
    value = {
        "Data": {
            "Coins": -5,
            "Gems": 120,
            "Level": "ten",
            "Experience": 4410,
            "Inventory": inventory,
            "Quests": {"Completed": [f"Quest_{i}" for i in range(40)]},
            "Settings": {"MusicVolume": 1.5, "SfxVolume": 0.8},
            "Stats": {"PlayTime": 86400, "Kills": 120, "Deaths": 40},
        },
        "MetaData": {
            "ProfileCreateTime": 1700000000,
            "SessionLoadCount": 42,
            "LastUpdate": 1700100000,
            "MetaTags": {"Version": 3},
        },
        "RobloxMetaData": {"Tier": "Gold"},
        "UserIds": [1234567],
        "GlobalUpdates": [1, [[1, 1, False, {"Type": "Gift", "Coins": 100}]]],
    }
    text = json.dumps(value, indent=2) + "\n"
    line = text.splitlines().index('    "Coins": -5,')
    return text, (line, len('    "Coins": '))


# ---- measuring ---------------------------------------------------------------------------


def error_count(report: Any) -> int:
    """Schema and syntax problems. The peer reports schema problems as warnings and has no
    other checks; ours also warns about Roblox round-trip values and entry size (not counted)."""
    items = report.get("items", []) if isinstance(report, dict) else []
    return sum(1 for d in items if d.get("source") != "dsm" or d.get("code") in _COUNTED)


_COUNTED = ("schema", "json-syntax")


async def pull(client: Client, uri: str) -> tuple[float, Any]:
    started = time.perf_counter()
    report = await client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    return time.perf_counter() - started, report


async def measure(
    server: Server, workspace: Path, size: str, text: str, coins: tuple[int, int], runs: int
) -> dict[str, Any]:
    client = Client(server.command, workspace)
    started = await client.start()
    await client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": workspace.as_uri(),
            "capabilities": CAPABILITIES,
            "initializationOptions": server.initialization_options,
            "workspaceFolders": [{"uri": workspace.as_uri(), "name": "bench"}],
        },
    )
    start_s = time.perf_counter() - started
    client.notify("initialized", {})
    if server.settings is not None:
        client.notify("workspace/didChangeConfiguration", {"settings": server.settings})
    # Warm-up: a small document, so the first timed run does not include loading.
    warm = (workspace / "warm.player.json").as_uri()
    small, _ = player_save(2_000)
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": warm, "languageId": "json", "version": 1, "text": small}},
    )
    await pull(client, warm)
    ready_s = time.perf_counter() - started

    uri = (workspace / f"save-{size}.player.json").as_uri()
    opens, errors = [], set()
    for run in range(runs):
        # A different text each time (Gems 121, 122, …; same length and errors), so no run is
        # answered from what a previous open of the same text computed.
        distinct = text.replace('"Gems": 120,', f'"Gems": {121 + run % 800},', 1)
        t0 = time.perf_counter()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": distinct}},
        )
        _, report = await pull(client, uri)
        opens.append(time.perf_counter() - t0)
        errors.add(error_count(report))
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}},
    )
    await pull(client, uri)
    edits = []
    line, character = coins
    for run in range(runs):
        digit = str(6 + run % 3)  # -5 → -6 / -7 / -8: still one error there
        t0 = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": run + 2},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": character + 1},
                            "end": {"line": line, "character": character + 2},
                        },
                        "text": digit,
                    }
                ],
            },
        )
        _, report = await pull(client, uri)
        edits.append(time.perf_counter() - t0)
        errors.add(error_count(report))
    rss = client.peak_rss_mb()
    await client.stop()
    return {
        "server": server.name,
        "size": size,
        "bytes": len(text.encode()),
        "start_to_initialize_s": start_s,
        "start_to_first_diagnostics_s": ready_s,
        "open_min_s": min(opens),
        "open_median_s": statistics.median(opens),
        "edit_min_s": min(edits),
        "edit_median_s": statistics.median(edits),
        "errors": sorted(errors),
        "peak_rss_mb": rss,
    }


def ensure_peer() -> None:
    if PEER_BIN.exists():
        return
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(PEER_DIR), "--no-audit", "--no-fund", PEER_PACKAGE],
        check=True,
    )


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'size':>5} {'server':<12} {'init s':>7} {'1st s':>7} {'open min':>9} "
        f"{'open med':>9} {'edit min':>9} {'edit med':>9} {'errors':>7} {'RSS MB':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['size']:>5} {r['server']:<12} {r['start_to_initialize_s']:>7.3f} "
            f"{r['start_to_first_diagnostics_s']:>7.3f} {r['open_min_s']:>9.3f} "
            f"{r['open_median_s']:>9.3f} {r['edit_min_s']:>9.3f} {r['edit_median_s']:>9.3f} "
            f"{','.join(map(str, r['errors'])):>7} {r['peak_rss_mb']:>7.0f}"
        )
    return "\n".join(lines)


def ratios(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for size in {r["size"] for r in rows}:
        ours = next(r for r in rows if r["size"] == size and r["server"] == "dsm")
        peer = next((r for r in rows if r["size"] == size and r["server"] != "dsm"), None)
        if peer is None:
            continue
        out[size] = {
            key: ours[key] / peer[key]
            for key in ("open_min_s", "open_median_s", "edit_min_s", "edit_median_s")
        }
    return out


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="8k,1.5m,6m")
    parser.add_argument("--only", choices=["dsm", "vscode-json"])
    args = parser.parse_args()
    ensure_peer()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dsm-bench-") as tmp:
        workspace = Path(tmp)
        mapping = [{"fileMatch": ["**/*.player.json"], "url": SCHEMA.as_uri()}]
        for size in args.sizes.split(","):
            text, coins = player_save(SIZES[size])
            for server in servers(mapping):
                if args.only and server.name != args.only:
                    continue
                row = await measure(server, workspace, size, text, coins, args.runs)
                rows.append(row)
                print(table([row]).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(rows))
    same = all(r["errors"] == [EXPECTED_ERRORS] for r in rows)
    print(f"both servers found the same {EXPECTED_ERRORS} errors: {same}")
    print(json.dumps({"runs": args.runs, "rows": rows, "ratios": ratios(rows), "same": same}))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
