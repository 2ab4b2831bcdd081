"""The changeset directory: ``DIR/<store>/<scope>/<key>.json`` files and the sidecar.

Names are encoded like a ``datastore://`` URI segment (``model/uris.py``): the name escape
(``%`` ``/`` ``:`` → ``%25`` ``%2F`` ``%3A``) then percent-encoding of everything but
``A-Z a-z 0-9 _ . - ~``, so every file name is ASCII and reversible. One more rule for files: a
leading ``.`` becomes ``%2E`` (a store named ``..`` or ``.dsm`` must not become a special
folder). Two keys differing only in case would collide on case-insensitive file systems
(macOS, Windows); :func:`check_case_collisions` refuses them.

The sidecar ``DIR/.dsm/changeset.json`` records the target and, per file, the entry it holds
and the version pulled (with the value's md5 and the file's md5, to tell local edits apart).
It is replaced atomically (write, fsync, rename).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, unquote

from ...model import InvalidArgument, JsonValue, parse_target
from ...model.uris import escape_name, unescape_name
from ...model.values import content_md5

SIDECAR_DIR: Final = ".dsm"
SIDECAR_NAME: Final = "changeset.json"
FORMAT: Final = "dsm-changeset"
FORMAT_VERSION: Final = 1
SUFFIX: Final = ".json"
#: Folders under DIR that never hold entries (the sidecar's, git's).
IGNORED_DIRS: Final = frozenset({SIDECAR_DIR, ".git"})


def encode_segment(name: str) -> str:
    """A store, scope or key as one file-name segment (ASCII, reversible)."""
    text = quote(escape_name(name), safe="")
    return "%2E" + text[1:] if text.startswith(".") else text


def decode_segment(segment: str) -> str:
    return unescape_name(unquote(segment))


def relative_path(store: str, scope: str, key: str) -> str:
    """``<store>/<scope>/<key>.json`` (POSIX separators), relative to DIR."""
    return f"{encode_segment(store)}/{encode_segment(scope)}/{encode_segment(key)}{SUFFIX}"


def names_of(relative: str) -> tuple[str, str, str]:
    """(store, scope, key) of ``<store>/<scope>/<key>.json``; InvalidArgument otherwise."""
    parts = relative.split("/")
    if len(parts) != 3 or not parts[2].endswith(SUFFIX) or not all(parts):
        raise InvalidArgument(
            f"{relative} is not at <store>/<scope>/<key>.json inside the changeset; move it there "
            "(names percent-encoded as `dsm pull` writes them) or out of the folder."
        )
    store, scope, key = (decode_segment(p) for p in (parts[0], parts[1], parts[2][: -len(SUFFIX)]))
    if not key:
        raise InvalidArgument(f"{relative} names an empty key.")
    return store, scope, key


def entry_text(value: JsonValue) -> str:
    """A value as a pulled file holds it: 2-space indent, key order kept, final newline."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def file_md5(text: str) -> str:
    return content_md5(text)


def check_case_collisions(relatives: Iterable[str]) -> None:
    seen: dict[str, str] = {}
    for relative in relatives:
        folded = relative.casefold()
        other = seen.setdefault(folded, relative)
        if other != relative:
            raise InvalidArgument(
                f"{other} and {relative} differ only in case; they would be one file on macOS "
                "and Windows. Pull them into separate folders (or rename one key)."
            )


@dataclass(frozen=True, slots=True)
class Pulled:
    """What the sidecar knows about one file: the entry and the version it was pulled at."""

    store: str
    scope: str
    key: str
    version: str
    md5: str  # base64 md5 of the value's compact JSON (as Roblox stores it)
    file_md5: str  # md5 of the file as written, to tell local edits from refreshes
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    user_ids: tuple[int, ...] = ()
    pulled_at: str = ""

    @property
    def label(self) -> str:
        return f"{self.store}/{self.scope}/{self.key}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "scope": self.scope,
            "key": self.key,
            "version": self.version,
            "md5": self.md5,
            "fileMd5": self.file_md5,
            "attributes": self.attributes,
            "userIds": list(self.user_ids),
            "pulledAt": self.pulled_at,
        }

    @classmethod
    def from_dict(cls, item: Mapping[str, Any]) -> Pulled:
        return cls(
            str(item["store"]),
            str(item["scope"]),
            str(item["key"]),
            str(item["version"]),
            str(item["md5"]),
            str(item["fileMd5"]),
            dict(item.get("attributes") or {}),
            tuple(int(i) for i in item.get("userIds") or ()),
            str(item.get("pulledAt", "")),
        )

    def refreshed(self, version: str, md5: str, file_md5: str, pulled_at: str) -> Pulled:
        return replace(self, version=version, md5=md5, file_md5=file_md5, pulled_at=pulled_at)


@dataclass
class Sidecar:
    """``DIR/.dsm/changeset.json``: the target and one :class:`Pulled` per relative path."""

    target: str
    connection: str
    entries: dict[str, Pulled] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "formatVersion": FORMAT_VERSION,
            "target": self.target,
            "connection": self.connection,
            "entries": {path: self.entries[path].to_dict() for path in sorted(self.entries)},
        }


def sidecar_path(root: Path) -> Path:
    return root / SIDECAR_DIR / SIDECAR_NAME


def is_changeset(root: Path) -> bool:
    return sidecar_path(root).is_file()


def load_sidecar(root: Path) -> Sidecar:
    path = sidecar_path(root)
    if not path.is_file():
        raise InvalidArgument(
            f"{root} is not a changeset folder ({path} is missing); create one with "
            f"`dsm pull STORE KEY… --to {root}`."
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format is {document.get('format')!r}, not {FORMAT!r}")
        if int(document.get("formatVersion", 0)) > FORMAT_VERSION:
            raise ValueError(f"format version {document['formatVersion']} is newer than this dsm")
        entries = {str(p): Pulled.from_dict(i) for p, i in document.get("entries", {}).items()}
        return Sidecar(str(document["target"]), str(document["connection"]), entries)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidArgument(
            f"{path} is unreadable ({error}); restore it from git, or pull again into a new folder."
        ) from None


def save_sidecar(root: Path, sidecar: Sidecar) -> None:
    path = sidecar_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():  # backups written beside the sidecar stay out of git
        ignore.write_text("backups/\n", encoding="utf-8")
    write_atomically(path, json.dumps(sidecar.to_dict(), indent=2, ensure_ascii=False) + "\n")


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def entry_files(root: Path) -> Iterator[str]:
    """Relative paths of every ``.json`` file under DIR (sidecar and .git excluded), sorted."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == root:
            dirs[:] = [d for d in dirs if d not in IGNORED_DIRS]
        for name in files:
            if name.endswith(SUFFIX):
                found.append((here / name).relative_to(root).as_posix())
    yield from sorted(found)


def normalise_target(text: str) -> str:
    """Targets compared by meaning: local and snapshot paths resolved."""
    target = parse_target(text)
    if target.kind.value in ("local", "snapshot"):
        return f"{target.kind.value}:{target.path.resolve()}"
    return str(target)


def check_same_target(root: Path, sidecar: Sidecar, target: str, connection: str) -> None:
    """Refuse to compare a changeset with a target other than the one it was pulled from."""
    if normalise_target(target) == normalise_target(sidecar.target):
        return
    if connection == sidecar.connection and connection != target:  # the same named connection
        return
    raise InvalidArgument(
        f"{root} was pulled from {sidecar.target} (connection {sidecar.connection!r}), not "
        f"{target}: its versions mean nothing there. Use --target {sidecar.target}, or pull from "
        f"{target} into another folder."
    )


#: Sidecar path → (mtime_ns, connection): the language server asks on every diagnostics run.
_CONNECTIONS: dict[Path, tuple[int, str]] = {}


def changeset_entry(path: Path) -> tuple[str, str, str, str] | None:
    """(connection, store, scope, key) of a file at ``DIR/<store>/<scope>/<key>.json`` in a
    changeset folder; None for any other file (what the language server matches schemas on).
    One ``stat`` per call; the sidecar is parsed again only when it changed."""
    if path.suffix != SUFFIX or len(path.parents) < 4:
        return None
    root = path.parents[2]
    sidecar = sidecar_path(root)
    try:
        mtime = sidecar.stat().st_mtime_ns
        cached = _CONNECTIONS.get(sidecar)
        if cached is None or cached[0] != mtime:
            connection = str(json.loads(sidecar.read_text(encoding="utf-8"))["connection"])
            cached = _CONNECTIONS[sidecar] = (mtime, connection)
        store, scope, key = names_of(path.relative_to(root).as_posix())
    except (OSError, ValueError, KeyError, TypeError, InvalidArgument):
        return None
    return cached[1], store, scope, key
