"""UI test fixtures: a real desk over a migrated SQLite file, real widgets offscreen, private settings.

Every test gets its own database, its own task runner (checked idle and
thread-free at the end) and QSettings in its own temporary folder, so the
real user's settings are never read or written.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget
from pytestqt.qtbot import QtBot

from atoz_desk.data.database import Database
from atoz_desk.data.migrate import ensure_current
from atoz_desk.data.models import InsurancePolicy, Insurer, Seller
from atoz_desk.domain.transitions import ActionParams, Actor
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import parse_intake
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.style import apply_theme
from atoz_desk.ui.tasks import TaskRunner

PASSWORD = "right-password-1"
PAGE = 3  # small pages, so every queue takes several keyset fetches


# ------------------------------------------------------------------ settings


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, qapp: QApplication) -> Iterator[DeskSettings]:
    """Every QSettings the code might build lands in this test's folder, never the user's."""
    folder = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    apply_theme(qapp)
    yield DeskSettings(QSettings(str(folder / "desk.ini"), QSettings.Format.IniFormat))


# ---------------------------------------------------------------------- desk

_orders = count(1)


def intake_row(**overrides: Any) -> dict[str, str]:
    n = next(_orders)
    row = {
        "order_id": f"ORD-{n:05d}",
        "order_date": "2026-10-01",
        "delivered_date": "2026-10-04",
        "product_id": f"P-{n:05d}",
        "product_title": f"Space heater model {n}",
        "product_price": "89.99",
        "seller_id": "S-ACME",
        "seller_name": "Acme Heaters",
        "customer_name": f"Customer {n}",
        "customer_email": f"customer{n}@example.com",
        "customer_address": f"{n} Main Street",
        "incident_type": "property_damage",
        "incident_date": "2026-10-20",
        "filed_at": "2026-11-01T10:00:00Z",
        "amount_claimed": "450.00",
        "currency": "USD",
        "description": "The heater scorched the floor.",
    }
    row.update(overrides)
    return row


@dataclass
class Desk:
    """Services plus the team and the claims the tests walk."""

    services: Services
    alice: Actor
    bob: Actor
    carol: Actor
    sam: Actor
    claims: dict[str, str] = field(default_factory=dict)  # role in the test -> reference

    def file(self, **overrides: Any) -> str:
        s = self.services
        return s.intake.file_claim(
            parse_intake(intake_row(**overrides), s.policy, s.clock()), self.alice
        ).reference

    def act(self, reference: str, action: str, actor: Actor, **params: Any) -> None:
        self.services.workflow.act(reference, action, actor, ActionParams(**params))


def insure(db: Database, seller_external_id: str) -> None:
    """A policy valid on every rule for the seller."""
    with db.unit_of_work() as s:
        seller = s.query(Seller).filter_by(external_id=seller_external_id).one()
        insurer = Insurer(name="Harbor Mutual", rating="A", accelerator_member=True)
        s.add(insurer)
        s.flush()
        s.add(
            InsurancePolicy(
                seller_id=seller.id,
                insurer_id=insurer.id,
                policy_number="PL-1001",
                effective_date=date(2026, 1, 1),
                expiry_date=date(2026, 12, 31),
                per_occurrence_limit=Decimal("1000000.00"),
                aggregate_limit=Decimal("2000000.00"),
                deductible=Decimal("5000.00"),
                marketplace_additional_insured=True,
                cancellation_notice_days=30,
            )
        )


TEMPLATE_NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the shared `clock` fixture's start


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The desk built once (migrations, password hashes, claims); each test gets a copy of the file.

    Four new concession-size claims, one new seller-lane claim, one escalated claim, one withdrawn,
    filed in this order, so take-next hands them out concession1, concession2, ...
    """
    path = tmp_path_factory.mktemp("desk-template") / "desk.sqlite3"
    db = Database(f"sqlite:///{path}")
    try:
        ensure_current(db)
        s = Services.build(db, clock=lambda: TEMPLATE_NOW)
        users = s.users
        users.add_user(
            "alice", role="adjuster", authority="1000", password=PASSWORD, display_name="Alice Adams"
        )
        users.add_user("bob", role="adjuster", authority="1000", password=PASSWORD, display_name="Bob Brown")
        users.add_user(
            "carol", role="adjuster", authority="10000", password=PASSWORD, display_name="Carol Chen"
        )
        users.add_user(
            "sam", role="supervisor", authority="100000", password=PASSWORD, display_name="Sam Sousa"
        )
        d = Desk(s, users.actor("alice"), users.actor("bob"), users.actor("carol"), users.actor("sam"))
        for n in range(1, 5):
            d.claims[f"concession{n}"] = d.file(amount_claimed=f"{400 + n * 10}.00")
        insure(db, "S-ACME")
        d.claims["seller"] = d.file(amount_claimed="2500.00", incident_type="personal_injury")
        # escalated: reviewed by alice, presented, rejected by the seller, escalated to a supervisor
        escalated = d.file(amount_claimed="5000.00", customer_name="Erin Escalated")
        d.act(escalated, "start_review", d.alice)
        d.act(escalated, "present_to_seller", d.alice, amount=Decimal("5000.00"))
        d.act(escalated, "record_seller_rejection", d.alice, note="Seller says the heater was misused")
        d.act(escalated, "escalate", d.alice, note="Photos show a wiring fault; claim looks valid")
        d.claims["escalated"] = escalated
        withdrawn = d.file(amount_claimed="120.00", customer_name="Wanda Withdrawn")
        d.act(withdrawn, "withdraw", d.sam, note="Customer withdrew by phone")
        d.claims["withdrawn"] = withdrawn
        with db.engine.connect() as connection:  # everything in the main file before it is copied
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
    return path, dict(d.claims)


@pytest.fixture
def desk(
    tmp_path: Path, clock: Callable[..., Any], desk_template: tuple[Path, dict[str, str]]
) -> Iterator[Desk]:
    """This test's own copy of the desk, its services on the test's clock."""
    template, claims = desk_template
    path = tmp_path / "desk.sqlite3"
    shutil.copyfile(template, path)
    db = Database(f"sqlite:///{path}")
    try:
        s = Services.build(db, clock=clock)
        users = s.users
        yield Desk(
            s,
            users.actor("alice"),
            users.actor("bob"),
            users.actor("carol"),
            users.actor("sam"),
            dict(claims),
        )
    finally:
        db.dispose()


@pytest.fixture
def services(desk: Desk) -> Services:
    return desk.services


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    threads_before = set(threading.enumerate())
    task_runner = TaskRunner()
    yield task_runner
    assert task_runner.shutdown(5_000), "a background task was still running at the end of the test"
    assert task_runner.is_idle()
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert not [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]


WindowFactory = Callable[[Actor], MainWindow]


@pytest.fixture
def make_window(
    qtbot: QtBot, desk: Desk, runner: TaskRunner, private_settings: DeskSettings
) -> Iterator[WindowFactory]:
    windows: list[MainWindow] = []

    def make(actor: Actor) -> MainWindow:
        window = MainWindow(
            desk.services,
            actor,
            runner,
            database_label="SQLite · desk.sqlite3",
            settings=private_settings,
            page_size=PAGE,
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert_no_timers(window)
    qtbot.waitUntil(lambda: runner.pending == 0)


def assert_no_timers(widget: QWidget) -> None:
    """No timer of the window may outlive it (the status bar's message timer excepted: it stops itself)."""
    active = [t for t in widget.findChildren(QTimer) if t.isActive()]
    for timer in active:
        timer.stop()
    leftovers = [
        t.objectName() or type(t.parent()).__name__
        for t in active
        if type(t.parent()).__name__ != "QStatusBar"
    ]
    assert not leftovers, leftovers


@pytest.fixture
def alice_window(make_window: WindowFactory, desk: Desk) -> MainWindow:
    return make_window(desk.alice)


@pytest.fixture
def sam_window(make_window: WindowFactory, desk: Desk) -> MainWindow:
    return make_window(desk.sam)


# --------------------------------------------------------------------- helpers


def loaded(window: MainWindow, rows: int | None = None) -> Callable[[], bool]:
    """The queue finished loading every page (with `rows` rows, when given)."""
    model = window.claims_model

    def done() -> bool:
        complete = not model.loading and not model.canFetchMore(QModelIndex()) and model.query is not None
        return complete and (rows is None or model.rowCount() == rows)

    return done


def load_all(qtbot: QtBot, window: MainWindow) -> None:
    """Page through the whole queue (as scrolling would)."""
    model = window.claims_model

    def step() -> bool:
        if model.canFetchMore(QModelIndex()) and not model.loading:
            model.fetchMore(QModelIndex())
        return loaded(window)()

    qtbot.waitUntil(step, timeout=10_000)


def showing(window: MainWindow, reference: str, state: str | None = None) -> Callable[[], bool]:
    """The detail shows this claim (in this state) with its actions loaded."""

    def done() -> bool:
        d = window.detail_pane.detail
        return (
            d is not None
            and d.reference == reference
            and (state is None or d.state == state)
            and not window.controller.busy_loading
        )

    return done


def click_row(qtbot: QtBot, view: QAbstractItemView, row: int, column: int = 0) -> None:
    rect = view.visualRect(view.model().index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def references(window: MainWindow) -> list[str]:
    model = window.claims_model
    return [model.claim_at(r).reference for r in range(model.rowCount())]  # type: ignore[union-attr]


def focus_key(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """Press a key where the keyboard focus is, as a user would."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClick(widget, key, modifier)
