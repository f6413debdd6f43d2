"""The work queues: definitions, keyset pages sorted and filtered in the database, counts, search.

Every page is one SQL statement that uses an index whatever the queue, sort or
filter: multi-state queues are a UNION ALL of one index range per state, each
limited to the page size, merged and cut again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    exists,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from atoz_desk.data.cancel import QueryCancel, cancellable
from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, Customer, Order, Recovery
from atoz_desk.data.search import MIN_SEARCH_CHARS, contains, in_matches_table, sqlite_matches_table
from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState as S
from atoz_desk.domain.states import IncidentType, RecoveryStatus, Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.claims import claim_rows, page_claim_rows
from atoz_desk.services.dto import ClaimRow


class QueueId(StrEnum):
    MY = "my"
    NEW = "new"
    FRAUD_REVIEW = "fraud_review"
    AWAITING_SELLER = "awaiting_seller"
    SELLER_REJECTED = "seller_rejected"
    ESCALATIONS = "escalations"
    APPROVALS = "approvals"
    PAYMENTS_PENDING = "payments_pending"
    RECOVERIES = "recoveries"
    CLOSED = "closed"
    OPEN = "open"
    ALL = "all"


class SortKey(StrEnum):
    DUE = "due"
    AMOUNT = "amount"
    FILED = "filed"
    FRAUD_SCORE = "fraud_score"
    REFERENCE = "reference"


_OPEN = tuple(s for s in S if s.is_open)


@dataclass(frozen=True)
class QueueSpec:
    id: QueueId
    label: str
    states: tuple[S, ...]
    mine: bool = False  # only the signed-in user's claims
    unassigned: bool = False
    open_recovery: bool = False  # only claims with a recovery still open
    above_adjuster_authority: bool = False  # approved amount above an adjuster's limit
    supervisors_only: bool = False
    default_sort: SortKey = SortKey.DUE
    default_descending: bool = False


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(QueueId.MY, "My claims", _OPEN, mine=True),
    QueueSpec(QueueId.NEW, "New (unassigned)", (S.NEW,), unassigned=True),
    QueueSpec(
        QueueId.FRAUD_REVIEW,
        "Fraud review",
        (S.FRAUD_REVIEW, S.EXPERT_REVIEW),
        default_sort=SortKey.FRAUD_SCORE,
        default_descending=True,
    ),
    QueueSpec(QueueId.AWAITING_SELLER, "Awaiting seller", (S.SELLER_NOTIFIED,)),
    QueueSpec(QueueId.SELLER_REJECTED, "Seller rejected", (S.SELLER_REJECTED,)),
    QueueSpec(QueueId.ESCALATIONS, "Escalations", (S.ESCALATED,)),
    QueueSpec(
        QueueId.APPROVALS,
        "Approvals",
        (S.STEP_IN, S.APPROVED_CONCESSION),
        above_adjuster_authority=True,
        supervisors_only=True,
    ),
    QueueSpec(
        QueueId.PAYMENTS_PENDING, "Payments pending", (S.APPROVED_CONCESSION, S.STEP_IN, S.SELLER_ACCEPTED)
    ),
    QueueSpec(
        QueueId.RECOVERIES,
        "Recoveries",
        (S.APPROVED_CONCESSION, S.STEP_IN, S.PAID, S.CLOSED),
        open_recovery=True,
    ),
    QueueSpec(QueueId.CLOSED, "Closed", (S.CLOSED, S.DENIED, S.WITHDRAWN), default_descending=True),
    QueueSpec(QueueId.OPEN, "All open", _OPEN),
    QueueSpec(QueueId.ALL, "All claims", tuple(S)),
)
QUEUE_BY_ID = {q.id: q for q in QUEUES}


@dataclass(frozen=True)
class QueueQuery:
    """One queue as the user is looking at it: sort and filters, all applied in SQL."""

    queue: QueueId = QueueId.OPEN
    sort: SortKey | None = None  # None: the queue's default
    descending: bool | None = None
    text: str | None = None  # substring of reference, customer, e-mail, order, seller, product
    incident_type: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    states: tuple[str, ...] = ()  # narrows the queue's own states


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last row's sort value and id (opaque to callers)."""

    value: object
    id: int


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[ClaimRow, ...]
    next: Cursor | None  # None: this was the last page
    sort: SortKey = SortKey.DUE
    descending: bool = False
    elapsed_ms: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


def visible_queues(actor: Actor) -> tuple[QueueSpec, ...]:
    supervisor = actor.role in (Role.SUPERVISOR, Role.ADMIN)
    return tuple(q for q in QUEUES if supervisor or not q.supervisors_only)


_SORT_COLUMNS: dict[SortKey, Any] = {
    SortKey.DUE: Claim.due_at,
    SortKey.AMOUNT: Claim.amount_claimed,
    SortKey.FILED: Claim.filed_at,
    SortKey.FRAUD_SCORE: Claim.fraud_score,
    SortKey.REFERENCE: Claim.id,  # references are made from ids, so id order is reference order
}
_REFERENCE = re.compile(r"^AZ-?(\d{1,10})$", re.IGNORECASE)
PAGE_MAX = 1000
# SQLite: a filter matching at most this many claims (of a state) drives the page from its matches
FEW_MATCHES = 4000
# SQLite: a text filter matching at most this many claims is answered from its matches in one pass
FEW_TEXT_MATCHES = 10_000


class QueueService:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def page(
        self, query: QueueQuery, actor: Actor, *, after: Cursor | None = None, limit: int = 200
    ) -> QueuePage:
        """One page of the queue, continuing after `after` (keyset: no OFFSET, any depth)."""
        if not 0 < limit <= PAGE_MAX:
            raise ValidationError(f"page size must be 1 to {PAGE_MAX}", "limit")
        spec = self._spec(query.queue, actor)
        sort = query.sort or spec.default_sort
        descending = spec.default_descending if query.descending is None else query.descending
        started = time.perf_counter()
        with self._db.quick_read() as s:
            keys = self._page_keys(s, spec, query, actor, sort, descending, after, limit)
            if keys is None:
                rows: list[ClaimRow] = []
            else:
                rows = page_claim_rows(s, keys, descending=descending, dialect=self._db.dialect)
        last = rows[-1] if len(rows) == limit else None
        nxt = Cursor(_SORT_VALUE[sort](last), last.id) if last is not None else None
        return QueuePage(
            tuple(rows), nxt, sort, descending, elapsed_ms=(time.perf_counter() - started) * 1000
        )

    def counts(self, actor: Actor) -> dict[QueueId, int]:
        """Claims in every queue the actor sees, in a handful of indexed queries."""
        specs = visible_queues(actor)
        with self._db.reading() as s:
            by_state: dict[str, int] = {
                state: n for state, n in s.execute(select(Claim.state, func.count()).group_by(Claim.state))
            }
            out: dict[QueueId, int] = {}
            for spec in specs:
                if spec.mine or spec.unassigned or spec.open_recovery or spec.above_adjuster_authority:
                    out[spec.id] = self._count(s, spec, QueueQuery(queue=spec.id), actor)
                else:
                    out[spec.id] = sum(by_state.get(st.value, 0) for st in spec.states)
            return out

    def count(
        self, query: QueueQuery, actor: Actor, *, cap: int | None = None, cancel: QueryCancel | None = None
    ) -> int:
        """Rows matching the query, filters included.

        With `cap`, counting stops after cap + 1 rows: a result above `cap` means
        "more than cap" (a filter matching most of a million rows is counted in
        milliseconds instead of a scan of the table). `cancel.cancel()` stops the
        count where it is (another thread may call it): Cancelled is raised.
        """
        spec = self._spec(query.queue, actor)
        with self._db.reading() as s, cancellable(s, cancel):
            return self._count(s, spec, query, actor, cap)

    def contains(self, query: QueueQuery, reference: str, actor: Actor) -> bool:
        """Whether the claim belongs in this queue as filtered (after a move, say)."""
        spec = self._spec(query.queue, actor)
        with self._db.reading() as s:
            stmt = select(Claim.id).where(
                Claim.reference == reference.strip().upper(),
                Claim.state.in_(self._states(spec, query)),
                *self._filters(spec, query, actor),
            )
            return s.scalar(stmt) is not None

    def find(self, text: str, *, limit: int = 50) -> list[ClaimRow]:
        """One-step lookup: exact reference, customer e-mail or order id first, then any substring."""
        needle = " ".join(text.split())
        if not needle:
            return []
        with self._db.reading() as s:
            ids: list[int] = []
            ref = _REFERENCE.match(needle)
            if ref:
                ids = list(s.scalars(select(Claim.id).where(Claim.id == int(ref.group(1)))))
            if not ids and "@" in needle:
                ids = list(
                    s.scalars(
                        select(Claim.id)
                        .join(Customer, Customer.id == Claim.customer_id)
                        .where(Customer.email == needle.lower())
                        .order_by(Claim.filed_at.desc())
                        .limit(limit)
                    )
                )
            if not ids:
                ids = list(
                    s.scalars(
                        select(Claim.id)
                        .join(Order, Order.id == Claim.order_id)
                        .where(Order.external_id == needle)
                        .order_by(Claim.filed_at.desc())
                        .limit(limit)
                    )
                )
            if not ids and len(needle) >= MIN_SEARCH_CHARS:
                ids = list(
                    s.scalars(
                        select(Claim.id)
                        .where(contains(self._db.dialect, needle))
                        .order_by(Claim.filed_at.desc())
                        .limit(limit)
                    )
                )
            rows = claim_rows(s, ids)
            order = {claim_id: i for i, claim_id in enumerate(ids)}
            return sorted(rows, key=lambda r: order[r.id])

    # -- building blocks

    def _spec(self, queue: QueueId, actor: Actor) -> QueueSpec:
        spec = QUEUE_BY_ID[QueueId(queue)]
        if spec not in visible_queues(actor):
            from atoz_desk.domain.errors import PermissionDenied

            raise PermissionDenied(f"the {spec.label} queue is for supervisors")
        return spec

    def _filters(
        self,
        spec: QueueSpec,
        q: QueueQuery,
        actor: Actor,
        *,
        steer: bool = False,
        text_clause: ColumnElement[bool] | None = None,
    ) -> list[ColumnElement[bool]]:
        """The queue's own conditions and the user's filters.

        `steer` (SQLite) keeps the amount and text conditions off their own indexes, for pages
        that walk the sort index; `text_clause` replaces the text condition (a list of matches).
        """
        where: list[ColumnElement[bool]] = []
        amount: Any = _unindexed(Claim.amount_claimed) if steer else Claim.amount_claimed
        if spec.mine:
            where.append(Claim.assignee_id == actor.user_id)
        if spec.unassigned:
            where.append(Claim.assignee_id.is_(None))
        if spec.open_recovery:
            where.append(
                exists().where(Recovery.claim_id == Claim.id, Recovery.status == RecoveryStatus.OPEN.value)
            )
        if spec.above_adjuster_authority:
            where.append(Claim.approved_amount > self._policy.authority_limits["adjuster"])
        if q.incident_type:
            try:
                kind = IncidentType(q.incident_type)
            except ValueError:
                raise ValidationError(f"unknown incident type {q.incident_type!r}", "incident_type") from None
            kinds = (kind.value,) if kind is IncidentType.BOTH else (kind.value, IncidentType.BOTH.value)
            where.append(Claim.incident_type.in_(kinds))
        if q.amount_min is not None:
            where.append(amount >= q.amount_min)
        if q.amount_max is not None:
            where.append(amount <= q.amount_max)
        if q.amount_min is not None and q.amount_max is not None and q.amount_min > q.amount_max:
            raise ValidationError("the lowest amount is above the highest", "amount_min")
        if q.text and q.text.strip():
            needle = q.text.strip()
            if len(needle) < MIN_SEARCH_CHARS:
                raise ValidationError(f"type at least {MIN_SEARCH_CHARS} characters to filter", "text")
            where.append(
                text_clause if text_clause is not None else contains(self._db.dialect, needle, steer=steer)
            )
        return where

    def _states(self, spec: QueueSpec, q: QueueQuery) -> list[str]:
        states = [st.value for st in spec.states]
        if q.states:
            unknown = set(q.states) - set(states)
            if unknown:
                raise ValidationError(
                    f"{', '.join(sorted(unknown))} is not part of the {spec.label} queue", "states"
                )
            states = [st for st in states if st in q.states]
        return states

    def _page_keys(
        self,
        s: Connection,
        spec: QueueSpec,
        q: QueueQuery,
        actor: Actor,
        sort: SortKey,
        descending: bool,
        after: Cursor | None,
        limit: int,
    ) -> Any:
        """The page's (id, sort key) pairs as a subquery, or None when the queue has no states.

        One index range per state, each cut to the page size, merged: an index walk whatever
        the queue. On SQLite each state's range is chosen by what the filters match: walking
        the sort index and stopping at the page size is fastest while matches are common, but
        a filter that matches few claims of a state (amounts no claim of that state has, a rare
        name) would walk the whole state; such a range starts from the matches instead, and
        sorts those few.
        """
        walk = self._db.dialect == "sqlite" and not spec.mine
        text_clause: ColumnElement[bool] | None = None
        needle = (q.text or "").strip()
        if walk and len(needle) >= MIN_SEARCH_CHARS:
            # reading a match by id costs about what walking ten index entries does while the
            # rows are in memory, far more when they are not (a random read of a wide row each):
            # a few thousand matches are read so; more, and the arms walk their indexes lazily
            if sqlite_matches_table(s, needle) <= FEW_TEXT_MATCHES:
                return self._page_of_matches(spec, q, actor, sort, descending, after, limit)
            text_clause = in_matches_table(steer=True)
        has_amount = q.amount_min is not None or q.amount_max is not None
        states = self._states(spec, q)
        if not states:
            return None
        wheres: dict[bool, list[ColumnElement[bool]]] = {}  # by steer: the same for most states

        def where(steer: bool) -> list[ColumnElement[bool]]:
            if steer not in wheres:
                wheres[steer] = self._filters(spec, q, actor, steer=steer, text_clause=text_clause)
            return wheres[steer]

        if set(states) == _ALL_STATES and sort in _GLOBAL_SORTS and not has_amount and not needle:
            # every claim, in an order one index holds across states: one walk, no merge
            col = _SORT_COLUMNS[sort]
            return (
                select(Claim.id.label("id"), col.label("k"))
                .where(*where(walk), *_keyset(col, after, descending))
                .order_by(*_order(col, descending))
                .limit(limit)
                .subquery("page")
            )
        arms: list[Select[Any]] = []
        for state in states:
            few_amounts = walk and has_amount and self._few_amounts(s, state, q)
            col = _unindexed(_SORT_COLUMNS[sort]) if few_amounts else _SORT_COLUMNS[sort]
            arms.append(
                select(Claim.id.label("id"), col.label("k"))
                .where(Claim.state == state, *where(walk and not few_amounts))
                .where(*_keyset(col, after, descending))
            )
        if self._db.dialect == "sqlite":
            # SQLite merges the arms of an ordered UNION ALL lazily, each read in its index's
            # order: a filter walks only as far as the page needs in all states together, not
            # a page's worth in each (42,000 "smith" matches: 70 ms instead of 95)
            if len(arms) == 1:
                return (
                    arms[0]
                    .order_by(*_order(arms[0].selected_columns.k, descending))
                    .limit(limit)
                    .subquery("page")
                )
            merged = union_all(*arms)
            order = _order(merged.selected_columns.k, descending, merged.selected_columns.id)
            return merged.order_by(*order).limit(limit).subquery("page")
        # PostgreSQL: each arm cut to the page size, then merged (a Merge Append of index scans)
        parts = []
        for arm in arms:
            sub = arm.order_by(*_order(arm.selected_columns.k, descending)).limit(limit).subquery()
            parts.append(select(sub.c.id, sub.c.k))
        merged_sub = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        return (
            select(merged_sub.c.id, merged_sub.c.k)
            .order_by(*_order(merged_sub.c.k, descending, merged_sub.c.id))
            .limit(limit)
            .subquery("page")
        )

    def _page_of_matches(
        self,
        spec: QueueSpec,
        q: QueueQuery,
        actor: Actor,
        sort: SortKey,
        descending: bool,
        after: Cursor | None,
        limit: int,
    ) -> Any:
        """SQLite, a text filter with few matches: the page from those claims alone, in one pass.

        Reading a few thousand claims by id and keeping the best `limit` costs less than walking
        every state's sort index past the claims that do not match.
        """
        col = _unindexed(_SORT_COLUMNS[sort])
        where = self._filters(spec, q, actor, steer=True, text_clause=in_matches_table(steer=False))
        return (
            select(Claim.id.label("id"), col.label("k"))
            .where(_unindexed(Claim.state).in_(self._states(spec, q)), *where)
            .where(*_keyset(col, after, descending))
            .order_by(*_order(col, descending))
            .limit(limit)
            .subquery("page")
        )

    def _few_amounts(self, s: Connection, state: str, q: QueueQuery) -> bool:
        """Whether at most FEW_MATCHES claims of the state are in the amount range (an index-only probe)."""
        bounds = []
        if q.amount_min is not None:
            bounds.append(Claim.amount_claimed >= q.amount_min)
        if q.amount_max is not None:
            bounds.append(Claim.amount_claimed <= q.amount_max)
        probe = select(Claim.id).where(Claim.state == state, *bounds).limit(FEW_MATCHES + 1).subquery()
        return int(s.scalar(select(func.count()).select_from(probe)) or 0) <= FEW_MATCHES

    def _count(self, s: Session, spec: QueueSpec, q: QueueQuery, actor: Actor, cap: int | None = None) -> int:
        states = self._states(spec, q)
        matching = select(Claim.id).where(Claim.state.in_(states), *self._filters(spec, q, actor))
        if cap is not None:
            matching = matching.limit(cap + 1)
        return int(s.scalar(select(func.count()).select_from(matching.subquery())) or 0)


_SORT_VALUE: dict[SortKey, Callable[[ClaimRow], object]] = {
    SortKey.DUE: lambda r: r.due_at,
    SortKey.AMOUNT: lambda r: r.amount_claimed,
    SortKey.FILED: lambda r: r.filed_at,
    SortKey.FRAUD_SCORE: lambda r: r.fraud_score,
    SortKey.REFERENCE: lambda r: r.id,
}


_ALL_STATES = frozenset(st.value for st in S)
# sorts with an index across every state: (due_at, id) and the primary key
_GLOBAL_SORTS = frozenset({SortKey.DUE, SortKey.REFERENCE})


def _keyset(col: Any, after: Cursor | None, descending: bool) -> list[ColumnElement[bool]]:
    """Rows after the cursor in (col, id) order; the first bound is one an index can seek to."""
    if after is None:
        return []
    if descending:
        return [col <= after.value, or_(col < after.value, Claim.id < after.id)]
    return [col >= after.value, or_(col > after.value, Claim.id > after.id)]


def _order(col: Any, descending: bool, tiebreak: Any = None) -> tuple[Any, Any]:
    tie = Claim.id if tiebreak is None else tiebreak
    return (col.desc(), tie.desc()) if descending else (col.asc(), tie.asc())


def _unindexed(col: Any) -> Any:
    """SQLite's unary + : the same value, but the planner will not pick the column's index for it."""
    return type_coerce(literal_column(f"+{col.table.name}.{col.name}"), col.type)
