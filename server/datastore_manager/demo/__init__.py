"""The demo universe behind ``dsm demo PATH`` and ``make demo``."""

from .universe import DEMO_SEED, DemoSummary, create_demo

__all__ = ["DEMO_SEED", "DemoSummary", "create_demo"]
