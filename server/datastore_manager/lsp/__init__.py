"""The language server ``dsm serve``: wiring of the services onto LSP (pygls 2).

Nothing outside this package imports it except the ``serve`` CLI command.
"""
