"""Who may write where: roles per connection, protected connections, idle write access.

Settings live in ``.datastore-manager.json`` (``connections.<name>``: ``role``, ``protected``,
``idleTimeoutMinutes``; top level ``security.defaultRole``). A role asked for at run time
(``--role`` / ``DSM_ROLE`` / the editor's user settings) can only LOWER the configured one,
so a viewer cannot promote itself by a flag.

* viewer — reads everything, writes nothing (no path: CLI, language server, extension);
* editor — writes; on a protected connection each write needs a confirmation and a reason;
* admin — also runs destructive whole-target work (``dsm erase-user``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from ..model import InvalidArgument, PermissionDenied, parse_target
from .config import CONFIG_FILE_NAME, config_problems

CONFIG_ENV: Final = "DSM_CONFIG"
ROLE_ENV: Final = "DSM_ROLE"
DEFAULT_PROTECTED_IDLE_MINUTES: Final = 15.0


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def can_write(self) -> bool:
        return self.rank >= Role.EDITOR.rank


_RANKS: Final = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}


def parse_role(text: str, *, source: str = "role") -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InvalidArgument(f"Unknown {source} {text!r}: use viewer, editor or admin.") from None


class WriteRefused(PermissionDenied):
    """A write the safety gate refused; nothing was written. ``details['refusal']`` says why:
    ``role``, ``confirmation``, ``reason``, ``idle``, ``session_lock``."""

    refusal: str = "refused"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, refusal=self.refusal, **details)


class RoleForbidsWrite(WriteRefused):
    refusal = "role"


class ConfirmationRequired(WriteRefused):
    """A protected connection: resend with ``confirmed`` and a typed ``reason``."""

    refusal = "confirmation"


class ReasonRequired(WriteRefused):
    refusal = "reason"


class WriteAccessExpired(WriteRefused):
    """Write access to a protected connection lapsed after the idle timeout; re-grant it."""

    refusal = "idle"


@dataclass(frozen=True, slots=True)
class ConnectionPolicy:
    """The safety settings of one connection, resolved from the workspace config."""

    name: str
    target: str
    role: Role = Role.EDITOR
    protected: bool = False
    idle_timeout_minutes: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "connection": self.name,
            "role": self.role.value,
            "protected": self.protected,
            "idleTimeoutMinutes": self.idle_timeout_minutes,
        }


@dataclass(frozen=True, slots=True)
class WorkspaceConfig:
    """The raw ``.datastore-manager.json`` (``path`` None when there is none)."""

    path: Path | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def security(self) -> Mapping[str, Any]:
        section = self.data.get("security", {})
        return section if isinstance(section, Mapping) else {}


def find_config(start: Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """``$DSM_CONFIG``, else the nearest ``.datastore-manager.json`` from ``start`` upwards."""
    environ = os.environ if environ is None else environ
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def load_workspace_config(path: Path | None) -> WorkspaceConfig:
    if path is None:
        return WorkspaceConfig()
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise InvalidArgument(f"Cannot read {path}: {error.strerror or error}.") from None
    except ValueError as error:
        raise InvalidArgument(f"{path} is not valid JSON: {error}.") from None
    problems = config_problems(data)
    if problems:
        where, message = problems[0]
        at = "/".join(str(part) for part in where) or "(top level)"
        raise InvalidArgument(f"{path}: {message} at {at}; see schemas/config.schema.json.")
    return WorkspaceConfig(path, data)


def resolve_policy(
    target_text: str,
    config: WorkspaceConfig,
    *,
    requested_role: str | None = None,
    default_idle_minutes: float | None = None,
) -> ConnectionPolicy:
    """The policy of the connection whose target is ``target_text`` (or whose NAME it is).

    A target that no connection names gets ``security.defaultRole`` (editor when unset) and is
    unprotected; a requested role only lowers the result. A protected connection without its
    own ``idleTimeoutMinutes`` lapses after ``default_idle_minutes`` (the editor's setting),
    else :data:`DEFAULT_PROTECTED_IDLE_MINUTES`.
    """
    name, settings = _find_connection(target_text, config)
    default_role = config.security.get("defaultRole", Role.EDITOR.value)
    role = parse_role(str(settings.get("role", default_role)), source="role in the config")
    if requested_role:
        asked = parse_role(requested_role)
        role = asked if asked.rank < role.rank else role
    protected = settings.get("protected") is True
    default_idle = default_idle_minutes or DEFAULT_PROTECTED_IDLE_MINUTES
    idle = settings.get("idleTimeoutMinutes", default_idle if protected else None)
    if idle is not None and (not isinstance(idle, int | float) or idle <= 0):
        raise InvalidArgument(f"idleTimeoutMinutes of connection {name!r} must be above 0.")
    return ConnectionPolicy(
        name, target_text, role, protected, None if idle is None else float(idle)
    )


def _find_connection(target_text: str, config: WorkspaceConfig) -> tuple[str, Mapping[str, Any]]:
    connections = config.data.get("connections", {})
    if not isinstance(connections, Mapping):
        return target_text, {}
    if isinstance(connections.get(target_text), Mapping):
        return target_text, connections[target_text]
    wanted = _normalise_target(target_text, Path.cwd())
    base = config.path.parent if config.path else Path.cwd()
    for name, settings in connections.items():
        target = settings.get("target") if isinstance(settings, Mapping) else None
        if isinstance(target, str) and _normalise_target(target, base) == wanted:
            return str(name), settings
    return target_text, {}


def _normalise_target(text: str, base: Path) -> str:
    """Compare targets by meaning: local paths are resolved against their config's folder."""
    try:
        target = parse_target(text)
    except InvalidArgument:
        return text
    if target.kind.value in ("local", "snapshot"):
        path = target.path if target.path.is_absolute() else base / target.path
        return f"{target.kind.value}:{path.resolve()}"
    return str(target)


class WriteAccess:
    """The idle clock of one session's write access to a protected connection.

    Access is granted by an explicit act (the CLI invocation, the editor's "enable writes"
    command) and lapses after ``idle_timeout_minutes`` without activity; reads continue.
    Activity (:meth:`touch`) keeps live access alive but never revives lapsed access: the idle
    limit is known from the constructor, the ``policy`` given to :meth:`touch` / :meth:`grant`,
    or the last :meth:`check`.
    """

    def __init__(
        self,
        *,
        granted: bool = False,
        clock: Any = time.monotonic,
        idle_timeout_minutes: float | None = None,
    ) -> None:
        self._clock = clock
        self._last: float | None = clock() if granted else None
        self._limit: float | None = (
            None if idle_timeout_minutes is None else idle_timeout_minutes * 60
        )

    def grant(self, policy: ConnectionPolicy | None = None) -> None:
        self._learn(policy)
        self._last = self._clock()

    def touch(self, policy: ConnectionPolicy | None = None) -> None:
        """Any activity keeps granted access alive; access that has lapsed stays lapsed."""
        self._learn(policy)
        if self._last is None:
            return
        now = self._clock()
        if self._limit is not None and now - self._last > self._limit:
            self._last = None  # it lapsed before this activity: only grant() brings it back
            return
        self._last = now

    def revoke(self) -> None:
        self._last = None

    def check(self, policy: ConnectionPolicy) -> None:
        if not policy.protected or policy.idle_timeout_minutes is None:
            return
        self._learn(policy)
        limit = policy.idle_timeout_minutes * 60
        if self._last is None or self._clock() - self._last > limit:
            self._last = None
            raise WriteAccessExpired(
                f"Write access to protected connection {policy.name!r} has lapsed after "
                f"{policy.idle_timeout_minutes:g} idle minutes; enable writes again to continue "
                "(reads are unaffected). Nothing was written.",
                connection=policy.name,
                idle_timeout_minutes=policy.idle_timeout_minutes,
            )

    def _learn(self, policy: ConnectionPolicy | None) -> None:
        if policy is not None and policy.protected and policy.idle_timeout_minutes is not None:
            self._limit = policy.idle_timeout_minutes * 60
