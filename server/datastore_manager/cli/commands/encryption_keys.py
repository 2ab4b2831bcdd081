"""``dsm encryption-keys rotate``: re-encrypt everything at rest under new keys.

Two keys encrypt data on this machine (security/crypto): the backup-archive key (``dsm backup
--encrypt``) and the Open Cloud cache key. Rotation follows security/rotation: the new key is
in the keyring under a pending name before anything changes; each archive is re-sealed in one
SQLite transaction; the cache is cleared (its names are HMACs under the old key, see
docs/security.md); the old key is retired only when nothing uses it any more. Re-running after
a crash finishes the job. Keys are never printed, only their ids (fingerprints). Every run
(finished or failed) leaves one ``rotate-key`` record in the workspace audit log: key ids and
how many archives and payloads were re-encrypted.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import click
from rich.console import Console

from ...archive import ArchiveError
from ...archive.sealing import (
    KEY_ENV_VAR,
    KEYRING_NAME,
    key_id,
    load_key,
    reseal_archive,
    sealed_key_id,
)
from ...backends.opencloud import settings as opencloud_settings
from ...model import format_time, utc_now
from ...security.crypto import AesGcmBox, KeyUnavailable
from ...security.rotation import RotatingKey, begin_rotation, finish_rotation, key_fingerprint
from ...services.audit import AuditTrail, audit_directory
from ...services.guard import Actor
from ...services.roles import find_config
from ..context import common_options, state
from ..output import emit, table
from ..safety import safety

BACKUPS_DIR_ENV: Final = "DSM_BACKUPS_DIR"
NEW_KEY_ENV: Final = "DSM_BACKUP_KEY_NEW"


@dataclass
class ArchiveKeys:
    """The archive key before and after; ``rotation`` None when the key comes from the env."""

    old: bytes | None
    new: bytes
    rotation: RotatingKey | None

    @property
    def old_id(self) -> str | None:
        return None if self.old is None else key_id(self.old)

    @property
    def new_id(self) -> str:
        return key_id(self.new)


@dataclass
class Report:
    archives: list[dict[str, Any]] = field(default_factory=list)
    archive_key: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    cache_key_ids: dict[str, str | None] = field(default_factory=dict)  # audit record only

    def to_dict(self) -> dict[str, Any]:
        return {"archiveKey": self.archive_key, "archives": self.archives, "cache": self.cache}


@click.group("encryption-keys")
def encryption_keys() -> None:
    """Manage the keys that encrypt data at rest (backups, the Open Cloud cache)."""


@encryption_keys.command("rotate")
@click.argument("archives", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--backups-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=BACKUPS_DIR_ENV,
    help=f"Also re-encrypt every *.dsm archive under this folder (default ${BACKUPS_DIR_ENV}).",
)
@common_options
def rotate(archives: tuple[Path, ...], backups_dir: Path | None) -> None:
    """Re-encrypt ARCHIVES (and the backups folder) and the Open Cloud cache under new keys,
    then retire the old keys. Safe to re-run after a crash: it finishes the job.

    With $DSM_BACKUP_KEY set, the archive key is yours to keep: give the new one in
    $DSM_BACKUP_KEY_NEW, and set $DSM_BACKUP_KEY to it afterwards."""
    report = Report()
    paths = _archive_paths(archives, backups_dir)
    try:
        keys = _archive_keys(paths)
        if keys is not None:
            _rotate_archives(paths, keys, report)
        else:
            report.archive_key = {"rotated": False, "why": "no backup key exists yet"}
        report.cache = _rotate_cache(report)
    except click.UsageError:
        raise  # bad input: nothing was started
    except BaseException as error:
        _audit(report, error)
        raise
    _audit(report, None)
    emit(state().json_output, report.to_dict(), lambda console: _render(console, report))


def _archive_paths(given: tuple[Path, ...], folder: Path | None) -> list[Path]:
    found = list(given)
    if folder is not None:
        if not folder.is_dir():
            raise click.UsageError(f"The backups folder {folder} does not exist.")
        found += sorted(p for p in folder.rglob("*.dsm") if p.is_file())
    for path in found:
        if not path.is_file():
            raise click.UsageError(f"No archive at {path}.")
    return list(dict.fromkeys(p.resolve() for p in found))


def _archive_keys(paths: list[Path]) -> ArchiveKeys | None:
    if os.environ.get(KEY_ENV_VAR, "").strip():
        if not os.environ.get(NEW_KEY_ENV, "").strip():
            raise click.UsageError(
                f"The backup key comes from ${KEY_ENV_VAR}: put the new key (base64 of 32 random "
                f"bytes) in ${NEW_KEY_ENV} and run again; afterwards set ${KEY_ENV_VAR} to it."
            )
        new = load_key({KEY_ENV_VAR: os.environ[NEW_KEY_ENV]})
        return ArchiveKeys(load_key(), new, None)
    rotation = begin_rotation(KEYRING_NAME)
    if rotation is None:
        if any(sealed_key_id(path) for path in paths):
            raise ArchiveError(
                "These archives are encrypted, but this machine has no backup key; set "
                f"${KEY_ENV_VAR} to their key (with ${NEW_KEY_ENV}) to rotate it."
            )
        return None
    return ArchiveKeys(rotation.old, rotation.new, rotation)


def _rotate_archives(paths: list[Path], keys: ArchiveKeys, report: Report) -> None:
    """Check every archive first (one sealed with neither key stops it all, nothing changed),
    then re-seal those still under the old key, then retire the old key."""
    report.archive_key = {"from": keys.old_id, "to": keys.new_id, "rotated": False}  # so far
    plan: list[tuple[Path, str | None]] = [(path, sealed_key_id(path)) for path in paths]
    strangers = [(p, k) for p, k in plan if k is not None and k not in (keys.old_id, keys.new_id)]
    if strangers:
        listed = ", ".join(f"{path} (key {found})" for path, found in strangers)
        raise ArchiveError(
            f"Sealed with neither the current backup key ({keys.old_id}) nor the new one "
            f"({keys.new_id}): {listed}. Nothing was re-encrypted and the current key was kept; "
            f"rotate those with their own key (${KEY_ENV_VAR}) or leave them out."
        )
    old_box = None if keys.old is None else AesGcmBox(keys.old)
    new_box = AesGcmBox(keys.new)
    for path, found in plan:
        item: dict[str, Any] = {"path": str(path), "keyId": found}
        if found is None:
            item["outcome"] = "not encrypted"
        elif found == keys.new_id:
            item["outcome"] = "already rotated"
        else:
            assert old_box is not None and keys.old_id is not None
            item["resealed"] = reseal_archive(path, old_box, keys.old_id, new_box, keys.new_id)
            item |= {"outcome": "re-encrypted", "keyId": keys.new_id}
        report.archives.append(item)
    report.archive_key = {"from": keys.old_id, "to": keys.new_id, "rotated": True}
    if keys.rotation is not None:
        finish_rotation(keys.rotation)
        report.archive_key["resumed"] = keys.rotation.resumed
    else:
        report.archive_key["next"] = f"set ${KEY_ENV_VAR} to the value of ${NEW_KEY_ENV}"


def _rotate_cache(report: Report) -> dict[str, Any]:
    """Clear the Open Cloud cache, then retire its key (see docs/security.md: why clear)."""
    root = opencloud_settings.cache_dir()
    try:
        rotation = begin_rotation(opencloud_settings.CACHE_KEY_NAME)
    except KeyUnavailable:
        return {"rotated": False, "why": "no OS keyring (the cache is off without one)"}
    cleared = _clear_cache(root)
    if rotation is None:
        return {"rotated": False, "why": "no cache key exists yet", "cleared": cleared}
    finish_rotation(rotation)
    name = opencloud_settings.CACHE_KEY_NAME
    old = None if rotation.old is None else key_fingerprint(name, rotation.old)
    report.cache_key_ids = {"from": old, "to": key_fingerprint(name, rotation.new)}
    return {"rotated": True, "cleared": cleared, "resumed": rotation.resumed}


def _clear_cache(root: Path | None) -> int:
    """Remove every universe's cache folder (``<root>/<universe>`` holding ``cache.db``)."""
    if root is None or not root.is_dir():
        return 0
    cleared = 0
    for child in sorted(root.iterdir()):
        if child.is_dir() and child.name.isdigit() and (child / "cache.db").is_file():
            shutil.rmtree(child)
            cleared += 1
    return cleared


def _audit(report: Report, error: BaseException | None) -> None:
    """One ``rotate-key`` record in the workspace audit log (it concerns no connection): key
    ids and counts only, never key material."""
    options = safety()
    actor = Actor.current(options.identity)
    archives = report.archives
    record: dict[str, Any] = {
        "time": format_time(utc_now()),
        "osUser": actor.os_user,
        "identity": actor.identity,
        "connection": None,
        "store": None,
        "scope": None,
        "key": None,
        "operation": "rotate-key",
        "reason": options.reason.strip() if options.reason else None,
        "forced": False,
        "outcome": "ok" if error is None else "failed",
        "archiveKey": {k: v for k, v in report.archive_key.items() if k != "next"},
        "archives": {
            "checked": len(archives),
            "reencrypted": sum(1 for a in archives if a["outcome"] == "re-encrypted"),
            "alreadyRotated": sum(1 for a in archives if a["outcome"] == "already rotated"),
            "notEncrypted": sum(1 for a in archives if a["outcome"] == "not encrypted"),
        },
        "payloadsReencrypted": sum(int(a.get("resealed", 0)) for a in archives),
        "cacheKey": report.cache | report.cache_key_ids,
    }
    if error is not None:
        record["error"] = type(error).__name__
    AuditTrail(audit_directory(find_config())).record(record)


def _render(console: Console, report: Report) -> None:
    rows = [(a["path"], a["outcome"], a.get("resealed", "")) for a in report.archives]
    console.print(table("Archives", ["File", "Outcome", "Payloads"], rows))
    key = report.archive_key
    if key.get("rotated"):
        console.print(f"Backup key {key['from']} → {key['to']}; the old key is retired.")
        if "next" in key:
            console.print(f"Now {key['next']}.")
    else:
        console.print(f"Backup key not rotated: {key['why']}.")
    cache = report.cache
    what = "rotated" if cache.get("rotated") else f"not rotated ({cache.get('why')})"
    cleared = cache.get("cleared", 0)
    console.print(f"Open Cloud cache key {what}; {cleared} cache folder(s) cleared.")


COMMANDS: list[click.Command] = [encryption_keys]
