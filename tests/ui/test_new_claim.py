"""New claim (Ctrl+Shift+N): validated like an import, filed off the GUI thread, then opened."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from atoz_desk.domain.errors import ValidationError
from atoz_desk.services import intake_rules
from atoz_desk.services.queues import QueueId
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.new_claim_dialog import NewClaimDialog

from .conftest import Desk, focus_key, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

FORM = {
    "order_id": "ORD-NEW-1",
    "product_id": "P-NEW-1",
    "product_title": "Cordless kettle",
    "product_price": "45.00",
    "seller_id": "S-NEW",
    "seller_name": "Kettle Co.",
    "customer_name": "Zoë Łukasiewicz",
    "customer_email": "zoe@example.com",
    "customer_address": "1 Rynek, Kraków",
    "amount_claimed": "300.00",
    "description": "The kettle's base melted the worktop.",
}


def open_dialog(qtbot: QtBot, w: MainWindow) -> NewClaimDialog:
    qtbot.waitUntil(w.isActiveWindow)
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.new_claim_dialog is not None and w.new_claim_dialog.isVisible())
    dialog = w.new_claim_dialog
    assert dialog is not None
    return dialog


def fill(qtbot: QtBot, dialog: NewClaimDialog, values: dict[str, str]) -> None:
    for name, value in values.items():
        widget = dialog.fields[name]
        if isinstance(widget, QLineEdit):
            widget.clear()
            if value.isascii():
                qtbot.keyClicks(widget, value)
            else:  # QTest types Latin-1 only; "Ł" is pasted as an input method would
                widget.insert(value)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(widget.findData(value))


def test_new_claim_is_validated_filed_and_opened(qtbot: QtBot, alice_window: MainWindow, desk: Desk) -> None:
    w = alice_window
    qtbot.waitUntil(lambda: w.queue_nav.nav_model.count(QueueId.NEW) == 5)
    dialog = open_dialog(qtbot, w)
    assert dialog.fields["filed_at"].dateTime().toPython().strftime("%Y-%m-%d") == "2026-11-02"  # type: ignore[union-attr]

    fill(qtbot, dialog, {**FORM, "customer_email": "not-an-address"})
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    error = dialog.errors["customer_email"]
    assert error.isVisible() and "not an e-mail address" in error.text()
    assert (
        dialog.fields["customer_email"].hasFocus() or dialog.focusWidget() is dialog.fields["customer_email"]
    )
    assert dialog.result_info is None

    fill(qtbot, dialog, {"customer_email": FORM["customer_email"], "amount_claimed": "12.345"})
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    assert not dialog.errors["customer_email"].isVisible()
    assert "more than 2 decimal places" in dialog.errors["amount_claimed"].text()

    fill(qtbot, dialog, {"amount_claimed": FORM["amount_claimed"]})
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_info is not None)
    result = dialog.result_info
    assert result is not None and result.reference.startswith("AZ-")
    assert dialog.result_title.text() == f"Filed as {result.reference}"
    assert "waits in New" in dialog.result_text.text() or "fraud review" in dialog.result_text.text()
    assert dialog.open_button.isVisible()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(showing(w, result.reference))
    assert w.detail_pane.detail is not None and w.detail_pane.detail.customer["name"] == "Zoë Łukasiewicz"
    qtbot.waitUntil(lambda: w.queue_nav.nav_model.count(QueueId.NEW) == 6)
    assert w.new_claim_dialog is None


def test_a_suspicious_new_claim_says_it_went_to_fraud_review(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    dialog = open_dialog(qtbot, alice_window)
    # 95 times the product's price and just under the concession limit: screening sends it to review
    fill(
        qtbot, dialog, {**FORM, "order_id": "ORD-NEW-2", "product_price": "10.00", "amount_claimed": "950.00"}
    )
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_info is not None)
    assert dialog.result_info is not None and dialog.result_info.state == "fraud_review"
    assert "fraud review" in dialog.result_text.text()
    dialog.reject()


def test_the_service_refusal_of_a_duplicate_is_shown_at_the_order(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    existing = desk.services.claims.detail(desk.claims["concession1"])
    dialog = open_dialog(qtbot, alice_window)
    order = existing.order
    fill(
        qtbot,
        dialog,
        {
            **FORM,
            "order_id": str(order["external_id"]),
            "product_id": str(existing.product["external_id"]),
            "seller_id": "S-ACME",
            "customer_email": str(existing.customer["email"]),
        },
    )
    dialog.fields["order_date"].setDate(order["order_date"])  # type: ignore[union-attr]
    dialog.fields["delivered_date"].setDate(order["delivered_date"])  # type: ignore[union-attr]
    dialog.fields["incident_date"].setDate(existing.incident_date)  # type: ignore[union-attr]
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors["order_id"].isVisible() and not dialog.working)
    assert existing.reference in dialog.errors["order_id"].text()
    assert dialog.result_info is None and dialog.file_button.isEnabled()
    dialog.reject()


def test_every_bad_field_is_marked_at_once(qtbot: QtBot, alice_window: MainWindow, desk: Desk) -> None:
    dialog = open_dialog(qtbot, alice_window)
    fill(qtbot, dialog, {**FORM, "seller_id": "", "customer_email": "nobody", "amount_claimed": "-5"})
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)

    def marked() -> set[str]:
        return {name for name, label in dialog.errors.items() if label.isVisible()}

    assert marked() == {"seller_id", "customer_email", "amount_claimed"}
    assert dialog.errors["seller_id"].text() == "A value is required"
    assert "not an e-mail address" in dialog.errors["customer_email"].text()
    assert dialog.errors["amount_claimed"].text() != ""
    assert dialog.fields["customer_email"].accessibleDescription() == dialog.errors["customer_email"].text()
    assert dialog.banner.label.text() == "Check 3 fields: seller id, customer e-mail, amount claimed."
    assert dialog.focusWidget() is dialog.fields["seller_id"]  # the first bad field in the form
    assert dialog.result_info is None and not dialog.working

    fill(qtbot, dialog, {"seller_id": "S-NEW", "customer_email": FORM["customer_email"]})
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    assert marked() == {"amount_claimed"}  # the fixed ones are clear again
    assert dialog.banner.label.text() == "Check amount claimed."

    # every field fine on its own, wrong together: the incident cannot come after the filing
    fill(qtbot, dialog, {"amount_claimed": FORM["amount_claimed"]})
    later = dialog.fields["filed_at"].date().addDays(3)  # type: ignore[union-attr]
    dialog.fields["incident_date"].setDate(later)  # type: ignore[union-attr]
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    assert marked() == {"incident_date"} and "in the future" in dialog.errors["incident_date"].text()
    dialog.reject()


def test_a_problem_with_the_whole_record_is_shown_above_the_form(
    qtbot: QtBot, alice_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems = [
        ValidationError("the intake feed is closed for maintenance"),
        ValidationError("customer_email: 'x' is not an e-mail address", "customer_email"),
    ]
    monkeypatch.setattr(intake_rules, "validate_intake", lambda row, policy, now: problems)
    dialog = open_dialog(qtbot, alice_window)
    fill(qtbot, dialog, FORM)
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    assert dialog.banner.isVisible()
    assert dialog.banner.label.text().splitlines() == [
        "The intake feed is closed for maintenance",
        "Check customer e-mail.",
    ]
    assert dialog.errors["customer_email"].text() == "'x' is not an e-mail address"
    assert dialog.result_info is None
    dialog.reject()
