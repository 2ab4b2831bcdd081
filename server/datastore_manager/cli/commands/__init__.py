"""One module per command group; each exposes ``COMMANDS`` (registered in ``cli/main.py``)."""
