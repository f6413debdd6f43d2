"""Workstations on one PostgreSQL: changes reach the others, no claim is handed out twice,
a late commit is never skipped, and a terminated backend is recovered from."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from atoz_desk.data.database import Database
from atoz_desk.data.models import HistoryEntry
from atoz_desk.domain.transitions import ActionParams
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import parse_intake
from atoz_desk.sync.feed import ChangeFeed
from atoz_desk.sync.listener import PgListener

WORKER = Path(__file__).with_name("worker.py")


def team(db: Database, adjusters: int = 1) -> Services:
    services = Services.build(db)
    for i in range(adjusters):
        services.users.add_user(f"adj{i}", role="adjuster", authority="1000", password="password-1")
    return services


def file_claims(services: Services, n: int) -> list[str]:
    actor = services.users.actor("adj0")
    refs = []
    for i in range(n):
        row = {
            "order_id": f"O-{i:05d}",
            "order_date": "2026-09-20",
            "delivered_date": "2026-09-23",
            "product_id": f"P-{i:05d}",
            "product_title": "Heater",
            "product_price": "100.00",
            "seller_id": "S-1",
            "seller_name": "Acme",
            "customer_name": f"Customer {i}",
            "customer_email": f"c{i}@example.com",
            "customer_address": f"{i} Road",
            "incident_type": "property_damage",
            "incident_date": "2026-10-10",
            "filed_at": "2026-10-20T10:00:00Z",
            "amount_claimed": "300.00",
            "currency": "USD",
            "description": "",
        }
        refs.append(
            services.intake.file_claim(parse_intake(row, services.policy, services.clock()), actor).reference
        )
    return refs


def test_a_change_on_one_workstation_reaches_another_process(pg_db: Database) -> None:
    services = team(pg_db)
    (ref,) = file_claims(services, 1)
    child = subprocess.Popen(
        [sys.executable, str(WORKER), "listen", pg_db.url, "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        started = time.monotonic()
        services.workflow.act(ref, "start_review", services.users.actor("adj0"))
        line = child.stdout.readline().strip()
        latency = time.monotonic() - started
        assert line == f"change {ref} start_review in_review by adj0"
        assert latency < 2.0
    finally:
        child.kill()
        child.communicate()


def test_eight_processes_taking_claims_never_share_one(pg_db: Database) -> None:
    services = team(pg_db, adjusters=8)
    refs = file_claims(services, 120)
    children = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "take", pg_db.url, f"adj{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    taken: list[str] = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        taken.extend(out.split())
    assert sorted(taken) == sorted(refs)  # every claim once, none twice
    counts = services.claims.counts_by_state()
    assert counts == {"in_review": 120}


def test_a_late_commit_is_never_skipped_by_the_feed(pg_db: Database) -> None:
    services = team(pg_db)
    (ref,) = file_claims(services, 1)
    feed = ChangeFeed(pg_db)
    cursor = feed.head()
    early = pg_db.engine.connect()
    late = pg_db.engine.connect()
    try:
        # `early` takes its transaction id first, but writes its history row after `late` has
        early_tx = early.begin()
        early.execute(text("SELECT pg_current_xact_id()"))
        late_tx = late.begin()
        late.execute(
            HistoryEntry.__table__.insert().values(
                claim_id=None,
                action="late_writer",
                changes={},
                at=services.clock(),
                txid=text("pg_current_xact_id()::text::bigint"),
            )
        )
        early.execute(
            HistoryEntry.__table__.insert().values(
                claim_id=None,
                action="early_writer",
                changes={},
                at=services.clock(),
                txid=text("pg_current_xact_id()::text::bigint"),
            )
        )
        early_tx.commit()
        seen, cursor = feed.read(cursor)
        assert [c.action for c in seen] == ["early_writer"]
        late_tx.commit()
        seen, cursor = feed.read(cursor)
        assert [c.action for c in seen] == ["late_writer"]  # a plain "id > last id" reader would skip it
    finally:
        early.close()
        late.close()
    services.workflow.act(ref, "start_review", services.users.actor("adj0"))
    seen, _ = feed.read(cursor)
    assert [(c.reference, c.action) for c in seen] == [(ref, "start_review")]


def test_terminated_backends_are_recovered_from_with_nothing_lost(pg_db: Database) -> None:
    services = team(pg_db)
    refs = file_claims(services, 2)
    feed = ChangeFeed(pg_db)
    cursor = feed.head()
    listener = PgListener(pg_db.url)
    listener.connect()
    adj = services.users.actor("adj0")
    services.workflow.act(refs[0], "start_review", adj)
    # the DBA (or a failover) ends every other connection to this database
    with pg_db.engine.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename = current_user"
            )
        )
        admin.commit()
    time.sleep(0.2)
    with pytest.raises(psycopg.OperationalError):  # the pending notice first, then the lost server
        for _ in range(3):
            listener.drain()
    # pooled connections are checked before use, so the next service call simply works
    services.workflow.act(refs[1], "start_review", adj)
    listener.reconnect()
    seen, cursor = feed.read(cursor)
    assert [(c.reference, c.action) for c in seen] == [(refs[0], "start_review"), (refs[1], "start_review")]
    listener.close()


def test_a_long_transaction_elsewhere_does_not_hold_changes_back(pg_db: Database) -> None:
    services = team(pg_db)
    (ref,) = file_claims(services, 1)
    feed = ChangeFeed(pg_db)
    cursor = feed.head()
    # a report or a bulk load somewhere on the server keeps a transaction open
    with pg_db.engine.connect() as long_running:
        long_running.begin()
        long_running.execute(text("SELECT pg_current_xact_id()"))
        services.workflow.act(ref, "start_review", services.users.actor("adj0"))
        seen, cursor = feed.read(cursor)
        assert [(c.reference, c.action) for c in seen] == [(ref, "start_review")]
        again, cursor = feed.read(cursor)
        assert again == []  # delivered once, though the watermark could not move past it
        long_running.rollback()
    services.workflow.act(ref, "request_info", services.users.actor("adj0"), ActionParams(note="photos"))
    seen, cursor = feed.read(cursor)
    assert [c.action for c in seen] == ["request_info"]
    assert feed.read(cursor)[0] == []  # each change exactly once
