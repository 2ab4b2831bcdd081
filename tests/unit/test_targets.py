"""Target strings (``--target``, ``DSM_TARGET``): parsed in one place, bad input explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from datastore_manager.model import InvalidArgument, Target, TargetKind, parse_target


@pytest.mark.parametrize(
    ("text", "kind", "location"),
    [
        ("local:/tmp/game.db", TargetKind.LOCAL, "/tmp/game.db"),
        ("local:./relative dir/game.db", TargetKind.LOCAL, "./relative dir/game.db"),
        ("LOCAL:game.db", TargetKind.LOCAL, "game.db"),
        ("  opencloud:1234567890  ", TargetKind.OPENCLOUD, "1234567890"),
        ("snapshot:backup.dsm", TargetKind.SNAPSHOT, "backup.dsm"),
        ("local:C:/games/x.db", TargetKind.LOCAL, "C:/games/x.db"),
    ],
)
def test_targets_parse_into_kind_and_location(text: str, kind: TargetKind, location: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.location) == (kind, location)
    assert parse_target(str(target)) == target


def test_file_targets_expand_the_home_directory() -> None:
    assert parse_target("local:~/game.db").path == Path.home() / "game.db"
    assert parse_target("snapshot:b.dsm").path == Path("b.dsm")


def test_open_cloud_targets_have_a_universe_id_and_no_path() -> None:
    target = parse_target("opencloud:42")
    assert target.universe_id == 42
    with pytest.raises(InvalidArgument, match="not a file"):
        _ = target.path
    with pytest.raises(InvalidArgument, match="no universe id"):
        _ = parse_target("local:x.db").universe_id


@pytest.mark.parametrize("text", ["game.db", "local:", "local", ""])
def test_targets_without_kind_and_location_show_examples(text: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_target(text)
    assert "KIND:LOCATION" in caught.value.message
    assert "local:./game.db" in caught.value.message


@pytest.mark.parametrize(("text", "kind"), [("s3:bucket/x", "'s3'"), (":x", "''")])
def test_an_unknown_kind_lists_the_known_ones(text: str, kind: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_target(text)
    assert f"kind {kind}" in caught.value.message
    assert "local, opencloud, snapshot" in caught.value.message


@pytest.mark.parametrize("universe", ["abc", "12a", "-5", "١٢٣", "1.5"])
def test_open_cloud_needs_a_numeric_universe_id(universe: str) -> None:
    with pytest.raises(InvalidArgument, match="numeric universe id"):
        parse_target(f"opencloud:{universe}")


def test_targets_are_values() -> None:
    assert Target(TargetKind.LOCAL, "a") == parse_target("local:a")
    assert str(Target(TargetKind.OPENCLOUD, "7")) == "opencloud:7"
