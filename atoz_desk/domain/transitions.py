"""The one transition table: which moves exist, who may make them, what each needs.

The UI asks `available_actions` what to offer; services call `check_action`
before changing anything, so a hidden button is never the only guard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from atoz_desk.domain.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
)
from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState as S
from atoz_desk.domain.states import DenialReason, Lane, Payer, Role


class Action(StrEnum):
    START_REVIEW = "start_review"
    REQUEST_INFO = "request_info"
    INFO_RECEIVED = "info_received"
    INFO_REQUEST_EXPIRED = "info_request_expired"
    SEND_TO_FRAUD_REVIEW = "send_to_fraud_review"
    CLEAR_FRAUD_REVIEW = "clear_fraud_review"
    REFER_TO_EXPERTS = "refer_to_experts"
    EXPERT_SUBSTANTIATED = "expert_substantiated"
    EXPERT_NOT_SUBSTANTIATED = "expert_not_substantiated"
    APPROVE_CONCESSION = "approve_concession"
    PRESENT_TO_SELLER = "present_to_seller"
    RECORD_SELLER_ACCEPTANCE = "record_seller_acceptance"
    RECORD_SELLER_REJECTION = "record_seller_rejection"
    SELLER_DEADLINE_REMINDER = "seller_deadline_reminder"
    SELLER_NO_RESPONSE = "seller_no_response"
    ESCALATE = "escalate"
    ACCEPT_SELLER_DEFENSE = "accept_seller_defense"
    STEP_IN = "step_in"
    UPHOLD_REJECTION = "uphold_rejection"
    ISSUE_PAYMENT = "issue_payment"
    CONFIRM_SELLER_PAYMENT = "confirm_seller_payment"
    CONFIRM_PAYMENT = "confirm_payment"
    RECORD_RECOVERY = "record_recovery"
    WRITE_OFF_RECOVERY = "write_off_recovery"
    RECORD_DEFENSE_OUTCOME = "record_defense_outcome"
    DENY = "deny"
    WITHDRAW = "withdraw"
    CLOSE = "close"


class NoticeKind(StrEnum):
    """Outbound seller notices; each transition that concerns a seller writes one."""

    CONCESSION_APPROVED = "concession_approved"
    CLAIM_PRESENTED = "claim_presented"
    ACCEPTANCE_RECORDED = "acceptance_recorded"
    REJECTION_RECORDED = "rejection_recorded"
    DEADLINE_REMINDER = "deadline_reminder"
    STEP_IN = "step_in"
    ESCALATION_UNDER_REVIEW = "escalation_under_review"
    DEFENSE_OUTCOME = "defense_outcome"
    PAYMENT_ISSUED = "payment_issued"
    PAYMENT_CONFIRMED = "payment_confirmed"
    RECOVERY_UPDATE = "recovery_update"
    CLAIM_WITHDRAWN = "claim_withdrawn"
    CLAIM_DENIED = "claim_denied"
    CLAIM_CLOSED = "claim_closed"


class DefenseOutcome(StrEnum):
    DEFENSE_UPHELD = "defense_upheld"
    DEFENSE_REJECTED = "defense_rejected"


class ExpertDenial(StrEnum):
    UNSUBSTANTIATED = "unsubstantiated"
    FRIVOLOUS = "frivolous"
    ABUSIVE = "abusive"


ADJUSTERS = frozenset({Role.ADJUSTER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
SYSTEM: frozenset[Role] = frozenset()  # only the deadline sweep makes these moves


@dataclass(frozen=True)
class ClaimFacts:
    """What the rules need to know about a claim; built by the service from the database."""

    state: S
    lane: Lane | None
    currency: str
    amount_claimed: Decimal
    approved_amount: Decimal | None = None
    assignee_id: int | None = None
    has_open_recovery: bool = False
    defense_open: bool = False
    has_unconfirmed_payment: bool = False


@dataclass(frozen=True)
class Actor:
    """The user making a move. `user_id` None is the system (deadline sweep)."""

    user_id: int | None
    username: str
    display_name: str
    role: Role | None
    authority_limit: Decimal

    @property
    def is_system(self) -> bool:
        return self.user_id is None


SYSTEM_ACTOR = Actor(None, "system", "Deadline sweep", None, Decimal("0"))


@dataclass(frozen=True)
class Requirements:
    amount: bool = False
    note: bool = False
    reasons: tuple[str, ...] = ()  # non-empty: a reason code from these is required
    firm: bool = False
    due_date: bool = False  # optional due date offered
    payer: bool = False  # optional: who paid (seller or insurer)

    def describe(self) -> list[str]:
        out = []
        if self.amount:
            out.append("amount")
        if self.reasons:
            out.append("reason (" + " | ".join(self.reasons) + ")")
        if self.note:
            out.append("note")
        if self.firm:
            out.append("firm")
        if self.due_date:
            out.append("due date (optional)")
        if self.payer:
            out.append("payer (optional: seller | insurer)")
        return out


Guard = Callable[[ClaimFacts, PolicySettings], str | None]


@dataclass(frozen=True)
class Transition:
    action: Action
    label: str
    sources: frozenset[S]
    target: S | None  # None: the claim stays in its state
    roles: frozenset[Role]
    requires: Requirements = field(default_factory=Requirements)
    seller_notice: NoticeKind | None = None
    checks_authority: bool = False  # pays money: amount must be within the user's limit
    guard: Guard | None = None
    sets_lane: Lane | None = None
    denial_reason: DenialReason | None = None  # fixed reason recorded on the claim

    def target_for(self, state: S) -> S:
        return self.target if self.target is not None else state


@dataclass(frozen=True)
class ActionParams:
    """What the user supplied for a move."""

    amount: Decimal | None = None
    reason: str | None = None
    note: str | None = None
    firm: str | None = None
    due_date: date | None = None
    payer: str | None = None
    now: datetime | None = None


def _needs_open_recovery(f: ClaimFacts, _: PolicySettings) -> str | None:
    return None if f.has_open_recovery else "there is no open recovery on this claim"


def _needs_open_defense(f: ClaimFacts, _: PolicySettings) -> str | None:
    return None if f.defense_open else "the seller has no open defense on this claim"


def _needs_unconfirmed_payment(f: ClaimFacts, _: PolicySettings) -> str | None:
    return None if f.has_unconfirmed_payment else "no payment is waiting for confirmation"


def _close_guard(f: ClaimFacts, _: PolicySettings) -> str | None:
    if f.has_unconfirmed_payment:
        return "a payment is still waiting for confirmation"
    return None


_OPEN_PRE_PAYMENT = frozenset(
    {
        S.NEW,
        S.IN_REVIEW,
        S.AWAITING_CUSTOMER,
        S.FRAUD_REVIEW,
        S.EXPERT_REVIEW,
        S.APPROVED_CONCESSION,
        S.SELLER_NOTIFIED,
        S.SELLER_REJECTED,
        S.ESCALATED,
    }
)
_RECOVERY_STATES = frozenset({S.APPROVED_CONCESSION, S.STEP_IN, S.PAID, S.CLOSED})

_T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    _T(Action.START_REVIEW, "Start review", frozenset({S.NEW}), S.IN_REVIEW, ADJUSTERS),
    _T(
        Action.REQUEST_INFO,
        "Request information from customer",
        frozenset({S.IN_REVIEW}),
        S.AWAITING_CUSTOMER,
        ADJUSTERS,
        Requirements(note=True, due_date=True),
    ),
    _T(
        Action.INFO_RECEIVED,
        "Information received",
        frozenset({S.AWAITING_CUSTOMER}),
        S.IN_REVIEW,
        ADJUSTERS,
        Requirements(note=True),
    ),
    _T(
        Action.INFO_REQUEST_EXPIRED,
        "Information request expired",
        frozenset({S.AWAITING_CUSTOMER}),
        S.IN_REVIEW,
        SYSTEM,
    ),
    _T(
        Action.SEND_TO_FRAUD_REVIEW,
        "Send to fraud review",
        frozenset({S.NEW, S.IN_REVIEW}),
        S.FRAUD_REVIEW,
        ADJUSTERS,
        Requirements(note=True),
    ),
    _T(
        Action.CLEAR_FRAUD_REVIEW,
        "Clear fraud review (claim valid)",
        frozenset({S.FRAUD_REVIEW}),
        S.IN_REVIEW,
        ADJUSTERS,
        Requirements(note=True),
    ),
    _T(
        Action.REFER_TO_EXPERTS,
        "Refer to external fraud experts",
        frozenset({S.FRAUD_REVIEW}),
        S.EXPERT_REVIEW,
        ADJUSTERS,
        Requirements(firm=True, due_date=True, note=True),
    ),
    _T(
        Action.EXPERT_SUBSTANTIATED,
        "Experts: claim substantiated",
        frozenset({S.EXPERT_REVIEW}),
        S.IN_REVIEW,
        ADJUSTERS,
        Requirements(note=True),
    ),
    _T(
        Action.EXPERT_NOT_SUBSTANTIATED,
        "Experts: claim not substantiated (deny)",
        frozenset({S.EXPERT_REVIEW}),
        S.DENIED,
        ADJUSTERS,
        Requirements(note=True, reasons=tuple(r.value for r in ExpertDenial)),
    ),
    _T(
        Action.APPROVE_CONCESSION,
        "Approve concession (marketplace pays)",
        frozenset({S.IN_REVIEW}),
        S.APPROVED_CONCESSION,
        ADJUSTERS,
        Requirements(amount=True),
        seller_notice=NoticeKind.CONCESSION_APPROVED,
        checks_authority=True,
        sets_lane=Lane.CONCESSION,
    ),
    _T(
        Action.PRESENT_TO_SELLER,
        "Present to seller and insurer",
        frozenset({S.IN_REVIEW}),
        S.SELLER_NOTIFIED,
        ADJUSTERS,
        Requirements(amount=True),
        seller_notice=NoticeKind.CLAIM_PRESENTED,
        sets_lane=Lane.SELLER,
    ),
    _T(
        Action.RECORD_SELLER_ACCEPTANCE,
        "Seller accepted",
        frozenset({S.SELLER_NOTIFIED}),
        S.SELLER_ACCEPTED,
        ADJUSTERS,
        Requirements(payer=True),
        seller_notice=NoticeKind.ACCEPTANCE_RECORDED,
    ),
    _T(
        Action.RECORD_SELLER_REJECTION,
        "Seller rejected",
        frozenset({S.SELLER_NOTIFIED}),
        S.SELLER_REJECTED,
        ADJUSTERS,
        Requirements(note=True),
        seller_notice=NoticeKind.REJECTION_RECORDED,
    ),
    _T(
        Action.SELLER_DEADLINE_REMINDER,
        "Seller deadline reminder",
        frozenset({S.SELLER_NOTIFIED}),
        None,
        SYSTEM,
        seller_notice=NoticeKind.DEADLINE_REMINDER,
    ),
    _T(
        Action.SELLER_NO_RESPONSE,
        "Seller did not respond: marketplace steps in",
        frozenset({S.SELLER_NOTIFIED}),
        S.STEP_IN,
        SYSTEM,
        seller_notice=NoticeKind.STEP_IN,
    ),
    _T(
        Action.ESCALATE,
        "Escalate to supervisor (claim believed valid)",
        frozenset({S.SELLER_REJECTED}),
        S.ESCALATED,
        ADJUSTERS,
        Requirements(note=True),
        seller_notice=NoticeKind.ESCALATION_UNDER_REVIEW,
    ),
    _T(
        Action.ACCEPT_SELLER_DEFENSE,
        "Accept seller's rejection (deny)",
        frozenset({S.SELLER_REJECTED}),
        S.DENIED,
        ADJUSTERS,
        Requirements(note=True),
        seller_notice=NoticeKind.DEFENSE_OUTCOME,
        denial_reason=DenialReason.SELLER_DEFENSE_UPHELD,
    ),
    _T(
        Action.STEP_IN,
        "Step in: marketplace pays, pursues seller",
        frozenset({S.ESCALATED}),
        S.STEP_IN,
        SUPERVISORS,
        Requirements(amount=True, note=True),
        seller_notice=NoticeKind.STEP_IN,
        checks_authority=True,
    ),
    _T(
        Action.UPHOLD_REJECTION,
        "Uphold seller's rejection (deny)",
        frozenset({S.ESCALATED}),
        S.DENIED,
        SUPERVISORS,
        Requirements(note=True),
        seller_notice=NoticeKind.DEFENSE_OUTCOME,
        denial_reason=DenialReason.SELLER_DEFENSE_UPHELD,
    ),
    _T(
        Action.ISSUE_PAYMENT,
        "Issue payment to customer",
        frozenset({S.APPROVED_CONCESSION, S.STEP_IN}),
        S.PAID,
        ADJUSTERS,
        seller_notice=NoticeKind.PAYMENT_ISSUED,
        checks_authority=True,
    ),
    _T(
        Action.CONFIRM_SELLER_PAYMENT,
        "Confirm seller/insurer paid the customer",
        frozenset({S.SELLER_ACCEPTED}),
        S.PAID,
        ADJUSTERS,
        Requirements(payer=True),
        seller_notice=NoticeKind.PAYMENT_CONFIRMED,
    ),
    _T(
        Action.CONFIRM_PAYMENT,
        "Confirm payment received by customer",
        frozenset({S.PAID}),
        None,
        ADJUSTERS,
        guard=_needs_unconfirmed_payment,
    ),
    _T(
        Action.RECORD_RECOVERY,
        "Record amount recovered from seller",
        _RECOVERY_STATES,
        None,
        ADJUSTERS,
        Requirements(amount=True, note=True),
        seller_notice=NoticeKind.RECOVERY_UPDATE,
        guard=_needs_open_recovery,
    ),
    _T(
        Action.WRITE_OFF_RECOVERY,
        "Write off recovery",
        _RECOVERY_STATES,
        None,
        SUPERVISORS,
        Requirements(note=True),
        seller_notice=NoticeKind.RECOVERY_UPDATE,
        guard=_needs_open_recovery,
    ),
    _T(
        Action.RECORD_DEFENSE_OUTCOME,
        "Record outcome of seller's defense",
        frozenset({S.STEP_IN, S.PAID, S.CLOSED}),
        None,
        SUPERVISORS,
        Requirements(note=True, reasons=tuple(o.value for o in DefenseOutcome)),
        seller_notice=NoticeKind.DEFENSE_OUTCOME,
        guard=_needs_open_defense,
    ),
    _T(
        Action.DENY,
        "Deny claim",
        frozenset({S.NEW, S.IN_REVIEW, S.AWAITING_CUSTOMER, S.FRAUD_REVIEW}),
        S.DENIED,
        ADJUSTERS,
        Requirements(
            note=True,
            reasons=(
                DenialReason.UNSUBSTANTIATED.value,
                DenialReason.FRIVOLOUS.value,
                DenialReason.ABUSIVE.value,
                DenialReason.NOT_ELIGIBLE.value,
            ),
        ),
        seller_notice=NoticeKind.CLAIM_DENIED,
    ),
    _T(
        Action.WITHDRAW,
        "Customer withdrew the claim",
        _OPEN_PRE_PAYMENT,
        S.WITHDRAWN,
        ADJUSTERS,
        Requirements(note=True),
        seller_notice=NoticeKind.CLAIM_WITHDRAWN,
        denial_reason=DenialReason.WITHDRAWN,
    ),
    _T(
        Action.CLOSE,
        "Close claim",
        frozenset({S.PAID, S.DENIED, S.WITHDRAWN}),
        S.CLOSED,
        ADJUSTERS,
        seller_notice=NoticeKind.CLAIM_CLOSED,
        guard=_close_guard,
    ),
)

TRANSITIONS_BY_ACTION: Mapping[Action, Transition] = {t.action: t for t in TRANSITIONS}


def transition_for(action: str) -> Transition:
    try:
        return TRANSITIONS_BY_ACTION[Action(action)]
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise ValidationError(f"unknown action {action!r}; known actions: {known}", "action") from None


def role_allows(t: Transition, actor: Actor) -> bool:
    if actor.is_system:
        return not t.roles
    return actor.role is not None and actor.role in t.roles


def _amount_checked(t: Transition, facts: ClaimFacts, params: ActionParams) -> Decimal | None:
    if not t.checks_authority:
        return None
    return params.amount if t.requires.amount else facts.approved_amount


def _role_refusal(t: Transition, actor: Actor) -> str:
    if not t.roles:
        return f"'{t.label}' is made only by the deadline sweep"
    who = " or ".join(sorted(r.value for r in t.roles))
    role = actor.role.value if actor.role else "system"
    return f"'{t.label}' needs the role {who}; you are {role}"


def unavailable_reason(t: Transition, facts: ClaimFacts, actor: Actor, policy: PolicySettings) -> str | None:
    """Why this move cannot be offered now (state, role, guard), or None when it can."""
    if facts.state not in t.sources:
        return f"a claim that is {facts.state.label.lower()} cannot take '{t.label}'"
    if not role_allows(t, actor):
        return _role_refusal(t, actor)
    if t.guard is not None:
        return t.guard(facts, policy)
    return None


def authority_shortfall(t: Transition, facts: ClaimFacts, actor: Actor, amount: Decimal | None) -> str | None:
    """A message when the move pays more than the actor may approve."""
    if not t.checks_authority or actor.is_system:
        return None
    if amount is None:
        amount = facts.approved_amount
    if amount is None:
        return None
    if amount > actor.authority_limit:
        return (
            f"'{t.label}' for {format_money(amount, facts.currency)} is above your authority limit "
            f"of {format_money(actor.authority_limit, facts.currency)}; "
            "a supervisor or someone with enough authority must approve it"
        )
    return None


def available_actions(
    facts: ClaimFacts, actor: Actor, policy: PolicySettings
) -> list[tuple[Transition, str | None]]:
    """Every move from this state the actor's role allows, with a reason when it is blocked.

    Blocked-by-authority moves are listed with the reason so the UI can show
    them disabled and explain why, rather than hide them.
    """
    out: list[tuple[Transition, str | None]] = []
    for t in TRANSITIONS:
        if facts.state not in t.sources or not role_allows(t, actor):
            continue
        reason = unavailable_reason(t, facts, actor, policy)
        if reason is None:
            reason = authority_shortfall(t, facts, actor, None)
        out.append((t, reason))
    return out


def check_action(
    action: str,
    facts: ClaimFacts,
    actor: Actor,
    params: ActionParams,
    policy: PolicySettings,
) -> tuple[Transition, ActionParams]:
    """Validate a move completely before anything changes; returns normalised params."""
    t = transition_for(action)
    if not role_allows(t, actor):
        raise PermissionDenied(_role_refusal(t, actor))
    if facts.state not in t.sources:
        raise TransitionNotAllowed(f"'{t.label}' is not possible: the claim is {facts.state.label.lower()}")
    reason = unavailable_reason(t, facts, actor, policy)
    if reason is not None:
        if not role_allows(t, actor):
            raise PermissionDenied(reason)
        raise TransitionNotAllowed(f"'{t.label}' is not possible: {reason}")

    req = t.requires
    note = (params.note or "").strip() or None
    if req.note and note is None:
        raise ValidationError(f"'{t.label}' needs a note saying why", "note")

    reason_code = (params.reason or "").strip() or None
    if req.reasons:
        if reason_code is None:
            raise ValidationError(f"'{t.label}' needs a reason: one of {', '.join(req.reasons)}", "reason")
        if reason_code not in req.reasons:
            raise ValidationError(
                f"reason {reason_code!r} does not fit '{t.label}'; use one of {', '.join(req.reasons)}",
                "reason",
            )
    elif reason_code is not None:
        reason_code = None  # moves without reason codes ignore one given

    amount = params.amount
    amount = _check_amount(t, facts, amount, policy) if req.amount else None

    firm = (params.firm or "").strip() or None
    if req.firm and firm is None:
        raise ValidationError(f"'{t.label}' needs the expert firm's name", "firm")

    payer = (params.payer or "").strip().lower() or None
    if payer is not None:
        if not req.payer:
            payer = None
        elif payer not in (Payer.SELLER.value, Payer.INSURER.value):
            raise ValidationError("payer must be 'seller' or 'insurer'", "payer")

    if params.due_date is not None and params.now is not None and params.due_date < params.now.date():
        raise ValidationError("the due date is in the past", "due_date")

    shortfall = authority_shortfall(t, facts, actor, amount)
    if shortfall is not None:
        raise PermissionDenied(shortfall)

    normalised = ActionParams(
        amount=amount,
        reason=reason_code,
        note=note,
        firm=firm,
        due_date=params.due_date if (req.due_date) else None,
        payer=payer,
        now=params.now,
    )
    return t, normalised


def _check_amount(
    t: Transition, facts: ClaimFacts, amount: Decimal | None, policy: PolicySettings
) -> Decimal:
    cur = facts.currency
    if amount is None:
        if t.action in (Action.RECORD_RECOVERY,):
            raise ValidationError(f"'{t.label}' needs the amount recovered", "amount")
        amount = facts.approved_amount or facts.amount_claimed
    if amount <= 0:
        raise ValidationError(f"the amount must be greater than {format_money(Decimal(0), cur)}", "amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError("the amount has more than 2 decimal places", "amount")
    if t.action is Action.RECORD_RECOVERY:
        return amount
    if amount > facts.amount_claimed:
        raise ValidationError(
            f"{format_money(amount, cur)} is more than the {format_money(facts.amount_claimed, cur)} "
            "the customer claimed",
            "amount",
        )
    limit = format_money(policy.concession_limit, cur)
    if t.action is Action.APPROVE_CONCESSION and not policy.is_concession_amount(amount):
        return _raise(
            f"{format_money(amount, cur)} is not under the concession limit of {limit}; "
            "present the claim to the seller instead"
        )
    if t.action is Action.PRESENT_TO_SELLER and policy.is_concession_amount(amount):
        return _raise(
            f"{format_money(amount, cur)} is under the concession limit of {limit}; "
            "the marketplace pays it directly (approve concession)"
        )
    return amount


def _raise(message: str) -> Decimal:
    raise ValidationError(message, "amount")
