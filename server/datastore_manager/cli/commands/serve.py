"""``dsm serve``: the language server over stdio (or TCP for debugging)."""

from __future__ import annotations

import click


def _address(value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise click.BadParameter(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:2087.")
    return host, int(port)


@click.command("serve")
@click.option("--tcp", metavar="HOST:PORT", help="Listen on TCP instead of stdio (debugging).")
def serve(tcp: str | None) -> None:
    """Run the DataStore language server (LSP over stdio) for editors."""
    address = _address(tcp)
    if address is None:
        from ...lsp.boot import serve_stdio  # answers initialize while pygls imports

        serve_stdio()
        return
    from ...lsp.server import run  # imported only here: the CLI stays fast to start

    run(address)


COMMANDS = [serve]
