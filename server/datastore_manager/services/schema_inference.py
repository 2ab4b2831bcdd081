"""Infer a JSON Schema from sample values, and render a schema as Markdown documentation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _infer(values: Sequence[Any]) -> dict[str, Any]:
    kinds = sorted({_type(v) for v in values})
    if "integer" in kinds and "number" in kinds:
        kinds.remove("integer")
    schema: dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
    objects = [v for v in values if isinstance(v, dict)]
    if objects:
        names: dict[str, list[Any]] = {}
        for item in objects:
            for name, child in item.items():
                names.setdefault(name, []).append(child)
        schema["properties"] = {name: _infer(children) for name, children in names.items()}
        schema["required"] = [n for n, c in names.items() if len(c) == len(objects)]
    arrays = [item for v in values if isinstance(v, list) for item in v]
    if arrays:
        schema["items"] = _infer(arrays)
    return schema


def infer_schema(values: Sequence[Any], *, title: str = "") -> dict[str, Any]:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if title:
        schema["title"] = title
    return schema | (_infer(values) if values else {})


def schema_markdown(schema: Mapping[str, Any]) -> str:
    lines = [f"# {schema.get('title', 'Schema')}", ""]
    if schema.get("description"):
        lines += [str(schema["description"]), ""]
    lines += ["| Path | Type | Required | Description |", "|---|---|---|---|"]
    _rows(schema, "", lines, True)
    return "\n".join(lines) + "\n"


def _rows(schema: Any, path: str, lines: list[str], required: bool) -> None:
    if not isinstance(schema, Mapping):
        return
    kind = schema.get("type", "")
    kind = " \\| ".join(kind) if isinstance(kind, list) else str(kind)
    if path:
        text = str(schema.get("description", "")).replace("\n", " ").replace("|", "\\|")
        lines.append(f"| `{path}` | {kind} | {'yes' if required else ''} | {text} |")
    needed = set(schema.get("required", []))
    for name, sub in (schema.get("properties") or {}).items():
        _rows(sub, f"{path}.{name}" if path else name, lines, name in needed)
    if isinstance(schema.get("items"), Mapping):
        _rows(schema["items"], f"{path}[]", lines, False)
