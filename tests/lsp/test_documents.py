"""services/documents: incremental edits in UTF-16 positions, and the scanner-based locator
agreeing with the tree-sitter ranges it replaces for valid JSON."""

from __future__ import annotations

import json
import random

from datastore_manager.services.documents import JsonDocument, Position, locate

TEXT = "ab\ncdé𝄞x\n\nz"


def test_edits_use_utf16_columns_and_clamp() -> None:
    document = JsonDocument(TEXT)
    assert document.edited(Position(1, 0), Position(1, 2), "Q") == "ab\nQé𝄞x\n\nz"
    assert document.edited(Position(1, 3), Position(1, 5), "") == "ab\ncdéx\n\nz"  # the pair
    assert document.edited(Position(3, 1), Position(9, 0), "!") == TEXT + "!"
    assert document.edited(Position(0, 5), Position(1, 0), "") == "abcdé𝄞x\n\nz"


SAMPLE = {
    "Data": {"Coins": -5, "Items": [{"Id": "A_B", "n": 1}, {"Id": "é𝄞", "n": [1, 2, {}]}]},
    "Meta": {"Empty": {}, "List": [], 'Key \\" quoted': True},
}


def test_locator_ranges_equal_tree_sitter_ranges() -> None:
    for indent in (None, 2):
        text = json.dumps(SAMPLE, indent=indent, ensure_ascii=False)
        fast = JsonDocument(text)
        paths = [
            (),
            ("Data",),
            ("Data", "Coins"),
            ("Data", "Items", 1, "Id"),
            ("Data", "Items", 1, "n", 2),
            ("Meta", "Empty"),
            ("Meta", 'Key \\" quoted'),
        ]
        for path in paths:
            slow = JsonDocument(text + " ")  # same text, but forced onto tree-sitter below
            node = slow.node_at_path(path)
            assert node is not None, path
            assert fast.range_of(path) == slow.node_range(node), path
            if path and isinstance(path[-1], str):
                key = slow.key_node_at_path(path)
                assert key is not None
                assert fast.range_of(path, key=True) == slow.node_range(key), path


def test_locator_missing_paths_fall_back_to_the_nearest_ancestor() -> None:
    text = json.dumps(SAMPLE, indent=2)
    document = JsonDocument(text)
    assert locate(text, ("Data", "Nope")) is None
    assert locate(text, ("Data", "Items", 5)) is None
    assert locate(text, ("Data", "Coins", "x")) is None
    assert document.range_of(("Data", "Items", 5)) == document.range_of(("Data", "Items"))
    owner = document.property_owner_range(("Data",))
    assert (owner.start.line, owner.start.character, owner.end.character) == (1, 2, 8)
    root = document.property_owner_range(())
    assert (root.start.line, root.start.character, root.end.character) == (0, 0, 1)


def test_duplicate_key_is_located_at_the_occurrence_the_decoder_keeps() -> None:
    text = '{"Coins": 1, "Level": {"Coins": 7}, "Coins": -1}'
    assert json.loads(text)["Coins"] == -1
    found = locate(text, ["Coins"])
    assert found is not None
    key_span, value_span = found
    assert (text[key_span[0] : key_span[1]], text[value_span[0] : value_span[1]]) == (
        '"Coins"',
        "-1",
    )
    start = JsonDocument(text).range_of(["Coins"]).start
    assert (start.line, start.character) == (0, text.rindex("-1"))


def test_memoised_locator_agrees_with_a_fresh_walk_in_any_order() -> None:
    value = {"Data": {"Items": [{"Id": i, "Tags": [i, i + 1, {"x": i}]} for i in range(400)]}}
    text = json.dumps(value, indent=2)
    document = JsonDocument(text)
    paths = [("Data", "Items", i, "Tags", 2, "x") for i in (399, 3, 250, 250, 0, 398, 17)]
    paths += [("Data", "Items", 400), ("Data", "Nope"), ("Data", "Items", 5, "Tags", 3)]
    for path in paths:  # out of order: the memo must never skip from a later item
        expected = locate(text, path)
        assert document._locator.locate(path) == expected
        if expected is not None:
            start, end = expected[1]
            assert json.loads(text[start:end]) == path[2]
        else:
            assert path[-1] in (400, "Nope", 3)


def _random_value(rng: random.Random, depth: int) -> object:
    kind = rng.random()
    if depth <= 0 or kind < 0.35:
        return rng.choice(
            [0, -7, 12.5, 1e5, True, False, None, "", "a]b}", 'q"uote', "back\\slash", "é𝄞,"]
        )
    if kind < 0.7:  # arrays long enough to cross checkpoints, flat or nested
        size = rng.choice([0, 1, 3, 63, 64, 65, 130, 200])
        return [_random_value(rng, depth - 1 if rng.random() < 0.3 else 0) for _ in range(size)]
    return {
        rng.choice(["a", "b", "[x]", "{y}", 'k"q', "1"]) + str(i): _random_value(rng, depth - 1)
        for i in range(rng.randint(0, 4))
    }


def _paths(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def test_checkpointed_locator_agrees_with_tree_sitter_on_random_documents() -> None:
    """Flat chunks (one regex call per 64 items), item-by-item walks, array ends reached by a
    member walk, in any order: every range equals the syntax tree's."""
    rng = random.Random(7)
    checked = 0
    for seed in range(30):
        value = {"Data": _random_value(random.Random(seed), 3), "Tail": [1, 2], "Coins": 5}
        text = json.dumps(value, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5)
        fast = JsonDocument(text)
        slow = JsonDocument(text)
        paths = _paths(value)
        rng.shuffle(paths)
        for path in paths[:150]:
            node = slow.node_at_path(path)
            assert node is not None, path
            assert fast.range_of(path) == slow.node_range(node), (seed, path)
            checked += 1
        for path in [("Data", 10_000), ("Tail", 2), ("Tail", 1, 0)]:
            assert locate(text, path) is None
    assert checked > 1000


def test_positions_from_the_line_table_equal_counted_positions() -> None:
    text = "\n".join(f'{{"k{i}": "é𝄞{"x" * (i % 7)}"}}' for i in range(200))
    counted = [JsonDocument(text).position_at_char(i) for i in range(0, len(text), 97)]
    document = JsonDocument(text)  # one instance: past 32 lookups it switches to its table
    tabled = [document.position_at_char(i) for i in range(0, len(text), 97)]
    assert len(tabled) > 32 and tabled == counted
    assert document.position_at_char(len(text)) == Position(199, len(text.split("\n")[-1]) + 1)


def test_char_offsets_near_the_top_and_through_the_table_agree() -> None:
    lines = [f"line {i} é𝄞" for i in range(3000)]
    text = "\n".join(lines)
    for line in (0, 5, 2047, 2048, 2999, 3000, 5000):
        for character in (0, 6, 100):
            searched = JsonDocument(text).char_offset(Position(line, character))
            document = JsonDocument(text)
            _ = document._line_prefix  # force the table
            assert document.char_offset(Position(line, character)) == searched, (line, character)
    assert JsonDocument(text).char_offset(Position(2999, 100)) == len(text)
    assert JsonDocument(text).char_offset(Position(5, 6)) == text.index("line 5") + 6


def test_a_short_last_chunk_of_flat_objects_fails_fast() -> None:
    """A chunk regex that fails (fewer than 64 items left) must not backtrack exponentially."""
    import time

    items = [{"Id": f"Item_{i}", "Count": i} for i in range(100)]
    text = json.dumps({"Data": {"Coins": 1, "Inventory": items}, "Coins": 2}, indent=2)
    started = time.perf_counter()
    document = JsonDocument(text)
    span = document.range_of(("Data", "Inventory", 99, "Count"))
    assert document.range_of(("Data", "Inventory")).end.line > span.end.line
    assert locate(text, ("Data", "Inventory", 100)) is None
    assert time.perf_counter() - started < 5
    found = locate(text, ("Data", "Inventory", 99, "Count"))
    assert found is not None and text[found[1][0] : found[1][1]] == "99"
