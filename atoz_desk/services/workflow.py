"""Moving claims through the program: every move checked by the transition table,
applied with its history entry and seller notice in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, User
from atoz_desk.domain.errors import PermissionDenied, StaleEdit
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import (
    ClaimState,
    Role,
)
from atoz_desk.domain.transitions import (
    ActionParams,
    Actor,
    Transition,
    available_actions,
    check_action,
)
from atoz_desk.services.claims import build_detail, facts_of, load_claim
from atoz_desk.services.dto import ActionOption, ClaimDetail
from atoz_desk.services.effects import EFFECTS, Move, no_effect, send_seller_notice
from atoz_desk.services.records import record_history


class ClaimWorkflow:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def actions_for(self, reference: str, actor: Actor) -> list[ActionOption]:
        """The moves this user may see now, each with what it requires or why it is blocked."""
        with self._db.reading() as s:
            claim = load_claim(s, reference)
            facts = facts_of(s, claim)
            blocked_all = _assignment_problem(claim, actor, s)
            out = []
            for t, reason in available_actions(facts, actor, self._policy):
                req = t.requires
                out.append(
                    ActionOption(
                        action=t.action.value,
                        label=t.label,
                        target_state=t.target_for(facts.state).value,
                        requires=tuple(req.describe()),
                        reasons=req.reasons,
                        needs_amount=req.amount,
                        needs_note=req.note,
                        needs_firm=req.firm,
                        offers_due_date=req.due_date,
                        offers_payer=req.payer,
                        blocked_reason=reason or blocked_all,
                    )
                )
            return out

    def act(
        self,
        reference: str,
        action: str,
        actor: Actor,
        params: ActionParams | None = None,
        *,
        expected_version: int | None = None,
    ) -> ClaimDetail:
        """Make one move. Raises a DomainError (nothing changed) when it is not allowed."""
        params = params or ActionParams()
        with self._db.unit_of_work() as s:
            claim = load_claim(s, reference, for_update=True)
            if expected_version is not None and claim.version != expected_version:
                raise StaleEdit(
                    f"Claim {claim.reference} was changed by someone else since you opened it "
                    f"(now {ClaimState(claim.state).label.lower()}); nothing was overwritten. "
                    "Reload it and apply your change again.",
                    current_version=claim.version,
                )
            apply_move(s, claim, action, actor, params, self._policy, self._clock())
            s.flush()
            return build_detail(s, claim, self._policy)


def _assignment_problem(claim: Claim, actor: Actor, s: Session) -> str | None:
    if actor.is_system or actor.role in (Role.SUPERVISOR, Role.ADMIN):
        return None
    if claim.assignee_id is None or claim.assignee_id == actor.user_id:
        return None
    owner = s.get(User, claim.assignee_id)
    name = owner.display_name if owner else f"user {claim.assignee_id}"
    return f"claim {claim.reference} is assigned to {name}; a supervisor can reassign it"


def apply_move(
    s: Session,
    claim: Claim,
    action: str,
    actor: Actor,
    params: ActionParams,
    policy: PolicySettings,
    now: datetime,
) -> Transition:
    """Check and apply one move inside the caller's transaction (also used by the sweep)."""
    problem = _assignment_problem(claim, actor, s)
    if problem is not None:
        raise PermissionDenied(problem)
    facts = facts_of(s, claim)
    t, p = check_action(action, facts, actor, _with_now(params, now), policy)
    before = claim.state
    m = Move(s, claim, t, p, actor, now, policy, changes={})
    if p.amount is not None:
        m.changes["amount"] = p.amount
    if p.reason is not None:
        m.changes["reason"] = p.reason
    EFFECTS.get(t.action, no_effect)(m)

    claim.state = t.target_for(ClaimState(before)).value
    if t.sets_lane is not None:
        claim.lane = t.sets_lane.value
        m.changes["lane"] = t.sets_lane.value
    if t.denial_reason is not None:
        claim.denial_reason = t.denial_reason.value
    if not ClaimState(claim.state).is_open:
        claim.due_at = now
    if claim.assignee_id is None and not actor.is_system:
        claim.assignee_id = actor.user_id
        m.changes["assignee"] = actor.username
    claim.updated_at = now

    if t.seller_notice is not None and claim.lane is not None:
        send_seller_notice(m)
    record_history(
        s,
        claim=claim,
        actor=actor,
        action=t.action.value,
        at=now,
        from_state=before,
        to_state=claim.state,
        changes=m.changes,
        note=p.note,
    )
    # the decision's letters are archived in the same transaction (they read the history entry);
    # imported here so that offering the moves (actions_for) does not load the letters (~75 ms)
    from atoz_desk.services.letters import letter_for_move

    letter_for_move(s, claim, t.action.value, actor, now, policy)
    return t


def _with_now(p: ActionParams, now: datetime) -> ActionParams:
    return ActionParams(p.amount, p.reason, p.note, p.firm, p.due_date, p.payer, now)
