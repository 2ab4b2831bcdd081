"""The CLI face of the safety gate: ``--role --identity --reason --force --yes --reveal``.

:func:`safety_options` adds them to every command (through ``common_options``); the values
live in the root click context's ``meta``. :func:`guard_backend` binds each opened backend to
its connection's policy, the OS user and the audit trail, and sets this run's write intent —
so every write of every command passes the same gate as the language server's.

A ``dsm`` run is one audit group commit (:meth:`AuditTrail.batch`): each record reaches the
log files at once, the fsync and head update happen every 256 records / 1 s and when the run
ends (the root click context closes, on success and on error alike).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from ..backends import DataStoreBackend
from ..model import Entry, JsonValue
from ..services import guard
from ..services.audit import AuditTrail, audit_directory
from ..services.masking import check_reveal, config_rules, mask_value
from ..services.roles import (
    ROLE_ENV,
    ConnectionPolicy,
    WorkspaceConfig,
    WriteAccess,
    find_config,
    load_workspace_config,
    resolve_policy,
)
from ..services.schemas import SchemaAssociation, SchemaRegistry

F = TypeVar("F", bound=Callable[..., Any])
_META_KEY = "dsm.safety"


@dataclass
class SafetyOptions:
    role: str | None = None
    identity: str | None = None
    reason: str | None = None
    force: bool = False
    yes: bool = False
    reveal: bool = False
    connection: str | None = None  # set when a backend is opened
    trails: dict[Path, AuditTrail] = field(default_factory=dict)  # one per audit dir per run


def safety(ctx: click.Context | None = None) -> SafetyOptions:
    root = (ctx or click.get_current_context()).find_root()
    found = root.meta.get(_META_KEY)
    if not isinstance(found, SafetyOptions):
        found = root.meta[_META_KEY] = SafetyOptions()
    return found


def _setter(field: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def set_value(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value:
            setattr(safety(ctx), field, value)

    return set_value


def safety_options(command: F) -> F:
    """Add the safety flags to a command (their values are shared by the whole run)."""
    flags: list[tuple[str, dict[str, Any]]] = [
        ("--reveal", {"is_flag": True, "help": "Show sensitive values (editor/admin only)."}),
        ("--yes", {"is_flag": True, "help": "Confirm a write to a protected connection."}),
        ("--force", {"is_flag": True, "help": "Write over a live session lock (needs --reason)."}),
        ("--reason", {"metavar": "TEXT", "help": "Why (recorded in the audit log)."}),
        ("--identity", {"metavar": "NAME", "help": "Who you are, for the audit log."}),
        ("--role", {"metavar": "ROLE", "help": "Act with a lower role (viewer/editor)."}),
    ]
    for flag, extra in flags:
        field = flag.lstrip("-")
        command = click.option(flag, expose_value=False, callback=_setter(field), **extra)(command)
    return command


def policy_for(target_text: str) -> tuple[ConnectionPolicy, WorkspaceConfig]:
    config = load_workspace_config(find_config())
    options = safety()
    requested = options.role or os.environ.get(ROLE_ENV) or None
    return resolve_policy(target_text, config, requested_role=requested), config


def open_guarded(target_text: str, opener: Callable[[], DataStoreBackend]) -> DataStoreBackend:
    """Open the backend and bind it to this run's connection policy, actor, audit trail and
    intent (the policy is resolved first, so a bad config opens nothing)."""
    options = safety()
    policy, config = policy_for(target_text)
    if options.reveal:
        check_reveal(policy.role, policy.name)
    session = guard.GuardSession(
        policy,
        guard.Actor.current(options.identity),
        _run_trail(audit_directory(config.path)),
        WriteAccess(granted=True),  # a CLI run is itself the explicit act that grants access
    )
    guard.set_intent(guard.WriteIntent(options.reason, options.force, options.yes))
    options.connection = policy.name
    return guard.bind(opener(), session)


def _run_trail(directory: Path) -> AuditTrail:
    """This run's trail for ``directory``, group-committed until the run ends."""
    options = safety()
    trail = options.trails.get(directory)
    if trail is None:
        trail = options.trails[directory] = AuditTrail(directory)
        batch = trail.batch()
        batch.__enter__()
        root = click.get_current_context().find_root()
        root.call_on_close(lambda: batch.__exit__(None, None, None))
    return trail


def display_value(entry: Entry) -> JsonValue:
    """``entry.value`` as a person may see it: masked unless ``--reveal``."""
    if safety().reveal:
        return entry.value
    config = load_workspace_config(find_config())
    schema = None
    if config.path is not None and config.data.get("schemas"):
        registry = SchemaRegistry()
        base = config.path.parent
        registry.set_associations(
            SchemaAssociation.from_json(item, base) for item in config.data["schemas"]
        )
        where = f"{safety().connection}/{entry.store}/{entry.scope}/{entry.key}"
        loaded = registry.for_document([where], entry.value, base)
        schema = loaded.content if loaded is not None else None
    return mask_value(entry.value, store=entry.store, schema=schema, rules=config_rules(config))
