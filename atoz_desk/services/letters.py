"""Letters: the data of each letter built from the claim, rendered, archived with its SHA-256.

Every archived letter is a new row (claim, kind, version): nothing is ever
rewritten, so regenerating makes version + 1. Reading a PDF back checks its
hash. `letter_for_move` makes the letters a move calls for, inside the move's
transaction; `generate_batch` makes many, each in its own transaction, with
rendering in worker processes for large batches.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session, joinedload

from atoz_desk.data.database import ConcurrentChange, Database
from atoz_desk.data.models import (
    Claim,
    Evidence,
    ExpertReferral,
    FraudFlag,
    HistoryEntry,
    Insurer,
    Letter,
    Payment,
    Recovery,
    User,
)
from atoz_desk.domain.errors import DomainError, NotFound, ValidationError
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import DenialReason, IncidentType, Payer, Role
from atoz_desk.domain.transitions import Action, Actor
from atoz_desk.reports import (
    KINDS,
    Addressee,
    FieldValue,
    LetterData,
    LetterError,
    Signer,
    format_date,
    kind_named,
)
from atoz_desk.services.claims import insurance_for, load_claim

if TYPE_CHECKING:
    # the process pool (multiprocessing, ~20 ms to import) is only for batches: imported when one starts
    from concurrent.futures import ProcessPoolExecutor

    from atoz_desk.reports.render import RenderedLetter

AUTO = "auto"


class LetterNotApplicable(LetterError):
    """The claim has not reached the decision this kind of letter announces."""


class LetterTampered(DomainError):
    """An archived PDF no longer matches the SHA-256 recorded when it was made."""


@dataclass(frozen=True)
class LetterInfo:
    id: int
    reference: str
    kind: str
    title: str
    addressee: str  # customer | seller | expert
    version: int
    template_version: str
    sha256: str
    size_bytes: int
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class LetterKindInfo:
    code: str
    title: str
    addressee: str
    description: str
    required: tuple[str, ...]
    optional: tuple[str, ...]


@dataclass(frozen=True)
class BatchFailure:
    reference: str
    message: str


@dataclass(frozen=True)
class BatchResult:
    total: int  # claims asked for
    processed: int  # claims done (letters archived or failed) before any cancel
    letters: tuple[LetterInfo, ...]
    failures: tuple[BatchFailure, ...]
    cancelled: bool


# ------------------------------------------------------------------ which moves make which letters

_DENIALS = frozenset(
    {Action.DENY, Action.EXPERT_NOT_SUBSTANTIATED, Action.UPHOLD_REJECTION, Action.ACCEPT_SELLER_DEFENSE}
)
_STEP_INS = (Action.STEP_IN.value, Action.SELLER_NO_RESPONSE.value)


def kinds_for_move(s: Session, claim: Claim, action: str) -> list[str]:
    """The letter kinds a move on this claim calls for (none for most moves)."""
    try:
        a = Action(action)
    except ValueError:
        return []
    kinds: list[str] = []
    if a is Action.APPROVE_CONCESSION:
        kinds += ["customer_concession_paid", "seller_concession_notice"]
        if claim.proof_of_insurance_due is not None:  # the seller had no valid insurance
            kinds.append("seller_proof_of_insurance")
    elif a is Action.ISSUE_PAYMENT and _latest(s, claim, *_STEP_INS) is not None:
        kinds.append("customer_paid_after_step_in")
    elif a in _DENIALS:
        kinds.append("customer_denied")
    elif a is Action.REQUEST_INFO:
        kinds.append("customer_information_requested")
    elif a is Action.PRESENT_TO_SELLER:
        kinds.append("seller_claim_presented")
    elif a is Action.REFER_TO_EXPERTS:
        kinds.append("expert_referral")
    if a in (Action.SELLER_NO_RESPONSE, Action.STEP_IN):
        kinds.append("seller_step_in_demand")
    if a in (Action.UPHOLD_REJECTION, Action.STEP_IN):
        kinds.append("seller_escalation_outcome")
    return kinds


def letter_for_move(
    session: Session,
    claim: Claim,
    action: str,
    actor: Actor,
    now: datetime,
    policy: PolicySettings,
) -> list[Letter]:
    """The letters this move calls for, archived in the caller's transaction (after its history entry).

    Returns them (empty for moves that make no letter). Calling it twice for one
    move (same claim, same instant) archives nothing more. A letter that cannot
    be made (a missing field, a character no font has) raises, so the move
    fails with it rather than being decided without its letter.
    """
    out: list[Letter] = []
    for kind in kinds_for_move(session, claim, action):
        made = session.scalar(
            select(Letter)
            .where(Letter.claim_id == claim.id, Letter.kind == kind, Letter.created_at == now)
            .order_by(Letter.version.desc())
            .limit(1)
        )
        if made is None:
            data = build_letter_data(session, claim, kind, actor, now, policy)
            made = archive(session, claim.id, kind, data, actor, now)
        out.append(made)
    return out


def archive(
    s: Session,
    claim_id: int,
    kind: str,
    data: LetterData,
    actor: Actor,
    now: datetime,
) -> Letter:
    """Render and add a new version of the letter; never touches earlier ones."""
    rendered = _render(data)
    latest = s.scalar(
        select(func.max(Letter.version)).where(Letter.claim_id == claim_id, Letter.kind == kind)
    )
    letter = Letter(**_letter_row(claim_id, kind, (latest or 0) + 1, rendered, data, actor, now))
    s.add(letter)
    s.flush()
    return letter


_LETTERS = cast(Table, Letter.__table__)


def _letter_row(
    claim_id: int,
    kind: str,
    version: int,
    rendered: RenderedLetter,
    data: LetterData,
    actor: Actor,
    now: datetime,
) -> dict[str, Any]:
    """The archived letter's columns, for the ORM row and the one-statement insert alike."""
    return {
        "claim_id": claim_id,
        "kind": kind,
        "version": version,
        "template_version": rendered.template_version,
        "data": data.to_json(),
        "pdf": rendered.pdf,
        "sha256": rendered.sha256,
        "created_by_id": actor.user_id,
        "created_at": now,
    }


def _archive_new(
    s: Session, claim: Claim, kind: str, data: LetterData, actor: Actor, now: datetime, version: int
) -> LetterInfo:
    """`archive` for a letter made on its own (generate, batch): the row inserted in one statement."""
    rendered = _render(data)
    letter_id = s.execute(
        insert(_LETTERS)
        .values(**_letter_row(claim.id, kind, version, rendered, data, actor, now))
        .returning(_LETTERS.c.id)
    ).scalar_one()
    k = KINDS[kind]
    return LetterInfo(
        id=letter_id,
        reference=claim.reference,
        kind=kind,
        title=k.title,
        addressee=k.addressee.value,
        version=version,
        template_version=rendered.template_version,
        sha256=rendered.sha256,
        size_bytes=len(rendered.pdf),
        created_by=actor.display_name if not actor.is_system else "system",
        created_at=now,
    )


# ------------------------------------------------------------------ the service


class LetterService:
    def __init__(
        self,
        db: Database,
        policy: PolicySettings,
        clock: Callable[[], datetime],
        *,
        render_workers: int | None = None,
        pool_threshold: int = 40,
    ) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock
        self._workers = render_workers if render_workers is not None else min(os.cpu_count() or 1, 4)
        # batches at least this large run in worker processes; smaller ones are not worth starting them
        self._pool_threshold = pool_threshold
        self._pool: tuple[ProcessPoolExecutor, Any] | None = None
        self._pool_finalizer: weakref.finalize[Any, Any]
        self._batch_lock = threading.Lock()

    @property
    def render_workers(self) -> int:
        """Processes a large batch runs in (0: everything on the calling thread)."""
        return self._workers

    def kinds(self) -> builtins.list[LetterKindInfo]:
        return [
            LetterKindInfo(k.code, k.title, k.addressee.value, k.description, k.required, k.optional)
            for k in KINDS.values()
        ]

    def applicable_kinds(self, reference: str, actor: Actor) -> builtins.list[LetterKindInfo]:
        """The kinds of letter the claim can have now (its decisions so far fit them), in the usual order."""
        now = self._clock()
        out: builtins.list[LetterKindInfo] = []
        with self._db.reading() as s:
            claim = _claim_for_letter(s, reference)
            for info in self.kinds():
                try:
                    build_letter_data(s, claim, info.code, actor, now, self._policy)
                except LetterError:
                    continue
                out.append(info)
        return out

    def generate(self, reference: str, kind: str, actor: Actor) -> LetterInfo:
        """Make and archive a new version of one letter from the claim as it is now."""
        kind_named(kind)
        return make_letter(self._db, self._policy, reference, kind, actor, self._clock())

    def list(self, reference: str) -> builtins.list[LetterInfo]:
        """Every archived letter of the claim, oldest first (without the PDF bytes)."""
        with self._db.reading() as s:
            claim = load_claim(s, reference)
            rows = s.execute(_info_query().where(Letter.claim_id == claim.id).order_by(Letter.id)).all()
            return [_info_of(row, claim.reference) for row in rows]

    def pdf(self, letter_id: int) -> bytes:
        """The archived PDF, after checking it still matches its SHA-256."""
        with self._db.reading() as s:
            letter = s.get(Letter, letter_id)
            if letter is None:
                raise NotFound(f"no letter with id {letter_id}")
            if hashlib.sha256(letter.pdf).hexdigest() != letter.sha256:
                ref = s.scalar(select(Claim.reference).where(Claim.id == letter.claim_id))
                raise LetterTampered(
                    f"letter {letter_id} ({letter.kind} version {letter.version} of claim {ref}) does not "
                    "match the SHA-256 recorded when it was made: the stored file was changed. "
                    "Do not send it; generate the letter again and report this to an administrator."
                )
            return bytes(letter.pdf)

    def save_pdf(self, letter_id: int, path: str | os.PathLike[str]) -> int:
        """Write the archived PDF (checked against its SHA-256 first) to a file; returns the bytes written."""
        data = self.pdf(letter_id)
        try:
            with open(path, "wb") as out:
                out.write(data)
        except OSError as exc:
            raise ValidationError(
                f"could not save the letter to {os.fspath(path)}: {exc.strerror or exc}. "
                "Choose another folder or file name.",
                "path",
            ) from exc
        return len(data)

    def generate_batch(
        self,
        references: Sequence[str],
        kind_or_auto: str,
        actor: Actor,
        progress: Callable[[int, int], None],
        cancelled: Callable[[], bool],
    ) -> BatchResult:
        """Letters for many claims, each archived in its own transaction.

        `kind_or_auto` is a letter kind, or "auto": the letters of each claim's
        latest decision. A claim that fails is reported and the batch goes on.
        `progress(done, total)` is called once per claim, in order. `cancelled()`
        is checked between claims: the batch then stops starting new ones, lets
        those under way finish their transaction, and reports exactly what was
        archived. Blocks the calling thread (call it from a worker thread in the
        app); large batches run in worker processes, each with its own database
        connection, so they use every core.
        """
        if kind_or_auto != AUTO:
            kind_named(kind_or_auto)
        refs = builtins.list(references)
        total = len(refs)
        letters: builtins.list[LetterInfo] = []
        failures: builtins.list[BatchFailure] = []
        done = 0

        def record(outcomes: Sequence[_Outcome]) -> None:
            nonlocal done
            for reference, infos, problem in outcomes:
                if problem is None:
                    letters.extend(infos)
                else:
                    failures.append(BatchFailure(reference, problem))
                done += 1
                progress(done, total)

        if self._workers <= 0 or total < self._pool_threshold:
            stopped = False
            for reference in refs:
                if cancelled():
                    stopped = True
                    break
                record(_make_chunk(self._db, self._policy, [reference], kind_or_auto, actor, self._clock()))
        else:
            with self._batch_lock:  # one batch at a time uses the pool and its stop flag
                stopped = self._in_pool(refs, kind_or_auto, actor, record, cancelled)
        return BatchResult(total, done, tuple(letters), tuple(failures), stopped)

    def _in_pool(
        self,
        refs: builtins.list[str],
        kind_or_auto: str,
        actor: Actor,
        record: Callable[[Sequence[_Outcome]], None],
        cancelled: Callable[[], bool],
    ) -> bool:
        """Hand the claims to the worker processes a few at a time; True when cancelled."""
        from concurrent.futures.process import BrokenProcessPool

        pool, stop = self._start_pool()
        stop.clear()
        # a few claims per job: one round trip to a worker per chunk, not per claim, yet
        # small enough that every worker stays busy to the end and progress moves often
        size = max(1, min(CHUNK_CLAIMS, len(refs) // (self._workers * 4)))
        chunks = iter([refs[i : i + size] for i in range(0, len(refs), size)])
        pending: deque[Future[builtins.list[_Outcome]]] = deque()
        stopped = False

        def hand_out() -> None:
            chunk = next(chunks, None)
            if chunk is not None:
                pending.append(pool.submit(_chunk_in_worker, chunk, kind_or_auto, actor, self._clock()))

        try:
            for _ in range(2 * self._workers):  # one under way and one waiting for each worker
                hand_out()
            while pending:
                if not stopped and cancelled():
                    stopped = True
                    stop.set()  # workers stop between claims and return what they archived
                if stopped and pending[0].cancel():
                    pending.popleft()  # never started: nothing of it was archived
                    continue
                try:
                    outcomes = pending[0].result(timeout=CANCEL_POLL_S)
                except FutureTimeout:
                    continue
                pending.popleft()
                record(outcomes)
                if not stopped:
                    hand_out()
        except BrokenProcessPool:
            self.close()  # a worker died (killed, out of memory): the next batch starts afresh
            raise
        return stopped

    def prepare_batch(self, size: int) -> None:
        """Start the worker processes a batch of `size` claims will use, and wait until they answer.

        Starting them (a Python, the database layer and ReportLab each) takes a
        second or two; the app calls this while the user is still choosing the
        letter, and they stay for later batches until `close`.
        """
        if self._workers <= 0 or size < self._pool_threshold:
            return
        with self._batch_lock:
            pool, _ = self._start_pool()
            for future in [pool.submit(_ready) for _ in range(self._workers)]:
                future.result()

    def close(self) -> None:
        """Stop the batch worker processes, if any are running."""
        started, self._pool = self._pool, None
        if started is not None:
            self._pool_finalizer.detach()
            started[0].shutdown(wait=True, cancel_futures=True)

    def _start_pool(self) -> tuple[ProcessPoolExecutor, Any]:
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            # spawn, never fork: the app has Qt and database threads a forked child must not inherit
            context = get_context("spawn")
            stop = context.Event()
            pool = ProcessPoolExecutor(
                self._workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(self._db.url, self._policy.as_dict(), stop),
            )
            # the first job starts the executor's own thread and processes; started from a thread
            # Python did not make (the app's Qt task runner) it would leave a placeholder for that
            # thread in `threading` for good, so a short-lived Python thread hands the job in
            handed = threading.Event()  # waited on, not join(): join() would make the placeholder

            def hand_in() -> None:
                try:
                    pool.submit(_ready)
                finally:
                    handed.set()

            threading.Thread(target=hand_in, name="letter-pool-start", daemon=True).start()
            handed.wait()
            self._pool = (pool, stop)
            # processes end with the service (or at exit) even if nobody calls close()
            self._pool_finalizer = weakref.finalize(self, pool.shutdown, wait=True, cancel_futures=True)
        return self._pool


def make_letters(
    db: Database, policy: PolicySettings, reference: str, kind_or_auto: str, actor: Actor, now: datetime
) -> list[LetterInfo]:
    """One claim's letters of a kind, or of its latest decision ("auto"), each in its own transaction."""
    if kind_or_auto == AUTO:
        with db.reading() as s:
            kinds = latest_decision_kinds(s, _claim_for_letter(s, reference))
    else:
        kinds = [kind_or_auto]
    return [make_letter(db, policy, reference, kind, actor, now) for kind in kinds]


def make_letter(
    db: Database, policy: PolicySettings, reference: str, kind: str, actor: Actor, now: datetime
) -> LetterInfo:
    """Read the claim, render, archive a new version: one transaction."""
    for attempt in range(3):
        try:
            with db.unit_of_work() as s:
                claim, latest = _claim_and_latest_version(s, reference, kind)
                data = build_letter_data(s, claim, kind, actor, now, policy)
                return _archive_new(s, claim, kind, data, actor, now, latest + 1)
        except ConcurrentChange:
            if attempt == 2:  # another workstation keeps taking the same version number
                raise
    raise AssertionError("unreachable")


def latest_decision_kinds(s: Session, claim: Claim) -> list[str]:
    """The letters of the claim's latest move that calls for any ("auto" in a batch)."""
    for action in s.scalars(
        select(HistoryEntry.action).where(HistoryEntry.claim_id == claim.id).order_by(HistoryEntry.id.desc())
    ):
        kinds = kinds_for_move(s, claim, action)
        if kinds:
            return kinds
    raise LetterNotApplicable(f"no decision on claim {claim.reference} calls for a letter yet")


# a claim of a batch: its reference, the letters archived, or why it failed
_Outcome = tuple[str, tuple[LetterInfo, ...], str | None]

CHUNK_CLAIMS = 16  # claims handed to a worker process at a time, at most
CANCEL_POLL_S = 0.05  # how often a batch waiting on its workers looks at cancelled()


def _make_chunk(
    db: Database,
    policy: PolicySettings,
    references: Sequence[str],
    kind_or_auto: str,
    actor: Actor,
    now: datetime,
    stop: Any = None,
) -> list[_Outcome]:
    """Letters for a few claims, one after the other, until `stop` (a shared event) is set."""
    out: list[_Outcome] = []
    for reference in references:
        if stop is not None and stop.is_set():
            break
        try:
            out.append(
                (reference, tuple(make_letters(db, policy, reference, kind_or_auto, actor, now)), None)
            )
        except DomainError as exc:
            out.append((reference, (), exc.message))
    return out


# A batch worker process: its own database connection and policy, fonts and templates loaded once.
_worker: tuple[Database, PolicySettings, Any] | None = None


def _render(data: LetterData) -> RenderedLetter:
    # ReportLab's platypus loads with the first letter, not with every desk that starts
    from atoz_desk.reports.render import render_letter

    return render_letter(data)


def _start_worker(url: str, policy: dict[str, Any], stop: Any) -> None:
    from atoz_desk.reports.render import warm_up

    global _worker
    warm_up()
    _worker = (Database(url), PolicySettings().with_overrides(policy), stop)


def _ready() -> bool:
    return _worker is not None


def _chunk_in_worker(references: list[str], kind_or_auto: str, actor: Actor, now: datetime) -> list[_Outcome]:
    assert _worker is not None, "batch worker not started"
    db, policy, stop = _worker
    return _make_chunk(db, policy, references, kind_or_auto, actor, now, stop)


# ------------------------------------------------------------------ the data of each letter

_INCIDENT_WORDS = {
    IncidentType.PROPERTY_DAMAGE: "property damage",
    IncidentType.PERSONAL_INJURY: "personal injury",
    IncidentType.BOTH: "property damage and personal injury",
}

# what a customer can do after a denial, by reason
_NEXT_STEPS = {
    DenialReason.UNSUBSTANTIATED: (
        "If you have evidence we have not seen, for example photos of the damage, a repair estimate or, "
        "for an injury, a medical record, reply to this letter with it and we will look at your claim again."
    ),
    DenialReason.FRIVOLOUS: (
        "If you believe we have misunderstood what happened, reply to this letter explaining it, with any "
        "evidence you have, and we will look at your claim again."
    ),
    DenialReason.ABUSIVE: (
        "If you believe this decision is wrong, reply to this letter with the facts and evidence that show "
        "it, and we will look at your claim again."
    ),
    DenialReason.NOT_ELIGIBLE: (
        "The A-to-z Guarantee covers products bought in our store from orders placed on or after the "
        "program's start date. You may still contact the seller directly or claim on your own insurance."
    ),
    DenialReason.SELLER_DEFENSE_UPHELD: (
        "You may contact the seller or the seller's insurer directly about the product. If you have "
        "evidence that answers the seller's defense, reply to this letter with it and we will review it."
    ),
    DenialReason.WITHDRAWN: (
        "If you withdrew your claim by mistake, reply to this letter and we will reopen it."
    ),
}

_ROLE_TITLES = {
    Role.ADJUSTER: "Claims Adjuster",
    Role.SUPERVISOR: "Claims Supervisor",
    Role.ADMIN: "Claims Administrator",
}


def build_letter_data(
    s: Session, claim: Claim, kind: str, actor: Actor, now: datetime, policy: PolicySettings
) -> LetterData:
    """Everything one letter says, read from the claim; LetterNotApplicable when it does not fit yet."""
    k = kind_named(kind)
    fields: dict[str, FieldValue] = {
        "customer_name": claim.customer.name,
        "seller_name": claim.seller.name,
        "product_title": claim.product.title,
        "order_id": claim.order.external_id,
        "order_date": claim.order.order_date,
        "incident": _INCIDENT_WORDS[IncidentType(claim.incident_type)],
        "incident_date": claim.incident_date,
        "incident_description": claim.description,
        "filed_date": _day(claim.filed_at),
        "amount_claimed": claim.amount_claimed,
        "approved_amount": claim.approved_amount,
    }
    context = _Context(s, claim, now, policy)
    fields.update(_BUILDERS[kind](context))
    if k.addressee.value == "customer":
        c = claim.customer
        addressee = Addressee(c.name, (*c.address.splitlines(), c.email))
    elif k.addressee.value == "seller":
        sl = claim.seller
        addressee = Addressee(
            sl.name, tuple(x for x in (*(sl.address or "").splitlines(), sl.email or "") if x)
        )
    else:
        addressee = Addressee(str(fields["firm"]), ("Independent insurance-fraud review",))
    return LetterData(
        kind=kind,
        reference=claim.reference,
        letter_date=now.astimezone(UTC).date(),
        currency=claim.currency,
        addressee=addressee,
        signer=_signer(s, claim, context.decision, actor, policy),
        fields=MappingProxyType({n: v for n, v in fields.items() if n in k.fields}),
        created_at=now,
    )


@dataclass
class _Context:
    s: Session
    claim: Claim
    now: datetime
    policy: PolicySettings
    decision: HistoryEntry | None = None  # the decision the letter announces (its first lookup)

    def latest(self, *actions: str, what: str) -> HistoryEntry:
        entry = _latest(self.s, self.claim, *actions)
        if entry is None:
            raise LetterNotApplicable(
                f"claim {self.claim.reference} has no {what} yet, so this letter does not fit"
            )
        if self.decision is None:
            self.decision = entry
        return entry


def _latest(s: Session, claim: Claim, *actions: str) -> HistoryEntry | None:
    return s.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.claim_id == claim.id, HistoryEntry.action.in_(actions))
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )


def _day(value: datetime | date | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    return value


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _concession(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(Action.APPROVE_CONCESSION.value, what="approved concession")
    return {
        "decision_date": _day(entry.at),
        "appeal_due": _day(c.claim.seller_appeal_due),
        "recovery_amount": _money(entry.changes.get("recovery_opened")),
    }


def _step_in_cause(c: _Context, entry: HistoryEntry, *, to_seller: bool) -> str:
    if entry.action == Action.SELLER_NO_RESPONSE.value:
        due = c.claim.seller_response_due
        when = f"by {format_date(due)}" if due else "in time"
        return (
            f"you did not respond to the claim {when}" if to_seller else f"the seller did not respond {when}"
        )
    if to_seller:
        return "you rejected the claim and, after review, our supervisor found it valid"
    return "the seller rejected your claim and, after review, we found it valid"


def _paid_after_step_in(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(*_STEP_INS, what="marketplace step-in")
    payment = c.s.scalar(
        select(Payment)
        .where(Payment.claim_id == c.claim.id, Payment.payer == Payer.MARKETPLACE.value)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if payment is None:
        raise LetterNotApplicable(f"the marketplace has not paid claim {c.claim.reference} yet")
    return {
        "payment_amount": payment.amount,
        "payment_date": _day(payment.issued_at),
        "step_in_cause": _step_in_cause(c, entry, to_seller=False),
    }


def _denied(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(*(a.value for a in _DENIALS), what="denial")
    if c.claim.denial_reason is None:
        raise LetterNotApplicable(f"claim {c.claim.reference} has no denial reason")
    reason = DenialReason(c.claim.denial_reason)
    return {
        "decision_date": _day(entry.at),
        "denial_reason": reason.plain_words,
        "next_steps": _NEXT_STEPS[reason],
        "decision_note": entry.note,
    }


def _info_requested(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(Action.REQUEST_INFO.value, what="information request")
    return {"info_needed": entry.note, "reply_by": _day(entry.changes.get("info_due") or c.claim.info_due)}


def _presented(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(Action.PRESENT_TO_SELLER.value, what="presentation to the seller")
    return {
        "approved_amount": _money(entry.changes.get("amount")) or c.claim.approved_amount,
        "response_due": _day(entry.changes.get("seller_response_due") or c.claim.seller_response_due),
    }


def _recovery_amount(c: _Context, entry: HistoryEntry) -> Decimal | None:
    opened = _money(entry.changes.get("recovery_opened"))
    if opened is not None:
        return opened
    return c.s.scalar(
        select(Recovery.amount).where(Recovery.claim_id == c.claim.id).order_by(Recovery.id.desc()).limit(1)
    )


def _step_in_demand(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(*_STEP_INS, what="marketplace step-in")
    decided = entry.at
    return {
        "recovery_amount": _recovery_amount(c, entry),
        "step_in_cause": _step_in_cause(c, entry, to_seller=True),
        "decision_date": _day(decided),
        "respond_by": _day(decided + timedelta(days=c.policy.seller_appeal_days)),
        "decision_note": entry.note,
    }


def _proof_of_insurance(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(Action.APPROVE_CONCESSION.value, what="approved concession")
    if c.claim.proof_of_insurance_due is None:
        raise LetterNotApplicable(f"no proof of insurance was asked for on claim {c.claim.reference}")
    p = c.policy
    check = insurance_for(c.s, c.claim.seller_id, c.claim.incident_date, p)
    directory = tuple(
        (i.name, i.rating, i.contact or "not listed", i.accelerator_products or "not listed")
        for i in c.s.scalars(
            select(Insurer).where(Insurer.accelerator_member.is_(True)).order_by(Insurer.name)
        )
    )
    return {
        "recovery_amount": _recovery_amount(c, entry),
        "insurance_problems": "; ".join(check.failures) or "no valid policy on file",
        "proof_due": _day(c.claim.proof_of_insurance_due),
        "min_per_occurrence": p.insurance_min_per_occurrence,
        "min_aggregate": p.insurance_min_aggregate,
        "max_deductible": p.insurance_max_deductible,
        "min_rating": p.insurance_min_rating,
        "cancellation_notice_days": str(p.insurance_cancellation_notice_days),
        "accelerator_directory": directory,
    }


def _escalation_outcome(c: _Context) -> dict[str, FieldValue]:
    entry = c.latest(Action.UPHOLD_REJECTION.value, Action.STEP_IN.value, what="escalation decision")
    rejection = _latest(c.s, c.claim, Action.RECORD_SELLER_REJECTION.value)
    out: dict[str, FieldValue] = {
        "decision_date": _day(entry.at),
        "seller_grounds": rejection.note if rejection is not None else None,
        "decision_note": entry.note,
    }
    if entry.action == Action.STEP_IN.value:
        out.update(outcome="the marketplace steps in", recovery_amount=_recovery_amount(c, entry))
    else:
        out.update(
            outcome="your rejection is upheld",
            denial_reason="you showed that the product was not at fault",
            approved_amount=None,
        )
    return out


def _expert_referral(c: _Context) -> dict[str, FieldValue]:
    referral = c.s.scalar(
        select(ExpertReferral)
        .where(ExpertReferral.claim_id == c.claim.id)
        .order_by(ExpertReferral.id.desc())
        .limit(1)
    )
    if referral is None:
        raise LetterNotApplicable(f"claim {c.claim.reference} has not been referred to experts")
    entry = _latest(c.s, c.claim, Action.REFER_TO_EXPERTS.value)
    flags = tuple(
        (f.code.replace("_", " "), f.severity, str(f.score), f.explanation)
        for f in c.s.scalars(select(FraudFlag).where(FraudFlag.claim_id == c.claim.id).order_by(FraudFlag.id))
    )
    evidence = c.s.scalar(select(func.count()).where(Evidence.claim_id == c.claim.id)) or 0
    return {
        "firm": referral.firm,
        "report_due": referral.due_date,
        "referral_note": entry.note if entry is not None else None,
        "fraud_score": str(c.claim.fraud_score),
        "evidence_count": str(evidence),
        "fraud_flags": flags,
    }


_BUILDERS: dict[str, Callable[[_Context], dict[str, FieldValue]]] = {
    "customer_concession_paid": _concession,
    "customer_paid_after_step_in": _paid_after_step_in,
    "customer_denied": _denied,
    "customer_information_requested": _info_requested,
    "seller_claim_presented": _presented,
    "seller_concession_notice": _concession,
    "seller_step_in_demand": _step_in_demand,
    "seller_proof_of_insurance": _proof_of_insurance,
    "seller_escalation_outcome": _escalation_outcome,
    "expert_referral": _expert_referral,
}


def _signer(
    s: Session, claim: Claim, decision: HistoryEntry | None, actor: Actor, policy: PolicySettings
) -> Signer:
    """Whoever made the decision the letter announces, even when someone else prints it again.

    A decision of the deadline sweep is signed by the claim's adjuster, else the claims team;
    a letter with no recorded decision behind it, by the user making it.
    """
    user: User | None = None
    if decision is not None:
        user = s.get(User, decision.actor_id) if decision.actor_id is not None else None
    elif not actor.is_system and actor.role is not None:
        return Signer(actor.display_name, _title(actor.role, actor.authority_limit, policy))
    if user is None and claim.assignee_id is not None:
        user = s.get(User, claim.assignee_id)
    if user is not None:
        return Signer(user.display_name, _title(Role(user.role), user.authority_limit, policy))
    return Signer("A-to-z Guarantee Claims Team", "Claims Resolution")


def _title(role: Role, authority: Decimal, policy: PolicySettings) -> str:
    if role is Role.ADJUSTER and authority >= policy.authority_limits.get("senior_adjuster", authority + 1):
        return "Senior Claims Adjuster"
    return _ROLE_TITLES[role]


def _info_query() -> Any:
    return select(
        Letter.id,
        Letter.kind,
        Letter.version,
        Letter.template_version,
        Letter.sha256,
        func.length(Letter.pdf).label("size_bytes"),
        Letter.created_at,
        func.coalesce(User.display_name, "system").label("created_by"),
    ).outerjoin(User, User.id == Letter.created_by_id)


def _info_of(row: Any, reference: str) -> LetterInfo:
    return _letter_info(row, reference, size_bytes=int(row.size_bytes), created_by=row.created_by)


def _info(letter: Letter, reference: str, actor: Actor) -> LetterInfo:
    """The summary of a letter just archived, without reading it back."""
    by = actor.display_name if not actor.is_system else "system"
    return _letter_info(letter, reference, size_bytes=len(letter.pdf), created_by=by)


def _letter_info(src: Any, reference: str, *, size_bytes: int, created_by: str) -> LetterInfo:
    """A LetterInfo from a stored row or a just-archived Letter (same attribute names)."""
    k = KINDS[src.kind]
    return LetterInfo(
        id=src.id,
        reference=reference,
        kind=src.kind,
        title=k.title,
        addressee=k.addressee.value,
        version=src.version,
        template_version=src.template_version,
        sha256=src.sha256,
        size_bytes=size_bytes,
        created_by=created_by,
        created_at=src.created_at,
    )


def _claim_and_latest_version(s: Session, reference: str, kind: str) -> tuple[Claim, int]:
    """`_claim_for_letter` and the latest version of this kind of letter (0: none yet), in one query."""
    latest = (
        select(func.coalesce(func.max(Letter.version), 0))
        .where(Letter.claim_id == Claim.id, Letter.kind == kind)
        .correlate(Claim)
        .scalar_subquery()
    )
    row = s.execute(
        select(Claim, latest)
        .where(Claim.reference == reference.strip().upper())
        .options(
            joinedload(Claim.customer),
            joinedload(Claim.seller),
            joinedload(Claim.product),
            joinedload(Claim.order),
        )
    ).first()
    if row is None:
        raise NotFound(f"no claim with reference {reference!r}")
    return row[0], int(row[1])


def _claim_for_letter(s: Session, reference: str) -> Claim:
    """The claim with the customer, seller, product and order every letter prints, in one query."""
    claim = s.scalar(
        select(Claim)
        .where(Claim.reference == reference.strip().upper())
        .options(
            joinedload(Claim.customer),
            joinedload(Claim.seller),
            joinedload(Claim.product),
            joinedload(Claim.order),
        )
    )
    if claim is None:
        raise NotFound(f"no claim with reference {reference!r}")
    return claim
