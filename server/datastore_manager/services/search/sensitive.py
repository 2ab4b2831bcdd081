"""What the search index may hold: every entry masked (services/masking.py) before it is stored,
so a sensitive value is neither on disk in the index nor findable by a word or a ``where``.

The rules are those hovers, the CLI and exports apply: ``security.sensitive`` paths of the
workspace config and ``"x-sensitive": true`` in the schema mapped to
``<connection>/<store>/<scope>/<key>``. Their :meth:`IndexMasker.fingerprint` is recorded in
the index's meta table; an index without it, or built under other rules, is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model import InvalidArgument, JsonValue
from ..masking import MASK, SensitivePath, mask_value
from ..schemas import SchemaRegistry, resolve_url
from .flatten import leaves
from .query import Condition

#: Bumped when what "masked" means for the index changes (old indexes are then rebuilt).
MASKING_VERSION = 1


@dataclass(slots=True)
class IndexMasker:
    """Masks entries of ``connection`` for the index; remembers which (store, path) it masked."""

    connection: str
    rules: tuple[SensitivePath, ...] = ()
    schemas: SchemaRegistry | None = None
    base: Path | None = None

    def mask(self, store: str, scope: str, key: str, value: JsonValue) -> JsonValue:
        schema = None
        if self.schemas is not None:
            where = f"{self.connection}/{store}/{scope}/{key}"
            loaded = self.schemas.for_document([where], value, self.base)
            schema = loaded.content if loaded is not None else None
        return mask_value(value, store=store, schema=schema, rules=self.rules)

    def fingerprint(self) -> str:
        """A hash of the rules and schemas (mappings and their current text)."""
        parts: list[Any] = [MASKING_VERSION, self.connection]
        parts.append(sorted([rule.store, *rule.pointer] for rule in self.rules))
        for association in self.schemas.associations if self.schemas is not None else []:
            content: Any = association.schema
            if association.url is not None and self.schemas is not None:
                try:
                    content = self.schemas.load(resolve_url(association.url, association.base))
                    content = content.version
                except (OSError, ValueError):  # unreadable now: keyed by its url alone
                    content = None
            parts.append([list(association.file_match), association.url, content])
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def masked_paths(value: JsonValue) -> set[str]:
    """Dotted paths (as ``where`` clauses spell them) of the masked parts of a masked value."""
    return {path for path, leaf in leaves(value) if leaf == MASK}


def check_where(condition: Condition, masked: Iterable[str]) -> None:
    """A clause on a masked path (or under one) is refused: it could only ever act as an
    oracle for a value nobody may see in the index."""
    for path in masked:
        if condition.path == path or condition.path.startswith((f"{path}.", f"{path}[]")):
            raise InvalidArgument(
                f"{condition.path} is sensitive: it is not indexed, so it cannot be searched."
            )
