"""The change feed: the history table read in commit order, so no workstation misses a change.

On SQLite writers are serialised, so history ids arrive in commit order and
the cursor is the last id. On PostgreSQL ids come from a sequence that is not
transactional: a transaction can take id 10, commit after another took id 11,
and a reader that already moved past 11 would skip it. So the cursor is
(txid, id) and moves only past rows of transactions older than every
transaction still running (`txid < pg_snapshot_xmin(pg_current_snapshot())`):
those can no longer change, and every later transaction has a larger txid.
Rows above that watermark are delivered at once too (a long transaction
elsewhere on the server must not hold everyone's updates back) and remembered
in the cursor, so each is delivered exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, Text, cast, func, select, tuple_

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, HistoryEntry, User

CHANNEL = "atoz_changes"


@dataclass(frozen=True)
class FeedCursor:
    """Where a reader is: the (txid, id) watermark, plus rows above it already delivered."""

    txid: int = 0
    id: int = 0
    seen: frozenset[int] = frozenset()


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
                xmin = int(s.scalar(select(_xmin())) or 0)
                row = s.execute(
                    select(HistoryEntry.txid, HistoryEntry.id)
                    .where(HistoryEntry.txid < xmin)
                    .order_by(HistoryEntry.txid.desc(), HistoryEntry.id.desc())
                    .limit(1)
                ).first()
                above = s.scalars(select(HistoryEntry.id).where(HistoryEntry.txid >= xmin)).all()
                txid, hid = (int(row[0] or 0), int(row[1])) if row else (0, 0)
                return FeedCursor(txid, hid, frozenset(int(i) for i in above))
            last = s.scalar(select(func.max(HistoryEntry.id)))
            return FeedCursor(0, int(last or 0))

    def read(self, after: FeedCursor, *, limit: int = 500) -> tuple[list[Change], FeedCursor]:
        """Changes committed after `after`, oldest first, and the cursor to read from next."""
        columns = (
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
        if not self._db.is_postgresql:
            lite = (
                select(*columns)
                .outerjoin(Claim, Claim.id == HistoryEntry.claim_id)
                .outerjoin(User, User.id == HistoryEntry.actor_id)
                .where(HistoryEntry.id > after.id)
                .order_by(HistoryEntry.id)
                .limit(limit)
            )
            with self._db.reading() as s:
                found = [
                    Change(hid, claim_id, ref, action, actor, actor_id, to_state, at)
                    for hid, _txid, claim_id, ref, action, actor, actor_id, to_state, at in s.execute(lite)
                ]
            return found, FeedCursor(0, found[-1].id if found else after.id)
        stmt = (
            select(*columns, _xmin())
            .outerjoin(Claim, Claim.id == HistoryEntry.claim_id)
            .outerjoin(User, User.id == HistoryEntry.actor_id)
            .where(tuple_(HistoryEntry.txid, HistoryEntry.id) > tuple_(after.txid, after.id))
            .order_by(HistoryEntry.txid, HistoryEntry.id)
            .limit(limit)
        )
        if after.seen:
            stmt = stmt.where(HistoryEntry.id.not_in(sorted(after.seen)))
        changes: list[Change] = []
        with self._db.reading() as s:
            rows = s.execute(stmt).all()
        txid, hid_mark = after.txid, after.id
        seen = set(after.seen)
        settled = True  # rows stay in (txid, id) order; the watermark moves while they are final
        for row in rows:
            hid, row_txid, claim_id, ref, action, actor, actor_id, to_state, at, xmin = row
            changes.append(Change(hid, claim_id, ref, action, actor, actor_id, to_state, at))
            if settled and int(row_txid or 0) < int(xmin or 0):
                txid, hid_mark = int(row_txid or 0), int(hid)
            else:
                settled = False
                seen.add(int(hid))
        # ids at or below the new watermark are never read again; forget them
        if seen:
            with self._db.reading() as s:
                still_above = s.scalars(
                    select(HistoryEntry.id).where(
                        HistoryEntry.id.in_(sorted(seen)),
                        tuple_(HistoryEntry.txid, HistoryEntry.id) > tuple_(txid, hid_mark),
                    )
                ).all()
            seen = {int(i) for i in still_above}
        return changes, FeedCursor(txid, hid_mark, frozenset(seen))


def _xmin() -> ColumnElement[int]:
    return cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)
