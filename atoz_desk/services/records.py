"""The append-only history and outbound correspondence, written with each change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import BigInteger, Text, cast, func, select
from sqlalchemy.orm import Session

from atoz_desk.data.models import Claim, Correspondence, HistoryEntry
from atoz_desk.domain.transitions import Actor

CHANGE_CHANNEL = "atoz_changes"


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def record_history(
    session: Session,
    *,
    claim: Claim | None,
    actor: Actor,
    action: str,
    at: datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> HistoryEntry:
    """One history row in the caller's transaction; on PostgreSQL it also wakes listeners."""
    entry = HistoryEntry(
        claim_id=claim.id if claim is not None else None,
        actor_id=actor.user_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=jsonable(changes or {}),
        note=note,
        at=at,
    )
    if session.get_bind().dialect.name == "postgresql":
        # the writing transaction's id lets feed readers wait for late commits
        entry.txid = cast(cast(func.pg_current_xact_id(), Text), BigInteger)
        session.execute(select(func.pg_notify(CHANGE_CHANNEL, str(claim.id if claim else 0))))
    session.add(entry)
    return entry


def add_correspondence(
    session: Session,
    *,
    claim: Claim,
    party: str,
    kind: str,
    subject: str,
    body: str,
    at: datetime,
    actor: Actor,
    direction: str = "outbound",
) -> Correspondence:
    item = Correspondence(
        claim_id=claim.id,
        direction=direction,
        party=party,
        kind=kind,
        subject=subject,
        body=body,
        created_by_id=actor.user_id,
        created_at=at,
    )
    session.add(item)
    return item
