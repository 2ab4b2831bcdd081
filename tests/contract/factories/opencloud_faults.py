"""Open Cloud against an emulator that fails 10 % of requests with 5xx, 10 % with 429 and
drops 5 % of connections: the client's retries must make the contract hold regardless."""

from __future__ import annotations

from .opencloud import OpenCloudFactory


class FaultyOpenCloudFactory(OpenCloudFactory):
    name = "opencloud-faults"
    faults = "5xx=0.1,429=0.1,reset=0.05"


FACTORY = FaultyOpenCloudFactory()
