"""Masking sensitive values: ``"x-sensitive": true`` in a schema, or paths in the config.

Masked values are replaced by :data:`MASK` in human output, logs, hovers and exports; only an
editor or admin may ask to reveal them. Masking never changes what is stored — JSON output
meant for round-trips (``dsm get --json | … | dsm set``) must not be masked, or the mask
would be written back.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..model import InvalidArgument, JsonValue
from .roles import Role, RoleForbidsWrite, WorkspaceConfig
from .schemas import subschema_at

MASK: Final = "••••••"
SENSITIVE_KEYWORD: Final = "x-sensitive"
Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SensitivePath:
    """A config rule: JSON Pointer ``pointer`` ('*' = any key/index) in stores matching
    ``store`` (a glob)."""

    store: str
    pointer: tuple[str, ...]

    def matches(self, store: str, path: Path) -> bool:
        if len(path) != len(self.pointer) or not fnmatch.fnmatchcase(store, self.store):
            return False
        return all(want in ("*", str(step)) for want, step in zip(self.pointer, path, strict=True))


def config_rules(config: WorkspaceConfig) -> list[SensitivePath]:
    """``security.sensitive`` of the workspace config."""
    rules = []
    for item in config.security.get("sensitive", []) or []:
        pointer = str(item.get("path", ""))
        if pointer and not pointer.startswith("/"):
            raise InvalidArgument(
                f"Sensitive path {pointer!r} must be a JSON Pointer like /Data/Email."
            )
        steps = tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])
        rules.append(SensitivePath(str(item.get("store", "*")), steps))
    return rules


def mask_value(
    value: JsonValue,
    *,
    store: str,
    schema: Any = None,
    rules: Iterable[SensitivePath] = (),
) -> JsonValue:
    """A copy of ``value`` with every sensitive part replaced by :data:`MASK`."""
    rule_list = list(rules)

    def walk(node: JsonValue, path: Path) -> JsonValue:
        if _sensitive(schema, path) or any(rule.matches(store, path) for rule in rule_list):
            return MASK
        if isinstance(node, Mapping):
            return {k: walk(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        return node

    return walk(value, ())


def _sensitive(schema: Any, path: Sequence[str | int]) -> bool:
    if not isinstance(schema, Mapping):
        return False
    node = subschema_at(schema, path)
    return isinstance(node, Mapping) and node.get(SENSITIVE_KEYWORD) is True


def check_reveal(role: Role, connection: str) -> None:
    """Revealing masked values is for editors and admins."""
    if role.rank < Role.EDITOR.rank:
        raise RoleForbidsWrite(
            f"Revealing sensitive values needs the editor or admin role on connection "
            f"{connection!r}; yours is {role.value}.",
            connection=connection,
            role=role.value,
        )
