"""The tamper-evident audit log: hash-chained JSONL per workspace and per connection."""

from .chain import GENESIS, append_record, head_path, line_hash
from .reader import AuditFilter, iter_records
from .trail import AUDIT_DIR_ENV, AuditTrail, audit_directory
from .verify import BrokenLink, VerifyReport, verify_log

__all__ = [
    "AUDIT_DIR_ENV",
    "GENESIS",
    "AuditFilter",
    "AuditTrail",
    "BrokenLink",
    "VerifyReport",
    "append_record",
    "audit_directory",
    "head_path",
    "iter_records",
    "line_hash",
    "verify_log",
]
