"""The transition table itself: complete, reachable, and asked by the UI what to offer."""

from __future__ import annotations

from decimal import Decimal

from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState, Role
from atoz_desk.domain.transitions import (
    SYSTEM_ACTOR,
    TRANSITIONS,
    Actor,
    ClaimFacts,
    available_actions,
)

POLICY = PolicySettings()
ADJUSTER = Actor(1, "alice", "Alice", Role.ADJUSTER, Decimal("1000.00"))
SUPERVISOR = Actor(2, "sam", "Sam", Role.SUPERVISOR, Decimal("100000.00"))


def test_every_state_is_reachable_from_new() -> None:
    seen = {ClaimState.NEW}
    frontier = [ClaimState.NEW]
    while frontier:
        state = frontier.pop()
        for t in TRANSITIONS:
            if state in t.sources:
                target = t.target_for(state)
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
    assert seen == set(ClaimState)


def test_only_closed_has_no_way_out_except_recovery_work() -> None:
    for state in ClaimState:
        leaving = [t for t in TRANSITIONS if state in t.sources and t.target not in (None, state)]
        if state is ClaimState.CLOSED:
            assert leaving == []
        else:
            assert leaving, f"{state} is a dead end"


def test_every_move_that_concerns_money_checks_authority() -> None:
    paying = {t.action.value for t in TRANSITIONS if t.checks_authority}
    assert paying == {"approve_concession", "step_in", "issue_payment"}


def test_supervisor_sees_escalation_decisions_adjuster_does_not() -> None:
    facts = ClaimFacts(ClaimState.ESCALATED, None, "USD", Decimal("5000.00"))
    adjuster = {t.action.value for t, _ in available_actions(facts, ADJUSTER, POLICY)}
    supervisor = {t.action.value for t, why in available_actions(facts, SUPERVISOR, POLICY) if why is None}
    assert {"step_in", "uphold_rejection"} <= supervisor
    assert not {"step_in", "uphold_rejection"} & adjuster


def test_payment_above_authority_is_listed_but_blocked_with_the_limit() -> None:
    facts = ClaimFacts(
        ClaimState.STEP_IN, None, "USD", Decimal("5000.00"), approved_amount=Decimal("5000.00")
    )
    offered = {t.action.value: why for t, why in available_actions(facts, ADJUSTER, POLICY)}
    assert "issue_payment" in offered
    assert offered["issue_payment"] is not None and "$1,000.00" in offered["issue_payment"]


def test_the_sweep_is_offered_only_its_own_moves() -> None:
    facts = ClaimFacts(ClaimState.SELLER_NOTIFIED, None, "USD", Decimal("5000.00"))
    moves = {t.action.value for t, _ in available_actions(facts, SYSTEM_ACTOR, POLICY)}
    assert moves == {"seller_deadline_reminder", "seller_no_response"}
