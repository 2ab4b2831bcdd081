"""Shared pytest set-up for the whole suite (kept minimal: folders own their fixtures)."""
