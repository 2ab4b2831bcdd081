"""The ``dsm`` command line: one face of the services (the language server is the other)."""
