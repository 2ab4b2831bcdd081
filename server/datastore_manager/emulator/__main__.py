"""``python -m datastore_manager.emulator``: the same command as ``dsm emulator``."""

from .command import emulator_command

if __name__ == "__main__":
    emulator_command(prog_name="python -m datastore_manager.emulator")
