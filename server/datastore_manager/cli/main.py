"""Entry point of ``dsm``: the global options, command registration and error → exit code.

To add a command group, write ``cli/commands/<name>.py`` exposing ``COMMANDS`` (a list of
click commands or groups, each decorated with :func:`~.context.common_options`) and add its
module name to :data:`COMMAND_MODULES` — one line.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any


def _serve_fast() -> None:
    """``dsm serve [--tcp HOST:PORT]`` goes straight to the language server, before click and
    the CLI's modules are imported (0.3 s an editor would wait for ``initialize``)."""
    args, program = sys.argv[1:], os.path.basename(sys.argv[0] if sys.argv else "")
    if __name__ != "__main__" and program not in ("dsm", "dsm.exe"):
        return
    tcp = args[2] if args[1:2] == ["--tcp"] and len(args) == 3 else None
    tcp = args[1][6:] if len(args) == 2 and args[1].startswith("--tcp=") else tcp
    host, _, port = (tcp or "").rpartition(":")
    if args[:1] != ["serve"] or (len(args) > 1 and not (host and port.isdigit())):
        return  # anything else (and a bad address) goes through click
    if tcp is None:
        from ..lsp.boot import serve_stdio

        serve_stdio()
    else:
        from ..lsp.server import run

        run((host, int(port)))
    raise SystemExit(0)


_serve_fast()

import click  # noqa: E402

from ..model import DataStoreError  # noqa: E402
from ..services.connections import TARGET_ENV_VAR  # noqa: E402
from .context import CliState  # noqa: E402
from .exit_codes import ExitCode, exit_code_for  # noqa: E402
from .output import error_document, print_json, report_error  # noqa: E402

#: Set to show the traceback of an unexpected error instead of one line.
DEBUG_ENV_VAR = "DSM_DEBUG"

#: Modules under ``cli/commands/``; each exposes ``COMMANDS: list[click.Command]``.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "stores",
    "keys",
    "entries",
    "ordered",
    "emulator",
    "serve",
    "audit",
    "erase_user",
    "backup",
    "restore",
    "export",
    "restore_as_of",
    "copy",
    "bulk",
    "migrate",
    "search",
    "doctor",
    "encryption_keys",
    "changesets",
    "opencloudtools",
)


#: Commands whose module is not named after them (the others live in ``commands/<name>.py``).
_MODULE_OF_COMMAND: dict[str, str] = {
    name: "entries" for name in ("get", "set", "delete", "versions", "rollback", "increment")
} | {name: "changesets" for name in ("pull", "plan", "apply")}


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs, so ``dsm get`` starts fast.
    A command lives in the module of its name (``restore-as-of`` → ``restore_as_of``) unless
    :data:`_MODULE_OF_COMMAND` says otherwise."""

    _loaded: set[str]

    def _load(self, module_name: str) -> None:
        if module_name in self._loaded or module_name not in COMMAND_MODULES:
            return
        self._loaded.add(module_name)
        module = importlib.import_module(f"{__package__}.commands.{module_name}")
        for command in module.COMMANDS:
            self.add_command(command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load(_MODULE_OF_COMMAND.get(cmd_name, cmd_name.replace("-", "_")))
        if cmd_name not in self.commands:  # a module may hold commands of other names
            for module_name in COMMAND_MODULES:
                self._load(module_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module_name in COMMAND_MODULES:
            self._load(module_name)
        return super().list_commands(ctx)


_LazyGroup._loaded = set()


def _export_env(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """Open Cloud options reach the backend through the environment (backends/opencloud/
    settings.py reads them), so no command needs to pass them along."""

    def export(_ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None:
            os.environ[name] = str(value)

    return export


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--target",
    envvar=TARGET_ENV_VAR,
    metavar="TARGET",
    help="Where the data lives: local:PATH, opencloud:UNIVERSE_ID or snapshot:FILE. "
    f"Default: ${TARGET_ENV_VAR}.",
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document per command.")
@click.option(
    "--base-url",
    envvar="DSM_BASE_URL",
    metavar="URL",
    expose_value=False,
    callback=_export_env("DSM_BASE_URL"),
    help="Open Cloud base URL (default Roblox's; e.g. the URL `dsm emulator` prints).",
)
@click.option(
    "--budget-share",
    envvar="DSM_BUDGET_SHARE",
    type=click.FloatRange(0, 1, min_open=True),
    expose_value=False,
    callback=_export_env("DSM_BUDGET_SHARE"),
    help="Share of Roblox's request budget bulk jobs may use (default 0.5).",
)
@click.version_option(package_name="datastore-manager", prog_name="dsm")
@click.pass_context
def cli(ctx: click.Context, target: str | None, json_output: bool) -> None:
    """Work on your Roblox game's DataStores from the terminal."""
    ctx.obj = CliState(target=target, json_output=json_output)


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
    except Exception as error:  # a bug or an unreadable store: still one line, exit 1
        if os.environ.get(DEBUG_ENV_VAR):
            raise
        message = f"{type(error).__name__}: {error} (set {DEBUG_ENV_VAR}=1 for a traceback)"
        return _fail(error, message, args)
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
