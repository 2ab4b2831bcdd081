"""Document symbols, folding ranges and selection ranges from the syntax tree."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from ..services.documents import JsonDocument, Position
from .diagnostics import lsp_range

MAX_SYMBOLS = 5000  # like VS Code's json.maxItemsComputed


def _kind(node: Any) -> types.SymbolKind:
    return {
        "object": types.SymbolKind.Module,
        "array": types.SymbolKind.Array,
        "string": types.SymbolKind.String,
        "number": types.SymbolKind.Number,
        "true": types.SymbolKind.Boolean,
        "false": types.SymbolKind.Boolean,
    }.get(node.type, types.SymbolKind.Null)


def document_symbols(document: JsonDocument) -> list[types.DocumentSymbol]:
    budget = [MAX_SYMBOLS]
    root = document.node_at_path(())
    return _children(document, root, budget) if root is not None else []


def _children(document: JsonDocument, node: Any, budget: list[int]) -> list[types.DocumentSymbol]:
    symbols: list[types.DocumentSymbol] = []
    if node.type == "object":
        items = [
            (document.key_text(p) or "?", p, p.child_by_field_name("value"))
            for p in node.named_children
            if p.type == "pair"
        ]
    elif node.type == "array":
        items = [
            (str(i), c, c)
            for i, c in enumerate(c for c in node.named_children if c.type != "comment")
        ]
    else:
        return symbols
    for name, whole, value in items:
        if budget[0] <= 0 or value is None:
            break
        budget[0] -= 1
        key = whole.child_by_field_name("key") if whole.type == "pair" else whole
        symbols.append(
            types.DocumentSymbol(
                name=name,
                kind=_kind(value),
                range=lsp_range(document.node_range(whole)),
                selection_range=lsp_range(document.node_range(key or whole)),
                children=_children(document, value, budget) or None,
            )
        )
    return symbols


def folding_ranges(document: JsonDocument) -> list[types.FoldingRange]:
    ranges: list[types.FoldingRange] = []
    cursor = document.tree.walk()
    stack = [document.tree.root_node]
    while stack and len(ranges) < MAX_SYMBOLS:
        node = stack.pop()
        if node.type in ("object", "array") and node.end_point[0] > node.start_point[0]:
            ranges.append(types.FoldingRange(node.start_point[0], node.end_point[0] - 1))
        stack.extend(reversed([c for c in node.named_children if c.named_child_count]))
    del cursor
    return ranges


def selection_ranges(
    document: JsonDocument, positions: list[types.Position]
) -> list[types.SelectionRange]:
    result = []
    for position in positions:
        node: Any = document.node_at(Position(position.line, position.character))
        chain: list[types.Range] = []
        while node is not None:
            span = lsp_range(document.node_range(node))
            if not chain or chain[-1] != span:
                chain.append(span)
            node = node.parent
        selection: types.SelectionRange | None = None
        for span in reversed(chain):
            selection = types.SelectionRange(span, selection)
        assert selection is not None
        result.append(selection)
    return result
