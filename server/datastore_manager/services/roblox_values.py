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


_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ESCAPES = ("\\u", "\\b", "\\f")  # JSON escapes that can yield a control character
_EMPTY_OBJECT = re.compile(r"\{[ \t\n\r]*\}")
_INDEX_KEY_TEXT = re.compile(r'"[1-9][0-9]*"[ \t\n\r]*:')
_LONG_NUMBER = re.compile(r"[0-9]{16}")


def roblox_findings(value: Any, *, limit: int = 200, text: str | None = None) -> list[ValueFinding]:
    """Findings in ``value``; with the JSON ``text`` it was decoded from, string and integer
    checks are skipped when the text cannot hold such values (no escapes or raw control
    characters, no 16-digit run), which makes multi-MB saves several times cheaper."""
    strings = text is None or any(e in text for e in _ESCAPES) or _SUSPECT.search(text) is not None
    integers = text is None or _LONG_NUMBER.search(text) is not None
    containers = (
        text is None
        or "null" in text
        or _EMPTY_OBJECT.search(text) is not None
        or _INDEX_KEY_TEXT.search(text) is not None
    )
    if not (strings or integers or containers):
        return []
    findings: list[ValueFinding] = []
    for finding in _walk(value, (), strings, integers):
        findings.append(finding)
        if len(findings) >= limit:
            break
    return findings


def _walk(value: Any, path: JsonPath, strings: bool, integers: bool) -> Iterator[ValueFinding]:
    # An explicit stack: multi-MB saves nest deeply enough to make recursion costly. Scalars are
    # checked where they are met; only containers go on the stack (with their path).
    yield from _scalar(value, path, strings, integers)
    stack: list[tuple[Any, JsonPath]] = [(value, path)]
    while stack:
        node, at = stack.pop()
        if type(node) is dict:
            if not node:
                if at:
                    yield ValueFinding(
                        at,
                        "Empty object: Luau cannot tell {} from [], so the game saves it back "
                        "as [].",
                    )
                continue
            index_keys = [k for k in node if k[:1].isdigit() and _INDEX_KEY.match(k)]
            if index_keys and len(index_keys) < len(node):
                yield ValueFinding(
                    at,
                    "Mixed table: keys like "
                    f"{index_keys[0]!r} next to names; Luau keeps numeric-looking keys as "
                    "strings here, so t[1] is nil in game code.",
                )
            for name, child in node.items():
                if strings:
                    yield from _string_findings(name, (*at, name), on_key=True)
                kind = type(child)
                if kind is dict or kind is list:
                    stack.append((child, (*at, name)))
                elif (kind is str and strings) or (kind is int and integers):
                    yield from _scalar(child, (*at, name), strings, integers)
        elif type(node) is list:
            if None in node:
                index = node.index(None)
                yield ValueFinding(
                    (*at, index),
                    "null in an array becomes a hole in the Luau table: elements after it "
                    "may be dropped (# and ipairs stop at the first nil).",
                )
            for i, child in enumerate(node):
                kind = type(child)
                if kind is dict or kind is list:
                    stack.append((child, (*at, i)))
                elif (kind is str and strings) or (kind is int and integers):
                    yield from _scalar(child, (*at, i), strings, integers)


def _scalar(node: Any, at: JsonPath, strings: bool, integers: bool) -> Iterator[ValueFinding]:
    if type(node) is int and integers:
        if abs(node) > MAX_SAFE_INTEGER:
            yield ValueFinding(
                at,
                f"{node} is beyond 2^53: Luau numbers are doubles, so the game reads "
                f"{float(node):.17g} and saves that back.",
            )
    elif type(node) is str and strings:
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
