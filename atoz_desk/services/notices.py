"""The text of each seller notice: what happened, what it means, what to do."""

from __future__ import annotations

from dataclasses import dataclass

from atoz_desk.domain.transitions import NoticeKind


@dataclass(frozen=True)
class NoticeFacts:
    reference: str
    seller_name: str
    product_title: str
    incident: str
    amount: str  # formatted with currency
    deadline: str | None = None  # formatted date
    note: str | None = None
    reason: str | None = None
    insurance_summary: str | None = None
    recovery: str | None = None


_DIRECTORY = (
    "Sellers can find vetted providers of product liability insurance in the Insurance Accelerator directory."
)


def seller_notice(kind: NoticeKind, f: NoticeFacts) -> tuple[str, str]:
    """(subject, body) of the notice sent to the seller for this step."""
    head = f"Dear {f.seller_name},\n\n"
    about = f'claim {f.reference} ({f.incident}) concerning your product "{f.product_title}"'
    extra = f"\n\nNote from the adjuster: {f.note}" if f.note else ""
    match kind:
        case NoticeKind.CONCESSION_APPROVED:
            body = (
                f"We have approved {about} as a concession of {f.amount}. The marketplace pays the "
                "customer directly; no action is needed from you."
            )
            if f.recovery:
                body += (
                    f"\n\nHowever, we found no valid product liability insurance for you "
                    f"({f.insurance_summary}). We have opened a reimbursement of {f.recovery}. "
                    f"Please send proof of valid insurance by {f.deadline}. {_DIRECTORY}"
                )
            else:
                body += " We do not seek reimbursement from sellers who hold valid insurance."
            body += "\nYou may appeal this concession within 30 days."
            return f"Concession approved on claim {f.reference} — no action needed", head + body + extra
        case NoticeKind.CLAIM_PRESENTED:
            return (
                f"Action required: claim {f.reference} presented, respond by {f.deadline}",
                head + f"A customer has filed {about} for {f.amount}. Our fraud and abuse screening "
                "found the claim valid. Please accept or reject it, or have your insurer respond, "
                f"by {f.deadline}. If we do not hear from you by then, the marketplace will pay the "
                "customer and seek reimbursement from you." + extra,
            )
        case NoticeKind.ACCEPTANCE_RECORDED:
            return (
                f"Acceptance recorded on claim {f.reference}",
                head + f"We recorded your acceptance of {about} for {f.amount}. Please pay the "
                "customer, or have your insurer pay, and send confirmation." + extra,
            )
        case NoticeKind.REJECTION_RECORDED:
            return (
                f"Rejection recorded on claim {f.reference}",
                head + f"We recorded your rejection of {about}. An adjuster will review your grounds "
                "and tell you the outcome." + extra,
            )
        case NoticeKind.DEADLINE_REMINDER:
            return (
                f"Reminder: respond to claim {f.reference} by {f.deadline}",
                head + f"We have not yet received your response to {about} for {f.amount}. "
                f"Please respond by {f.deadline}; after that the marketplace will pay the customer "
                "and seek reimbursement from you.",
            )
        case NoticeKind.STEP_IN:
            return (
                f"The marketplace is paying claim {f.reference}",
                head
                + f"The marketplace has stepped in to pay {about} ({f.amount})"
                + (f" because {f.reason}" if f.reason else "")
                + f". We have opened a reimbursement of {f.recovery or f.amount} against you. "
                "You keep the opportunity to defend your product against the claim." + extra,
            )
        case NoticeKind.ESCALATION_UNDER_REVIEW:
            return (
                f"Your rejection of claim {f.reference} is under supervisor review",
                head + f"We believe {about} may be valid despite your rejection. A supervisor is "
                "reviewing it and will decide whether the marketplace steps in." + extra,
            )
        case NoticeKind.DEFENSE_OUTCOME:
            return (
                f"Outcome of your defense on claim {f.reference}",
                head + f"Decision on {about}: {f.reason or 'recorded'}." + extra,
            )
        case NoticeKind.PAYMENT_ISSUED:
            return (
                f"Payment issued on claim {f.reference}",
                head + f"The marketplace has paid the customer {f.amount} on {about}." + extra,
            )
        case NoticeKind.PAYMENT_CONFIRMED:
            return (
                f"Payment confirmed on claim {f.reference}",
                head + f"We confirmed that the customer received {f.amount} on {about}. Thank you." + extra,
            )
        case NoticeKind.RECOVERY_UPDATE:
            return (
                f"Reimbursement update on claim {f.reference}",
                head + f"Reimbursement on {about}: {f.recovery or 'updated'}." + extra,
            )
        case NoticeKind.CLAIM_WITHDRAWN:
            return (
                f"Claim {f.reference} withdrawn",
                head + f"The customer withdrew {about}. No further action is needed." + extra,
            )
        case NoticeKind.CLAIM_DENIED:
            return (
                f"Claim {f.reference} denied",
                head + f"We denied {about}: {f.reason or 'see the decision'}. "
                "No action is needed from you." + extra,
            )
        case NoticeKind.CLAIM_CLOSED:
            return (
                f"Claim {f.reference} closed",
                head + f"We closed {about}. Thank you for keeping your products safe.",
            )
    raise AssertionError(f"no text for notice {kind}")
