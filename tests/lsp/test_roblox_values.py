"""services/roblox_values: the one-pass text facts never hide a finding the full walk makes."""

from __future__ import annotations

import json

import pytest

from datastore_manager.services.roblox_values import TextFacts, roblox_findings, text_facts

CLEAN = {"Data": {"Coins": 5, "Name": "Ana", "Items": [{"Id": "Sword", "Count": 2}]}}


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ({"Big": 2**53 + 1}, "integers"),
        ({"Ctl": "a\u0001b"}, "strings"),
        ({"Del": "a\x7fb"}, "strings"),
        ({"Sur": "\ud800"}, "strings"),
        ({"Hole": [1, None, 3]}, "containers"),
        ({"Empty": {}}, "containers"),
        ({"Mixed": {"1": "a", "name": "b"}}, "containers"),
    ],
)
def test_facts_flag_every_suspect_and_findings_match_the_full_walk(
    value: dict[str, object], flag: str
) -> None:
    for indent in (None, 2):
        text = json.dumps({**CLEAN, **value}, indent=indent, ensure_ascii=False)
        facts = text_facts(text)
        assert getattr(facts, flag) is True
        full = roblox_findings(json.loads(text))  # no text: every check on every value
        assert full, value
        assert roblox_findings(json.loads(text), facts=facts) == full
        assert roblox_findings(json.loads(text), text=text) == full


def test_clean_text_has_no_facts_and_no_findings() -> None:
    text = json.dumps(CLEAN, indent=2)
    assert text_facts(text) == TextFacts(False, False, False, False)
    assert roblox_findings(json.loads(text), text=text) == []


def test_exponent_and_whitespace_folding() -> None:
    assert text_facts('{"a": [1.5e3]}').exponent is True
    assert text_facts('{"a": 1.5}').exponent is False
    assert text_facts('{"a": {  \n }}').containers is True  # whitespace inside {} ignored
    assert text_facts('{"7"  :  1, "b": 2}').containers is True
    assert text_facts('{"a": 123456789012345}').integers is False  # 15 digits: safe
