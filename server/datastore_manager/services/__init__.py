"""The product's knowledge, shared by the CLI and the language server.

Front ends call these modules; they never call a backend's write methods themselves.
"""
