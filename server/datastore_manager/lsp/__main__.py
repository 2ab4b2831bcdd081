"""``python -m datastore_manager.lsp``: the language server over stdio without the CLI's imports."""

from .boot import serve_stdio

serve_stdio()
