"""The deadline sweep: time-driven moves, idempotent, safe to run from a scheduler or the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim
from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState
from atoz_desk.domain.transitions import SYSTEM_ACTOR, Action, ActionParams
from atoz_desk.services.claims import load_claim
from atoz_desk.services.dto import SweepMove
from atoz_desk.services.workflow import apply_move


class DeadlineSweep:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def due_moves(self, now: datetime) -> list[tuple[str, Action]]:
        """What the sweep would do at `now`, oldest deadline first."""
        remind_from = now + timedelta(days=self._policy.seller_reminder_days_before)
        with self._db.reading() as s:
            overdue = s.scalars(
                select(Claim.reference)
                .where(
                    Claim.state == ClaimState.SELLER_NOTIFIED.value,
                    Claim.seller_response_due <= now,
                )
                .order_by(Claim.seller_response_due, Claim.id)
            ).all()
            remind = s.scalars(
                select(Claim.reference)
                .where(
                    Claim.state == ClaimState.SELLER_NOTIFIED.value,
                    Claim.seller_response_due > now,
                    Claim.seller_response_due <= remind_from,
                    Claim.seller_reminder_sent_at.is_(None),
                )
                .order_by(Claim.seller_response_due, Claim.id)
            ).all()
            expired = s.scalars(
                select(Claim.reference)
                .where(Claim.state == ClaimState.AWAITING_CUSTOMER.value, Claim.info_due <= now)
                .order_by(Claim.info_due, Claim.id)
            ).all()
        return (
            [(r, Action.SELLER_NO_RESPONSE) for r in overdue]
            + [(r, Action.SELLER_DEADLINE_REMINDER) for r in remind]
            + [(r, Action.INFO_REQUEST_EXPIRED) for r in expired]
        )

    def run(self, now: datetime | None = None) -> list[SweepMove]:
        """Make every due move, each in its own transaction; running it twice does nothing more."""
        now = now or self._clock()
        moves: list[SweepMove] = []
        for reference, action in self.due_moves(now):
            try:
                with self._db.unit_of_work() as s:
                    claim = load_claim(s, reference, for_update=True)
                    before = claim.state
                    # another sweep (or a person) may have moved it since the scan
                    if not self._still_due(claim, action, now):
                        continue
                    t = apply_move(s, claim, action.value, SYSTEM_ACTOR, ActionParams(), self._policy, now)
                    moves.append(SweepMove(reference, action.value, before, claim.state, t.label))
            except DomainError:
                continue
        return moves

    def _still_due(self, claim: Claim, action: Action, now: datetime) -> bool:
        if action is Action.INFO_REQUEST_EXPIRED:
            return claim.state == ClaimState.AWAITING_CUSTOMER.value and bool(
                claim.info_due and claim.info_due <= now
            )
        if claim.state != ClaimState.SELLER_NOTIFIED.value or claim.seller_response_due is None:
            return False
        if action is Action.SELLER_NO_RESPONSE:
            return claim.seller_response_due <= now
        return claim.seller_reminder_sent_at is None and claim.seller_response_due > now
