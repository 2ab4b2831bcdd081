"""Reusable test helpers that start real processes (see each module's docstring)."""
