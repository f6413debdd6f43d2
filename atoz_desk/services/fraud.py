"""Fraud work on a claim: its flags and score, decisions on flags, re-screening, linked claims
and the expert referral packet."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atoz_desk.data.database import Database
from atoz_desk.data.models import (
    Claim,
    Customer,
    Evidence,
    ExpertReferral,
    FraudFlag,
    Order,
    Product,
    Seller,
    User,
)
from atoz_desk.domain import fraud
from atoz_desk.domain.errors import NotFound, PermissionDenied, StaleEdit, ValidationError
from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState, FlagStatus, Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.claims import flag_info, load_claim
from atoz_desk.services.dto import FlagInfo
from atoz_desk.services.records import record_history
from atoz_desk.services.screening import (
    LIVE_STATUSES,
    ScreeningChange,
    flags_by_claim,
    rescreen_claim,
    screening_inputs,
)

if TYPE_CHECKING:
    from atoz_desk.reports.referral import ReferralSummary

Progress = Callable[[int, int], None]

DECISIONS = {"confirm": FlagStatus.CONFIRMED, "dismiss": FlagStatus.DISMISSED}
_MAX_LINKED = 50
_PER_LINK_ROWS = 200  # most claims read per kind of link: a shared address of a block of flats stays quick


# ------------------------------------------------------------------ DTOs


@dataclass(frozen=True)
class ReferralInfo:
    firm: str
    referred_at: datetime
    referred_by: str
    due_date: str
    outcome: str | None
    outcome_note: str | None
    packet_sha256: str | None


@dataclass(frozen=True)
class FraudOverview:
    """What the Fraud tab shows: the score, its flags (open and decided) and the latest referral."""

    reference: str
    version: int
    state: str
    fraud_score: int
    flag_count: int
    review_reasons: tuple[str, ...]
    flags: tuple[FlagInfo, ...]
    referral: ReferralInfo | None


@dataclass(frozen=True)
class RescreenOutcome:
    reference: str
    added: tuple[str, ...]
    cleared: tuple[str, ...]
    updated: tuple[str, ...]
    score: tuple[int, int]
    state: tuple[str, str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.cleared or self.updated or self.score[0] != self.score[1])


@dataclass(frozen=True)
class RescreenSummary:
    screened: int
    changed: int
    sent_to_review: int
    outcomes: tuple[RescreenOutcome, ...]  # the claims that changed


@dataclass(frozen=True)
class LinkedClaim:
    """A claim joined to this one, with every link that joins them (strongest first)."""

    reference: str
    state: str
    state_label: str
    customer_name: str
    amount_claimed: Decimal
    currency: str
    filed_at: datetime
    fraud_score: int
    links: tuple[str, ...]
    strength: int


@dataclass(frozen=True)
class ReferralPacket:
    path: Path
    sha256: str
    files: int
    missing_files: tuple[str, ...]  # evidence with no file on record (metadata only)


# ------------------------------------------------------------------ the service


class FraudService:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    # ---------------------------------------------------------------- reading

    def overview(self, reference: str) -> FraudOverview:
        with self._db.reading() as s:
            return _overview(s, load_claim(s, reference), self._policy)

    # ---------------------------------------------------------------- screening

    def rescreen(self, reference: str, actor: Actor) -> RescreenOutcome:
        """Screen one claim again now; records what changed (nothing when nothing did)."""
        _check_role(actor, "re-screen a claim")
        now = self._clock()
        with self._db.unit_of_work() as s:
            claim = load_claim(s, reference, for_update=True)
            change = rescreen_claim(s, claim, self._policy, now, actor=actor, cause="on_demand")
            return _outcome(claim.reference, change)

    def rescreen_all(
        self,
        actor: Actor,
        *,
        references: Sequence[str] | None = None,
        limit: int | None = None,
        batch: int = 500,
        progress: Progress | None = None,
    ) -> RescreenSummary:
        """Re-screen the named claims, or every open claim (admins only), `batch` claims per
        transaction with their facts gathered together; progress(done, total) after each batch."""
        if references is None and actor.role is not Role.ADMIN:
            raise PermissionDenied("only an admin may re-screen every open claim")
        _check_role(actor, "re-screen claims")
        if batch < 1:
            raise ValidationError("batch must be at least 1", "batch")
        with self._db.reading() as s:
            if references is not None:
                wanted = [r.strip().upper() for r in references]
                found = dict(
                    s.execute(select(Claim.reference, Claim.id).where(Claim.reference.in_(wanted))).all()
                )
                missing = [r for r in wanted if r not in found]
                if missing:
                    raise NotFound("no claim with reference " + ", ".join(missing))
                ids = sorted(set(found.values()))
            else:
                closed = [st.value for st in ClaimState if not st.is_open]
                stmt = select(Claim.id).where(Claim.state.not_in(closed)).order_by(Claim.id)
                if limit is not None:
                    stmt = stmt.limit(limit)
                ids = list(s.scalars(stmt))
        outcomes: list[RescreenOutcome] = []
        sent = 0
        done = 0
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            now = self._clock()
            with self._db.unit_of_work() as s:
                changes = _rescreen_chunk(s, chunk, self._policy, now, actor)
            for ref, change in changes:
                if change.changed:
                    outcomes.append(_outcome(ref, change))
                    if change.state[0] != change.state[1]:
                        sent += 1
            done += len(chunk)
            if progress is not None:
                progress(done, len(ids))
        return RescreenSummary(len(ids), len(outcomes), sent, tuple(outcomes))

    # ---------------------------------------------------------------- decisions

    def decide_flag(
        self,
        flag_id: int,
        decision: str,
        reason: str | None,
        actor: Actor,
        expected_version: int | None = None,
    ) -> FraudOverview:
        """Confirm or dismiss an open flag; a dismissal needs a reason. Refused (nothing changed)
        when the claim changed since `expected_version`."""
        status = DECISIONS.get((decision or "").strip().lower())
        if status is None:
            raise ValidationError(f"decision must be confirm or dismiss, not {decision!r}", "decision")
        note = (reason or "").strip()
        if status is FlagStatus.DISMISSED and not note:
            raise ValidationError("Say why the flag is dismissed: a dismissal needs a reason.", "reason")
        _check_role(actor, "decide fraud flags")
        now = self._clock()
        with self._db.unit_of_work() as s:
            flag = s.get(FraudFlag, flag_id)
            if flag is None:
                raise NotFound(f"no fraud flag with id {flag_id}")
            claim = s.get_one(Claim, flag.claim_id)
            if claim.version != expected_version and expected_version is not None:
                raise StaleEdit(
                    f"Claim {claim.reference} was changed by someone else since you opened it "
                    f"(now {ClaimState(claim.state).label.lower()}); nothing was overwritten. "
                    "Reload it and decide the flag again.",
                    current_version=claim.version,
                )
            _check_may_work_on(s, claim, actor)
            if not ClaimState(claim.state).is_open:
                raise ValidationError(
                    f"Claim {claim.reference} is {ClaimState(claim.state).label.lower()}; "
                    "its flags are final.",
                    "decision",
                )
            if flag.status != FlagStatus.OPEN.value:
                who = s.get(User, flag.decided_by_id) if flag.decided_by_id else None
                by = f" by {who.display_name}" if who else ""
                when = f" on {flag.decided_at.date().isoformat()}" if flag.decided_at else ""
                raise ValidationError(
                    f"The {flag.code} flag is already {flag.status}{by}{when}; only open flags are decided.",
                    "decision",
                )
            live_before = _live(s, claim.id)
            flag.status = status.value
            flag.decision_note = note or None
            flag.decided_by_id = actor.user_id
            flag.decided_at = now
            s.flush()
            live = _live(s, claim.id)
            score = (claim.fraud_score, min(100, sum(f.score for f in live)))
            claim.fraud_score = score[1]
            claim.flag_count = len(live)
            claim.updated_at = now
            s.flush()
            record_history(
                s,
                claim=claim,
                actor=actor,
                action="flag_confirmed" if status is FlagStatus.CONFIRMED else "flag_dismissed",
                at=now,
                from_state=claim.state,
                to_state=claim.state,
                changes={
                    "flag": flag.code,
                    "flag_id": flag.id,
                    "status": [FlagStatus.OPEN.value, status.value],
                    "score": list(score),
                    "flag_count": [len(live_before), len(live)],
                },
                note=note or None,
            )
            s.flush()
            return _overview(s, claim, self._policy)

    # ---------------------------------------------------------------- linked claims

    def linked_claims(self, reference: str, limit: int = _MAX_LINKED) -> list[LinkedClaim]:
        """Claims sharing the customer, address, e-mail, phone, seller-customer contact details or
        evidence with this one, each with the links that join them, strongest first."""
        with self._db.reading() as s:
            claim = load_claim(s, reference)
            return _linked(s, claim, self._policy, limit)

    # ---------------------------------------------------------------- referral packet

    def referral_packet(
        self, reference: str, dest_zip_path: str | os.PathLike[str], actor: Actor
    ) -> ReferralPacket:
        """One ZIP for the experts: summary.pdf, manifest.json, manifest.csv and the evidence files
        (each verified against its SHA-256 while copied). Written whole or not at all."""
        from atoz_desk.services.evidence import EvidenceService

        _check_role(actor, "prepare an expert referral packet")
        dest = Path(dest_zip_path)
        if not dest.parent.is_dir():
            raise ValidationError(f"The folder {dest.parent} does not exist.", "dest_zip_path")
        now = self._clock()
        with self._db.reading() as s:
            claim = load_claim(s, reference)
            manifest = _manifest(s, claim)
            summary = _summary(s, claim, self._policy, now, actor, manifest)
            claim_ref = claim.reference
        from atoz_desk.reports.referral import render_referral_summary  # ReportLab: loaded when needed

        pdf = render_referral_summary(summary).pdf
        store = EvidenceService(self._db, self._policy, self._clock)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
        missing: list[str] = []
        try:
            with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_entry("summary.pdf", now), pdf)
                for item in manifest:
                    try:
                        chunks: Iterator[bytes] = store.open(item["evidence_id"])
                        with zf.open(_entry(item["path"], now), "w") as out:
                            for piece in chunks:
                                out.write(piece)
                    except NotFound:
                        item["path"] = None
                        item["note"] = "no file on record (metadata only)"
                        missing.append(item["name"])
                zf.writestr(
                    _entry("manifest.json", now),
                    json.dumps(
                        {"claim": claim_ref, "prepared_at": now.isoformat(), "evidence": manifest}, indent=2
                    ),
                )
                zf.writestr(_entry("manifest.csv", now), _manifest_csv(manifest))
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        digest = _sha256_file(dest)
        with self._db.unit_of_work() as s:
            claim = load_claim(s, claim_ref)
            referral = _latest_referral(s, claim.id)
            if referral is not None and referral.outcome is None:
                referral.packet_sha256 = digest
            record_history(
                s,
                claim=claim,
                actor=actor,
                action="referral_packet",
                at=now,
                changes={
                    "sha256": digest,
                    "files": len(manifest) - len(missing),
                    "firm": referral.firm if referral is not None else None,
                },
            )
        return ReferralPacket(dest, digest, len(manifest) - len(missing), tuple(missing))


# ------------------------------------------------------------------ helpers


def _check_role(actor: Actor, what: str) -> None:
    if actor.is_system or actor.role is None:
        return
    if actor.role not in (Role.ADJUSTER, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(f"{actor.display_name} may not {what}")


def _check_may_work_on(s: Session, claim: Claim, actor: Actor) -> None:
    """An adjuster decides flags on claims assigned to them or to nobody; supervisors on any."""
    if actor.is_system or actor.role in (Role.SUPERVISOR, Role.ADMIN):
        return
    if claim.assignee_id is not None and claim.assignee_id != actor.user_id:
        owner = s.get(User, claim.assignee_id)
        name = owner.display_name if owner else f"user {claim.assignee_id}"
        raise PermissionDenied(
            f"claim {claim.reference} is assigned to {name}; only they or a supervisor may decide its flags"
        )


def _live(s: Session, claim_id: int) -> list[FraudFlag]:
    return list(
        s.scalars(
            select(FraudFlag).where(FraudFlag.claim_id == claim_id, FraudFlag.status.in_(LIVE_STATUSES))
        )
    )


def _latest_referral(s: Session, claim_id: int) -> ExpertReferral | None:
    return s.scalar(
        select(ExpertReferral)
        .where(ExpertReferral.claim_id == claim_id)
        .order_by(ExpertReferral.id.desc())
        .limit(1)
    )


def _user_name(s: Session, user_id: int | None) -> str:
    if user_id is None:
        return "system"
    u = s.get(User, user_id)
    return u.display_name if u else f"user {user_id}"


def _overview(s: Session, claim: Claim, policy: PolicySettings) -> FraudOverview:
    flags = s.scalars(select(FraudFlag).where(FraudFlag.claim_id == claim.id).order_by(FraudFlag.id)).all()
    deciders = {f.decided_by_id: _user_name(s, f.decided_by_id) for f in flags if f.decided_by_id is not None}
    r = _latest_referral(s, claim.id)
    referral = (
        ReferralInfo(
            r.firm,
            r.referred_at,
            _user_name(s, r.referred_by_id),
            r.due_date.isoformat(),
            r.outcome,
            r.outcome_note,
            r.packet_sha256,
        )
        if r is not None
        else None
    )
    return FraudOverview(
        claim.reference,
        claim.version,
        claim.state,
        claim.fraud_score,
        claim.flag_count,
        fraud.review_reasons(claim.flag_count, claim.fraud_score, policy),
        tuple(flag_info(f, deciders) for f in flags),
        referral,
    )


def _outcome(reference: str, change: ScreeningChange) -> RescreenOutcome:
    return RescreenOutcome(
        reference,
        tuple(f.code for f in change.added),
        change.cleared,
        change.updated,
        change.score,
        change.state,
    )


def _rescreen_chunk(
    s: Session, ids: Sequence[int], policy: PolicySettings, now: datetime, actor: Actor
) -> list[tuple[str, ScreeningChange]]:
    claims = {c.id: c for c in s.scalars(select(Claim).where(Claim.id.in_(ids)))}
    facts = screening_inputs(s, list(claims), policy, now)
    flags = flags_by_claim(s, list(claims))
    out = []
    for claim_id in ids:
        claim = claims[claim_id]
        change = rescreen_claim(
            s,
            claim,
            policy,
            now,
            actor=actor,
            cause="bulk",
            facts=facts[claim_id],
            flags=flags.get(claim_id, []),
        )
        out.append((claim.reference, change))
    return out


# ------------------------------------------------------------------ linked claims

# how strongly each kind of link ties two claims together (sum over links orders the list)
_STRENGTH = {
    "same_file": 100,
    "similar_photo": 80,
    "seller_contact": 70,
    "email": 60,
    "phone": 60,
    "customer": 50,
    "address": 40,
}


def _linked(s: Session, claim: Claim, policy: PolicySettings, limit: int) -> list[LinkedClaim]:
    from atoz_desk.services.evidence import similar_photos

    links: dict[int, dict[str, str]] = defaultdict(dict)

    def add(claim_ids: Sequence[int], kind: str, text: str) -> None:
        for cid in claim_ids:
            if cid != claim.id:
                links[cid].setdefault(kind, text)

    def claims_of_customers(condition: Any) -> list[tuple[int, int]]:
        return list(
            s.execute(
                select(Claim.id, Claim.customer_id)
                .join(Customer, Customer.id == Claim.customer_id)
                .where(condition, Customer.id != claim.customer_id)
                .order_by(Claim.id.desc())
                .limit(_PER_LINK_ROWS)
            ).all()
        )

    def claims_against_sellers(condition: Any) -> list[int]:
        return list(
            s.scalars(
                select(Claim.id)
                .join(Seller, Seller.id == Claim.seller_id)
                .where(condition, Seller.id != claim.seller_id)
                .order_by(Claim.id.desc())
                .limit(_PER_LINK_ROWS)
            )
        )

    customer = s.get_one(Customer, claim.customer_id)
    seller = s.get_one(Seller, claim.seller_id)

    own = s.scalars(
        select(Claim.id)
        .where(Claim.customer_id == claim.customer_id, Claim.id != claim.id)
        .order_by(Claim.id.desc())
        .limit(_PER_LINK_ROWS)
    ).all()
    add(own, "customer", f"same customer {customer.name}")
    if customer.email:
        add(
            [c for c, _ in claims_of_customers(Customer.email == customer.email)],
            "email",
            f"same e-mail {customer.email}",
        )
    if customer.phone:
        add(
            [c for c, _ in claims_of_customers(Customer.phone == customer.phone)],
            "phone",
            f"same phone {customer.phone}",
        )
    if customer.address:
        add(
            [c for c, _ in claims_of_customers(Customer.address == customer.address)],
            "address",
            f"same address {customer.address}",
        )
    # the customer's contact details are a seller's: claims against that seller
    for value, column, what in (
        (customer.email, Seller.email, "e-mail"),
        (customer.phone, Seller.phone, "phone"),
        (customer.address, Seller.address, "address"),
    ):
        if value:
            add(
                claims_against_sellers(column == value),
                "seller_contact",
                f"this customer's {what} {value} is a seller's",
            )
    # this claim's seller's contact details are a customer's: that customer's claims
    for value, ccol, what in (
        (seller.email, Customer.email, "e-mail"),
        (seller.phone, Customer.phone, "phone"),
        (seller.address, Customer.address, "address"),
    ):
        if value:
            add(
                [c for c, _ in claims_of_customers(ccol == value)],
                "seller_contact",
                f"customer has the seller's {what} {value}",
            )
    # evidence: the same file, or a near-identical photo
    names: dict[int, str] = {
        eid: name
        for eid, name in s.execute(
            select(Evidence.id, Evidence.filename).where(Evidence.claim_id == claim.id)
        )
    }
    other_ids: dict[str, int] = {}
    for hit in similar_photos(s, claim.id, policy.near_duplicate_max_distance):
        cid = other_ids.get(hit.reference)
        if cid is None:
            cid = s.scalar(select(Claim.id).where(Claim.reference == hit.reference))
            if cid is None:
                continue
            other_ids[hit.reference] = cid
        own_name = names.get(hit.own_evidence_id, "")
        if hit.same_file:
            add([cid], "same_file", f"same file {own_name or hit.filename}")
        else:
            add([cid], "similar_photo", f"same photo {hit.filename} (distance {hit.distance})")

    ranked = sorted(links.items(), key=lambda kv: (-sum(_STRENGTH[k] for k in kv[1]), -kv[0]))[:limit]
    if not ranked:
        return []
    rows = {
        r[0]: r
        for r in s.execute(
            select(
                Claim.id,
                Claim.reference,
                Claim.state,
                Customer.name,
                Claim.amount_claimed,
                Claim.currency,
                Claim.filed_at,
                Claim.fraud_score,
            )
            .join(Customer, Customer.id == Claim.customer_id)
            .where(Claim.id.in_([cid for cid, _ in ranked]))
        )
    }
    out = []
    for cid, found in ranked:
        r = rows[cid]
        kinds = sorted(found, key=lambda k: -_STRENGTH[k])
        out.append(
            LinkedClaim(
                reference=r[1],
                state=r[2],
                state_label=ClaimState(r[2]).label,
                customer_name=r[3],
                amount_claimed=r[4],
                currency=r[5],
                filed_at=r[6],
                fraud_score=r[7],
                links=tuple(found[k] for k in kinds),
                strength=sum(_STRENGTH[k] for k in kinds),
            )
        )
    return out


# ------------------------------------------------------------------ packet pieces


def _entry(name: str, now: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _manifest(s: Session, claim: Claim) -> list[dict[str, Any]]:
    items = []
    users: dict[int | None, str] = {}
    for ev in s.scalars(select(Evidence).where(Evidence.claim_id == claim.id).order_by(Evidence.id)):
        if ev.added_by_id not in users:
            users[ev.added_by_id] = _user_name(s, ev.added_by_id)
        items.append(
            {
                "evidence_id": ev.id,
                "name": ev.filename,
                "kind": ev.kind,
                "media_type": ev.media_type,
                "size_bytes": ev.size_bytes,
                "sha256": ev.sha256,
                "added_at": ev.added_at.isoformat(),
                "added_by": users[ev.added_by_id],
                "path": f"evidence/{ev.sha256[:8]}-{ev.filename}",
            }
        )
    return items


_CSV_COLUMNS = ("name", "kind", "media_type", "size_bytes", "sha256", "added_at", "added_by", "path")


def _manifest_csv(manifest: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_CSV_COLUMNS)
    for item in manifest:
        w.writerow(["" if item.get(c) is None else item[c] for c in _CSV_COLUMNS])
    return buf.getvalue()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for piece in iter(lambda: f.read(1 << 20), b""):
            h.update(piece)
    return h.hexdigest()


def _summary(
    s: Session,
    claim: Claim,
    policy: PolicySettings,
    now: datetime,
    actor: Actor,
    manifest: list[dict[str, Any]],
) -> ReferralSummary:
    from atoz_desk.reports.referral import ReferralSummary, SummarySection, SummaryTable

    customer = s.get_one(Customer, claim.customer_id)
    seller = s.get_one(Seller, claim.seller_id)
    product = s.get_one(Product, claim.product_id)
    order = s.get_one(Order, claim.order_id)
    r = _latest_referral(s, claim.id)

    def money(value: Decimal) -> str:
        return format_money(value, claim.currency)

    flags = s.scalars(select(FraudFlag).where(FraudFlag.claim_id == claim.id).order_by(FraudFlag.id)).all()
    reasons = fraud.review_reasons(claim.flag_count, claim.fraud_score, policy)
    sections = (
        SummarySection(
            "Claim",
            (
                ("Reference", claim.reference),
                ("State", ClaimState(claim.state).label),
                ("Filed", claim.filed_at.date().isoformat()),
                ("Amount claimed", money(claim.amount_claimed)),
                (
                    "Approved amount",
                    money(claim.approved_amount) if claim.approved_amount is not None else "-",
                ),
                ("Fraud score", f"{claim.fraud_score} ({claim.flag_count} live flags)"),
                ("Review reasons", "; ".join(reasons) or "-"),
            ),
        ),
        SummarySection(
            "Incident",
            (
                ("Type", claim.incident_type.replace("_", " ")),
                ("Date", claim.incident_date.isoformat()),
                ("Description", claim.description or "-"),
            ),
        ),
        SummarySection(
            "Customer",
            (
                ("Name", customer.name),
                ("E-mail", customer.email or "-"),
                ("Phone", customer.phone or "-"),
                ("Address", customer.address or "-"),
                ("Customer since", customer.created_at.date().isoformat()),
            ),
        ),
        SummarySection(
            "Seller",
            (
                ("Name", f"{seller.name} ({seller.external_id})"),
                ("E-mail", seller.email or "-"),
                ("Phone", seller.phone or "-"),
                ("Address", seller.address or "-"),
            ),
        ),
        SummarySection(
            "Order and product",
            (
                ("Order", f"{order.external_id} of {order.order_date.isoformat()}"),
                ("Delivered", order.delivered_date.isoformat() if order.delivered_date else "-"),
                ("Product", f"{product.title} ({product.external_id})"),
                ("Price", format_money(product.price, product.currency)),
            ),
        ),
        SummarySection(
            "Referral",
            (
                ("Firm", r.firm),
                ("Referred", f"{r.referred_at.date().isoformat()} by {_user_name(s, r.referred_by_id)}"),
                ("Report due", r.due_date.isoformat()),
            )
            if r is not None
            else (("Firm", "not referred yet"),),
        ),
    )
    tables = (
        SummaryTable(
            "Fraud flags",
            ("Flag", "Severity", "Score", "Status", "Explanation"),
            tuple(
                (
                    f.code,
                    f.severity,
                    str(f.score),
                    f.status + (f": {f.decision_note}" if f.decision_note else ""),
                    f.explanation,
                )
                for f in flags
            ),
            (0.2, 0.1, 0.07, 0.18, 0.45),
            note="Screening raised no flags.",
        ),
        SummaryTable(
            "Evidence (files in the evidence/ folder of this packet)",
            ("File", "Kind", "Size", "SHA-256", "Added"),
            tuple(
                (
                    m["name"],
                    m["kind"].replace("_", " "),
                    f"{m['size_bytes']:,} bytes",
                    m["sha256"],
                    f"{m['added_at'][:10]} by {m['added_by']}",
                )
                for m in manifest
            ),
            (0.22, 0.12, 0.12, 0.34, 0.2),
            note="No evidence on file.",
        ),
    )
    return ReferralSummary(
        reference=claim.reference,
        title=f"Expert referral: claim {claim.reference}",
        prepared_at=now,
        prepared_by=actor.display_name,
        intro=(
            "Independent review is requested of the claim below under the A-to-z Guarantee program. "
            "The fraud flags were raised by our screening rules; each explains the data behind it. "
            "The evidence files enclosed are listed with their SHA-256 hashes (also in manifest.json "
            "and manifest.csv) so their integrity can be checked."
        ),
        sections=sections,
        tables=tables,
    )
