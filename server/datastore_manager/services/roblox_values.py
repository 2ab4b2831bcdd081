"""Values that survive JSON but not a round trip through Roblox's Luau (FACTS §20).

Open Cloud stores JSON as-is, but the game decodes it into Luau tables and encodes it again on
the next save. These findings are warnings: the value is legal JSON that will change or break.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JsonPath = tuple[str | int, ...]

#: Luau numbers are doubles: integers beyond 2^53 lose precision.
MAX_SAFE_INTEGER = 2**53
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INDEX_KEY = re.compile(r"^[1-9][0-9]*$")


@dataclass(frozen=True, slots=True)
class ValueFinding:
    path: JsonPath
    message: str
    on_key: bool = False


def roblox_findings(value: Any, *, limit: int = 200) -> list[ValueFinding]:
    findings: list[ValueFinding] = []
    for finding in _walk(value, ()):
        findings.append(finding)
        if len(findings) >= limit:
            break
    return findings


def _walk(value: Any, path: JsonPath) -> Iterator[ValueFinding]:
    # An explicit stack: multi-MB saves nest deeply enough to make recursion costly.
    stack: list[tuple[Any, JsonPath]] = [(value, path)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, dict):
            if not node and at:
                yield ValueFinding(
                    at,
                    "Empty object: Luau cannot tell {} from [], so the game saves it back as [].",
                )
            index_keys = [k for k in node if _INDEX_KEY.match(k)]
            if index_keys and len(index_keys) < len(node):
                yield ValueFinding(
                    at,
                    "Mixed table: keys like "
                    f"{index_keys[0]!r} next to names; Luau keeps numeric-looking keys as "
                    "strings here, so t[1] is nil in game code.",
                )
            for name, child in node.items():
                yield from _string_findings(name, (*at, name), on_key=True)
                stack.append((child, (*at, name)))
        elif isinstance(node, list):
            if None in node:
                index = node.index(None)
                yield ValueFinding(
                    (*at, index),
                    "null in an array becomes a hole in the Luau table: elements after it "
                    "may be dropped (# and ipairs stop at the first nil).",
                )
            stack.extend((child, (*at, i)) for i, child in enumerate(node))
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_SAFE_INTEGER:
                yield ValueFinding(
                    at,
                    f"{node} is beyond 2^53: Luau numbers are doubles, so the game reads "
                    f"{float(node):.17g} and saves that back.",
                )
        elif isinstance(node, str):
            yield from _string_findings(node, at, on_key=False)


def _string_findings(text: str, path: JsonPath, *, on_key: bool) -> Iterator[ValueFinding]:
    if _SURROGATE.search(text):
        yield ValueFinding(
            path,
            "Unpaired UTF-16 surrogate: not valid UTF-8, Roblox rejects or mangles it.",
            on_key,
        )
    elif _CONTROL.search(text):
        yield ValueFinding(
            path, "Control character in a string: it may not survive Roblox's encoding.", on_key
        )
