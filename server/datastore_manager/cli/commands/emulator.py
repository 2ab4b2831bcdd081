"""``dsm emulator``: the Open Cloud emulator (defined in :mod:`datastore_manager.emulator`)."""

from __future__ import annotations

import click

from ...emulator.command import emulator_command

COMMANDS: list[click.Command] = [emulator_command]
