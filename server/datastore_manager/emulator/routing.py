"""The route table: one :class:`Operation` per Roblox endpoint, matched on the raw path.

Matching uses the undecoded path so that an entry id holding an encoded ``/`` (``%2F``) stays
one segment; each captured segment is then percent-decoded on its own.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from starlette.responses import Response

from .wire import Api

if TYPE_CHECKING:
    from .context import Call

Handler = Callable[["Call"], Awaitable[Response]]

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    api: Api
    method: str
    template: str  # e.g. /cloud/v2/universes/{universe}/data-stores/{store}
    handler: Handler
    scopes: tuple[str, ...] = ()  # all needed before the handler runs
    category: str | None = None  # rate-limit budget (model.limits.REQUESTS_PER_MINUTE key)
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        parts: list[str] = []
        last = 0
        for match in _PARAM.finditer(self.template):
            parts.append(re.escape(self.template[last : match.start()]))
            parts.append(f"(?P<{match.group(1)}>[^/]+?)")
            last = match.end()
        parts.append(re.escape(self.template[last:]))
        object.__setattr__(self, "pattern", re.compile("".join(parts) + r"\Z"))


class Router:
    def __init__(self, operations: Iterable[Operation]) -> None:
        self._by_method: dict[str, list[Operation]] = {}
        for operation in operations:
            self._by_method.setdefault(operation.method, []).append(operation)

    def match(self, method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | None:
        for operation in self._by_method.get(method, ()):
            found = operation.pattern.match(raw_path)
            if found is not None:
                return operation, {k: unquote(v) for k, v in found.groupdict().items()}
        return None
