"""Backend factories for the contract suite: every module here (but ``base``) exports ``FACTORY``.

Set ``DSM_CONTRACT_BACKENDS=local,opencloud`` to run the suite on some backends only.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

from .base import BackendFactory

SELECT_ENV = "DSM_CONTRACT_BACKENDS"


def load_factories() -> list[BackendFactory]:
    """Import every factory module; a broken one fails collection loudly rather than vanish."""
    factories: list[BackendFactory] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name == "base" or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        factory = getattr(module, "FACTORY", None)
        if factory is None:
            raise RuntimeError(f"{module.__name__} must export FACTORY (a BackendFactory).")
        factories.append(factory)
    names = [factory.name for factory in factories]
    if len(set(names)) != len(names):
        raise RuntimeError(f"Backend factory names must be unique, got {names}.")
    selected = os.environ.get(SELECT_ENV)
    if selected:
        wanted = {name.strip() for name in selected.split(",") if name.strip()}
        unknown = wanted - set(names)
        if unknown:
            raise RuntimeError(
                f"{SELECT_ENV} names unknown backends {sorted(unknown)}; have {names}."
            )
        factories = [factory for factory in factories if factory.name in wanted]
    return factories
