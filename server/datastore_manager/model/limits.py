"""Every Roblox DataStore limit the product enforces, in one place.

Sources are the keys of ``shared/reference/FACTS.md`` (ECL = error-codes-and-limits,
H-HANDLING = the historical Open Cloud handling guide, OA/V1/OV1 = Roblox's OpenAPI specs).
Nothing else in the code base hard-codes these numbers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

# Names (ECL §Data limits: 50 characters; the historical guide says bytes, we follow ECL).
MAX_DATA_STORE_NAME_LENGTH: Final = 50
MAX_SCOPE_LENGTH: Final = 50
MAX_KEY_LENGTH: Final = 50
MAX_ORDERED_KEY_LENGTH: Final = 50  # ECL: longer ordered keys give InvalidTarget
DEFAULT_SCOPE: Final = "global"

# Values (ECL; V1 Set body maxLength). Measured on the serialised JSON text, in characters.
MAX_VALUE_LENGTH: Final = 4_194_304

# Metadata (ECL §Metadata limits; H-HANDLING for user ids).
MAX_ATTRIBUTES_LENGTH: Final = 300  # the whole serialised JSON map
MAX_ATTRIBUTE_KEY_LENGTH: Final = 50
MAX_ATTRIBUTE_VALUE_LENGTH: Final = 250
MAX_USER_IDS: Final = 4

# Integers (OV1: ordered values and increments are int64).
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

# Page sizes (V1, OV1, OA). (default, maximum) per listing.
LIST_DATA_STORES_PAGE: Final = (10, 100)
LIST_KEYS_PAGE: Final = (16, 256)
LIST_VERSIONS_PAGE: Final = (16, 100)
LIST_ORDERED_PAGE: Final = (10, 100)
V2_DEFAULT_PAGE_SIZE: Final = 10  # OA: every v2 listing defaults to 10 when maxPageSize is unset

# Retention (VLC, V1, OA DeleteDataStore).
VERSION_RETENTION: Final = timedelta(days=30)  # superseded versions expire 30 days later
TOMBSTONE_RETENTION: Final = timedelta(days=30)  # deleted entries are purged after 30 days
DELETED_STORE_RETENTION: Final = timedelta(days=30)  # DeleteDataStore → expireTime = +30 days

# Revision-at-time selector (OA): after the epoch, at most 10 minutes in the future.
MAX_FUTURE_TIMESTAMP: Final = timedelta(minutes=10)

# Rate limits, requests per minute per universe (G-TH legacy v1 table; ECL v2 base budget).
REQUESTS_PER_MINUTE: Final = {
    "standard.read": 300,
    "standard.write": 300,
    "standard.list": 300,
    "standard.remove": 300,
    "ordered.read": 300,
    "ordered.write": 300,
    "ordered.list": 300,
    "ordered.remove": 300,
}
WRITE_BYTES_PER_MINUTE: Final = 10 * 1024 * 1024  # standard v1 write throughput per universe
READ_BYTES_PER_MINUTE: Final = 20 * 1024 * 1024  # standard v1 read throughput per universe
KEY_WRITE_BYTES_PER_MINUTE: Final = 4 * 1024 * 1024  # per key, sliding 60 s window
KEY_READ_BYTES_PER_MINUTE: Final = 25 * 1024 * 1024  # per key, sliding 60 s window
SNAPSHOTS_PER_UTC_DAY: Final = 1


def page_size(requested: int | None, limits: tuple[int, int]) -> int:
    """Roblox's rule for page sizes: default when absent, coerced down to the maximum."""
    default, maximum = limits
    if requested is None or requested == 0:
        return default
    if requested < 0:
        from .errors import InvalidArgument

        raise InvalidArgument(f"Page size must be positive, got {requested}.")
    return min(requested, maximum)
