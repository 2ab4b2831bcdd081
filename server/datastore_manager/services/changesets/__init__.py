"""Changesets: entries pulled into files, reviewed in git, planned, applied (docs/changesets.md).

``layout`` owns the directory format (file names, the ``.dsm/changeset.json`` sidecar), ``pull``
writes files from a target, ``plan`` compares them with the target (read-only) and ``apply``
writes the planned changes through ``services/entries.py`` after backing up what they replace.
"""
