"""Run the emulator under uvicorn: bind, print the base URL, stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TextIO

import uvicorn

from .app import EmulatorApp, EmulatorSettings, InjectedReset
from .universes import UniverseStores


class _QuietInjectedResets(logging.Filter):
    """Deliberate connection drops are not server errors; keep them out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InjectedReset)


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self._announce()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A requested stop is a clean exit (code 0): do not let uvicorn re-raise the signal.
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def serve(
    data: Path,
    settings: EmulatorSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    out: TextIO = sys.stdout,
    access_log: bool = False,
) -> int:
    """Serve until SIGTERM/SIGINT; returns the process exit code."""
    app = EmulatorApp(UniverseStores(data, settings.universe_id), settings)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    bound_host, bound_port = sock.getsockname()[:2]
    shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    base_url = f"http://{shown_host}:{bound_port}"

    def announce() -> None:
        print(base_url, file=out, flush=True)

    config = uvicorn.Config(
        app,
        lifespan="on",
        http="httptools" if _has_httptools() else "h11",
        loop="asyncio",
        log_level="warning",
        access_log=access_log,
        timeout_keep_alive=30,
        # SIGTERM stops within seconds even if a client keeps requests or connections open
        timeout_graceful_shutdown=5,
        server_header=False,
    )
    logging.getLogger("uvicorn.error").addFilter(_QuietInjectedResets())
    server = _AnnouncingServer(config, announce)
    asyncio.run(server.serve(sockets=[sock]))
    return 0 if server.started else 1


def _has_httptools() -> bool:
    try:
        import httptools  # noqa: F401
    except ImportError:
        return False
    return True
