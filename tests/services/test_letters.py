"""Letters made by moves and on demand, archived and read back, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import multiprocessing
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from atoz_desk.data.models import Customer, Insurer, Letter
from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.transitions import SYSTEM_ACTOR, ActionParams, Actor
from atoz_desk.reports import KINDS, UnrenderableText
from atoz_desk.services.claims import load_claim
from atoz_desk.services.letters import (
    LetterInfo,
    LetterNotApplicable,
    LetterService,
    LetterTampered,
    letter_for_move,
)
from atoz_desk.services.workflow import apply_move

from .conftest import Desk

NAME = "Zoë Łukasiewicz-Ωμέγα Фёдорова"


def service(desk: Desk, **kwargs: Any) -> LetterService:
    s = desk.services
    return LetterService(s.db, s.policy, s.clock, **kwargs)


def move(
    desk: Desk, ref: str, action: str, actor: Actor | None = None, **params: Any
) -> list[tuple[str, int]]:
    """Make a move the way the workflow will: apply_move, then letter_for_move, in one unit of work."""
    s = desk.services
    who = actor or desk.alice
    with s.db.unit_of_work() as session:
        claim = load_claim(session, ref, for_update=True)
        now = s.clock()
        apply_move(session, claim, action, who, ActionParams(**params), s.policy, now)
        letters = letter_for_move(session, claim, action, who, now, s.policy)
        return [(x.kind, x.version) for x in letters]


def text_of(desk: Desk, info: LetterInfo) -> str:
    pdf = service(desk).pdf(info.id)
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def letters(desk: Desk, ref: str) -> dict[str, LetterInfo]:
    return {f"{x.kind} v{x.version}": x for x in service(desk).list(ref)}


def test_a_denial_makes_the_customer_letter_in_the_same_transaction(desk: Desk) -> None:
    ref = desk.file(customer_name=NAME, amount_claimed="450.00")
    move(desk, ref, "start_review")
    made = move(desk, ref, "deny", reason="unsubstantiated", note="No photo shows the kettle itself.")
    assert made == [("customer_denied", 1)]
    (info,) = service(desk).list(ref)
    assert (info.kind, info.version, info.addressee, info.created_by) == (
        "customer_denied",
        1,
        "customer",
        "Alice Adjuster",
    )
    assert info.created_at == desk.services.clock() and info.size_bytes > 1000
    text = text_of(desk, info)
    for expected in (
        NAME,
        f"Claim reference: {ref}",
        "$450.00",
        "10 October 2026",  # incident date
        "2 November 2026",  # decision and letter date
        "the evidence does not show that a defect in the product caused the loss",
        "No photo shows the kettle itself.",
        "What you can do next",
        "Alice Adjuster Claims Adjuster",
        "Page 1 of 1",
    ):
        assert expected in text, expected


def test_a_refused_move_archives_no_letter(desk: Desk) -> None:
    ref = desk.file()
    move(desk, ref, "start_review")
    with pytest.raises(ValidationError):
        move(desk, ref, "deny", note="no reason given")
    assert service(desk).list(ref) == []


def test_a_name_no_font_can_draw_stops_the_move_and_names_the_characters(desk: Desk) -> None:
    ref = desk.file(customer_name="山田 太郎")
    move(desk, ref, "start_review")
    with pytest.raises(UnrenderableText, match=r"'山' U\+5C71"):
        move(desk, ref, "deny", reason="frivolous", note="n")
    assert desk.services.claims.detail(ref).state == "in_review"  # nothing was decided
    assert service(desk).list(ref) == []


def test_concession_for_an_insured_seller_tells_customer_and_seller(desk: Desk) -> None:
    ref = desk.file(amount_claimed="450.00")
    desk.insure()
    move(desk, ref, "start_review")
    assert move(desk, ref, "approve_concession", amount=Decimal("425.50")) == [
        ("customer_concession_paid", 1),
        ("seller_concession_notice", 1),
    ]
    got = letters(desk, ref)
    customer = text_of(desk, got["customer_concession_paid v1"])
    assert "we are paying you $425.50" in customer and "Amount claimed: $450.00" in customer
    seller = text_of(desk, got["seller_concession_notice v1"])
    assert "This notice needs no answer from you" in seller
    assert "appeal until 2 December 2026" in seller  # 30 days after 2 November
    assert "reimbursement of" not in seller


def test_concession_for_an_uninsured_seller_also_asks_for_proof_with_the_directory(desk: Desk) -> None:
    with desk.services.db.unit_of_work() as s:
        s.add(
            Insurer(name="Harbor Mutual", rating="A", contact="sales@harbor.example", accelerator_member=True)
        )
        s.add(Insurer(name="Северный Страховой", rating="A+", contact=None, accelerator_member=True))
        s.add(
            Insurer(name="Lone Star Casualty", rating="B", contact="x@lone.example", accelerator_member=False)
        )
    ref = desk.file(amount_claimed="300.00")
    move(desk, ref, "start_review")
    made = move(desk, ref, "approve_concession", amount=Decimal("300.00"))
    assert [k for k, _ in made] == [
        "customer_concession_paid",
        "seller_concession_notice",
        "seller_proof_of_insurance",
    ]
    got = letters(desk, ref)
    notice = text_of(desk, got["seller_concession_notice v1"])
    assert "we have opened a reimbursement of $300.00" in notice
    proof = text_of(desk, got["seller_proof_of_insurance v1"])
    assert "Proof of product liability insurance needed by 9 November 2026" in proof
    assert "no product liability insurance on file" in proof
    assert "at least $1,000,000.00" in proof and "no more than $10,000.00" in proof
    assert "Harbor Mutual A sales@harbor.example" in proof
    assert "Северный Страховой A+ not listed" in proof
    assert "Lone Star" not in proof  # not an accelerator member


def test_seller_lane_presented_then_step_in_after_silence_then_paid(desk: Desk, clock: Any) -> None:
    ref = desk.file(amount_claimed="5000.00", product_price="900.00", customer_name=NAME)
    move(desk, ref, "start_review")
    assert move(desk, ref, "present_to_seller", amount=Decimal("4800.00")) == [("seller_claim_presented", 1)]
    presented = text_of(desk, letters(desk, ref)["seller_claim_presented v1"])
    assert "Action required" in presented and "please respond by 9 November 2026" in presented
    assert "Amount claimed: $4,800.00" in presented and "Acme Appliances" in presented

    clock.advance(days=8)
    assert move(desk, ref, "seller_no_response", SYSTEM_ACTOR) == [("seller_step_in_demand", 1)]
    demand = text_of(desk, letters(desk, ref)["seller_step_in_demand v1"])
    assert "because you did not respond to the claim by 9 November 2026" in demand
    assert "Reimbursement requested from you: $4,800.00" in demand
    assert "by 10 December 2026" in demand  # 30 days after the step-in on 10 November
    assert "Alice Adjuster" in demand  # the sweep decided; the claim's adjuster signs

    desk.services.assignment.assign(ref, "carol", desk.sam)
    assert move(desk, ref, "issue_payment", desk.carol) == [("customer_paid_after_step_in", 1)]
    paid = text_of(desk, letters(desk, ref)["customer_paid_after_step_in v1"])
    assert NAME in paid and "we paid you $4,800.00" in paid
    assert "the seller did not respond by 9 November 2026" in paid
    assert "Carol Senior Senior Claims Adjuster" in paid


def test_supervisor_step_in_and_uphold_tell_the_seller_the_outcome(desk: Desk) -> None:
    stepped = desk.file(amount_claimed="2500.00", product_price="700.00")
    upheld = desk.file(amount_claimed="1800.00", product_price="600.00")
    for ref in (stepped, upheld):
        move(desk, ref, "start_review")
        move(desk, ref, "present_to_seller", amount=Decimal("1800.00"))
        move(desk, ref, "record_seller_rejection", note="Counterfeit item, not ours")
        assert move(desk, ref, "escalate", note="We believe the claim") == []
    assert move(desk, stepped, "step_in", desk.sam, amount=Decimal("1800.00"), note="Wiring fault") == [
        ("seller_step_in_demand", 1),
        ("seller_escalation_outcome", 1),
    ]
    outcome = text_of(desk, letters(desk, stepped)["seller_escalation_outcome v1"])
    assert "Decision of 2 November 2026: the marketplace steps in" in outcome
    assert "Your grounds, as we recorded them: Counterfeit item, not ours" in outcome
    assert "reimbursement of $1,800.00" in outcome and "Sam Supervisor Claims Supervisor" in outcome
    assert "The claim is denied" not in outcome

    assert move(desk, upheld, "uphold_rejection", desk.sam, note="Seller proved it") == [
        ("customer_denied", 1),
        ("seller_escalation_outcome", 1),
    ]
    outcome = text_of(desk, letters(desk, upheld)["seller_escalation_outcome v1"])
    assert "your rejection is upheld" in outcome and "Nothing is owed by you" in outcome
    assert "reimbursement" not in outcome
    # printed again by an adjuster, the supervisor's decision keeps the supervisor's signature
    again = service(desk).generate(upheld, "seller_escalation_outcome", desk.alice)
    assert "Sam Supervisor Claims Supervisor" in text_of(desk, again) and again.created_by == "Alice Adjuster"
    denial = text_of(desk, letters(desk, upheld)["customer_denied v1"])
    assert "the seller showed that the product was not at fault" in denial


def test_information_request_and_expert_referral_letters(desk: Desk) -> None:
    ref = desk.file()
    move(desk, ref, "start_review")
    assert move(desk, ref, "request_info", note="Photos of the worktop, please.") == [
        ("customer_information_requested", 1)
    ]
    asked = text_of(desk, letters(desk, ref)["customer_information_requested v1"])
    assert "Photos of the worktop, please." in asked and "Please reply by 16 November 2026" in asked

    fraud = desk.file(
        amount_claimed="990.00",
        product_price="30.00",
        incident_type="personal_injury",
        incident_date="2026-09-25",
        filed_at="2026-10-30T08:00:00Z",
        order_date="2026-09-21",
        delivered_date="2026-09-24",
    )
    assert desk.services.claims.detail(fraud).state == "fraud_review"
    assert move(
        desk, fraud, "refer_to_experts", firm="Veritas Forensics", note="Check the injury photos' dates."
    ) == [("expert_referral", 1)]
    referral = text_of(desk, letters(desk, fraud)["expert_referral v1"])
    assert "Dear colleagues at Veritas Forensics" in referral
    assert "report due 23 November 2026" in referral  # 21 days
    assert (
        "Check the injury photos' dates." in referral and "personal injury on 25 September 2026" in referral
    )
    assert "just under limit" in referral and "$990.00" in referral


def test_regenerating_makes_version_2_and_leaves_version_1_as_it_was(desk: Desk) -> None:
    ref = desk.file()
    move(desk, ref, "start_review")
    move(desk, ref, "deny", reason="frivolous", note="Nothing happened.")
    letters_ = service(desk)
    (first,) = letters_.list(ref)
    first_pdf = letters_.pdf(first.id)
    desk.services.clock.advance(days=1)  # type: ignore[attr-defined]
    second = letters_.generate(ref, "customer_denied", desk.bob)
    assert (second.version, second.kind, second.created_by) == (2, "customer_denied", "Bob Adjuster")
    assert letters_.pdf(first.id) == first_pdf  # untouched
    assert [(x.id, x.version, x.sha256) for x in letters_.list(ref)] == [
        (first.id, 1, first.sha256),
        (second.id, 2, second.sha256),
    ]
    # Bob printed it again; Alice denied the claim, so Alice still signs it
    assert "Alice Adjuster" in text_of(desk, second) and "Bob Adjuster" not in text_of(desk, second)
    assert "3 November 2026" in text_of(desk, second)
    with desk.services.db.reading() as s:
        row = s.get_one(Letter, second.id)
        assert row.data["fields"]["denial_reason"] == "the claim has no reasonable basis"
        assert row.data["signer"] == {"name": "Alice Adjuster", "title": "Claims Adjuster"}
        assert row.template_version == second.template_version and row.template_version.startswith("1@")


def test_a_tampered_pdf_is_detected_on_read(desk: Desk) -> None:
    ref = desk.file()
    move(desk, ref, "start_review")
    move(desk, ref, "deny", reason="abusive", note="n")
    (info,) = service(desk).list(ref)
    import hashlib

    assert hashlib.sha256(service(desk).pdf(info.id)).hexdigest() == info.sha256
    with desk.services.db.unit_of_work() as s:
        pdf = s.get_one(Letter, info.id).pdf
        s.execute(update(Letter).where(Letter.id == info.id).values(pdf=pdf.replace(b"Claim", b"Clain", 1)))
    with pytest.raises(
        LetterTampered, match=rf"letter {info.id} \(customer_denied version 1 of claim {ref}\)"
    ):
        service(desk).pdf(info.id)


def test_a_letter_that_does_not_fit_the_claim_is_refused(desk: Desk) -> None:
    ref = desk.file()
    with pytest.raises(LetterNotApplicable, match=f"claim {ref} has no denial yet"):
        service(desk).generate(ref, "customer_denied", desk.alice)
    with pytest.raises(ValidationError, match="unknown letter kind 'thank_you'"):
        service(desk).generate(ref, "thank_you", desk.alice)
    assert service(desk).list(ref) == []


def test_kinds_lists_every_kind_with_addressee_and_fields(desk: Desk) -> None:
    kinds = {k.code: k for k in service(desk).kinds()}
    assert set(kinds) == set(KINDS)
    assert kinds["seller_proof_of_insurance"].addressee == "seller"
    assert "accelerator_directory" in kinds["seller_proof_of_insurance"].required
    assert kinds["expert_referral"].addressee == "expert"


def _denied_claims(desk: Desk, n: int) -> list[str]:
    refs = [desk.file() for _ in range(n)]
    for ref in refs:
        move(desk, ref, "start_review")
        move(desk, ref, "deny", reason="unsubstantiated", note="n")
    return refs


def test_batch_reports_progress_and_failures_per_claim(desk: Desk) -> None:
    refs = _denied_claims(desk, 3)
    undecided = desk.file()
    with desk.services.db.unit_of_work() as s:  # a name no letter font has
        customer_id = load_claim(s, refs[2]).customer_id
        s.execute(update(Customer).where(Customer.id == customer_id).values(name="Customer 漢"))
    calls: list[tuple[int, int]] = []
    result = service(desk).generate_batch(
        [*refs, undecided, "AZ-NOPE"],
        "customer_denied",
        desk.bob,
        lambda d, t: calls.append((d, t)),
        lambda: False,
    )
    assert calls == [(i, 5) for i in range(1, 6)]
    assert (result.total, result.processed, result.cancelled) == (5, 5, False)
    failed = {f.reference: f.message for f in result.failures}
    assert set(failed) == {refs[2], undecided, "AZ-NOPE"}
    assert "'漢' U+6F22" in failed[refs[2]]
    assert f"claim {undecided} has no denial yet" in failed[undecided]
    assert "no claim with reference 'AZ-NOPE'" in failed["AZ-NOPE"]
    assert sorted(x.version for x in result.letters) == [2, 2]
    assert all(x.created_by == "Bob Adjuster" for x in result.letters)


def test_batch_auto_picks_each_claims_latest_decision_and_stops_cleanly_when_cancelled(desk: Desk) -> None:
    denied = _denied_claims(desk, 2)
    asked = desk.file()
    move(desk, asked, "start_review")
    move(desk, asked, "request_info", note="A receipt")
    done: list[int] = []
    result = service(desk).generate_batch(
        [*denied, asked], "auto", desk.alice, lambda d, t: done.append(d), lambda: len(done) >= 1
    )
    assert result.cancelled and result.processed == 1 and len(result.letters) == 1
    assert done == [1]
    result = service(desk).generate_batch(
        [*denied, asked], "auto", desk.alice, lambda d, t: None, lambda: False
    )
    assert [(x.reference, x.kind, x.version) for x in result.letters] == [
        (denied[0], "customer_denied", 3),
        (denied[1], "customer_denied", 2),
        (asked, "customer_information_requested", 2),
    ]


def test_a_large_batch_runs_in_worker_processes_and_a_cancel_reports_exactly_what_was_archived(
    desk: Desk,
) -> None:
    refs = _denied_claims(desk, 6)
    letters_ = service(desk, render_workers=2, pool_threshold=2)
    result = letters_.generate_batch(
        refs[:3], "customer_denied", desk.carol, lambda d, t: None, lambda: False
    )
    assert result.failures == () and len(result.letters) == 3 and not result.cancelled
    for info in result.letters:  # made by Carol in a worker; signed by Alice, who denied the claims
        assert info.created_by == "Carol Senior" and info.version == 2
        assert "Alice Adjuster" in text_of(desk, info)
    with desk.services.db.reading() as s:
        stored = s.get_one(Letter, result.letters[0].id)
        assert stored.data["kind"] == "customer_denied" and stored.data["signer"]["name"] == "Alice Adjuster"

    seen: list[int] = []
    result = letters_.generate_batch(
        refs, "customer_denied", desk.sam, lambda d, t: seen.append(d), lambda: bool(seen)
    )
    assert result.cancelled and 1 <= result.processed < 6 and seen == list(range(1, result.processed + 1))
    archived = [x for ref in refs for x in letters_.list(ref) if x.created_by == "Sam Supervisor"]
    assert sorted(x.id for x in archived) == sorted(x.id for x in result.letters)


def test_letter_for_move_twice_for_one_move_archives_nothing_more(desk: Desk) -> None:
    ref = desk.file()
    move(desk, ref, "start_review")
    move(desk, ref, "deny", reason="unsubstantiated", note="n")
    with desk.services.db.unit_of_work() as s:
        claim = load_claim(s, ref)
        again = letter_for_move(s, claim, "deny", desk.alice, desk.services.clock(), desk.services.policy)
        assert [(x.kind, x.version) for x in again] == [("customer_denied", 1)]
    assert len(service(desk).list(ref)) == 1


def test_applicable_kinds_offer_only_the_letters_the_claims_decisions_fit(desk: Desk) -> None:
    ref = desk.file()
    assert service(desk).applicable_kinds(ref, desk.alice) == []  # nothing decided yet
    move(desk, ref, "start_review")
    move(desk, ref, "deny", reason="frivolous", note="n")
    assert [k.code for k in service(desk).applicable_kinds(ref, desk.alice)] == ["customer_denied"]


def test_save_pdf_writes_the_archived_bytes_and_refuses_a_tampered_letter(desk: Desk, tmp_path: Any) -> None:
    ref = desk.file()
    move(desk, ref, "start_review")
    move(desk, ref, "deny", reason="frivolous", note="n")
    (info,) = service(desk).list(ref)
    target = tmp_path / f"{ref}.pdf"
    assert service(desk).save_pdf(info.id, target) == info.size_bytes
    assert target.read_bytes() == service(desk).pdf(info.id)
    assert ref in text_of(desk, info)
    with pytest.raises(ValidationError, match="could not save the letter"):
        service(desk).save_pdf(info.id, tmp_path / "no-such-folder" / "x.pdf")
    with desk.services.db.unit_of_work() as s:
        s.execute(update(Letter).where(Letter.id == info.id).values(pdf=b"%PDF-1.4 not the letter"))
    again = tmp_path / "again.pdf"
    with pytest.raises(LetterTampered):
        service(desk).save_pdf(info.id, again)
    assert not again.exists()


def test_the_worker_processes_start_early_serve_several_batches_and_end_on_close(desk: Desk) -> None:
    refs = _denied_claims(desk, 4)
    letters_ = service(desk, render_workers=2, pool_threshold=2)
    assert multiprocessing.active_children() == []
    letters_.prepare_batch(len(refs))  # e.g. while the user chooses the letter
    workers = {p.pid for p in multiprocessing.active_children()}
    assert len(workers) == 2
    for version in (2, 3):
        result = letters_.generate_batch(
            refs, "customer_denied", desk.alice, lambda d, t: None, lambda: False
        )
        assert sorted(x.version for x in result.letters) == [version] * 4 and not result.failures
        assert {p.pid for p in multiprocessing.active_children()} == workers  # the same processes
    letters_.close()
    assert multiprocessing.active_children() == []


def test_a_cancel_stops_workers_inside_their_chunk_of_claims_and_reports_exactly_what_was_archived(
    desk: Desk,
) -> None:
    refs = _denied_claims(desk, 20)  # two claims a job for two workers
    letters_ = service(desk, render_workers=2, pool_threshold=2)
    seen: list[int] = []
    result = letters_.generate_batch(
        refs, "customer_denied", desk.sam, lambda d, t: seen.append(d), lambda: bool(seen)
    )
    letters_.close()
    assert result.cancelled and 1 <= result.processed < 20 and seen == list(range(1, result.processed + 1))
    archived = [x for ref in refs for x in letters_.list(ref) if x.created_by == "Sam Supervisor"]
    assert sorted(x.id for x in archived) == sorted(x.id for x in result.letters)
    assert len(result.letters) == result.processed
