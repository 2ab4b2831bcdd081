"""``dsm backup prune``: apply a retention policy (:mod:`.retention`) to a folder of archives.

Each file's manifest says what it is — source target, options, start time, complete or not —
so file names and modification times are never trusted. Files that are not archives (or whose
manifest cannot be read) are reported and never deleted; incomplete archives (a backup being
written, or one to finish with ``--resume``) are always kept. A real run re-reads each
manifest just before deleting a file and deletes it only if it is still the archive planned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...archive.format import ArchiveError, read_meta
from ...model import InvalidArgument, format_time, parse_time
from .retention import Backup, Decision, Policy, plan


@dataclass(frozen=True, slots=True)
class Ignored:
    path: Path
    why: str
    failed: bool = False  # a deletion that was planned but failed

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "why": self.why}


@dataclass(slots=True)
class PrunePlan:
    folder: Path
    policy: Policy
    decisions: list[Decision]
    sizes: dict[Path, int]
    labels: dict[Path, str]
    manifests: dict[Path, dict[str, Any]]
    ignored: list[Ignored] = field(default_factory=list)

    @property
    def deletions(self) -> list[Decision]:
        return [d for d in self.decisions if not d.keep]

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "policy": self.policy.to_dict(),
            "backups": [
                {
                    "path": str(d.backup.path),
                    "source": self.labels[d.backup.path],
                    "createdTime": format_time(d.backup.created),
                    "complete": d.backup.complete,
                    "bytes": self.sizes[d.backup.path],
                    "action": "keep" if d.keep else "delete",
                    "reasons": list(d.reasons),
                }
                for d in self.decisions
            ],
            "ignored": [item.to_dict() for item in self.ignored],
            "keep": sum(1 for d in self.decisions if d.keep),
            "delete": len(self.deletions),
        }


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the archive at ``path`` (read-only, no key needed); InvalidArgument
    saying why when the file is not a readable archive."""
    try:
        rows = read_meta(path)
    except ArchiveError as error:
        raise InvalidArgument(error.message) from None
    try:
        manifest = json.loads(rows.get("manifest") or "")
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        raise InvalidArgument(f"{path} is an archive without a readable manifest.")
    return manifest


def source_of(manifest: dict[str, Any]) -> tuple[str, Any, str, bool]:
    """What makes two backups interchangeable: same source target and universe, same store
    selection, same depth. Backups of different sources never prune each other."""
    source = manifest.get("source") or {}
    options = manifest.get("options") or {}
    return (
        str(source.get("target")),
        source.get("universeId"),
        str(options.get("stores", "*")),
        bool(options.get("allVersions", False)),
    )


def source_label(manifest: dict[str, Any]) -> str:
    target, _, stores, all_versions = source_of(manifest)
    label = target if stores == "*" else f"{target} (stores {stores})"
    return label + (" (all versions)" if all_versions else "")


def make_plan(folder: Path, policy: Policy) -> PrunePlan:
    """Read every file directly in ``folder`` and decide what the policy keeps."""
    if not folder.is_dir():
        raise InvalidArgument(f"{folder} is not a folder; give the folder holding the backups.")
    backups: list[Backup] = []
    result = PrunePlan(folder, policy, [], {}, {}, {})
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            result.ignored.append(Ignored(path, "symbolic link (never followed)"))
            continue
        if not path.is_file():
            continue
        try:
            manifest = read_manifest(path)
            created = parse_time(str(manifest.get("startedAt") or ""))
        except InvalidArgument as error:
            why = "not an archive" if "not a DataStore" in error.message else error.message
            result.ignored.append(Ignored(path, why))
            continue
        backups.append(Backup(path, source_of(manifest), created, bool(manifest.get("complete"))))
        result.sizes[path] = path.stat().st_size
        result.labels[path] = source_label(manifest)
        result.manifests[path] = manifest
    result.decisions = plan(backups, policy)
    return result


def apply_plan(planned: PrunePlan) -> tuple[list[Path], int, list[Ignored]]:
    """Delete the planned deletions; returns (deleted, bytes freed, skipped with why).

    A file whose manifest changed since the plan (replaced, or resumed) is skipped."""
    deleted: list[Path] = []
    freed = 0
    skipped: list[Ignored] = []
    for decision in planned.deletions:
        path = decision.backup.path
        try:
            still = read_manifest(path)
        except InvalidArgument:
            still = None
        if still != planned.manifests[path] or not (still or {}).get("complete"):
            skipped.append(Ignored(path, "changed since it was planned; kept"))
            continue
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError as error:  # permissions, a read-only mount: report it, go on
            skipped.append(Ignored(path, f"could not be deleted ({error.strerror})", True))
            continue
        deleted.append(path)
        freed += size
    return deleted, freed, skipped
