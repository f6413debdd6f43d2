"""Summary: the claim, customer, order, product, seller and insurance, amounts and deadlines."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.services.dto import ClaimDetail
from atoz_desk.ui import style
from atoz_desk.ui.formatting import (
    DASH,
    countdown,
    humanize,
    incident_label,
    is_open_state,
    local_date,
    local_time,
    money,
)

_DEADLINES = (
    ("due_at", "Next due"),
    ("seller_response_due", "Seller response due"),
    ("info_due", "Customer information due"),
    ("proof_of_insurance_due", "Proof of insurance due"),
    ("seller_appeal_due", "Seller appeal window ends"),
)


class FieldGroup(QGroupBox):
    """A titled box of label/value rows; values are selectable plain text."""

    def __init__(self, title: str, rows: tuple[tuple[str, str], ...], parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(f"group_{title.lower().replace(' && ', '_and_').replace(' ', '_')}")
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for row, (key, caption) in enumerate(rows):
            name = QLabel(f"{caption}:", self)
            name.setProperty("role", "caption")
            name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            value = QLabel(self)
            value.setObjectName(f"summary_{key}")
            value.setAccessibleName(caption)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.values[key] = value

    def set(self, key: str, text: str, colour: str | None = None) -> None:
        label = self.values[key]
        label.setText(text or DASH)
        label.setStyleSheet(f"color: {colour};" if colour else "")


class SummaryTab(QScrollArea):
    title = "Summary"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryTab")
        self.setAccessibleName("Claim summary")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self)
        self.claim_box = FieldGroup(
            "Claim",
            (
                ("incident", "Incident"),
                ("filed", "Filed"),
                ("lane", "Lane"),
                ("assignee", "Assignee"),
                ("description", "Description"),
            ),
            body,
        )
        self.amounts_box = FieldGroup(
            "Amounts", (("claimed", "Claimed"), ("approved", "Approved"), ("denial", "Denial reason")), body
        )
        self.deadlines_box = FieldGroup("Deadlines", _DEADLINES, body)
        self.customer_box = FieldGroup(
            "Customer",
            (("name", "Name"), ("email", "E-mail"), ("address", "Address"), ("phone", "Phone")),
            body,
        )
        self.order_box = FieldGroup(
            "Order && product",
            (
                ("order", "Order"),
                ("ordered", "Ordered"),
                ("delivered", "Delivered"),
                ("product", "Product"),
                ("product_id", "Product id"),
                ("price", "Price"),
            ),
            body,
        )
        self.seller_box = FieldGroup(
            "Seller",
            (("name", "Name"), ("seller_id", "Seller id"), ("email", "E-mail"), ("phone", "Phone")),
            body,
        )
        self.insurance_box = FieldGroup(
            "Seller insurance",
            (
                ("status", "Status"),
                ("policy", "Policy"),
                ("insurer", "Insurer"),
                ("failures", "Failing rules"),
            ),
            body,
        )
        left = QVBoxLayout()
        for box in (self.claim_box, self.amounts_box, self.deadlines_box):
            left.addWidget(box)
        left.addStretch(1)
        right = QVBoxLayout()
        for box in (self.customer_box, self.order_box, self.seller_box, self.insurance_box):
            right.addWidget(box)
        right.addStretch(1)
        columns = QHBoxLayout(body)
        columns.setContentsMargins(8, 8, 8, 8)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.setWidget(body)

    def tab_title(self) -> str:
        return self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        cur = claim.currency
        c = self.claim_box
        c.set("incident", f"{incident_label(claim.incident_type)} on {local_date(claim.incident_date)}")
        c.set("filed", local_time(claim.filed_at))
        c.set(
            "lane",
            {"concession": "Concession (marketplace pays)", "seller": "Seller lane"}.get(
                claim.lane or "", "Not decided yet"
            ),
        )
        c.set("assignee", claim.assignee or "Unassigned")
        c.set("description", claim.description.strip() or "No description given.")

        a = self.amounts_box
        a.set("claimed", money(claim.amount_claimed, cur))
        a.set(
            "approved",
            money(claim.approved_amount, cur) if claim.approved_amount is not None else "Not approved yet",
        )
        a.set("denial", humanize(claim.denial_reason) if claim.denial_reason else DASH)

        still_open = is_open_state(claim.state)
        for key, _caption in _DEADLINES:
            at = claim.deadlines.get(key) if key != "due_at" else claim.due_at
            if at is None or (key == "due_at" and not still_open):
                self.deadlines_box.set(key, DASH)
                continue
            left, overdue = countdown(at, now)
            if key == "seller_appeal_due" and overdue:  # a window that closed, not work that is late
                self.deadlines_box.set(key, f"{local_time(at)}  ·  ended {left.removeprefix('overdue ')} ago")
                continue
            self.deadlines_box.set(
                key,
                f"{local_time(at)}  ·  {left}" if still_open else local_time(at),
                style.DANGER if overdue and still_open else None,
            )

        cust = claim.customer
        for key in ("name", "email", "address", "phone"):
            self.customer_box.set(key, str(cust.get(key) or ""))
        order, product = claim.order, claim.product
        self.order_box.set("order", str(order.get("external_id") or ""))
        self.order_box.set("ordered", local_date(order.get("order_date")))
        self.order_box.set(
            "delivered",
            local_date(order.get("delivered_date")) if order.get("delivered_date") else "Not recorded",
        )
        self.order_box.set("product", str(product.get("title") or ""))
        self.order_box.set("product_id", str(product.get("external_id") or ""))
        price = product.get("price")
        self.order_box.set(
            "price", money(price, str(product.get("currency") or cur)) if price is not None else DASH
        )
        seller = claim.seller
        self.seller_box.set("name", str(seller.get("name") or ""))
        self.seller_box.set("seller_id", str(seller.get("external_id") or ""))
        self.seller_box.set("email", str(seller.get("email") or ""))
        self.seller_box.set("phone", str(seller.get("phone") or ""))

        ins = claim.insurance
        box = self.insurance_box
        if ins.valid:
            box.set("status", "✓ Valid for this claim", style.SUCCESS)
        elif ins.policy_number is None:
            box.set("status", "✗ No insurance policy on file", style.DANGER)
        else:
            box.set("status", "✗ Not valid for this claim", style.DANGER)
        box.set("policy", ins.policy_number or DASH)
        box.set("insurer", ins.insurer or DASH)
        failures = "\n".join(f"• {f[:1].upper()}{f[1:]}" for f in ins.failures)
        box.set("failures", failures or "None", style.DANGER if failures else None)
