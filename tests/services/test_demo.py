"""The demo desk, as a user would notice it: every state, real users, history, notices, evidence,
and the real workflow working on it, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import itertools
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, inspect, select, text

from atoz_desk.data.base import Base
from atoz_desk.data.database import Database
from atoz_desk.data.models import (
    Claim,
    Correspondence,
    Customer,
    Evidence,
    EvidenceBlob,
    EvidenceChunk,
    ExpertReferral,
    FraudFlag,
    HistoryEntry,
    Order,
    Payment,
    PhotoHashBand,
    Product,
    Recovery,
    Seller,
    User,
)
from atoz_desk.data.search import search_text_for
from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.evidence import missing_evidence
from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState, IncidentType, Lane
from atoz_desk.domain.transitions import Action, ActionParams
from atoz_desk.services import Services, demo_evidence
from atoz_desk.services import demo as demo_module
from atoz_desk.services.claims import QueueFilter
from atoz_desk.services.demo import DEMO_PASSWORD, DemoRefused, DemoSummary, seed_demo
from atoz_desk.services.evidence import similar_photos
from atoz_desk.services.evidence_content import hash_bands

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLAIMS = 300


def _services(db: Database) -> Services:
    return Services.build(db, clock=lambda: NOW)


@pytest.fixture
def seeded(db: Database) -> tuple[Database, DemoSummary]:
    return db, seed_demo(db, claims=CLAIMS, seed=7, now=NOW)


def _loaded(db: Database, model: type[Any], *where: Any) -> list[Any]:
    """Rows as detached objects that keep their loaded values (reading() rolls back)."""
    with db.reading() as s:
        rows = list(s.scalars(select(model).where(*where).order_by(model.id)))
        s.expunge_all()
        return rows


def _fingerprint(db: Database) -> list[tuple[Any, ...]]:
    """What a user sees of each claim, how much history and correspondence it has, and its files."""
    with db.reading() as s:
        history = dict(
            s.execute(select(HistoryEntry.claim_id, func.count()).group_by(HistoryEntry.claim_id)).all()
        )
        letters = dict(
            s.execute(select(Correspondence.claim_id, func.count()).group_by(Correspondence.claim_id)).all()
        )
        files: dict[int, list[tuple[str, str, str]]] = {}
        for claim_id, kind, name, sha in s.execute(
            select(Evidence.claim_id, Evidence.kind, Evidence.filename, Evidence.sha256).order_by(Evidence.id)
        ):
            files.setdefault(claim_id, []).append((kind, name, sha))
        rows = s.execute(
            select(
                Claim.id,
                Claim.reference,
                Claim.state,
                Claim.lane,
                Claim.amount_claimed,
                Claim.approved_amount,
                Claim.currency,
                Claim.due_at,
                Claim.filed_at,
                Claim.incident_date,
                Claim.assignee_id,
                Claim.fraud_score,
                Claim.denial_reason,
                Claim.search_text,
            ).order_by(Claim.id)
        ).all()
    return [(*row, history.get(row.id, 0), letters.get(row.id, 0), files.get(row.id)) for row in rows]


# ----------------------------------------------------------------------------- what is there


def test_every_state_and_both_lanes_are_there(seeded: tuple[Database, DemoSummary]) -> None:
    db, summary = seeded
    with db.reading() as s:
        states = dict(s.execute(select(Claim.state, func.count()).group_by(Claim.state)).all())
        lanes = {lane for (lane,) in s.execute(select(Claim.lane).distinct())}
    assert set(states) == {state.value for state in ClaimState}
    assert {Lane.CONCESSION.value, Lane.SELLER.value} <= lanes
    assert sum(states.values()) == CLAIMS
    assert {k: v for k, v in summary.states.items() if v} == states
    assert summary.tables["claims"] == CLAIMS
    assert summary.claims == CLAIMS and summary.password == DEMO_PASSWORD


def test_same_seed_same_claims_on_any_backend_other_seed_other_claims(
    seeded: tuple[Database, DemoSummary], tmp_path: Path
) -> None:
    db, _ = seeded
    again = Database(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    other = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        for target in (again, other):
            Base.metadata.create_all(target.engine)
        seed_demo(again, claims=CLAIMS, seed=7, now=NOW)
        seed_demo(other, claims=CLAIMS, seed=8, now=NOW)
        first, second, third = _fingerprint(db), _fingerprint(again), _fingerprint(other)
    finally:
        again.dispose()
        other.dispose()
    assert first == second
    assert [row[1] for row in first] == [f"AZ-{n:08d}" for n in range(1, CLAIMS + 1)]
    assert [row[4] for row in first] != [row[4] for row in third]


def test_worker_processes_make_the_same_rows(db: Database, tmp_path: Path) -> None:
    """Large seeds make their claims in worker processes; the rows must not depend on it."""
    claims = demo_module.BATCH_CLAIMS + 250  # two batches
    seed_demo(db, claims=claims, seed=3, now=NOW, workers=2)
    alone = Database(f"sqlite:///{tmp_path / 'alone.sqlite3'}")
    try:
        Base.metadata.create_all(alone.engine)
        seed_demo(alone, claims=claims, seed=3, now=NOW, workers=1)
        assert _fingerprint(db) == _fingerprint(alone)
    finally:
        alone.dispose()


def test_demo_users_sign_in_with_their_roles_and_limits(seeded: tuple[Database, DemoSummary]) -> None:
    db, summary = seeded
    users = _services(db).users
    expected = {
        "admin": ("admin", Decimal("1000000.00")),
        "sam": ("supervisor", Decimal("100000.00")),
        "alice": ("adjuster", Decimal("1000.00")),
        "bob": ("adjuster", Decimal("1000.00")),
        "carol": ("adjuster", Decimal("10000.00")),
    }
    for name, (role, limit) in expected.items():
        actor = users.authenticate(name, DEMO_PASSWORD)
        assert actor.role is not None and (actor.role.value, actor.authority_limit) == (role, limit)
    with pytest.raises(DomainError):
        users.authenticate("alice", "wrong-password")
    assert {u.username for u in summary.users} >= set(expected)
    with db.reading() as s:  # hashed once: argon2 is slow on purpose
        assert s.scalar(select(func.count(func.distinct(User.password_hash)))) == 1


def test_every_claim_has_intake_and_current_state_history(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    entries = _loaded(db, HistoryEntry)
    states = {c.id: c.state for c in _loaded(db, Claim)}
    by_claim: dict[int, list[HistoryEntry]] = {}
    for entry in entries:
        assert entry.claim_id is not None
        assert isinstance(entry.changes, dict)  # valid JSON on both backends
        assert entry.at.tzinfo is not None and entry.at <= NOW
        by_claim.setdefault(entry.claim_id, []).append(entry)
    assert set(by_claim) == set(states)
    for claim_id, rows in by_claim.items():
        assert rows[0].action == "intake" and rows[0].from_state is None
        assert rows[-1].to_state == states[claim_id]
        for before, after in itertools.pairwise(rows):
            assert after.from_state == before.to_state  # one unbroken story
            assert after.at >= before.at


def test_claims_are_consistent_with_their_state(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    policy = PolicySettings()
    claims: list[Claim] = _loaded(db, Claim)
    with db.reading() as s:
        open_recoveries = set(s.scalars(select(Recovery.claim_id).where(Recovery.status == "open")))
        paid = set(s.scalars(select(Payment.claim_id)))
        flags = Counter(s.scalars(select(FraudFlag.claim_id)))
        explained = s.scalars(select(FraudFlag.explanation)).all()
        referrals = set(s.scalars(select(ExpertReferral.claim_id)))
    orders = {o.id: o for o in _loaded(db, Order)}
    in_progress = {
        "in_review", "awaiting_customer", "expert_review", "approved_concession", "seller_notified",
        "seller_accepted", "seller_rejected", "escalated", "step_in", "paid",
    }  # fmt: skip
    for c in claims:
        assert c.reference == f"AZ-{c.id:08d}"
        assert c.due_at is not None and c.due_at.tzinfo is not None
        assert Decimal("15.00") <= c.amount_claimed <= Decimal("250000.00")
        assert orders[c.order_id].order_date >= policy.program_start
        assert c.filed_at <= NOW and c.incident_date <= c.filed_at.date()
        if c.approved_amount is not None:
            assert c.approved_amount <= c.amount_claimed
        if c.state in in_progress:
            assert c.assignee_id is not None, c.reference
        if c.state == "new":
            assert c.assignee_id is None and c.lane is None
        if c.state == "approved_concession":
            assert c.lane == "concession" and c.approved_amount is not None
            assert c.approved_amount < policy.concession_limit
            assert c.seller_appeal_due is not None
        if c.lane == "seller" and c.state in ("seller_notified", "seller_accepted", "escalated"):
            assert c.approved_amount is not None and c.approved_amount >= policy.concession_limit
        if c.state == "seller_notified":
            assert c.seller_response_due is not None and c.due_at == c.seller_response_due
        if c.state == "awaiting_customer":
            assert c.info_due is not None and c.due_at == c.info_due
        if c.state == "step_in":
            assert c.id in open_recoveries
        if c.state == "paid":
            assert c.id in paid
        if c.state == "closed":
            assert c.closed_at is not None
        else:
            assert c.closed_at is None
        if c.state in ("denied", "withdrawn"):
            assert c.denial_reason
        if c.state == "fraud_review":
            assert flags[c.id] >= 3 and c.fraud_score > 0
        if c.state == "expert_review":
            assert c.id in referrals
    assert explained and all(
        len(e) > 30 and e.endswith(".") for e in explained
    )  # the rules explain themselves
    small = sum(c.amount_claimed < Decimal("1000") for c in claims)
    assert 0.7 < small / len(claims) < 0.9  # about 80% under $1,000
    assert max(c.amount_claimed for c in claims) > Decimal("10000")


def test_the_sweep_has_overdue_and_reminder_work_and_does_it_once(
    seeded: tuple[Database, DemoSummary],
) -> None:
    db, _ = seeded
    services = _services(db)
    waiting: list[Claim] = _loaded(db, Claim, Claim.state == "seller_notified")
    assert any(c.seller_response_due is not None and c.seller_response_due <= NOW for c in waiting)
    assert any(
        c.seller_response_due is not None and NOW < c.seller_response_due <= NOW + timedelta(days=2)
        for c in waiting
    )
    due = services.sweep.due_moves(NOW)
    assert {Action.SELLER_NO_RESPONSE, Action.INFO_REQUEST_EXPIRED} <= {action for _, action in due}
    moves = services.sweep.run(NOW)
    assert any(m.to_state == "step_in" for m in moves)
    assert services.sweep.run(NOW) == []


def test_seller_notified_claims_have_the_seller_notice(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    with db.reading() as s:
        waiting = s.scalars(select(Claim).where(Claim.state == "seller_notified")).all()
        assert waiting
        for claim in waiting:
            notices = s.scalars(
                select(Correspondence).where(
                    Correspondence.claim_id == claim.id,
                    Correspondence.party == "seller",
                    Correspondence.kind == "claim_presented",
                )
            ).all()
            assert len(notices) == 1
            seller = s.get_one(Seller, claim.seller_id)
            assert claim.approved_amount is not None
            assert notices[0].body.startswith(f"Dear {seller.name},")
            assert format_money(claim.approved_amount, claim.currency) in notices[0].body
            assert claim.reference in notices[0].subject


def test_customers_are_realistic(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    with db.reading() as s:
        names = set(s.scalars(select(Customer.name)))
        shared_addresses = s.execute(
            select(Customer.address).group_by(Customer.address).having(func.count() > 1)
        ).all()
        linked = s.scalar(
            select(func.count())
            .select_from(Customer)
            .join(Seller, (Seller.address == Customer.address) | (Seller.email == Customer.email))
        )
        links = s.scalar(select(func.count()).where(FraudFlag.code == "customer_seller_link"))
    assert {"Zoë Łukasiewicz", "Фёдор Достоевский", "Ελένη Παπαδοπούλου"} <= names
    assert any(re.search("[\u0400-\u04ff]", n) for n in names - {"Фёдор Достоевский"})
    assert shared_addresses
    assert linked and links


def test_search_text_and_search_index_work(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    with db.reading() as s:
        rows = s.execute(
            select(Claim, Customer, Order, Seller, Product)
            .join(Customer, Customer.id == Claim.customer_id)
            .join(Order, Order.id == Claim.order_id)
            .join(Seller, Seller.id == Claim.seller_id)
            .join(Product, Product.id == Claim.product_id)
        ).all()
        for c, cust, order, seller, product in rows:
            assert c.search_text == search_text_for(
                c.reference, cust.name, cust.email, order.external_id, seller.name, seller.external_id,
                product.title, product.external_id,
            )  # fmt: skip
        reference, order_id = rows[41][0].reference, rows[41][2].external_id
    found = _services(db).queues.find(order_id)
    assert [r.reference for r in found] == [reference]


def test_indexes_triggers_and_foreign_keys_are_back(db: Database) -> None:
    def schema() -> tuple[set[str], set[str]]:
        with db.engine.connect() as conn:
            if db.dialect == "sqlite":
                objects = {
                    f"{t}:{n}"
                    for t, n in conn.execute(
                        text("SELECT type, name FROM sqlite_master WHERE sql IS NOT NULL")
                    )
                    if not n.startswith("sqlite_stat")  # ANALYZE's statistics
                }
                return objects, set()
            indexes = {
                n
                for (n,) in conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
                )
            }
            fks = {
                f"{n}:{v}"
                for n, v in conn.execute(
                    text(
                        "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' "
                        "AND connamespace = current_schema()::regnamespace"
                    )
                )
            }
            return indexes, fks

    before = schema()
    seed_demo(db, claims=CLAIMS, now=NOW)
    assert schema() == before
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    else:
        assert all(fk.endswith(":True") for fk in before[1])
        with db.engine.connect() as conn:  # the txid default set during the load is gone again
            default = conn.execute(
                text(
                    "SELECT column_default FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = 'history' AND column_name = 'txid'"
                )
            ).scalar()
            assert default is None
            assert conn.execute(text("SELECT count(*) FROM history WHERE txid IS NULL")).scalar() == 0


def test_sequences_continue_after_the_demo_ids(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    services = _services(db)
    admin = services.users.authenticate("admin", DEMO_PASSWORD)
    services.users.add_user("newbie", role="adjuster", authority=None, password="new-password", acting=admin)
    with db.reading() as s:
        before = s.scalar(select(func.max(HistoryEntry.id)))
    detail = services.assignment.take_next(admin)
    assert detail is not None
    with db.reading() as s:
        assert s.scalar(select(func.max(HistoryEntry.id))) > before  # type: ignore[operator]


def test_a_second_seed_is_refused_and_changes_nothing(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    before = _fingerprint(db)
    with pytest.raises(DemoRefused) as info:
        seed_demo(db, claims=10, now=NOW)
    message = str(info.value)
    assert "already holds data" in message and f"{CLAIMS} claims" in message and "empty database" in message
    assert isinstance(info.value, DomainError) and info.value.exit_code == 3
    assert _fingerprint(db) == before


# ----------------------------------------------------------------------------- the real workflow on it


def test_the_real_workflow_moves_seeded_claims(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    services = _services(db)
    alice = services.users.authenticate("alice", DEMO_PASSWORD)

    taken = services.assignment.take_next(alice)
    assert taken is not None
    assert (taken.state, taken.assignee) == ("in_review", "Alice Martin")
    assert taken.history[0].action == "intake" and taken.history[-1].action == "start_review"

    detail = services.workflow.act(
        taken.reference, "approve_concession", alice, ActionParams(amount=min(taken.amount_claimed, Decimal("999")))
    ) if taken.amount_claimed < Decimal("1000") else services.workflow.act(
        taken.reference, "present_to_seller", alice, ActionParams(amount=taken.amount_claimed)
    )  # fmt: skip
    assert detail.state in ("approved_concession", "seller_notified")
    assert detail.correspondence[-1].party == "seller"

    admin = services.users.authenticate("admin", DEMO_PASSWORD)
    escalated = services.claims.queue_page(QueueFilter(states=("escalated",)), limit=5)
    assert escalated
    stepped = services.workflow.act(
        escalated[0].reference,
        "step_in",
        admin,
        ActionParams(amount=escalated[0].amount_claimed, note="Supervisor decision after review"),
    )
    assert stepped.state == "step_in" and any(r.status == "open" for r in stepped.recoveries)

    queue = services.claims.queue_page(QueueFilter(states=("new",)), limit=200)
    assert queue and all(r.state == "new" for r in queue)
    page2 = services.claims.queue_page(QueueFilter(states=("closed",)), limit=20)
    page3 = services.claims.queue_page(
        QueueFilter(states=("closed",)), after=(page2[-1].due_at, page2[-1].id), limit=20
    )
    assert page3 and page3[0].due_at >= page2[-1].due_at and not {r.id for r in page2} & {r.id for r in page3}


def test_every_loaded_table_gets_every_required_column() -> None:
    """A new NOT NULL column without a default must reach the demo's column lists, or seeding fails."""
    for table_name, columns in demo_module._COLUMNS.items():
        if table_name in demo_module._STORED_IN:  # a narrower row form of another table
            assert set(columns) <= {
                c.name for c in Base.metadata.tables[demo_module._STORED_IN[table_name]].c
            }
            continue
        table = Base.metadata.tables[table_name]
        required = {
            c.name
            for c in table.columns
            if not c.nullable and c.server_default is None and not (c.primary_key and c.autoincrement is True)
        }
        assert required <= set(columns) | {"id"}, (table_name, required - set(columns))
        assert set(columns) <= {c.name for c in table.columns}
    assert inspect(Claim).mapper is not None


def test_refuses_a_now_too_close_to_the_program_start(db: Database) -> None:
    with pytest.raises(DomainError, match="at least"):
        seed_demo(db, claims=10, now=datetime(2021, 10, 1, tzinfo=UTC))


def test_notice_text_is_the_workflow_text(seeded: tuple[Database, DemoSummary]) -> None:
    """Spot-check: the demo's notices match what the notices module writes for the same facts."""
    db, _ = seeded
    with db.reading() as s:
        rows = s.execute(
            select(Correspondence.subject, Correspondence.body).where(
                Correspondence.party == "seller", Correspondence.kind == "step_in"
            )
        ).all()
    assert rows
    assert all(body.startswith("Dear ") and "reimbursement of" in body for _, body in rows)
    assert json.dumps([r.subject for r in rows])  # plain text, no stray objects


# ----------------------------------------------------------------------------- evidence


def _evidence_by_claim(db: Database) -> dict[int, list[Evidence]]:
    out: dict[int, list[Evidence]] = {}
    for ev in _loaded(db, Evidence):
        out.setdefault(ev.claim_id, []).append(ev)
    return out


def _flags_by_claim(db: Database) -> dict[int, set[str]]:
    with db.reading() as s:
        out: dict[int, set[str]] = {}
        for claim_id, code in s.execute(select(FraudFlag.claim_id, FraudFlag.code)):
            out.setdefault(claim_id, set()).add(code)
    return out


def test_every_claim_has_the_evidence_its_story_implies(seeded: tuple[Database, DemoSummary]) -> None:
    db, summary = seeded
    claims = {c.id: c for c in _loaded(db, Claim)}
    evidence = _evidence_by_claim(db)
    flags = _flags_by_claim(db)
    assert set(evidence) == set(claims)  # every claim has files on record
    assert summary.tables["evidence"] == sum(len(v) for v in evidence.values())
    with db.reading() as s:
        requests = dict(
            s.execute(
                select(HistoryEntry.claim_id, HistoryEntry.note).where(HistoryEntry.action == "request_info")
            ).all()
        )
    misses = Counter[str]()
    for claim_id, files in evidence.items():
        c = claims[claim_id]
        itype = IncidentType(c.incident_type)
        missing = {k.value for k in missing_evidence(itype, (f.kind for f in files))}
        misses.update(missing)
        for f in files:  # on record from intake, with the filing
            assert f.added_at == c.created_at and f.added_at > c.filed_at and f.added_by_id is None
            ext = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}[f.media_type]
            assert f.filename.endswith(ext) and f.size_bytes > 0
            assert (f.kind == "photo") == f.media_type.startswith("image/")
        # intake screening saw the files: the injury flag only where the medical record is missing
        if itype.involves_injury:
            assert ("injury_without_medical_record" in flags.get(claim_id, set())) == (
                "medical_record" in missing
            )
        if missing:  # only where the story explains it
            assert (
                c.state in ("awaiting_customer", "fraud_review", "expert_review", "new")
                or c.denial_reason is not None
            ), (c.reference, c.state, missing)
        if c.state == "awaiting_customer":  # the request asked for what is missing
            assert missing
            note = requests[claim_id]
            assert note is not None
            assert ("medical report" in note) == ("medical_record" in missing), note
            assert ("repair estimate" in note) == ("repair_estimate" in missing), note
    missed = sum(
        1
        for cid, files in evidence.items()
        if missing_evidence(IncidentType(claims[cid].incident_type), (f.kind for f in files))
    )
    assert 0.05 * CLAIMS < missed < 0.25 * CLAIMS, missed  # a realistic minority; most are complete
    assert set(misses) <= {"photo", "repair_estimate", "medical_record"}
    kinds = Counter(f.kind for files in evidence.values() for f in files)
    assert {"photo", "repair_estimate", "medical_record", "receipt", "police_or_fire_report"} <= set(kinds)


def test_small_demo_evidence_is_real_files_that_verify(seeded: tuple[Database, DemoSummary]) -> None:
    db, _ = seeded
    services = _services(db)
    report = services.evidence.verify()
    with db.reading() as s:
        blobs = s.scalar(select(func.count()).select_from(EvidenceBlob))
        shas = s.scalar(select(func.count(func.distinct(Evidence.sha256))))
        chunks = s.scalar(select(func.count()).select_from(EvidenceChunk))
        bands = {(b.evidence_id, b.band): b.value for b in s.scalars(select(PhotoHashBand))}
        photos = s.execute(
            select(Evidence.id, Evidence.perceptual_hash).where(Evidence.kind == "photo")
        ).all()
    assert report.ok and report.without_file == 0
    assert report.files_checked == blobs == shas == chunks and blobs > CLAIMS
    for eid, phash in photos:  # hashed and banded as an upload is
        assert phash is not None and len(phash) == 16
        assert [bands[(eid, b)] for b in range(4)] == hash_bands(phash)
    assert len(bands) == 4 * len(photos)
    # distinct files: distinct photos look different (only the deliberate copies are near)
    assert len({p for _, p in photos}) > 0.9 * len(photos)

    estimate = _loaded(db, Evidence, Evidence.kind == "repair_estimate")[0]
    claim = _loaded(db, Claim, Claim.id == estimate.claim_id)[0]
    pdf = PdfReader(io.BytesIO(b"".join(services.evidence.open(estimate.id))))
    assert len(pdf.pages) == 1 and claim.reference in pdf.pages[0].extract_text()
    assert estimate.details is not None and estimate.details["pages"] == 1
    photo = _loaded(db, Evidence, Evidence.kind == "photo")[0]
    with Image.open(io.BytesIO(b"".join(services.evidence.open(photo.id)))) as img:
        assert photo.details is not None and img.size == (photo.details["width"], photo.details["height"])
    assert services.evidence.thumbnail(photo.id).startswith(b"\x89PNG")
    detail = services.claims.detail(claim.reference)
    assert detail.evidence and all(e.has_file for e in detail.evidence)
    assert {e.added_by for e in detail.evidence} == {"Customer"}


def test_reused_and_near_duplicate_photos_are_on_the_flagged_claims(
    seeded: tuple[Database, DemoSummary],
) -> None:
    db, _ = seeded
    flags = _flags_by_claim(db)
    claims = {c.id: c for c in _loaded(db, Claim)}
    by_ref = {c.reference: cid for cid, c in claims.items()}
    distance = PolicySettings().near_duplicate_max_distance
    near_pairs: set[frozenset[int]] = set()
    same_pairs: set[frozenset[int]] = set()
    with db.reading() as s:
        photo_claims = sorted(set(s.scalars(select(Evidence.claim_id).where(Evidence.kind == "photo"))))
        for claim_id in photo_claims:
            for hit in similar_photos(s, claim_id, distance):
                pair = frozenset((claim_id, by_ref[hit.reference]))
                (same_pairs if hit.same_file else near_pairs).add(pair)
    assert near_pairs and same_pairs
    copied = {cid for cid, codes in flags.items() if codes & {"reused_evidence", "near_duplicate_photo"}}
    for pair in near_pairs | same_pairs:  # no accidental look-alikes: every pair involves a flagged copy
        assert pair & copied, [claims[c].reference for c in pair]
    for cid in copied:
        partners = [
            p for p in (near_pairs if "near_duplicate_photo" in flags[cid] else same_pairs) if cid in p
        ]
        assert partners, claims[cid].reference
        assert claims[cid].state in ("fraud_review", "expert_review") or claims[cid].denial_reason


def test_large_seeds_write_metadata_only_evidence(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_evidence, "EVIDENCE_FILES_MAX_CLAIMS", CLAIMS - 1)
    summary = seed_demo(db, claims=CLAIMS, seed=7, now=NOW)
    services = _services(db)
    with db.reading() as s:
        rows = s.scalar(select(func.count()).select_from(Evidence))
        claims_with = s.scalar(select(func.count(func.distinct(Evidence.claim_id))))
        stored = [
            s.scalar(select(func.count()).select_from(t))
            for t in (EvidenceBlob, EvidenceChunk, PhotoHashBand)
        ]
        hashed = s.scalar(select(func.count()).where(Evidence.perceptual_hash.is_not(None)))
        reused = s.execute(
            select(Evidence.sha256)
            .group_by(Evidence.sha256)
            .having(func.count(func.distinct(Evidence.claim_id)) > 1)
        ).all()
        ref = s.scalar(select(Claim.reference).order_by(Claim.id).limit(1))
    assert rows == summary.tables["evidence"] and rows > 2 * CLAIMS and claims_with == CLAIMS
    assert stored == [0, 0, 0] and hashed == 0
    assert reused  # the reused photos are still the same file (same hash) on two claims
    assert ref is not None
    detail = services.claims.detail(ref)
    assert detail.evidence and not any(e.has_file for e in detail.evidence)
    report = services.evidence.verify()
    assert report.ok and report.files_checked == 0 and report.without_file == rows
