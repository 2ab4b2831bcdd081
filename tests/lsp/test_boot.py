"""The fast start: ``initialize`` is answered from ``initialize_result.json`` before pygls has
loaded, so that file must equal what pygls computes from the registered features."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

from datastore_manager.lsp import boot
from datastore_manager.lsp.server import build, initialize_result


def test_initialize_result_file_matches_pygls() -> None:
    computed = initialize_result(build())
    stored = json.loads(boot.RESULT_FILE.read_text(encoding="utf-8"))
    if os.environ.get("DSM_REGENERATE") == "1":
        boot.RESULT_FILE.write_text(json.dumps(computed, indent=2, sort_keys=True) + "\n")
        stored = computed
    assert stored == computed, "regenerate: DSM_REGENERATE=1 pytest tests/lsp/test_boot.py"


def test_replay_yields_the_consumed_message_then_the_stream() -> None:
    first = boot.frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
    second = boot.frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    stream = io.BytesIO(first + second)
    raw, message = boot.read_message(stream)
    assert raw == first and message is not None and message["method"] == "initialize"
    replay = boot.Replay(raw, stream)
    assert boot.read_message(replay) == (first, json.loads(first.split(b"\r\n\r\n")[1]))
    assert boot.read_message(replay)[1] == {"jsonrpc": "2.0", "method": "initialized", "params": {}}
    assert boot.read_message(replay) == (b"", None)


def test_drop_answer_drops_only_the_answered_request() -> None:
    out = io.BytesIO()
    writer = boot.DropAnswer(out, 1, {"capabilities": {}})
    writer.write(boot.frame({"jsonrpc": "2.0", "id": 1, "result": {"capabilities": {}}}))
    later = boot.frame({"jsonrpc": "2.0", "id": 1, "result": None})
    writer.write(later)
    assert out.getvalue() == later and not writer.pending


def test_dsm_serve_answers_initialize_before_pygls_is_loaded() -> None:
    """The answer comes from the file while the import thread is still busy: the process
    answers, and what it answers is the stored result."""
    process = subprocess.Popen(
        [sys.executable, "-m", "datastore_manager.lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    started = time.perf_counter()
    message = {"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": {"capabilities": {}}}
    process.stdin.write(boot.frame(message))
    process.stdin.flush()
    _, answer = boot.read_message(process.stdout)
    elapsed = time.perf_counter() - started
    shutdown = {"jsonrpc": "2.0", "id": 8, "method": "shutdown", "params": None}
    process.stdin.write(boot.frame(shutdown))
    process.stdin.write(boot.frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
    process.stdin.flush()
    _, after = boot.read_message(process.stdout)
    assert process.wait(60) == 0
    assert answer == {
        "jsonrpc": "2.0",
        "id": 7,
        "result": json.loads(boot.RESULT_FILE.read_text(encoding="utf-8")),
    }
    assert after == {"jsonrpc": "2.0", "id": 8, "result": None}  # pygls's own answer dropped
    print(f"initialize answered after {elapsed:.3f} s")


def test_dsm_serve_skips_the_cli_imports() -> None:
    """``dsm serve`` (the console script and ``-m datastore_manager.cli.main``) reaches
    lsp.boot before click or the CLI's modules are imported; a bad ``--tcp`` still gets
    click's usage error."""
    dsm = os.path.join(os.path.dirname(sys.executable), "dsm")
    for command in ([dsm, "serve"], [sys.executable, "-m", "datastore_manager.cli.main", "serve"]):
        env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        assert process.stdin is not None and process.stdout is not None
        message = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"capabilities": {}},
        }
        process.stdin.write(boot.frame(message))
        process.stdin.write(boot.frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        process.stdin.write(boot.frame({"jsonrpc": "2.0", "method": "exit"}))
        process.stdin.flush()
        _, answer = boot.read_message(process.stdout)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err[-2000:]
        assert answer is not None and answer["result"]["serverInfo"]["name"] == "dsm"
        # -X importtime lines, in order; the server's own imports (httpx brings click) follow
        imported = [line.split("|")[-1].strip() for line in err.decode().splitlines()]
        before_boot = set(imported[: imported.index("datastore_manager.lsp.boot")])
        assert "datastore_manager.cli" in before_boot
        assert not {"click", "rich", "datastore_manager.cli.context"} & before_boot, command
    bad = subprocess.run(
        [dsm, "serve", "--tcp", "nonsense"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode != 0 and "HOST:PORT" in bad.stderr
