"""Which local store serves a universe.

``--data FILE`` serves the one universe recorded in that file. ``--data DIR`` (an existing
folder) serves any universe id, each from its own ``DIR/universe-<id>.db`` created on first use —
handy to test a tool across several games, and to give every test an empty universe from one
emulator process.
"""

from __future__ import annotations

from pathlib import Path

from ..backends.base import DataStoreBackend


class UniverseStores:
    def __init__(self, data: Path, universe_id: int | None = None) -> None:
        self._data = data
        self._universe_id = universe_id
        self._open: dict[int, DataStoreBackend] = {}
        #: The only universe served in single-file mode; None when serving a folder.
        self.fixed_universe: int | None = None

    @property
    def serves_folder(self) -> bool:
        return self._data.is_dir()

    def start(self) -> None:
        if self.serves_folder:
            return
        from ..backends.local import LocalBackend

        # A new file records the given universe id; an explicit id also wins over an existing
        # file's own, so a copied store can be served as another game.
        backend = LocalBackend(self._data, universe_id=self._universe_id)
        self.fixed_universe = self._universe_id or backend.universe_id
        self._open[self.fixed_universe] = backend

    def backend_for(self, universe: int) -> DataStoreBackend | None:
        """The universe's store, or None when this emulator does not serve that universe."""
        backend = self._open.get(universe)
        if backend is None and self.serves_folder:
            from ..backends.local import LocalBackend

            path = self._data / f"universe-{universe}.db"
            backend = self._open[universe] = LocalBackend(path, universe_id=universe)
        return backend

    async def close(self) -> None:
        for backend in self._open.values():
            await backend.close()
        self._open.clear()
