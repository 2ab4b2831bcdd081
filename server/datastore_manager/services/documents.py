"""JSON documents parsed once per version, with offsets: JSON path → range, position → path.

The value comes from the standard library's C decoder. Ranges of values in valid JSON come from
the same decoder's C scanner, walking only the path asked for (skipping siblings at C speed), so
a 6 MB entry needs no syntax tree to place its diagnostics. The syntax tree (tree-sitter's JSON
grammar: C, keeps going after an error) is built only for invalid JSON and for editor features
that work on nodes (hover, completion, symbols, folding, selection). Everything is lazy and
computed at most once per document version; the language server keeps one
:class:`JsonDocument` per version.

Positions are LSP's: zero-based line and UTF-16 code-unit column.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from json.decoder import scanstring  # type: ignore[attr-defined]
from json.scanner import make_scanner
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

#: A JSON path: object keys (str) and array indexes (int) from the root.
JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    character: int  # UTF-16 code units


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    range: Range
    message: str


class _NotJson(ValueError):
    """NaN / Infinity: Python accepts them, JSON and Roblox's Open Cloud do not."""


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON (Roblox cannot read entries holding it)")


_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_json

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_json.language()))
    return _PARSER


class JsonDocument:
    """One version of a JSON text. Cheap to create; every analysis is lazy and cached."""

    def __init__(self, text: str, version: int | None = None) -> None:
        self.text = text
        self.version = version
        self._char_lookups = 0

    def with_version(self, version: int | None) -> JsonDocument:
        """The same text at another version, sharing everything computed so far."""
        twin = JsonDocument(self.text, version)
        twin.__dict__.update({k: v for k, v in self.__dict__.items() if k != "version"})
        return twin

    @cached_property
    def data(self) -> bytes:
        """The UTF-8 bytes (tree-sitter offsets are byte offsets)."""
        return self.text.encode("utf-8", "surrogatepass")

    @cached_property
    def _locator(self) -> Locator:
        return Locator(self.text)

    @cached_property
    def is_ascii(self) -> bool:
        return self.text.isascii()

    # ---- parsing ----------------------------------------------------------------------

    @cached_property
    def tree(self) -> Tree:
        tree: Tree = _parser().parse(self.data)
        return tree

    @cached_property
    def _decoded(self) -> tuple[Any, SyntaxProblem | None]:
        try:
            return json.loads(self.text, parse_constant=_reject_constant), None
        except json.JSONDecodeError as error:
            offset = len(self.text[: error.pos].encode("utf-8", "surrogatepass"))
            at = self.position_at(offset)
            return None, SyntaxProblem(Range(at, at), f"{error.msg}.")
        except (_NotJson, RecursionError) as error:
            start = self.position_at(0)
            return None, SyntaxProblem(Range(start, start), f"{error}.")

    @property
    def value(self) -> Any:
        """The decoded value; None (and :attr:`syntax_problems` non-empty) when invalid."""
        return self._decoded[0]

    @property
    def is_valid_json(self) -> bool:
        return self._decoded[1] is None

    @cached_property
    def syntax_problems(self) -> list[SyntaxProblem]:
        """Every tree-sitter error node, or else the decoder's first error (e.g. NaN)."""
        decoded_problem = self._decoded[1]
        if decoded_problem is None:
            return []
        problems: list[SyntaxProblem] = []
        root = self.tree.root_node
        if root.has_error:
            for node in _error_nodes(root):
                if node.is_missing:
                    message = f"Expected {node.type!r}."
                else:
                    snippet = self.data[node.start_byte : node.start_byte + 20].decode(
                        "utf-8", "replace"
                    )
                    message = f"Unexpected {snippet.split(chr(10))[0]!r}."
                problems.append(SyntaxProblem(self.node_range(node), message))
                if len(problems) >= 100:
                    break
        return problems or [decoded_problem]

    # ---- offsets and positions --------------------------------------------------------

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        find = self.data.find
        index = find(b"\n")
        while index >= 0:
            starts.append(index + 1)
            index = find(b"\n", index + 1)
        return starts

    def position_at(self, offset: int) -> Position:
        """Byte offset → LSP position."""
        line = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[line]
        return Position(line, self._utf16_length(start, offset))

    def _utf16_length(self, start: int, end: int) -> int:
        if self.is_ascii:
            return end - start
        chunk = self.data[start:end].decode("utf-8", "surrogatepass")
        return len(chunk.encode("utf-16-le", "surrogatepass")) // 2

    def offset_at(self, position: Position) -> int:
        """LSP position → byte offset (clamped to the line and the document)."""
        starts = self._line_starts
        if position.line >= len(starts):
            return len(self.data)
        start = starts[position.line]
        end = starts[position.line + 1] - 1 if position.line + 1 < len(starts) else len(self.data)
        if self.is_ascii:
            return min(start + position.character, end)
        line = self.data[start:end].decode("utf-8", "surrogatepass")
        units = line.encode("utf-16-le", "surrogatepass")[: position.character * 2]
        prefix = units.decode("utf-16-le", "surrogatepass")
        return start + len(prefix.encode("utf-8", "surrogatepass"))

    def position_at_char(self, index: int) -> Position:
        """Character (code point) index into :attr:`text` → LSP position. The first few
        count newlines (no line table for a handful of diagnostics); after that a table of
        line starts is built once and searched."""
        text = self.text
        self._char_lookups += 1
        if self._char_lookups > 32:
            starts = self._char_line_starts
            line = bisect.bisect_right(starts, index) - 1
            start = starts[line]
        else:
            line = text.count("\n", 0, index)
            start = text.rfind("\n", 0, index) + 1
        if self.is_ascii:
            return Position(line, index - start)
        units = len(text[start:index].encode("utf-16-le", "surrogatepass")) // 2
        return Position(line, units)

    @cached_property
    def _char_line_starts(self) -> list[int]:
        """Character index where each line starts."""
        return [0, *(found.end() for found in _NEWLINE.finditer(self.text))]

    @cached_property
    def _line_prefix(self) -> list[int]:
        """Characters before each line, newlines excluded (line i starts at prefix[i] + i)."""
        return list(accumulate(map(len, self.text.split("\n")), initial=0))

    def char_offset(self, position: Position) -> int:
        """LSP position → character index into :attr:`text` (clamped to line and text). A
        line near the top is found by searching newlines (an edit there needs no line table
        of a multi-MB text); others through the table."""
        text = self.text
        if position.line < 2048 and "_line_prefix" not in self.__dict__:
            start = 0
            for _ in range(position.line):
                start = text.find("\n", start) + 1
                if start == 0:
                    return len(text)
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
        else:
            prefix = self._line_prefix
            if position.line >= len(prefix) - 1:
                return len(text)
            start = prefix[position.line] + position.line
            end = prefix[position.line + 1] + position.line
        if self.is_ascii:
            return min(start + position.character, end)
        units = self.text[start:end].encode("utf-16-le", "surrogatepass")[: position.character * 2]
        return start + len(units.decode("utf-16-le", "surrogatepass"))

    def edited(self, start: Position, end: Position, new_text: str) -> str:
        """The text after replacing ``start``–``end`` (an incremental ``didChange``)."""
        return self.text[: self.char_offset(start)] + new_text + self.text[self.char_offset(end) :]

    def _char_range(self, span: tuple[int, int]) -> Range:
        return Range(self.position_at_char(span[0]), self.position_at_char(span[1]))

    def node_range(self, node: Node) -> Range:
        return Range(self.position_at(node.start_byte), self.position_at(node.end_byte))

    @property
    def full_range(self) -> Range:
        return Range(Position(0, 0), self.position_at(len(self.data)))

    # ---- paths ------------------------------------------------------------------------

    def node_at_path(self, path: Sequence[str | int]) -> Node | None:
        """The value node at ``path``; None when the path does not exist in the text."""
        node = _top_value(self.tree.root_node)
        for step in path:
            if node is None:
                return None
            node = _child_value(node, step)
        return node

    def key_node_at_path(self, path: Sequence[str | int]) -> Node | None:
        """The key (``"name"``) node of the last object step, for property diagnostics."""
        if not path or not isinstance(path[-1], str):
            return None
        parent = self.node_at_path(path[:-1])
        if parent is None or parent.type != "object":
            return None
        for pair in parent.named_children:
            if pair.type == "pair" and self.key_text(pair) == path[-1]:
                return pair.child_by_field_name("key")
        return None

    def range_of(self, path: Sequence[str | int], *, key: bool = False) -> Range:
        """The range of the value at ``path`` (its key's with ``key``); the nearest existing
        ancestor when the path is not in the text."""
        if self.is_valid_json:
            steps = list(path)
            while True:
                found = self._locator.locate(steps)
                if found is not None:
                    key_span, value_span = found
                    use_key = key and key_span is not None and len(steps) == len(path)
                    return self._char_range(key_span if use_key and key_span else value_span)
                if not steps:
                    return self.full_range
                steps.pop()
        node = self.key_node_at_path(path) if key else None
        if node is None:
            node = self.node_at_path(path)
        steps = list(path)
        while node is None and steps:
            steps.pop()
            node = self.node_at_path(steps)
        return self.node_range(node) if node is not None else self.full_range

    def property_owner_range(self, path: Sequence[str | int]) -> Range:
        """Where a property missing from the object at ``path`` is reported: the object's own
        key when it has one, else its ``{``."""
        if self.is_valid_json:
            found = self._locator.locate(path)
            if found is not None:
                key_span, value_span = found
                if key_span is not None:
                    return self._char_range(key_span)
                return self._char_range((value_span[0], value_span[0] + 1))
            return self.range_of(path)
        node = self.key_node_at_path(path) if path and isinstance(path[-1], str) else None
        if node is not None:
            return self.node_range(node)
        target = self.node_at_path(path)
        if target is None:
            return self.range_of(path)
        start = self.position_at(target.start_byte)
        return Range(start, self.position_at(target.start_byte + 1))

    def key_text(self, pair: Node) -> str | None:
        key = pair.child_by_field_name("key")
        if key is None:
            return None
        return _string_value(self.data, key)

    def path_of(self, node: Node) -> JsonPath:
        """The JSON path of a value (or key) node."""
        steps: list[str | int] = []
        current: Node | None = node
        while current is not None and current.parent is not None:
            parent = current.parent
            if parent.type == "pair":
                if parent.child_by_field_name("value") == current:
                    name = self.key_text(parent)
                    if name is not None:
                        steps.append(name)
                current = parent.parent
                continue
            if parent.type == "array":
                index = [c.id for c in parent.named_children if c.type != "comment"]
                if current.id in index:
                    steps.append(index.index(current.id))
            current = parent
        return tuple(reversed(steps))

    def node_at(self, position: Position) -> Node:
        offset = self.offset_at(position)
        node = self.tree.root_node.descendant_for_byte_range(offset, offset)
        return node if node is not None else self.tree.root_node

    def text_of(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


# ---- locating a path in valid JSON text ---------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NEWLINE = re.compile("\n")
_SCANNER: Any = None


def _scan_value(text: str, index: int) -> int:
    """The end of the JSON value starting at ``index`` (the C scanner; raises on bad input)."""
    global _SCANNER
    if _SCANNER is None:
        _SCANNER = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
    end: int = _SCANNER(text, index)[1]
    return end


def _skip(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    return match.end() if match else index


def _skip_items(text: str, index: int, count: int) -> int:
    """The start of the array item ``count`` items after the one at ``index`` (-1 if the
    array ends first). The hot loop of locating in big arrays, so locals and no calls."""
    scan = _SCANNER
    if scan is None:
        _scan_value(text, index)
        scan = _SCANNER
    match = _WHITESPACE.match
    for _ in range(count):
        end = scan(text, index)[1]
        if text[end] != ",":
            found = match(text, end)
            end = found.end() if found else end
            if text[end] != ",":
                return -1
        found = match(text, end + 1)
        index = found.end() if found else end + 1
    return index


# 64 "flat" array items (scalars, strings, or containers holding only those) and the commas
# after them, matched by one regex call: skipping them this way costs about what the C scanner
# costs (it builds no objects), and when an item is not flat the match fails at once. An item
# is an atomic group: its branches overlap ({…} is a flat object and a flat container), and
# backtracking into them when fewer than 64 items are left would be exponential.
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_FLAT_OBJECT = rf'\{{[^{{}}\[\]"]*+(?:{_STRING}[^{{}}\[\]"]*+)*+\}}'  # the usual item: first
_FLAT_ITEM = (
    rf"(?>{_FLAT_OBJECT}|{_STRING}|[\[{{](?:[^\[\]{{}}\"]++|{_STRING})*+[\]}}]|[^\[\]{{}}\",\s]++)"
)
_FLAT_CHUNK = re.compile(rf"(?:{_FLAT_ITEM}[ \t\n\r]*+,[ \t\n\r]*+){{64}}")


def _array_end(text: str, index: int) -> int:
    """The end (past ``]``) of the array whose item (or ``]``) starts at ``index``."""
    match = _WHITESPACE.match
    if text[index] == "]":
        return index + 1
    while True:
        end = _scan_value(text, index)
        found = match(text, end)
        end = found.end() if found else end
        if text[end] != ",":
            if text[end] != "]":
                raise ValueError("not an array")
            return end + 1
        found = match(text, end + 1)
        index = found.end() if found else end + 1


def locate(
    text: str, path: Sequence[str | int]
) -> tuple[tuple[int, int] | None, tuple[int, int]] | None:
    """(key span, value span) of the value at ``path`` in valid JSON ``text``, as character
    offsets; the key span is None for the root and array items. None when the path is not in
    the text. Only the path is walked; siblings before it are skipped by the C scanner. With
    duplicate keys the last occurrence is found, as the decoder keeps the last."""
    return Locator(text).locate(path)


class Locator:
    """:func:`locate` for many paths in one text, remembering what each walk learnt: every
    prefix found, each object's members up to where its walk stopped (so a later key of the
    same object resumes there), the end of every value skipped, and a checkpoint every
    :attr:`CHECKPOINT` items of each array walked (so item 9,000 after item 8,000 of the same
    array skips at most 63 items, not 9,000). Placing every error of a multi-MB save
    therefore costs about one pass over the text (one instance per document version)."""

    CHECKPOINT = 64

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[tuple[str | int, ...], tuple[tuple[int, int] | None, int] | None] = {}
        self._objects: dict[int, _Members] = {}
        self._arrays: dict[int, _Items] = {}
        self._ends: dict[int, int] = {}
        self._lock = threading.Lock()  # diagnostics (worker thread) and hovers share one

    def locate(
        self, path: Sequence[str | int]
    ) -> tuple[tuple[int, int] | None, tuple[int, int]] | None:
        try:
            with self._lock:
                found = self._start(tuple(path))
                if found is None:
                    return None
                if not path:  # valid JSON: the root ends where the trailing whitespace starts
                    return None, (found[1], len(self.text.rstrip(" \t\n\r")))
                return found[0], (found[1], self._end(found[1]))
        except (StopIteration, ValueError, IndexError):
            return None

    def _end(self, start: int) -> int:
        """The end of the value starting at ``start`` (once per value). A big array of flat
        items is walked in chunks, leaving the checkpoints a later item lookup starts from;
        anything else is skipped by the C scanner."""
        end = self._ends.get(start)
        if end is None:
            end = -1
            if self.text[start] == "[":
                end = self._walk_array(start, None, loop=False)
            if end < 0:
                end = _scan_value(self.text, start)
            self._ends[start] = end
        return end

    def _start(self, path: tuple[str | int, ...]) -> tuple[tuple[int, int] | None, int] | None:
        if path in self._found:
            return self._found[path]
        if not path:
            result: tuple[tuple[int, int] | None, int] | None = (None, _skip(self.text, 0))
        else:
            parent = self._start(path[:-1])
            step = path[-1]
            if parent is None:
                result = None
            elif isinstance(step, str):
                result = self._member(parent[1], step)
            else:
                result = self._item(parent[1], step)
        self._found[path] = result
        return result

    def _member(self, index: int, name: str) -> tuple[tuple[int, int] | None, int] | None:
        text = self.text
        walk = self._objects.get(index)
        if walk is None:
            if text[index] != "{":
                return None
            walk = self._objects[index] = _Members({}, _skip(text, index + 1))
        found = walk.names.get(name)
        if found is not None and (walk.resume < 0 or not self._may_repeat(name, found[0][1])):
            return found
        while walk.resume >= 0:
            at = walk.resume
            if walk.skip:  # resume after the value of the last member found
                after = _skip(text, self._end(at))
                walk.skip = False
                if text[after] != ",":
                    walk.resume = -1
                    break
                at = walk.resume = _skip(text, after + 1)
            if text[at] != '"':
                walk.resume = -1
                break
            key, key_end = scanstring(text, at + 1)
            value_start = _skip(text, _skip(text, key_end) + 1)
            member = walk.names[key] = ((at, key_end), value_start)  # the last duplicate wins
            walk.resume, walk.skip = value_start, True  # its value is skipped only if needed
            if key == name and not self._may_repeat(name, key_end):
                return member
        return walk.names.get(name)

    def _may_repeat(self, name: str, after: int) -> bool:
        """Whether ``name`` could be a key again later (a duplicate the decoder would keep)."""
        if any(c in name for c in '"\\') or not name.isprintable():
            return True
        return self.text.find(f'"{name}"', after) >= 0

    def _item(self, index: int, step: int) -> tuple[tuple[int, int] | None, int] | None:
        text = self.text
        if text[index] != "[" or step < 0:
            return None
        self._walk_array(index, step, loop=True)
        items = self._arrays[index]
        every = self.CHECKPOINT
        if step >= len(items.starts) * every:
            return None  # the array ended before
        start = _skip_items(text, items.starts[step // every], step % every)
        if start < 0 or text[start] == "]":
            return None
        return None, start

    def _walk_array(self, index: int, step: int | None, *, loop: bool) -> int:
        """Extend the checkpoints of the array at ``index`` until item ``step`` is covered
        (``None``: to the end). Flat chunks go by :data:`_FLAT_CHUNK`; others item by item with
        ``loop``, else the walk gives up. Returns the array's end when reached, else -1."""
        text = self.text
        items = self._arrays.get(index)
        if items is None:
            items = self._arrays[index] = _Items([_skip(text, index + 1)])
        every = self.CHECKPOINT
        known = items.starts
        while items.end < 0 and (step is None or step >= len(known) * every):
            start = known[-1]
            if text[start] == "]":  # empty
                items.end = start + 1
                break
            found = _FLAT_CHUNK.match(text, start)
            if found is not None:
                known.append(found.end())
                continue
            following = _skip_items(text, start, every)
            if following < 0 or text[following] == "]":  # fewer than 64 items left
                items.end = _array_end(text, start)
                break
            if not loop:
                return -1
            known.append(following)
        return items.end


@dataclass(slots=True)
class _Members:
    """An object's members found so far (name → key span, value start) and where the walk
    resumes (-1 once it reached the closing brace; with ``skip``, after the value there)."""

    names: dict[str, tuple[tuple[int, int], int]]
    resume: int
    skip: bool = False  # ``resume`` is the start of a value still to skip


@dataclass(slots=True)
class _Items:
    """Starts of items 0, 64, 128, … of an array (as far as walked); its end once reached."""

    starts: list[int]
    end: int = -1


def _top_value(root: Node) -> Node | None:
    for child in root.named_children:
        if child.type != "comment":
            return child
    return None


def _child_value(node: Node, step: str | int) -> Node | None:
    if isinstance(step, int):
        if node.type != "array":
            return None
        values = [c for c in node.named_children if c.type != "comment"]
        return values[step] if 0 <= step < len(values) else None
    if node.type != "object":
        return None
    found = None
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        key = pair.child_by_field_name("key")
        if key is not None and _raw_key_matches(key, step):
            found = pair.child_by_field_name("value")  # the last duplicate wins, like json
    return found


def _raw_key_matches(key: Node, name: str) -> bool:
    text = key.text or b""
    if b"\\" not in text:
        return text[1:-1] == name.encode("utf-8", "surrogatepass")
    return _decode_string(text) == name


def _string_value(data: bytes, node: Node) -> str | None:
    return _decode_string(data[node.start_byte : node.end_byte])


def _decode_string(raw: bytes) -> str | None:
    try:
        value = json.loads(raw.decode("utf-8", "surrogatepass"))
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _error_nodes(root: Node) -> Iterator[Node]:
    """Error and missing nodes, outermost first, without descending into reported errors."""
    cursor = root.walk()
    reached_root = False
    while not reached_root:
        node = cursor.node
        if node is not None and (node.is_error or node.is_missing):
            yield node
        elif node is not None and node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                reached_root = True
                break
