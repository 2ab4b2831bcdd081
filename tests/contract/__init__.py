"""The backend contract suite: written once against ``DataStoreBackend``, run on every backend."""
