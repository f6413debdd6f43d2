"""Who works which claim: take next, reassign, team workload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import case, func, select, update

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, User
from atoz_desk.domain.errors import NotFound, PermissionDenied, StaleEdit, ValidationError
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState, Role
from atoz_desk.domain.transitions import Action, ActionParams, Actor
from atoz_desk.services.claims import build_detail, load_claim
from atoz_desk.services.dto import ClaimDetail, WorkloadRow
from atoz_desk.services.records import record_history
from atoz_desk.services.workflow import apply_move


class AssignmentService:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def take_next(self, actor: Actor) -> ClaimDetail | None:
        """Assign the most urgent unassigned new claim to the actor and start its review.

        One UPDATE claims the row; on PostgreSQL `FOR UPDATE SKIP LOCKED` lets
        concurrent adjusters pass over each other's picks, and `assignee IS
        NULL` in the outer WHERE makes a lost race update nothing rather than
        steal the claim. SQLite has a single writer, so the same statement
        without the lock clause is safe there.
        """
        if actor.is_system or actor.role is None:
            raise PermissionDenied("only a signed-in user can take claims")
        with self._db.unit_of_work() as s:
            pick = (
                select(Claim.id)
                .where(Claim.state == ClaimState.NEW.value, Claim.assignee_id.is_(None))
                .order_by(Claim.due_at, Claim.id)
                .limit(1)
            )
            if self._db.is_postgresql:
                pick = pick.with_for_update(skip_locked=True)
            claimed = s.scalar(
                update(Claim)
                .where(Claim.id == pick.scalar_subquery(), Claim.assignee_id.is_(None))
                .values(assignee_id=actor.user_id, version=Claim.version + 1)
                .returning(Claim.id)
                .execution_options(synchronize_session=False)
            )
            if claimed is None:
                return None
            claim = s.get_one(Claim, claimed, populate_existing=True)
            apply_move(
                s, claim, Action.START_REVIEW.value, actor, ActionParams(), self._policy, self._clock()
            )
            s.flush()
            return build_detail(s, claim, self._policy)

    def assign(
        self,
        reference: str,
        username: str | None,
        actor: Actor,
        *,
        expected_version: int | None = None,
    ) -> ClaimDetail:
        """Reassign a claim (supervisors and admins), or unassign with username None.

        With `expected_version`, a claim changed since the supervisor loaded it is refused.
        """
        if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise PermissionDenied("only a supervisor can reassign claims")
        now = self._clock()
        with self._db.unit_of_work() as s:
            claim = load_claim(s, reference, for_update=True)
            if expected_version is not None and claim.version != expected_version:
                raise StaleEdit(
                    f"Claim {claim.reference} was changed by someone else since you opened it; "
                    "nothing was reassigned. Reload it and try again.",
                    current_version=claim.version,
                )
            if not ClaimState(claim.state).is_open:
                raise ValidationError(f"claim {claim.reference} is {claim.state}; it cannot be reassigned")
            target = None
            if username is not None:
                target = s.scalar(select(User).where(User.username == username.strip().lower()))
                if target is None or not target.active:
                    raise NotFound(f"no active user named {username!r}")
            before = claim.assignee_id
            claim.assignee_id = target.id if target else None
            claim.updated_at = now
            record_history(
                s,
                claim=claim,
                actor=actor,
                action="assign",
                at=now,
                from_state=claim.state,
                to_state=claim.state,
                changes={"from_user_id": before, "to": target.username if target else None},
            )
            s.flush()
            return build_detail(s, claim, self._policy)

    def workload(self) -> list[WorkloadRow]:
        """Open and overdue claims per adjuster and state; every active user appears, idle ones too."""
        now = self._clock()
        open_states = [st.value for st in ClaimState if st.is_open]
        overdue = func.sum(case((Claim.due_at < now, 1), else_=0))
        with self._db.reading() as s:
            rows = s.execute(
                select(User.username, User.display_name, User.role, Claim.state, func.count(), overdue)
                .join(User, User.id == Claim.assignee_id)
                .where(Claim.state.in_(open_states))
                .group_by(User.username, User.display_name, User.role, Claim.state)
            ).all()
            out = [
                WorkloadRow(username, name, role, state, int(n), int(late or 0))
                for username, name, role, state, n, late in rows
            ]
            busy = {r.username for r in out}
            for user in s.scalars(select(User).where(User.active.is_(True))):
                if user.username not in busy:
                    out.append(WorkloadRow(user.username, user.display_name, user.role, None, 0, 0))
        return sorted(out, key=lambda r: (r.display_name, r.state or ""))
