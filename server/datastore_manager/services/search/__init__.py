"""Local search over DataStore entries: SQLite FTS5 for words, an indexed table of JSON leaf
paths for ``--where 'path op value'`` filters (see :mod:`.index`)."""

from .index import Match, SearchIndex
from .query import Condition, SearchQuery, parse_condition

__all__ = ["Condition", "Match", "SearchIndex", "SearchQuery", "parse_condition"]
