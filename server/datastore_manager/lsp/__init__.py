"""The language server ``dsm serve``: wiring of the services onto LSP (pygls 2).

Nothing outside this package imports it except its entry points: the ``serve`` CLI command
and ``python -m datastore_manager.lsp`` (both start in :mod:`.boot`).
"""
