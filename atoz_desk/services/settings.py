"""Program policy as configured: defaults from PROGRAM_RULES, overridden by the app_settings table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from atoz_desk.data.database import Database
from atoz_desk.data.models import AppSetting
from atoz_desk.domain.errors import PermissionDenied
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.records import jsonable, record_history

PREFIX = "policy."


def load_policy(db: Database, base: PolicySettings | None = None) -> PolicySettings:
    """The defaults with every stored `policy.<name>` override applied (validated)."""
    base = base or PolicySettings()
    with db.reading() as s:
        rows = s.execute(select(AppSetting.key, AppSetting.value).where(AppSetting.key.like(PREFIX + "%")))
        overrides = {key.removeprefix(PREFIX): value for key, value in rows}
    return base.with_overrides(overrides) if overrides else base


def set_policy(
    db: Database, changes: dict[str, Any], actor: Actor, clock: Callable[[], datetime]
) -> PolicySettings:
    """Store policy overrides (admins only), recorded in the history; returns the new policy."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin may change program policy settings")
    current = load_policy(db)
    updated = current.with_overrides(changes)  # validates before anything is written
    now = clock()
    with db.unit_of_work() as s:
        for name in changes:
            value = jsonable(updated.as_dict()[name])
            row = s.get(AppSetting, PREFIX + name)
            if row is None:
                s.add(AppSetting(key=PREFIX + name, value=value, updated_at=now))
            else:
                row.value = value
                row.updated_at = now
        record_history(
            s,
            claim=None,
            actor=actor,
            action="policy_changed",
            at=now,
            changes={name: updated.as_dict()[name] for name in changes},
        )
    return updated
