"""Screenshots of the real windows for the docs: `python -m atoz_desk.ui.screenshots --out docs/screenshots`.

Runs under Qt's offscreen platform. Without --database-url it seeds a demo
desk in a temporary folder with a fixed clock, so the pictures are the same
on every run. Settings go to a temporary folder too, never the user's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

FIXED_NOW = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
DEMO_CLAIMS = 3000
WINDOW_SIZE = (1600, 1000)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m atoz_desk.ui.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs")
    parser.add_argument(
        "--database-url", help="an existing desk (default: a fresh demo desk in a temp folder)"
    )
    parser.add_argument("--user", default="alice", help="the adjuster shown (default alice)")
    parser.add_argument("--supervisor", default="sam", help="the supervisor shown (default sam)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="atoz-shots-") as tmp:
        return _run(args, Path(tmp))


def _run(args: argparse.Namespace, tmp: Path) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    from atoz_desk.data.database import Database
    from atoz_desk.data.migrate import ensure_current
    from atoz_desk.services import Services
    from atoz_desk.services.queues import QueueId
    from atoz_desk.ui.main_window import MainWindow
    from atoz_desk.ui.settings import DeskSettings
    from atoz_desk.ui.style import apply_theme
    from atoz_desk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    apply_theme(app)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp / "settings"))
    settings = DeskSettings(QSettings(str(tmp / "settings" / "desk.ini"), QSettings.Format.IniFormat))

    if args.database_url:
        db = Database(args.database_url)
        services = Services.build(db)
    else:
        from atoz_desk.services.demo import seed_demo

        db = Database(f"sqlite:///{tmp / 'demo.sqlite3'}")
        ensure_current(db)
        print(f"seeding a demo desk of {DEMO_CLAIMS:,} claims…", file=sys.stderr)
        seed_demo(db, claims=DEMO_CLAIMS, now=FIXED_NOW)
        services = Services.build(db, clock=lambda: FIXED_NOW)
    # the composition root's label needs atoz_desk.app, above ui; this one says enough for a picture
    label = (
        "SQLite · demo desk"
        if not args.database_url
        else f"{db.dialect} · {args.database_url.split('@')[-1]}"
    )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    runner = TaskRunner()
    written: list[Path] = []

    def wait(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.005)
        for _ in range(5):
            app.processEvents()

    def shoot(widget: QWidget, name: str) -> None:
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    def open_window(username: str, queue: QueueId) -> MainWindow:
        window = MainWindow(
            services,
            services.users.actor(username),
            runner,
            database_label=label,
            settings=settings,
        )
        window.resize(*WINDOW_SIZE)
        window.show()
        window.queue_nav.choose(queue)
        wait(lambda: window.claims_model.rowCount() > 0 and not window.claims_model.loading, "the queue")
        wait(lambda: window.queue_nav.nav_model.count(queue) is not None, "the counts")
        return window

    def open_row(window: MainWindow, row: int, tab: int = 0) -> None:
        window.queue_panel.select_row(row)
        reference = window.claims_model.claim_at(row).reference  # type: ignore[union-attr]
        wait(
            lambda: (
                window.detail_pane.detail is not None
                and window.detail_pane.detail.reference == reference
                and not window.controller.busy_loading
            ),
            "the claim",
        )
        window.detail_pane.show_tab(tab)
        window.claims_view.setFocus()

    def shoot_letters(window: MainWindow) -> None:
        """The Letters tab of a decided claim, its newest letter in the preview."""
        actor = services.users.actor(args.user)
        window.queue_nav.choose(QueueId.PAYMENTS_PENDING)  # decided claims: their letters
        wait(lambda: not window.claims_model.loading, "payments pending")
        model = window.claims_model
        rows = [(r, model.claim_at(r).reference) for r in range(min(model.rowCount(), 40))]  # type: ignore[union-attr]
        if not rows:
            return
        # the claim whose decisions call for the most letters (a concession: customer and seller)
        row, reference, kinds = max(
            ((r, ref, services.letters.applicable_kinds(ref, actor)) for r, ref in rows),
            key=lambda found: len(found[2]),
        )
        if not args.database_url and not services.letters.list(reference):
            for kind in kinds:  # the demo seeder keeps no PDFs: make them as the decision would have
                services.letters.generate(reference, kind.code, actor)
        window.detail_splitter.setSizes([230, 770])  # room for the page
        open_row(window, row, tab=5)
        tab = window.detail_pane.letters_tab
        wait(lambda: not tab.loading and tab.preview.page_count > 0, "the letter preview")
        tab.table.setFocus()
        wait(lambda: True, "the letters layout")
        shoot(window, "11-claim-letters")

    def shoot_fraud(window: MainWindow) -> None:
        """The Fraud tab of a claim in fraud review with the most linked claims, a flag chosen."""
        window.queue_nav.choose(QueueId.FRAUD_REVIEW)
        wait(lambda: window.claims_model.rowCount() > 0 and not window.claims_model.loading, "fraud review")
        model = window.claims_model
        rows = [(r, model.claim_at(r).reference) for r in range(min(model.rowCount(), 25))]  # type: ignore[union-attr]
        me = services.users.actor(args.user).display_name
        rows = [  # claims the user may decide (theirs or nobody's): Confirm and Dismiss are live
            (r, ref)
            for r, ref in rows
            if model.claim_at(r).assignee in (None, me)  # type: ignore[union-attr]
        ] or rows
        row, _ref = max(rows, key=lambda found: len(services.fraud.linked_claims(found[1], limit=10)))
        window.detail_splitter.setSizes([260, 740])  # room for flags and linked claims
        open_row(window, row, tab=2)
        tab = window.detail_pane.fraud_tab
        wait(lambda: not tab.loading, "the fraud overview and linked claims")
        flags = tab.flags_model.records()
        chosen = next((i for i, f in enumerate(flags) if f.status == "open"), 0)
        if flags:
            tab.flags.selectRow(chosen)
        tab.flags.setFocus()
        wait(lambda: True, "the fraud layout")
        shoot(window, "02-claim-fraud-tab")

    def shoot_evidence(window: MainWindow) -> None:
        """The Evidence tab of one of the user's damage claims: three photos and a repair estimate,
        made here (Pillow, ReportLab) and added through the evidence service."""
        from atoz_desk.ui.screenshot_files import evidence_files

        actor = services.users.actor(args.user)
        window.queue_nav.choose(QueueId.MY)
        wait(lambda: window.claims_model.rowCount() > 0 and not window.claims_model.loading, "my claims")
        model = window.claims_model
        claims = [model.claim_at(r) for r in range(min(model.rowCount(), 60))]
        row = next(  # a damage claim under review: photos and an estimate are what it needs
            (
                r
                for r, c in enumerate(claims)
                if c is not None and c.incident_type == "property_damage" and c.state == "in_review"
            ),
            0,
        )
        reference = claims[row].reference  # type: ignore[union-attr]
        stored = {e.filename for e in services.evidence.list(reference)}
        if not args.database_url:  # never write to a real desk: the demo desk gets the files
            for path, kind in evidence_files(tmp / "evidence"):
                if path.name not in stored:
                    services.evidence.add(reference, path, kind, actor)
        window.detail_splitter.setSizes([260, 740])
        open_row(window, row, tab=1)
        tab = window.detail_pane.evidence_tab
        names = [e.filename for e in tab.model.records()]
        tab.table.selectRow(names.index("living-room-floor.jpg") if "living-room-floor.jpg" in names else 0)
        tab.table.setFocus()

        def pictures_ready() -> bool:
            tab.table.viewport().repaint()  # a painted row asks for its thumbnail
            return tab.model.thumbnails_loading == 0 and tab.showing_image()

        wait(pictures_ready, "the thumbnails and the photo")
        wait(lambda: True, "the evidence layout")
        shoot(window, "12-claim-evidence")

    try:
        window = open_window(args.user, QueueId.AWAITING_SELLER)
        # show where overdue turns into "left": the first claim still inside its deadline, mid-view
        model, now = window.claims_model, services.clock()
        first_due = next(
            (r for r in range(model.rowCount()) if model.claim_at(r).due_at >= now),  # type: ignore[union-attr]
            2,
        )
        open_row(window, first_due)
        window.claims_view.scrollTo(model.index(first_due, 0), window.claims_view.ScrollHint.PositionAtCenter)
        shoot(window, "01-workbench-awaiting-seller")

        shoot_fraud(window)
        window.detail_splitter.setSizes([380, 460])

        window.queue_nav.choose(QueueId.MY)
        wait(lambda: window.claims_model.rowCount() > 0 and not window.claims_model.loading, "my claims")
        open_row(window, 0, tab=0)
        shoot(window, "03-claim-summary")
        window.detail_pane.show_tab(6)
        shoot(window, "04-claim-history")

        window.filter_bar.state_combo.setCurrentIndex(window.filter_bar.state_combo.findData("in_review"))
        wait(lambda: window.claims_model.rowCount() > 0 and not window.claims_model.loading, "in review")
        open_row(window, 0, tab=0)
        option = next((o for o in window.actions_bar.options if o.enabled and o.needs_amount), None)
        if option is not None:
            dialog = window.controller.invoke(option)
            if dialog is not None:
                wait(dialog.isVisible, "the action dialog")
                shoot(dialog, "05-action-dialog")
                dialog.reject()

        window.search.popup()
        window.search.edit.setText("zoë")
        window.search.search_now()
        wait(lambda: window.search.hits.rowCount() > 0, "search hits")
        shoot(window, "06-find-claim")
        window.search.close_palette()

        window.new_claim()
        dialog = window.new_claim_dialog
        assert dialog is not None
        wait(dialog.isVisible, "the new-claim dialog")
        dialog.adjustSize()
        shoot(dialog, "07-new-claim-dialog")
        dialog.reject()
        shoot_letters(window)
        shoot_evidence(window)
        window.close()

        boss = open_window(args.supervisor, QueueId.ESCALATIONS)
        open_row(boss, 0)
        shoot(boss, "08-supervisor-escalations")
        boss.show_workload()
        workload = boss.workload_dialog
        assert workload is not None
        wait(lambda: not workload.loading and workload.model.rowCount() > 0, "the workload")
        # the offscreen screen is small; a desk's screen fits every state column
        workload.resize(min(workload.table.columns_width() + 40, WINDOW_SIZE[0]), 460)
        wait(lambda: True, "the workload's layout")
        shoot(workload, "09-team-workload")
        workload.close()

        boss.queue_nav.choose(QueueId.APPROVALS)  # the approved amount beside the claimed one
        wait(lambda: boss.claims_model.rowCount() > 0 and not boss.claims_model.loading, "approvals")
        open_row(boss, 0)
        shoot(boss, "10-supervisor-approvals")
        boss.close()
    finally:
        runner.shutdown()
        db.dispose()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
