"""DataStore Manager: work on Roblox DataStores as if they were files."""

__version__ = "0.1.0"
