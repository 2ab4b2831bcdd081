"""A local Roblox Open Cloud data-store server over the local engine (``dsm emulator``).

It speaks Roblox's paths, headers, bodies, status codes and error bodies for v1 standard,
v1 ordered and v2 data stores, with API-key scopes, rate limits and injected faults, so that
clients (ours and users' own scripts) can be tested offline. Imports only backends and model.
"""

from .app import EmulatorApp, EmulatorSettings

__all__ = ["EmulatorApp", "EmulatorSettings"]
