"""Backup archives: one SQLite file per backup (see ``docs/archive-format.md``)."""

from .format import ARCHIVE_FORMAT, FORMAT_VERSION, ArchiveError, EntryRecord, VersionRecord
from .reader import ArchivedEntry, ArchiveReader
from .sealing import archive_box, key_id
from .writer import ArchiveWriter

__all__ = [
    "ARCHIVE_FORMAT",
    "FORMAT_VERSION",
    "ArchiveError",
    "ArchiveReader",
    "ArchiveWriter",
    "ArchivedEntry",
    "EntryRecord",
    "VersionRecord",
    "archive_box",
    "key_id",
]
