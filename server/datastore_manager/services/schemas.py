"""Which JSON Schema applies to a document, and fast validation against it.

Mappings have the shape of VS Code's ``json.schemas`` (``[{fileMatch, url | schema}]``). Globs
match ``<connection>/<store>/<scope>/<key>`` for DataStore entries and the path for ``file://``
documents; a ``"$schema"`` inside the document wins. Validation uses jsonschema-rs (Rust;
~10x faster than the pure-Python ``jsonschema`` on MB-sized entries); schema files themselves
are checked against their metaschema (draft-07, 2020-12, …) with ``jsonschema``, which ships
the metaschemas offline.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ..model import InvalidArgument

JsonPath = tuple[str | int, ...]

METASCHEMA_URLS = (
    "http://json-schema.org/draft-04/schema",
    "http://json-schema.org/draft-06/schema",
    "http://json-schema.org/draft-07/schema",
    "https://json-schema.org/draft/2019-09/schema",
    "https://json-schema.org/draft/2020-12/schema",
)


@dataclass(frozen=True, slots=True)
class SchemaAssociation:
    """One ``json.schemas`` item. ``base`` resolves relative urls (the workspace root)."""

    file_match: tuple[str, ...]
    url: str | None = None
    schema: Mapping[str, Any] | None = None
    base: Path | None = None

    def matches(self, path: str) -> bool:
        included = [p for p in self.file_match if not p.startswith("!")]
        excluded = [p[1:] for p in self.file_match if p.startswith("!")]
        return any(_glob(p).match(path) for p in included) and not any(
            _glob(p).match(path) for p in excluded
        )

    @classmethod
    def from_json(cls, item: Any, base: Path | None) -> SchemaAssociation:
        if not isinstance(item, Mapping) or not isinstance(item.get("fileMatch"), list):
            raise InvalidArgument(
                f"Schema mapping {json.dumps(item)[:80]} needs a 'fileMatch' list of globs and a "
                "'url' or 'schema', as in VS Code's json.schemas."
            )
        url, schema = item.get("url"), item.get("schema")
        if (url is None) == (schema is None):
            raise InvalidArgument(
                f"Schema mapping for {item['fileMatch']} needs exactly one of 'url' or 'schema'."
            )
        return cls(tuple(str(g) for g in item["fileMatch"]), url, schema, base)


@lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern[str]:
    """VS Code-style glob: ``**`` any depth, ``*`` within a segment, ``?`` one character,
    ``{a,b}`` alternatives; a pattern not starting with ``/`` may match any path suffix."""
    anchored = pattern.startswith("/")
    body, i = "", 0
    text = pattern.lstrip("/")
    while i < len(text):
        char = text[i]
        if text.startswith("**/", i):
            body, i = body + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            body, i = body + ".*", i + 2
        elif char == "*":
            body, i = body + "[^/]*", i + 1
        elif char == "?":
            body, i = body + "[^/]", i + 1
        elif char == "{" and "}" in text[i:]:
            end = text.index("}", i)
            options = text[i + 1 : end].split(",")
            body, i = body + "(?:" + "|".join(re.escape(o) for o in options) + ")", end + 1
        else:
            body, i = body + re.escape(char), i + 1
    prefix = "^/?" if anchored else "^(?:.*/)?"
    return re.compile(prefix + body + "$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One validation error: where (a JSON path; ``on_key`` to mark the property name)."""

    path: JsonPath
    message: str
    on_key: bool = False
    kind: str = "schema"


UNPAIRED_SURROGATE = (
    'The value holds an unpaired UTF-16 surrogate escape (such as "\\uD800"): it is not '
    "valid Unicode, so it can be neither validated against the schema nor stored as UTF-8."
)


@dataclass(slots=True)
class LoadedSchema:
    """A schema document at one version (``version`` is a content hash)."""

    url: str
    content: Any
    version: str
    error: str | None = None
    _validator: Any = field(default=None, repr=False)

    def validator(self) -> Any:
        if self._validator is None:
            import jsonschema_rs

            try:
                self._validator = jsonschema_rs.validator_for(self.content)
            except (ValueError, jsonschema_rs.ValidationError) as exc:
                first = str(exc).split("\n")[0]
                raise InvalidArgument(f"Schema {self.url} cannot be used: {first}") from None
        return self._validator

    def validate(self, value: Any, *, limit: int = 1000) -> list[SchemaProblem]:
        problems: list[SchemaProblem] = []
        try:
            for error in self.validator().iter_errors(value):
                problems.extend(_problems_of(error))
                if len(problems) >= limit:
                    break
        except UnicodeEncodeError:  # the validator takes UTF-8: a lone "\uD800" escape is not
            return [SchemaProblem((), UNPAIRED_SURROGATE)]
        return problems

    def subschema_at(self, path: Sequence[str | int]) -> Any:
        """The schema describing the value at ``path`` (properties / items / $ref / allOf)."""
        return subschema_at(self.content, path)


def _problems_of(error: Any) -> list[SchemaProblem]:
    path: JsonPath = tuple(error.instance_path)
    kind = type(error.kind).__name__
    if kind == "AdditionalProperties" or kind == "UnevaluatedProperties":
        names = getattr(error.kind, "unexpected", None) or []
        return [
            SchemaProblem((*path, name), f"Property {name!r} is not allowed here.", on_key=True)
            for name in names
        ] or [SchemaProblem(path, error.message)]
    if kind == "Required":
        missing = error.kind.property
        return [SchemaProblem(path, f"Missing required property {missing!r}.", on_key=True)]
    if kind == "Type":
        expected = error.kind.types
        names = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return [SchemaProblem(path, f"Expected {names}, got {_json_type(error.instance)}.")]
    if kind == "Enum":
        options = ", ".join(json.dumps(o) for o in error.kind.options)
        return [SchemaProblem(path, f"Value must be one of {options}.")]
    if kind == "Constant":
        return [SchemaProblem(path, f"Value must be {json.dumps(error.kind.expected_value)}.")]
    return [SchemaProblem(path, error.message[:1].upper() + error.message[1:] + ".")]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def subschema_at(schema: Any, path: Sequence[str | int], root: Any = None) -> Any:
    """Walk ``properties`` / ``patternProperties`` / ``additionalProperties`` / ``items``."""
    root = schema if root is None else root
    node = _deref(schema, root)
    for step in path:
        if not isinstance(node, Mapping):
            return None
        node = _step(node, step, root)
        if node is None:
            return None
    return node


def _deref(node: Any, root: Any) -> Any:
    for _ in range(20):  # bounded: cyclic $refs end here
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            target: Any = root
            for part in ref[1:].lstrip("/").split("/") if ref != "#" else []:
                part = unquote(part).replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, Mapping) else None
            node = target if target is not None else {}
            continue
        for combined in ("allOf", "anyOf", "oneOf"):
            options = node.get(combined)
            if "properties" not in node and isinstance(options, list) and options:
                merged: dict[str, Any] = {}
                for option in options:
                    option = _deref(option, root)
                    if isinstance(option, Mapping):
                        merged.setdefault("properties", {}).update(option.get("properties", {}))
                        merged.setdefault("required", []).extend(option.get("required", []))
                if merged.get("properties"):
                    return {**node, **merged}
        return node
    return node


def _step(node: Mapping[str, Any], step: str | int, root: Any) -> Any:
    if isinstance(step, int):
        items = node.get("items")
        prefix = node.get("prefixItems")
        if isinstance(prefix, list) and step < len(prefix):
            return _deref(prefix[step], root)
        if isinstance(items, list):
            return _deref(items[step], root) if step < len(items) else None
        return _deref(items, root) if isinstance(items, Mapping) else None
    properties = node.get("properties")
    if isinstance(properties, Mapping) and step in properties:
        return _deref(properties[step], root)
    patterns = node.get("patternProperties")
    if isinstance(patterns, Mapping):
        for pattern, sub in patterns.items():
            if re.search(pattern, step):
                return _deref(sub, root)
    additional = node.get("additionalProperties")
    return _deref(additional, root) if isinstance(additional, Mapping) else None


# ---- metaschemas -----------------------------------------------------------------------


def declared_metaschema(value: Any) -> str | None:
    """The metaschema URL a schema document names in ``$schema`` (without ``#``)."""
    if not isinstance(value, Mapping) or not isinstance(value.get("$schema"), str):
        return None
    url = value["$schema"].rstrip("#")
    return url if url in METASCHEMA_URLS else None


def metaschema_problems(value: Any, *, limit: int = 200) -> list[SchemaProblem]:
    """Errors of a schema document against its metaschema (2020-12 when undeclared)."""
    from jsonschema import validators  # type: ignore[import-untyped]

    cls = validators.Draft202012Validator
    if isinstance(value, Mapping):  # validator_for looks up "$schema" in anything else too
        cls = validators.validator_for(value, default=cls)
    validator = cls(cls.META_SCHEMA)
    problems: list[SchemaProblem] = []
    for error in validator.iter_errors(value):
        problem = SchemaProblem(tuple(error.absolute_path), f"{error.message}.", kind="metaschema")
        if problem in problems:  # 2020-12 checks a non-schema once per vocabulary
            continue
        problems.append(problem)
        if len(problems) >= limit:
            break
    return problems


# ---- the registry ----------------------------------------------------------------------


def content_version(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class SchemaRegistry:
    """Associations plus loaded schemas; open editor buffers override files on disk.

    ``version`` changes whenever any mapping or schema text changes, so callers can key their
    caches with it.
    """

    def __init__(self, open_text: Callable[[str], str | None] | None = None) -> None:
        self._associations: list[SchemaAssociation] = []
        self._open_text = open_text or (lambda url: None)
        self._loaded: dict[str, LoadedSchema] = {}

    def set_associations(self, associations: Iterable[SchemaAssociation]) -> None:
        self._associations = list(associations)
        self._loaded.clear()

    @property
    def associations(self) -> list[SchemaAssociation]:
        return list(self._associations)

    def forget(self, url: str) -> None:
        """A schema changed (edited buffer, saved file): reload it on next use."""
        self._loaded.pop(normalise_url(url), None)

    def schema_urls(self) -> set[str]:
        return {normalise_url(resolve_url(a.url, a.base)) for a in self._associations if a.url}

    def for_document(
        self, match_paths: Iterable[str], value: Any, base: Path | None
    ) -> LoadedSchema | None:
        """``$schema`` in the document first, then the first matching association."""
        declared = value.get("$schema") if isinstance(value, Mapping) else None
        if isinstance(declared, str) and declared.rstrip("#") not in METASCHEMA_URLS:
            return self.load(resolve_url(declared, base))
        paths = list(match_paths)
        for association in self._associations:
            if any(association.matches(p) for p in paths):
                if association.schema is not None:
                    text = json.dumps(association.schema, sort_keys=True)
                    key = f"inline:{content_version(text)}"
                    return LoadedSchema(key, association.schema, content_version(text))
                assert association.url is not None
                return self.load(resolve_url(association.url, association.base))
        return None

    def load(self, url: str) -> LoadedSchema:
        url = normalise_url(url)
        text = self._open_text(url)
        cached = self._loaded.get(url)
        if cached is not None and (text is None or cached.version == content_version(text)):
            return cached
        if text is None:
            text = _read_url(url)
        loaded = _loaded_from_text(url, text)
        self._loaded[url] = loaded
        return loaded


def _loaded_from_text(url: str, text: str | None) -> LoadedSchema:
    if text is None:
        return LoadedSchema(url, None, "missing", error=f"Schema {url} was not found.")
    try:
        content = json.loads(text)
    except ValueError as exc:
        return LoadedSchema(url, None, content_version(text), error=f"Schema {url}: {exc}.")
    return LoadedSchema(url, content, content_version(text))


def resolve_url(url: str, base: Path | None) -> str:
    """Relative paths resolve against ``base`` (the workspace root) into file URLs."""
    if "://" in url:
        return url
    path = Path(url)
    if not path.is_absolute() and base is not None:
        path = base / path
    return path.resolve().as_uri()


def normalise_url(url: str) -> str:
    if url.startswith("file:"):
        return Path(unquote(urlparse(url).path)).resolve().as_uri()
    return url


def url_to_path(url: str) -> Path | None:
    if not url.startswith("file:"):
        return None
    return Path(unquote(urlparse(url).path))


def _read_url(url: str) -> str | None:
    path = url_to_path(url)
    if path is None:
        return None  # http(s) schemas are not fetched: the server makes no network calls
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
