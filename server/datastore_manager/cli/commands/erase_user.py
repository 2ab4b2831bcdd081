"""``dsm erase-user USER_ID [--dry-run] [--from-webhook FILE]``: right-to-erasure requests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from rich.console import Console

from ...model import DataStoreError
from ...services import erasure, guard
from ...services.roles import Role, find_config, load_workspace_config
from ..context import common_options, run, state
from ..output import emit, table
from ..safety import safety

WEBHOOK_SECRET_ENV = "DSM_WEBHOOK_SECRET"


@click.command("erase-user")
@click.argument("user_id", required=False)
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option(
    "--from-webhook",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read the user id from Roblox's right-to-erasure webhook message (JSON). Its "
    f"signature is checked when ${WEBHOOK_SECRET_ENV} holds the webhook secret.",
)
@common_options
def erase_user(user_id: str | None, dry_run: bool, from_webhook: Path | None) -> None:
    """Find every entry keyed by or tagged with USER_ID, show it, and delete it on
    confirmation (--yes, or answer the prompt). Needs the admin role; each delete is audited."""
    cli = state()
    request = _request(user_id, from_webhook)
    settings = erasure.ErasureSettings.from_config(load_workspace_config(find_config()))
    options = safety()
    if not options.reason:  # the audit log says why these deletes happened
        options.reason = f"right to erasure: user {request.user_id}"

    async def find() -> list[erasure.Found]:
        async with cli.open_backend() as backend:
            if not dry_run:  # refuse before scanning a whole universe for nothing
                guard.require_role(guard.session_of(backend), Role.ADMIN, "erase-user")
            return await erasure.find_user_data(backend, request.user_id, settings)

    found = run(find())
    document: dict[str, object] = {
        "userId": request.user_id,
        "gameIds": list(request.game_ids),
        "found": [f.to_dict() for f in found],
        "dryRun": dry_run,
    }
    if not cli.json_output:
        _show(found, request.user_id)
    if dry_run or not found:
        if cli.json_output:
            emit(True, document)
        return
    if not options.yes:
        if cli.json_output or not click.confirm(f"Delete these {len(found)} entries?"):
            raise click.UsageError("Not confirmed: nothing was deleted (pass --yes to confirm).")
        options.yes = True

    async def delete() -> list[tuple[erasure.Found, DataStoreError | None]]:
        async with cli.open_backend() as backend:
            return await erasure.erase(backend, found)

    results = run(delete())
    failures = [(f, e) for f, e in results if e is not None]
    document["deleted"] = [f.to_dict() for f, e in results if e is None]
    document["failed"] = [f.to_dict() | {"error": e.to_dict()} for f, e in failures]

    def render(console: Console) -> None:
        console.print(f"Deleted {len(results) - len(failures)} of {len(results)} entries.")
        for item, error in failures:
            console.print(
                f"  not deleted {item.store}/{item.scope}/{item.key}: {error.message}", markup=False
            )

    emit(cli.json_output, document, render)
    if failures:
        click.get_current_context().exit(1)


def _request(user_id: str | None, webhook: Path | None) -> erasure.ErasureRequest:
    if (user_id is None) == (webhook is None):
        raise click.UsageError("Give either USER_ID or --from-webhook FILE.")
    if webhook is None:
        assert user_id is not None
        return erasure.ErasureRequest(erasure.check_user_id(user_id))
    try:
        payload = json.loads(webhook.read_text("utf-8"))
    except ValueError as error:
        raise click.UsageError(f"{webhook} is not JSON: {error}") from None
    return erasure.parse_webhook(payload, secret=os.environ.get(WEBHOOK_SECRET_ENV) or None)


def _show(found: list[erasure.Found], user_id: int) -> None:
    rows = [(f.store, f.scope, f.key, "ordered" if f.ordered else "", f.why) for f in found]
    Console(soft_wrap=True).print(
        table(
            f"User {user_id}: {len(rows)} entries", ["Store", "Scope", "Key", "", "Matched"], rows
        )
    )


COMMANDS: list[click.Command] = [erase_user]
