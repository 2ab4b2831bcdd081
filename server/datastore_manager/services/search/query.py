"""What a search asks: words (FTS5), a store, and ``path op value`` conditions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ...model import InvalidArgument

OPERATORS = ("<=", ">=", "!=", "=", "<", ">", "~")
_CONDITION = re.compile(r"^\s*(?P<path>[^\s<>=!~]+)\s*(?P<op><=|>=|!=|=|<|>|~)\s*(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class Condition:
    path: str  # dotted, ``[]`` for any array element
    op: str
    value: Any

    def to_text(self) -> str:
        return f"{self.path} {self.op} {json.dumps(self.value)}"


def parse_condition(text: str) -> Condition:
    """``Data.Coins < 0``, ``$.Items[].Id = "sword"``, ``/Profile/Name ~ bob``."""
    found = _CONDITION.match(text)
    if found is None:
        raise InvalidArgument(
            f"--where {text!r} is not 'path op value' (op one of {' '.join(OPERATORS)}), e.g. "
            "--where 'Data.Coins < 0'."
        )
    path = found["path"]
    if path.startswith("$"):
        path = path[1:].lstrip(".")
    elif path.startswith("/"):
        path = ".".join(path.strip("/").split("/"))
    raw = found["value"].strip()
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw  # a bare word is a string
    if found["op"] in ("<", "<=", ">", ">=") and not isinstance(value, int | float):
        raise InvalidArgument(f"--where {text!r}: {found['op']} needs a number.")
    return Condition(path or "$", found["op"], value)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    words: str = ""
    store: str | None = None
    where: tuple[Condition, ...] = field(default_factory=tuple)
    limit: int = 50

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"query": self.words}
        if self.store:
            document["store"] = self.store
        if self.where:
            document["where"] = [c.to_text() for c in self.where]
        return document


def fts_expression(words: str) -> str:
    """Each word as a quoted prefix term, all required (no FTS5 syntax errors from users)."""
    terms = re.findall(r"\w+", words, flags=re.UNICODE)
    return " AND ".join(f'"{term}"*' for term in terms)
