"""Entry point of ``dsm``: the global options, command registration and error → exit code.

To add a command group, write ``cli/commands/<name>.py`` exposing ``COMMANDS`` (a list of
click commands or groups, each decorated with :func:`~.context.common_options`) and add its
module name to :data:`COMMAND_MODULES` — one line.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from ..model import DataStoreError
from ..services.connections import TARGET_ENV_VAR
from .context import CliState
from .exit_codes import ExitCode, exit_code_for
from .output import error_document, print_json, report_error

#: Modules under ``cli/commands/``; each exposes ``COMMANDS: list[click.Command]``.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "stores",
    "keys",
    "entries",
    "ordered",
    "emulator",
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--target",
    envvar=TARGET_ENV_VAR,
    metavar="TARGET",
    help=f"Where the data lives: local:PATH (more kinds later). Default: ${TARGET_ENV_VAR}.",
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document per command.")
@click.version_option(package_name="datastore-manager", prog_name="dsm")
@click.pass_context
def cli(ctx: click.Context, target: str | None, json_output: bool) -> None:
    """Work on your Roblox game's DataStores from the terminal."""
    ctx.obj = CliState(target=target, json_output=json_output)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__package__}.commands.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dsm``; returns (and, as a console script, exits with) the documented exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with cli.make_context("dsm", list(args)) as ctx:  # click consumes the list
            cli.invoke(ctx)
    except click.exceptions.Exit as done:  # --help, --version
        return int(done.exit_code)
    except click.exceptions.Abort:
        report_error("Interrupted; nothing more was done.")
        return int(ExitCode.OTHER)
    except click.ClickException as error:
        return _fail(error, _click_message(error), args)
    except DataStoreError as error:
        return _fail(error, error.message, args)
    except OSError as error:
        return _fail(error, f"{error.strerror or error}: {error.filename or ''}".strip(), args)
    return int(ExitCode.OK)


def _click_message(error: click.ClickException) -> str:
    message = error.format_message()
    if isinstance(error, click.UsageError) and error.ctx is not None:
        message += f" (see `{error.ctx.command_path} --help`)"
    return message


def _fail(error: BaseException, message: str, args: Sequence[str]) -> int:
    code = exit_code_for(error)
    message = " ".join(message.split())  # always one line
    if "--json" in args:
        print_json(error_document(error, message, int(code)))
    report_error(message)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
