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


@dataclass(frozen=True, slots=True)
class TextFacts:
    """What a JSON text *may* hold, from one pass over its bytes (false positives are
    possible, e.g. from string contents; false negatives are not)."""

    strings: bool  # an escape, a DEL / control character or an unpaired surrogate
    integers: bool  # a run of 16 or more digits (an integer that may exceed 2^53)
    containers: bool  # null, an empty object or a key like "1"
    exponent: bool  # a number with an exponent (1e5), which grows as compact JSON


# One translation of the UTF-8 bytes answers every question: digits become "0", control
# characters NUL, and JSON whitespace is deleted (so "{ }" reads "{}" and '"1" :' '"0":').
_FACTS_TABLE = bytes(
    ord("0") if chr(b).isdigit() and b < 128 else 0 if b < 32 or b == 127 else b for b in range(256)
)
_INDEX_KEY_BYTES = re.compile(rb'"0+":')


def text_facts(text: str) -> TextFacts:
    try:
        data = text.encode("utf-8")
        surrogates = False
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
        surrogates = True
    folded = data.translate(_FACTS_TABLE, b" \t\n\r")
    return TextFacts(
        strings=surrogates
        or b"\x00" in folded
        or b"\\u" in folded
        or b"\\b" in folded
        or b"\\f" in folded,
        integers=b"0" * 16 in folded,
        containers=b"null" in folded
        or b"{}" in folded
        or _INDEX_KEY_BYTES.search(folded) is not None,
        exponent=b"0e" in folded or b"0E" in folded,
    )


def roblox_findings(
    value: Any, *, limit: int = 200, text: str | None = None, facts: TextFacts | None = None
) -> list[ValueFinding]:
    """Findings in ``value``; with the JSON ``text`` it was decoded from (or its
    :func:`text_facts`), string, integer and container checks are skipped when the text
    cannot hold such values, which makes multi-MB saves many times cheaper."""
    if facts is None and text is not None:
        facts = text_facts(text)
    strings = facts is None or facts.strings
    integers = facts is None or facts.integers
    containers = facts is None or facts.containers
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
