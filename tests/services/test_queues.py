"""Queues page, sort and filter in the database, and agree with what a person would count by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atoz_desk.domain.errors import PermissionDenied, ValidationError
from atoz_desk.domain.transitions import ActionParams
from atoz_desk.services import queues
from atoz_desk.services.dto import ClaimRow
from atoz_desk.services.queues import QueueId, QueueQuery, SortKey, visible_queues

from .conftest import Desk

AMOUNTS = [
    "120.00",
    "450.00",
    "999.00",
    "35.50",
    "2500.00",
    "780.25",
    "4100.00",
    "60.00",
    "450.00",
    "1300.00",
]


@pytest.fixture
def busy(desk: Desk, clock) -> Desk:  # type: ignore[no-untyped-def]
    names = ["Zoë Łukasiewicz", "Фёдор Иванов", "Ελένη Παπαδοπούλου", "John Smith", "Mary Smithers"]
    for i, amount in enumerate(AMOUNTS):
        clock.advance(hours=3)
        desk.file(
            amount_claimed=amount,
            product_price="800.00",
            customer_name=names[i % len(names)],
            incident_type=["property_damage", "personal_injury", "both"][i % 3],
            product_title=["Space heater", "Kettle", "E-bike battery"][i % 3],
            filed_at=f"2026-10-{10 + i:02d}T10:00:00Z",
            incident_date="2026-10-05",
        )
    return desk


def walk(desk: Desk, query: QueueQuery, limit: int = 3, who: str = "alice") -> list[ClaimRow]:
    """Every row of the queue, page by page."""
    actor = getattr(desk, who)
    rows: list[ClaimRow] = []
    cursor = None
    for _ in range(100):
        page = desk.services.queues.page(query, actor, after=cursor, limit=limit)
        rows.extend(page.rows)
        cursor = page.next
        if cursor is None:
            return rows
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (SortKey.DUE, lambda r: (r.due_at, r.id)),
        (SortKey.AMOUNT, lambda r: (r.amount_claimed, r.id)),
        (SortKey.FILED, lambda r: (r.filed_at, r.id)),
        (SortKey.FRAUD_SCORE, lambda r: (r.fraud_score, r.id)),
        (SortKey.REFERENCE, lambda r: (r.reference, r.id)),
    ],
)
def test_keyset_pages_cover_the_queue_once_in_order(busy: Desk, sort: SortKey, key, descending: bool) -> None:  # type: ignore[no-untyped-def]
    rows = walk(busy, QueueQuery(queue=QueueId.ALL, sort=sort, descending=descending), limit=3)
    assert len(rows) == len(AMOUNTS) == len({r.id for r in rows})
    assert rows == sorted(rows, key=key, reverse=descending)


@pytest.fixture(params=["from matches", "walking the sort index"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """SQLite pages start from a filter's matches when they are few, else walk the sort index.

    The test databases are small, so every filter has few matches; "walking" pretends every
    filter matches many claims, so both ways of answering are held to the same results.
    """
    if request.param != "from matches":
        monkeypatch.setattr(queues, "FEW_MATCHES", 0)
        monkeypatch.setattr(queues, "FEW_TEXT_MATCHES", 0)
    return str(request.param)


@pytest.mark.usefixtures("plan")
@pytest.mark.parametrize("descending", [False, True])
def test_filtered_pages_sort_and_continue_the_same_either_way(busy: Desk, descending: bool) -> None:
    everything = walk(busy, QueueQuery(queue=QueueId.ALL), limit=50)
    by_due = walk(busy, QueueQuery(QueueId.ALL, descending=descending, amount_min=Decimal("100")), limit=2)
    assert by_due == sorted(
        (r for r in everything if r.amount_claimed >= Decimal("100")),
        key=lambda r: (r.due_at, r.id),
        reverse=descending,
    )
    assert len(by_due) == 8
    smiths = walk(
        busy,
        QueueQuery(
            QueueId.ALL, sort=SortKey.AMOUNT, descending=descending, amount_min=Decimal("100"), text="smith"
        ),
        limit=2,
    )
    assert smiths == sorted(
        (r for r in everything if r.amount_claimed >= Decimal("100") and "Smith" in r.customer_name),
        key=lambda r: (r.amount_claimed, r.id),
        reverse=descending,
    )
    assert [r.amount_claimed for r in smiths] == sorted(
        [Decimal("450.00"), Decimal("1300.00"), Decimal("2500.00")], reverse=descending
    )


@pytest.mark.usefixtures("plan")
def test_filters_by_amount_incident_and_text(busy: Desk) -> None:
    rows = walk(busy, QueueQuery(queue=QueueId.ALL, amount_min=Decimal("450.00"), amount_max=Decimal("1300")))
    assert sorted(r.amount_claimed for r in rows) == [
        Decimal(a) for a in ("450.00", "450.00", "780.25", "999.00", "1300.00")
    ]
    injuries = walk(busy, QueueQuery(queue=QueueId.ALL, incident_type="personal_injury"))
    assert injuries and all(r.incident_type in ("personal_injury", "both") for r in injuries)
    smiths = walk(busy, QueueQuery(queue=QueueId.ALL, text="smith"))
    assert {r.customer_name for r in smiths} == {"John Smith", "Mary Smithers"}
    assert {r.customer_name for r in walk(busy, QueueQuery(queue=QueueId.ALL, text="łukasie"))} == {
        "Zoë Łukasiewicz"
    }
    assert len(walk(busy, QueueQuery(queue=QueueId.ALL, text="battery"))) == 3  # product titles
    assert busy.services.queues.count(QueueQuery(queue=QueueId.ALL, text="smith"), busy.alice) == len(smiths)


def test_bad_filters_are_clear_messages(busy: Desk) -> None:
    q = busy.services.queues
    with pytest.raises(ValidationError, match="at least 3 characters"):
        q.page(QueueQuery(queue=QueueId.ALL, text="ab"), busy.alice)
    with pytest.raises(ValidationError, match="lowest amount is above the highest"):
        q.page(QueueQuery(queue=QueueId.ALL, amount_min=Decimal("10"), amount_max=Decimal("5")), busy.alice)
    with pytest.raises(ValidationError, match="not part of the New"):
        q.page(QueueQuery(queue=QueueId.NEW, states=("closed",)), busy.alice)


def test_my_claims_new_queue_and_counts_follow_the_work(busy: Desk) -> None:
    q = busy.services.queues
    before = q.counts(busy.alice)
    assert (
        before[QueueId.NEW]
        == before[QueueId.ALL] - before[QueueId.FRAUD_REVIEW]
        == len(walk(busy, QueueQuery(queue=QueueId.NEW)))
    )
    taken = busy.services.assignment.take_next(busy.alice)
    assert taken is not None
    mine = walk(busy, QueueQuery(queue=QueueId.MY))
    assert [r.reference for r in mine] == [taken.reference]
    after = q.counts(busy.alice)
    assert after[QueueId.NEW] == before[QueueId.NEW] - 1 and after[QueueId.MY] == 1
    assert q.counts(busy.bob)[QueueId.MY] == 0
    lane = "present_to_seller" if taken.amount_claimed >= Decimal("1000") else "approve_concession"
    busy.services.workflow.act(taken.reference, lane, busy.alice, ActionParams(amount=taken.amount_claimed))
    assert q.counts(busy.alice)[QueueId.PAYMENTS_PENDING] + q.counts(busy.alice)[QueueId.AWAITING_SELLER] == 1


def test_approvals_queue_is_for_supervisors(busy: Desk) -> None:
    assert QueueId.APPROVALS not in {s.id for s in visible_queues(busy.alice)}
    with pytest.raises(PermissionDenied, match="supervisors"):
        busy.services.queues.page(QueueQuery(queue=QueueId.APPROVALS), busy.alice)
    assert busy.services.queues.counts(busy.sam)[QueueId.APPROVALS] == 0


def test_find_in_one_step_by_reference_email_order_or_text(busy: Desk) -> None:
    q = busy.services.queues
    first = walk(busy, QueueQuery(queue=QueueId.ALL, sort=SortKey.REFERENCE))[0]
    assert [r.reference for r in q.find(first.reference.lower())] == [first.reference]
    assert [r.reference for r in q.find(first.reference.replace("-", ""))] == [first.reference]
    detail = busy.services.claims.detail(first.reference)
    assert first.reference in [r.reference for r in q.find(detail.customer["email"].upper())]
    assert [r.reference for r in q.find(detail.order["external_id"])] == [first.reference]
    assert len(q.find("Ελένη")) == 2
    assert q.find("nothing like this anywhere") == []


def test_contains_says_whether_a_claim_still_belongs_in_a_queue(busy: Desk) -> None:
    q = busy.services.queues
    taken = busy.services.assignment.take_next(busy.alice)
    assert taken is not None
    assert not q.contains(QueueQuery(queue=QueueId.NEW), taken.reference, busy.alice)
    assert q.contains(QueueQuery(queue=QueueId.MY), taken.reference, busy.alice)
    assert not q.contains(QueueQuery(queue=QueueId.MY), taken.reference, busy.bob)
    assert q.contains(
        QueueQuery(queue=QueueId.ALL, text=taken.customer["name"][:5]), taken.reference, busy.bob
    )
    row = q.page(QueueQuery(queue=QueueId.MY), busy.alice).rows[0]
    assert row.approved_amount is None and row.reference == taken.reference


def test_page_rows_carry_the_same_values_as_the_claim_itself(busy: Desk) -> None:
    """Pages read raw driver values for speed: money stays exact Decimal, times aware UTC, names joined."""
    desk = busy
    ref = desk.file(amount_claimed="1234.56", product_price="2000.00", customer_name="Ada Ωμέγα")
    taken = desk.services.assignment.take_next(desk.bob)
    assert taken is not None
    rows = walk(desk, QueueQuery(QueueId.ALL), limit=4)
    by_ref = {r.reference: r for r in rows}
    row = by_ref[ref]
    detail = desk.services.claims.detail(ref)
    assert row.amount_claimed == Decimal("1234.56") and str(row.amount_claimed) == "1234.56"
    assert row.customer_name == "Ada Ωμέγα"
    assert row.due_at == detail.due_at and row.due_at.utcoffset() is not None
    assert row.filed_at == detail.filed_at and row.filed_at.utcoffset() is not None
    assert (row.state, row.version, row.fraud_score) == (detail.state, detail.version, detail.fraud_score)
    assert by_ref[taken.reference].assignee == taken.assignee is not None
    assert all(r.amount_claimed.as_tuple().exponent == -2 for r in rows)
