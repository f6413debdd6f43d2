"""The change feed: the history table read in commit order, so no workstation misses a change.

On SQLite writers are serialised, so history ids arrive in commit order and
the cursor is the last id. On PostgreSQL ids come from a sequence that is not
transactional: a transaction can take id 10, commit after another took id 11,
and a reader that already moved past 11 would skip it. So the cursor is
(txid, id), and only rows of transactions older than every transaction still
running (`txid < pg_snapshot_xmin(pg_current_snapshot())`) are read: those can
no longer change, and every later transaction has a larger txid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Text, cast, func, select, tuple_

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, HistoryEntry, User

CHANNEL = "atoz_changes"


@dataclass(frozen=True, order=True)
class FeedCursor:
    txid: int = 0
    id: int = 0


@dataclass(frozen=True)
class Change:
    id: int
    claim_id: int | None
    reference: str | None
    action: str
    actor: str
    actor_id: int | None
    to_state: str | None
    at: datetime


class ChangeFeed:
    def __init__(self, db: Database) -> None:
        self._db = db

    def head(self) -> FeedCursor:
        """A cursor past everything committed now: start here to see only what happens next."""
        with self._db.reading() as s:
            if self._db.is_postgresql:
                row = s.execute(
                    select(HistoryEntry.txid, HistoryEntry.id)
                    .where(HistoryEntry.txid < _xmin())
                    .order_by(HistoryEntry.txid.desc(), HistoryEntry.id.desc())
                    .limit(1)
                ).first()
                return FeedCursor(int(row[0] or 0), int(row[1])) if row else FeedCursor()
            last = s.scalar(select(func.max(HistoryEntry.id)))
            return FeedCursor(0, int(last or 0))

    def read(self, after: FeedCursor, *, limit: int = 500) -> tuple[list[Change], FeedCursor]:
        """Changes committed after `after`, oldest first, and the cursor to read from next."""
        stmt = (
            select(
                HistoryEntry.id,
                HistoryEntry.txid,
                HistoryEntry.claim_id,
                Claim.reference,
                HistoryEntry.action,
                func.coalesce(User.display_name, "system"),
                HistoryEntry.actor_id,
                HistoryEntry.to_state,
                HistoryEntry.at,
            )
            .outerjoin(Claim, Claim.id == HistoryEntry.claim_id)
            .outerjoin(User, User.id == HistoryEntry.actor_id)
            .limit(limit)
        )
        if self._db.is_postgresql:
            stmt = stmt.where(
                tuple_(HistoryEntry.txid, HistoryEntry.id) > tuple_(after.txid, after.id),
                HistoryEntry.txid < _xmin(),
            ).order_by(HistoryEntry.txid, HistoryEntry.id)
        else:
            stmt = stmt.where(HistoryEntry.id > after.id).order_by(HistoryEntry.id)
        changes: list[Change] = []
        cursor = after
        with self._db.reading() as s:
            for hid, txid, claim_id, ref, action, actor, actor_id, to_state, at in s.execute(stmt):
                changes.append(Change(hid, claim_id, ref, action, actor, actor_id, to_state, at))
                cursor = FeedCursor(int(txid or 0), int(hid))
        return changes, cursor


def _xmin() -> object:
    return cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)
