"""Demo data: a realistic claims desk, deterministic for a seed, fast enough for a million claims.

Every claim is walked through the real transition table (`domain.transitions`)
the way `services.workflow.apply_move` would walk it: each move is checked
(source state, role, authority limit) and writes what the app would write for
it — history rows, seller notices with the real notice text, customer and
insurer letters, payments, recoveries, expert referrals and fraud flags
explained by the real screening rules. The data therefore looks to an
adjuster exactly like data the app made itself.

Speed (1,000,000 claims, ~10 million rows, in well under three minutes on two
cores): rows are built as plain tuples already in the backend's storage format
(the formats `data.base.Money` and `data.base.UTCDateTime` produce; checked at
start-up) and written through the driver, one transaction per batch of 10,000
claims; no ORM object per row. SQLAlchemy Core ``insert(Table)`` with the type
decorators costs ~20 µs a row, minutes for the whole desk. Times are integers
and their texts precomputed: datetime arithmetic and formatting would cost more
than everything else a claim needs. Large seeds make their claims in two forked
worker processes, each batch from its own random stream (the data does not
depend on how many): on SQLite a worker writes its batch to a scratch file that
the parent copies in with ``INSERT … SELECT``; on PostgreSQL each worker
``COPY``s its batches on its own connection. Secondary indexes (and on
PostgreSQL foreign keys) are set aside during the load and rebuilt afterwards
from their own definitions, as pg_restore does.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import multiprocessing
import os
import pickle
import random
import shutil
import sqlite3
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import Table, func, insert, select, text

from atoz_desk.data.base import Base, Money, UTCDateTime
from atoz_desk.data.database import Database
from atoz_desk.data.models import Insurer, User
from atoz_desk.data.search import search_text_for
from atoz_desk.domain import fraud
from atoz_desk.domain import insurance as ins
from atoz_desk.domain.errors import DomainError, ValidationError
from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState, DenialReason, IncidentType, Role, Severity
from atoz_desk.domain.transitions import TRANSITIONS_BY_ACTION, NoticeKind
from atoz_desk.services import demo_evidence
from atoz_desk.services.auth import hash_password
from atoz_desk.services.demo_evidence import DemoEvidence
from atoz_desk.services.evidence import STORAGE_PREFIX
from atoz_desk.services.notices import NoticeFacts, seller_notice
from atoz_desk.services.records import CHANGE_CHANNEL

DEMO_PASSWORD = "demo-password"
BATCH_CLAIMS = 10_000
REFERENCE_BATCH = 20_000
MIN_SPAN_DAYS = 450  # the demo spreads claims over the program's life; it needs some history

Row = tuple[object, ...]


class DemoRefused(DomainError):
    """The database already holds data: demo data goes only into an empty database."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    authority_limit: Decimal
    created: bool  # False: the user existed already and keeps its own password


@dataclass(frozen=True)
class DemoSummary:
    claims: int
    seed: int
    now: datetime
    backend: str
    seconds: float
    password: str
    users: tuple[DemoUser, ...]
    tables: dict[str, int] = field(default_factory=dict)  # rows written per table
    states: dict[str, int] = field(default_factory=dict)  # claims per state
    lanes: dict[str, int] = field(default_factory=dict)  # claims per lane ("none": not yet decided)


# --------------------------------------------------------------------------- people and things
# fmt: off
_DEMO_USERS: tuple[tuple[str, str, Role, str], ...] = (
    ("admin", "Dana Whitfield (admin)", Role.ADMIN, "1000000.00"),
    ("sam", "Sam Okafor", Role.SUPERVISOR, "100000.00"),
    ("alice", "Alice Martin", Role.ADJUSTER, "1000.00"),
    ("bob", "Bob Nowak", Role.ADJUSTER, "1000.00"),
    ("carol", "Carol Jensen", Role.ADJUSTER, "10000.00"),  # senior adjuster
    ("dmitri", "Дмитрий Соколов", Role.ADJUSTER, "1000.00"),
    ("eleni", "Ελένη Γεωργίου", Role.ADJUSTER, "1000.00"),
)
_ADJUSTERS = ("alice", "bob", "carol", "dmitri", "eleni")

# (name, rating, Insurance Accelerator member)
_INSURERS: tuple[tuple[str, str, bool], ...] = (
    ("Harborline Mutual", "A++", True), ("Keystone Assurance", "A+", True),
    ("Alder & Finch Specialty", "A", True), ("Brightwater Casualty", "A-", True),
    ("Nordvik Forsikring", "A-", True), ("Lakeshore Indemnity", "A", True),
    ("Continental Shield", "A", False), ("Meridian Product Liability", "A+", False),
    ("Évora Seguros", "A", False), ("Polaris Specialty Re", "A++", False),
    ("Ironbridge Commercial", "A-", False), ("Pacifica Underwriters", "B++", False),
    ("Sable Rock Insurance", "B+", False), ("Tidewater General", "B", False),
)
_GOOD_INSURERS = tuple(i for i, (_, r, _m) in enumerate(_INSURERS) if ins.rating_at_least(r, "A-"))
_LOW_INSURERS = tuple(i for i in range(len(_INSURERS)) if i not in _GOOD_INSURERS)

_Names = tuple[tuple[str, str], ...]  # (as written, ASCII for the e-mail address)
_NAME_GROUPS: tuple[tuple[_Names, _Names, float], ...] = (
    (
        (("Zoë", "zoe"), ("José", "jose"), ("Amélie", "amelie"), ("Søren", "soren"), ("Łucja", "lucja"),
         ("Liam", "liam"), ("Olivia", "olivia"), ("Noah", "noah"), ("Emma", "emma"), ("Mateo", "mateo"),
         ("Chloé", "chloe"), ("Björn", "bjorn"), ("Inês", "ines"), ("Tomasz", "tomasz"), ("Priya", "priya"),
         ("Kwame", "kwame"), ("Aoife", "aoife"), ("Mehmet", "mehmet"), ("Sinéad", "sinead"), ("Jiří", "jiri"),
         ("Ngozi", "ngozi"), ("Hana", "hana")),
        (("Łukasiewicz", "lukasiewicz"), ("García", "garcia"), ("Müller", "muller"), ("Nguyễn", "nguyen"),
         ("O'Connor", "oconnor"), ("Dubois", "dubois"), ("Kowalski", "kowalski"), ("Rossi", "rossi"),
         ("Johansson", "johansson"), ("Smith", "smith"), ("Okafor", "okafor"), ("Fernández", "fernandez"),
         ("Novák", "novak"), ("Çelik", "celik"), ("Jensen", "jensen"), ("Patel", "patel"),
         ("Murphy", "murphy"), ("Schröder", "schroder"), ("Brown", "brown")),
        0.80,
    ),
    (
        (("Фёдор", "fyodor"), ("Дмитрий", "dmitry"), ("Иван", "ivan"), ("Сергей", "sergey"),
         ("Алексей", "alexey")),
        (("Достоевский", "dostoevsky"), ("Иванов", "ivanov"), ("Смирнов", "smirnov"),
         ("Кузнецов", "kuznetsov")),
        0.05,
    ),
    (
        (("Анна", "anna"), ("Ольга", "olga"), ("Наталья", "natalya"), ("Мария", "maria"),
         ("Екатерина", "ekaterina")),
        (("Иванова", "ivanova"), ("Смирнова", "smirnova"), ("Кузнецова", "kuznetsova"),
         ("Соколова", "sokolova")),
        0.05,
    ),
    (
        (("Γιώργος", "giorgos"), ("Νίκος", "nikos"), ("Δημήτρης", "dimitris"), ("Κώστας", "kostas")),
        (("Παπαδόπουλος", "papadopoulos"), ("Οικονόμου", "oikonomou"), ("Νικολάου", "nikolaou")),
        0.05,
    ),
    (
        (("Ελένη", "eleni"), ("Μαρία", "maria"), ("Κατερίνα", "katerina"), ("Σοφία", "sofia")),
        (("Παπαδοπούλου", "papadopoulou"), ("Γεωργίου", "georgiou"), ("Αντωνίου", "antoniou")),
        0.05,
    ),
)
_FIXED_CUSTOMERS = (
    ("Zoë Łukasiewicz", "zoe.lukasiewicz"),
    ("Фёдор Достоевский", "fyodor.dostoevsky"),
    ("Ελένη Παπαδοπούλου", "eleni.papadopoulou"),
)
_STREETS = (
    "Maple Street", "Rue des Lilas", "Königstraße", "ulica Długa", "Calle Mayor", "Baker Street",
    "Via Roma", "Тверская улица", "Οδός Ερμού", "Elm Avenue", "Oak Lane", "Harbour Road",
)
_CITIES = (
    "Springfield", "Lyon", "München", "Gdańsk", "Sevilla", "London", "Bologna", "Москва", "Αθήνα",
    "Portland", "Dublin", "Toronto",
)
_SELLER_PREFIX = (
    "Northwind", "Blue Harbor", "Kestrel", "Lumen", "Oakridge", "Sunward", "Polar", "Vertice",
    "Stahlwerk", "Quokka", "Tamarind", "Brightfield", "Silver Birch", "Redwood", "Atlas",
)
_SELLER_NOUN = (
    "Home Goods", "Electronics", "Appliances", "Outdoor", "Kitchenware", "Toys", "Tools", "Lighting",
    "Beauty", "Sports", "Mobility", "Garden",
)
_SELLER_SUFFIX = ("LLC", "Ltd", "GmbH", "S.L.", "Co.", "Inc.")
_BRANDS = ("Voltaro", "Brightline", "Kessler & Sohn", "Névé", "Полярис", "Ήλιος", "Hearthstone", "Zephyr")
# (noun, what it did to property, what it did to a person)
_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("space heater", "overheated and scorched the carpet and the sofa",
     "melted and burned the customer's hand"),
    ("pressure cooker", "burst its lid and damaged the kitchen ceiling",
     "sprayed scalding water on the customer"),
    ("e-bike battery", "caught fire while charging and damaged the garage",
     "caused smoke inhalation overnight"),
    ("hair dryer", "sparked and burned a hole in the bathroom counter",
     "gave the customer an electric shock"),
    ("power bank", "swelled and set fire to a mattress", "burned the customer's thigh in a pocket"),
    ("electric kettle", "boiled dry and scorched the worktop",
     "leaked boiling water onto the customer's foot"),
    ("phone charger", "shorted and burned the bedside table", "shocked the customer when unplugged"),
    ("hoverboard", "caught fire and damaged the living room floor", "threw the rider, who broke a wrist"),
    ("dehumidifier", "leaked and ruined the laminate floor", "tripped the circuit and shocked the customer"),
    ("step ladder", "collapsed and smashed a glass table", "collapsed; the customer fractured an ankle"),
    ("air fryer", "overheated and cracked the stone worktop", "spat hot oil and burned the customer's arm"),
    ("garden trimmer", "threw its blade through a window", "threw its blade and cut the customer's leg"),
    ("baby monitor", "overheated and melted the cot rail", "overheated and blistered a child's hand"),
    ("scented candle set", "burned down the glass and set a shelf alight",
     "shattered its jar and cut a hand"),
)
_NOTES: dict[str, tuple[str, ...]] = {
    "request_info": (
        "Please send photos of the damage and the repair estimate.",
        "Please send the medical report from your visit and the receipt for the treatment.",
        "Please confirm the date of the incident and send a photo of the product's rating label.",
    ),
    "clear_fraud_review": (
        "Flags reviewed: delivery and incident dates confirmed with the carrier's scans; claim valid.",
        "Spoke with the customer; photos and receipt are consistent. Claim valid.",
        "Medical record received by post; amount in line with the damage shown. Flags dismissed.",
    ),
    "refer_to_experts": (
        "Linked accounts and reused photos; independent review needed before any decision.",
        "Photos look staged and the amount is far above the product's price; asking the experts.",
    ),
    "expert_not_substantiated": (
        "Expert report: burn pattern inconsistent with the product; damage pre-dates delivery.",
        "Expert report: the same photos appear on claims at two other marketplaces.",
    ),
    "deny": (
        "The photos show water damage unrelated to the product.",
        "The order was cancelled and refunded before delivery.",
        "No evidence links the injury to the product after two requests.",
    ),
    "deny_fraud": (
        "Customer admitted the receipt was edited.",
        "Third claim this quarter from the same household with the same photos.",
    ),
    "record_seller_rejection": (
        "Seller: the heater was used with an extension cord, against the manual.",
        "Seller: the serial number in the photos is not one we sold.",
        "Seller: the damage is from water ingress, not a product defect.",
    ),
    "escalate": (
        "Seller's grounds do not explain the burn pattern; claim believed valid.",
        "Serial number matches the seller's shipment records; claim believed valid.",
    ),
    "step_in": (
        "Supervisor decision: marketplace pays; seller may still defend the product.",
        "Customer has waited long enough; we pay and pursue the seller.",
    ),
    "uphold_rejection": (
        "Seller's lab report shows the unit was opened and modified; rejection upheld.",
        "Independent inspection agrees with the seller; rejection upheld.",
    ),
    "accept_seller_defense": ("Seller's evidence of misuse is convincing; claim denied.",),
    "withdraw": (
        "Customer called to withdraw: the retailer replaced the item.",
        "Customer's home insurer paid in full; claim withdrawn at the customer's request.",
    ),
    "record_recovery": (
        "Seller paid the reimbursement in full.",
        "Insurer reimbursed on the seller's behalf.",
    ),
    "write_off_recovery": ("Seller account closed; reimbursement written off.",),
}
_EXPERT_FIRMS = ("Meridian Claims Forensics", "Halberd Fraud Investigations", "Northgate SIU Partners")

# Claim state mix (percent) for claims under, and at or over, the concession limit.
_SMALL_STATES: tuple[tuple[str, float], ...] = (
    ("new", 7), ("in_review", 7), ("awaiting_customer", 3.5), ("fraud_review", 4.5), ("expert_review", 1.5),
    ("denied", 9), ("approved_concession", 5), ("paid", 7), ("closed", 51.5), ("withdrawn", 4),
)
_BIG_STATES: tuple[tuple[str, float], ...] = (
    ("new", 4), ("in_review", 4), ("awaiting_customer", 2), ("fraud_review", 5), ("expert_review", 2.5),
    ("denied", 7), ("seller_notified", 25), ("seller_accepted", 10), ("seller_rejected", 7), ("escalated", 5),
    ("step_in", 9), ("paid", 5), ("closed", 12.5), ("withdrawn", 2),
)
# Age in days of an open claim's last move, by state; closed, denied and withdrawn claims span the program.
_AGE_DAYS: dict[str, float] = {
    "new": 8, "in_review": 9, "awaiting_customer": 20, "fraud_review": 10, "expert_review": 30,
    "approved_concession": 6, "seller_notified": 10.5, "seller_accepted": 20, "seller_rejected": 8,
    "escalated": 10, "step_in": 12, "paid": 25,
}
_HOUR = 3600
_DAY = 86400
# Gap in seconds (low, high) between a move and the one before it.
_GAPS: dict[str, tuple[float, float]] = {
    "start_review": (0.5 * _HOUR, 2 * _DAY), "clear_fraud_review": (4 * _HOUR, 4 * _DAY),
    "request_info": (1 * _HOUR, 2 * _DAY), "refer_to_experts": (1 * _DAY, 5 * _DAY),
    "expert_not_substantiated": (5 * _DAY, 20 * _DAY), "approve_concession": (1 * _HOUR, 3 * _DAY),
    "present_to_seller": (1 * _HOUR, 3 * _DAY), "record_seller_acceptance": (1 * _DAY, 6.5 * _DAY),
    "record_seller_rejection": (1 * _DAY, 6.5 * _DAY), "escalate": (1 * _HOUR, 3 * _DAY),
    "step_in": (1 * _DAY, 5 * _DAY), "uphold_rejection": (1 * _DAY, 5 * _DAY),
    "accept_seller_defense": (1 * _HOUR, 3 * _DAY), "issue_payment": (1 * _HOUR, 3 * _DAY),
    "confirm_payment": (1 * _DAY, 7 * _DAY), "confirm_seller_payment": (2 * _DAY, 20 * _DAY),
    "recovery": (7 * _DAY, 60 * _DAY), "deny": (1 * _HOUR, 5 * _DAY), "deny_fraud": (4 * _HOUR, 5 * _DAY),
    "withdraw": (1 * _HOUR, 5 * _DAY), "close": (1 * _DAY, 20 * _DAY),
}

# Every column of each table the demo fills, parents before children.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "sellers": ("id", "external_id", "name", "email", "address", "phone", "gross_threshold_passed_on",
                "created_at"),
    "insurance_policies": ("id", "seller_id", "insurer_id", "policy_number", "effective_date", "expiry_date",
                           "per_occurrence_limit", "aggregate_limit", "deductible",
                           "marketplace_additional_insured", "cancellation_notice_days", "currency"),
    "products": ("id", "external_id", "title", "price", "currency", "seller_id"),
    "customers": ("id", "name", "email", "address", "phone", "created_at"),
    "orders": ("id", "external_id", "customer_id", "product_id", "seller_id", "order_date", "delivered_date"),
    "claims": ("id", "reference", "order_id", "customer_id", "seller_id", "product_id", "incident_type",
               "incident_date", "filed_at", "description", "currency", "amount_claimed", "approved_amount",
               "state", "lane", "assignee_id", "due_at", "seller_response_due", "seller_reminder_sent_at",
               "info_due", "proof_of_insurance_due", "seller_appeal_due", "fraud_score", "flag_count",
               "denial_reason", "defense_open", "created_at", "updated_at", "closed_at", "version",
               "search_text"),
    "fraud_flags": ("id", "claim_id", "code", "severity", "score", "explanation", "status", "decision_note",
                    "decided_by_id", "decided_at", "created_at"),
    "expert_referrals": ("id", "claim_id", "firm", "referred_by_id", "referred_at", "due_date",
                         "packet_sha256", "outcome", "outcome_note", "outcome_at"),
    "correspondence": ("id", "claim_id", "direction", "party", "kind", "subject", "body", "created_by_id",
                       "created_at"),
    "payments": ("id", "claim_id", "payer", "amount", "currency", "status", "issued_by_id", "issued_at",
                 "confirmed_by_id", "confirmed_at"),
    "recoveries": ("id", "claim_id", "seller_id", "amount", "recovered_amount", "currency", "status",
                   "reason", "opened_at", "closed_at"),
    # txid: NULL on SQLite; on PostgreSQL the writing transaction's id (a column default during the load)
    "history": ("id", "claim_id", "actor_id", "action", "from_state", "to_state", "changes", "note", "at"),
    # the files on record with each claim (demo_evidence); blobs and hash bands for small seeds only
    "evidence": ("id", "claim_id", "kind", "filename", "media_type", "size_bytes", "sha256",
                 "perceptual_hash", "storage_key", "added_by_id", "added_at", "details"),
    # large seeds' metadata-only evidence, as a narrower row (see _STORED_IN)
    "evidence_meta": ("id", "claim_id", "kind", "filename", "media_type", "size_bytes", "sha256", "added_at"),
    "evidence_blobs": ("sha256", "size_bytes", "media_type", "created_at"),
    "evidence_chunks": ("sha256", "seq", "data"),
    "photo_hash_bands": ("evidence_id", "band", "value"),
}
# fmt: on
# Row forms stored in another table: metadata-only evidence leaves out what is NULL and the storage
# key (it follows from the hash); every bound value costs, a third of these rows' cost in the scratch.
_STORED_IN = {"evidence_meta": "evidence"}
_TABLES = tuple(dict.fromkeys(_STORED_IN.get(t, t) for t in _COLUMNS))  # the tables the demo loads
_META_INTO = (*_COLUMNS["evidence_meta"][:7], "storage_key", "added_at")
_SCRATCH_INSERT = {t: f"INSERT INTO {t} VALUES ({', '.join(['?'] * len(c))})" for t, c in _COLUMNS.items()}
_INSERT = {
    t: f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join(['?'] * len(c))})" for t, c in _COLUMNS.items()
}
_INSERT["evidence_meta"] = (
    f"INSERT INTO evidence ({', '.join(_META_INTO)}) "
    f"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '{STORAGE_PREFIX}' || ?7, ?8)"
)
_MERGE = {
    t: f"INSERT INTO main.{t} ({', '.join(c)}) SELECT {', '.join(c)} FROM scratch.{t}"
    for t, c in _COLUMNS.items()
}
_MERGE["evidence_meta"] = (
    f"INSERT INTO main.evidence ({', '.join(_META_INTO)}) SELECT {', '.join(_COLUMNS['evidence_meta'][:7])}, "
    f"'{STORAGE_PREFIX}' || sha256, added_at FROM scratch.evidence_meta"
)
_COPY = {t: f"COPY {_STORED_IN.get(t, t)} ({', '.join(c)}) FROM STDIN" for t, c in _COLUMNS.items()}
_COPY["evidence_meta"] = f"COPY evidence ({', '.join(_META_INTO)}) FROM STDIN"
_BUSINESS_TABLES = ("claims", "customers", "sellers", "products", "orders", "insurers", "insurance_policies")
# SQLite keeps indexes led by these during the load: batches arrive in claim-id order
_APPEND_ORDERED = frozenset({("claims", "order_id"), ("history", "txid")})  # txid: NULL on SQLite
# PostgreSQL loads these first (the claims, complete early, get their slow search index meanwhile)
_FIRST_PHASE = frozenset({"sellers", "insurance_policies", "products", "customers", "orders", "claims"})


# --------------------------------------------------------------------------- writing rows


class _Sink(Protocol):
    """Writes batches of ready-made rows."""

    def write(self, batch: dict[str, list[Row]]) -> None: ...

    def merge(self, scratch: str) -> None: ...

    def bulk_begin(self) -> None: ...

    def start_slow_indexes(self) -> None: ...

    def bulk_end(self) -> None: ...

    def close(self) -> None: ...


def _money_sqlite(cents: int) -> object:
    return cents


def _money_postgres(cents: int) -> object:
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class _Format:
    """How values are stored: what Money and UTCDateTime would bind, without their per-value cost."""

    money: Callable[[int], object]
    true: object
    false: object
    ts_suffix: str  # after "YYYY-MM-DD HH:MM:SS": whole seconds, and the offset where one is stored


_SQLITE_FORMAT = _Format(_money_sqlite, 1, 0, ".000000")
_POSTGRES_FORMAT = _Format(_money_postgres, True, False, ".000000+00")


def _check_sqlite_format(db: Database) -> None:
    """The hand-made SQLite formats must be exactly what the column types store."""
    dialect = db.engine.dialect
    sample = datetime(2026, 11, 2, 9, 30, 15, tzinfo=UTC)
    ts_bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    money_bind = Money().dialect_impl(dialect).bind_processor(dialect)
    assert ts_bind is not None and money_bind is not None
    stored, money_stored = ts_bind(sample), money_bind(Decimal("1234.50"))
    texts = _Maker()
    day = _epoch_day(sample.date())
    texts._init_times(_SQLITE_FORMAT, day, day)
    mine = texts.ts(_epoch_seconds(sample))
    if stored != mine or money_stored != _money_sqlite(123450):
        raise AssertionError(
            f"SQLite storage format changed: {stored!r} is not {mine!r}, or {money_stored!r}"
        )


class _SqliteSink:
    """`executemany`, or a merge of a worker's scratch file, on the driver connection.

    During the load the secondary btree indexes of the loaded tables are set
    aside and created again afterwards from their own stored SQL (a sorted build
    is several times faster than row-by-row upkeep). The triggers that keep the
    FTS search index stay: rebuilding that index afterwards costs as much as
    keeping it, and keeping it overlaps with the workers making the next batches.
    """

    def __init__(self, db: Database) -> None:
        self._pooled = db.engine.raw_connection()
        self._con: Any = cast(Any, self._pooled.driver_connection)
        self._indexes: list[tuple[str, str]] = []  # (name, sql) set aside
        self._bulk = False

    def bulk_begin(self) -> None:
        con = self._con
        con.commit()
        con.execute("PRAGMA cache_size=-262144")  # 256 MB, this connection, this load
        # Foreign keys are not checked row by row here; the tests check the result (foreign_key_check).
        con.execute("PRAGMA foreign_keys=OFF")
        marks = ", ".join("?" * len(_TABLES))
        indexes = con.execute(
            "SELECT m.name, m.sql, m.tbl_name, i.name FROM sqlite_master m, pragma_index_info(m.name) i "
            f"WHERE m.type = 'index' AND m.sql IS NOT NULL AND m.tbl_name IN ({marks}) AND i.seqno = 0 "
            "ORDER BY m.name",
            _TABLES,
        ).fetchall()
        # indexes whose keys arrive in order (claim ids) cost little to keep: only the others go
        self._indexes = [
            (name, sql)
            for name, sql, table, first in indexes
            if (table, first) not in _APPEND_ORDERED and first != "claim_id"
        ]
        for name, _sql in self._indexes:
            con.execute(f'DROP INDEX "{name}"')
        con.commit()
        self._bulk = True

    def bulk_end(self) -> None:
        if not self._bulk:
            return
        con = self._con
        con.rollback()  # whatever a failed batch left open
        con.execute("PRAGMA threads=2")  # CREATE INDEX sorts on a helper thread too
        for _name, sql in self._indexes:
            con.execute(sql)
        con.commit()
        con.execute("PRAGMA threads=0")
        self._bulk = False
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA cache_size=-2000")

    def write(self, batch: dict[str, list[Row]]) -> None:
        con = self._con
        for table, rows in batch.items():
            if rows:
                con.executemany(_INSERT[table], rows)
        con.commit()

    def start_slow_indexes(self) -> None:
        return None

    def merge(self, scratch: str) -> None:
        """Copy a worker's scratch file in, in C, and delete it."""
        con = self._con
        con.execute("ATTACH DATABASE ? AS scratch", (scratch,))
        try:
            for merge in _MERGE.values():
                con.execute(merge)
            con.commit()
        finally:
            con.rollback()
            con.execute("DETACH DATABASE scratch")
        os.unlink(scratch)

    def close(self) -> None:
        self._pooled.close()


def _write_scratch(path: str, batch: dict[str, list[Row]]) -> None:
    """A worker's batch in a throw-away SQLite file: no constraints, no journal, no sync."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("BEGIN")
        for table, cols in _COLUMNS.items():
            con.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
            rows = batch[table]
            if rows:
                con.executemany(_SCRATCH_INSERT[table], rows)
        con.execute("COMMIT")
    finally:
        con.close()


def _copy_rows(con: Any, batch: dict[str, list[Row]]) -> None:
    """One batch by COPY in one transaction on a psycopg connection."""
    cur = con.cursor()
    try:
        for table, rows in batch.items():
            if not rows:
                continue
            with cur.copy(_COPY[table]) as copy:
                write_row = copy.write_row
                if table == "evidence_meta":  # COPY computes nothing: the storage key goes in
                    for row in rows:
                        write_row((*row[:7], STORAGE_PREFIX + cast(str, row[6]), row[7]))
                    continue
                for row in rows:
                    write_row(row)
        con.commit()
    finally:
        cur.close()


class _PostgresSink:
    """COPY in text form.

    During the load the secondary indexes and foreign keys of the loaded tables
    are set aside (as pg_restore does); afterwards the slow non-btree indexes
    (the trigram search index) are built on one connection while the btree
    indexes, the foreign-key checks and ANALYZE run on another.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pooled = db.engine.raw_connection()
        self._con: Any = cast(Any, self._pooled.driver_connection)
        self._cur = self._con.cursor()
        self._cur.execute("SET synchronous_commit = off")  # this session; the last commit waits for all
        self._con.commit()
        self._indexes: list[tuple[str, str]] = []  # (access method, definition)
        self._foreign_keys: list[tuple[str, str, str]] = []
        self._txid_default: str | None = None
        self._bulk = False
        self._slow: Future[None] | None = None
        self._helper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-index")

    def bulk_begin(self) -> None:
        cur = self._cur
        tables = list(_TABLES)
        self._foreign_keys = cur.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            (tables,),
        ).fetchall()
        indexes = cur.execute(
            "SELECT i.indexrelid::regclass::text, am.amname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
            "WHERE i.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            (tables,),
        ).fetchall()
        self._indexes = [(method, definition) for _name, method, definition in indexes]
        row = cur.execute(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
            "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'history'::regclass "
            "AND a.attname = 'txid'"
        ).fetchone()
        self._txid_default = row[0] if row else None
        for table, name, _definition in self._foreign_keys:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _method, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
        # each history row gets the id of the transaction that writes it, as record_history does
        cur.execute("ALTER TABLE history ALTER COLUMN txid SET DEFAULT pg_current_xact_id()::text::bigint")
        self._con.commit()
        self._bulk = True

    def start_slow_indexes(self) -> None:
        """Build the non-btree indexes (the trigram search index) on a connection of their own, now.

        Only claims has one, and the claims are complete after the first phase; the
        spooled tables load meanwhile. VACUUM follows it: the queues read claims by
        index-only scans, which need the visibility map VACUUM sets (seconds; without
        it every index entry costs a heap visit until autovacuum comes by).
        """
        if self._bulk and self._slow is None:
            slow = [d for method, d in self._indexes if method != "btree"]
            self._slow = self._helper.submit(self._run, [*slow, "VACUUM (ANALYZE) claims"])

    def bulk_end(self) -> None:
        if not self._bulk:
            return
        self.start_slow_indexes()  # when the load had no second phase
        cur = self._cur
        self._con.rollback()  # whatever a failed batch left open
        if self._txid_default is None:
            cur.execute("ALTER TABLE history ALTER COLUMN txid DROP DEFAULT")
        else:
            cur.execute(f"ALTER TABLE history ALTER COLUMN txid SET DEFAULT {self._txid_default}")
        self._con.commit()
        btree = [d for method, d in self._indexes if method == "btree"]
        # Foreign keys: added unchecked (a moment's lock, but one involving claims waits for its
        # search index to finish), then checked by one join each; those involving claims last.
        checks = sorted(self._foreign_keys, key=lambda fk: fk[0] == "claims" or "REFERENCES claims" in fk[2])
        later = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d} NOT VALID' for t, n, d in checks]
        later += [f'ALTER TABLE {t} VALIDATE CONSTRAINT "{n}"' for t, n, _ in checks]
        later += [f"ANALYZE {t}" for t in _TABLES if t != "claims"]
        rest = self._helper.submit(self._run, btree + later)
        try:
            rest.result()
        finally:
            assert self._slow is not None
            self._slow.result()
            self._bulk = False

    def _run(self, statements: list[str]) -> None:
        """Statements on a connection of their own (psycopg waits without the GIL)."""
        pooled = self._db.engine.raw_connection()
        try:
            con: Any = cast(Any, pooled.driver_connection)
            con.autocommit = True
            con.execute("SET maintenance_work_mem = '256MB'")
            for statement in statements:
                con.execute(statement)
            con.execute("RESET maintenance_work_mem")
            con.autocommit = False
        finally:
            pooled.close()

    def write(self, batch: dict[str, list[Row]]) -> None:
        _copy_rows(self._con, batch)

    def merge(self, scratch: str) -> None:  # pragma: no cover - workers write to PostgreSQL themselves
        raise NotImplementedError

    def close(self) -> None:
        self._helper.shutdown(wait=True)
        try:
            self._con.rollback()
            self._cur.execute("SET synchronous_commit = on")
            self._cur.execute("SELECT pg_notify(%s, '0')", (CHANGE_CHANNEL,))  # clients re-read the feed
            self._con.commit()
            self._cur.close()
        finally:
            self._pooled.close()


# --------------------------------------------------------------------------- the generator


@dataclass
class _SellerInfo:
    id: int
    name: str
    address: str
    email: str
    search: str  # name and external id, as the claim search text holds them
    windows: list[tuple[int, int, str]]  # (from, to) in epoch days, "Valid (policy …)"; evaluate()'s order
    invalid_summary: str

    def insurance(self, on: int) -> tuple[bool, str]:
        """Valid insurance on the epoch day `on`, and its summary as claims.insurance_for gives it."""
        for start, end, summary in self.windows:
            if start <= on <= end:
                return True, summary
        return False, self.invalid_summary


@dataclass(frozen=True)
class _Actor:
    id: int | None
    username: str
    role: Role | None
    limit_cents: int


_SYSTEM = _Actor(None, "system", None, 0)


class _Rule(NamedTuple):
    """One transition of the table, in the plain values the generator compares."""

    action: str
    sources: frozenset[str]
    roles: frozenset[Role]
    target: str | None
    notice: NoticeKind | None
    lane: str | None
    denial: str | None
    checks_authority: bool
    requires_amount: bool


_RULES: dict[str, _Rule] = {
    a.value: _Rule(
        a.value,
        frozenset(s.value for s in t.sources),
        t.roles,
        t.target.value if t.target is not None else None,
        t.seller_notice,
        t.sets_lane.value if t.sets_lane is not None else None,
        t.denial_reason.value if t.denial_reason is not None else None,
        t.checks_authority,
        t.requires.amount,
    )
    for a, t in TRANSITIONS_BY_ACTION.items()
}
_CLOSED_STATES = frozenset(s.value for s in ClaimState if not s.is_open)


class _Draft:
    """One claim while its path is walked."""

    __slots__ = (
        "appeal_due",
        "approved",
        "assignee",
        "cents",
        "closed",
        "cur",
        "defense",
        "denial",
        "due",
        "id",
        "incident",
        "info_due",
        "itype",
        "lane",
        "payments",
        "poi_due",
        "product",
        "recoveries",
        "ref",
        "reminder",
        "requested",
        "seller",
        "srd",
        "state",
        "updated",
        "version",
    )
    id: int
    ref: str
    cents: int
    cur: str
    itype: str
    incident: str
    seller: _SellerInfo
    product: str
    state: str
    due: int
    updated: int

    def __init__(self) -> None:
        self.lane: str | None = None
        self.approved: int | None = None
        self.assignee: _Actor | None = None
        self.srd: int | None = None
        self.reminder: int | None = None
        self.info_due: int | None = None
        self.poi_due: int | None = None
        self.appeal_due: int | None = None
        self.denial: str | None = None
        self.defense = False
        self.closed: int | None = None
        self.version = 1
        self.requested: str | None = None  # what a request for information asks for
        # [id, amount, recovered, status, opened, closed, reason]
        self.recoveries: list[list[Any]] = []
        # [id, payer, amount, status, issued_by, issued_at, confirmed_by, confirmed_at]
        self.payments: list[list[Any]] = []


def _dec_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _cumulative(weights: Sequence[tuple[str, float]]) -> tuple[list[float], list[str]]:
    cum: list[float] = []
    total = 0.0
    for _, w in weights:
        total += w
        cum.append(total)
    return cum, [name for name, _ in weights]


def _weighted(x: float, weights: Sequence[float], names: Sequence[str]) -> str:
    total = sum(weights)
    acc = 0.0
    for w, name in zip(weights, names, strict=True):
        acc += w
        if x * total < acc:
            return name
    return names[-1]


def _empty_batch() -> dict[str, list[Row]]:
    return {t: [] for t in _COLUMNS}


class _Maker:
    """Random choices and time texts shared by the reference data and the claims.

    Times are whole seconds since the epoch (UTC) and dates are days since the
    epoch: datetime arithmetic and formatting would cost more than everything else
    a claim needs, so they are done with integers and precomputed strings.
    """

    rng: random.Random
    days: list[str]
    day0: int
    hms: list[str]
    hms_stored: list[str]

    def _init_times(self, fmt: _Format, first_day: int, last_day: int) -> None:
        self.day0 = first_day
        self.days = [(_EPOCH_DATE + timedelta(days=d)).isoformat() for d in range(first_day, last_day + 1)]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(_DAY)]
        self.hms_stored = [f"{hms}{fmt.ts_suffix}" for hms in self.hms]

    def ts(self, t: int) -> str:
        """Stored form of a time: what UTCDateTime binds on this backend."""
        d, s = divmod(t, _DAY)
        return f"{self.days[d - self.day0]} {self.hms_stored[s]}"

    def iso(self, t: int) -> str:
        """JSON form of a time, as records.jsonable writes an aware datetime."""
        d, s = divmod(t, _DAY)
        return f"{self.days[d - self.day0]}T{self.hms[s]}+00:00"

    def day(self, d: int) -> str:
        return self.days[d - self.day0]

    def _uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.rng.random()

    def _pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.random() * len(items))]

    def _person(self) -> tuple[str, str]:
        x = self.rng.random()
        acc = 0.0
        firsts, lasts = _NAME_GROUPS[0][0], _NAME_GROUPS[0][1]
        for group_firsts, group_lasts, weight in _NAME_GROUPS:
            acc += weight
            if x < acc:
                firsts, lasts = group_firsts, group_lasts
                break
        first, fslug = self._pick(firsts)
        last, lslug = self._pick(lasts)
        return f"{first} {last}", f"{fslug}.{lslug}"

    def _address(self) -> str:
        r = self.rng.random
        return (
            f"{1 + int(r() * 999)} {self._pick(_STREETS)}, Apt {1 + int(r() * 99)}, "
            f"{self._pick(_CITIES)} {1000 + int(r() * 9000)}"
        )


@dataclass(frozen=True)
class _Shared:
    """What every claims batch needs from the reference data; pickled once per worker process."""

    seed: int
    fmt: _Format
    policy_values: dict[str, Any]  # PolicySettings.as_dict(): its mapping proxy does not pickle
    now: datetime
    users: dict[str, _Actor]
    sellers: list[_SellerInfo]
    # (seller index, price cents, currency, title, item, "title external-id" for the search text)
    products: list[tuple[int, int, str, str, int, str]]
    cheap_products: list[int]
    customer_search: list[str]  # pool customers' "name e-mail", lower case, by id - 1
    frequent_customers: int
    evidence_files: bool = False  # real files for the evidence rows (small seeds), else metadata only


class _Reference(_Maker):
    """Sellers with their insurance, products and the customer pool."""

    def __init__(
        self,
        fmt: _Format,
        seed: int,
        policy: PolicySettings,
        now: datetime,
        claims: int,
        users: dict[str, _Actor],
        insurer_ids: list[int],
    ) -> None:
        self.fmt = fmt
        self.money = fmt.money
        self.seed = seed
        self.rng = random.Random(f"atoz-demo:{seed}:reference")
        self.start_second = _epoch_day(policy.program_start) * _DAY
        self._init_times(fmt, _epoch_day(policy.program_start) - 3000, _epoch_day(now.date()) + 1)
        self.policy = policy
        self.now = now
        self.today = now.date()
        self.start = policy.program_start
        self.span_days = (self.today - self.start).days
        self.n_claims = claims
        self.users = users
        self.insurer_ids = insurer_ids
        self.ids: dict[str, Iterator[int]] = {t: itertools.count(1) for t in _COLUMNS}
        self.sellers: list[_SellerInfo] = []
        self.products: list[tuple[int, int, str, str, int, str]] = []
        self.cheap_products: list[int] = []
        self.customer_search: list[str] = []
        self.n_customers = max(30, claims * 2 // 5)
        self.rows: dict[str, list[Row]] = _empty_batch()

    def build(self) -> _Shared:
        n_sellers = max(20, self.n_claims // 20)
        for i in range(n_sellers):
            self._seller(i)
        for i in range(max(60, self.n_claims // 10)):
            self._product(i, n_sellers)
        addresses: list[str] = []
        for i in range(self.n_customers):
            self._pool_customer(i, addresses)
        return _Shared(
            seed=self.seed,
            fmt=self.fmt,
            policy_values=self.policy.as_dict(),
            now=self.now,
            users=self.users,
            sellers=self.sellers,
            products=self.products,
            cheap_products=self.cheap_products,
            customer_search=self.customer_search,
            frequent_customers=max(5, self.n_customers // 100),
        )

    def batches(self) -> Iterator[dict[str, list[Row]]]:
        """The reference rows in batches of about REFERENCE_BATCH rows."""
        for table in ("sellers", "insurance_policies", "products", "customers"):
            rows = self.rows[table]
            for i in range(0, len(rows), REFERENCE_BATCH):
                yield {table: rows[i : i + REFERENCE_BATCH]}

    def _seller(self, i: int) -> None:
        r = self.rng.random
        sid = next(self.ids["sellers"])
        prefix, noun, suffix = (
            self._pick(_SELLER_PREFIX),
            self._pick(_SELLER_NOUN),
            self._pick(_SELLER_SUFFIX),
        )
        name = f"{prefix} {noun} {suffix}"
        slug = f"{prefix}-{noun}".lower().replace(" ", "-")
        address = (
            f"Unit {1 + int(r() * 40)}, {1 + int(r() * 300)} Industrial Way, "
            f"{self._pick(_CITIES)} {10000 + sid % 89999}"
        )
        email = f"claims@{slug}-{sid}.example"
        phone = f"+44 20 7946 {sid % 10000:04d}"
        created = self.start_second - int((30 + r() * 2000) * _DAY)
        passed = self.start + timedelta(days=int(r() * 700) - 365) if r() < 0.7 else None
        self.rows["sellers"].append(
            (sid, f"SELLER-{sid:07d}", name, email, address, phone, passed, self.ts(created))
        )
        kinds = ("valid", "expired", "under_limit", "low_rated", "missing", "other")
        kind = kinds[i] if i < len(kinds) else _weighted(r(), (55, 10, 8, 8, 14, 5), kinds)
        terms = self._policies(sid, kind)
        windows: list[tuple[int, int, str]] = []
        invalid = "Not valid: no product liability insurance on file"
        if terms:
            ordered = sorted(terms, key=lambda t: t.expiry_date, reverse=True)  # as claims.policy_terms
            for t in ordered:
                if not ins.check_policy(t, t.effective_date, self.policy):
                    windows.append(
                        (
                            _epoch_day(t.effective_date),
                            _epoch_day(t.expiry_date),
                            f"Valid (policy {t.policy_number})",
                        )
                    )
            probe = ordered[0].expiry_date + timedelta(days=1) if kind == "expired" else self.start
            invalid = ins.evaluate(ordered, probe, self.policy).summary
        search = search_text_for(name, f"SELLER-{sid:07d}")
        self.sellers.append(_SellerInfo(sid, name, address, email, search, windows, invalid))

    def _policies(self, sid: int, kind: str) -> list[ins.PolicyTerms]:
        if kind == "missing":
            return []
        r = self.rng.random
        out: list[ins.PolicyTerms] = []
        insurer = self._pick(_LOW_INSURERS if kind == "low_rated" else _GOOD_INSURERS)
        effective = self.start - timedelta(days=30 + int(r() * 400))
        expiry = self.today + timedelta(days=30 + int(r() * 400))
        if kind == "expired":
            expiry = self.start + timedelta(days=120 + int(r() * max(1, self.span_days - 240)))
        per_occurrence, aggregate = (100_000_000, 200_000_000) if r() < 0.7 else (200_000_000, 500_000_000)
        deductible = self._pick((0, 100_000, 250_000, 500_000, 1_000_000))
        additional, notice = True, 30
        if kind == "under_limit":
            per_occurrence, aggregate = 50_000_000, 100_000_000
        elif kind == "other":
            which = int(r() * 3)
            if which == 0:
                deductible = 2_500_000
            elif which == 1:
                additional = False
            else:
                notice = 10
        if kind == "valid" and r() < 0.3:  # renewed once: an older policy, then the current one
            switch = self.start + timedelta(days=200 + int(r() * max(1, self.span_days - 400)))
            out.append(
                self._policy_row(
                    sid,
                    1,
                    insurer,
                    effective,
                    switch,
                    per_occurrence,
                    aggregate,
                    deductible,
                    additional,
                    notice,
                )
            )
            effective = switch + timedelta(days=1)
        out.append(
            self._policy_row(
                sid,
                len(out) + 1,
                insurer,
                effective,
                expiry,
                per_occurrence,
                aggregate,
                deductible,
                additional,
                notice,
            )
        )
        return out

    def _policy_row(
        self,
        sid: int,
        k: int,
        insurer: int,
        effective: date,
        expiry: date,
        per_occurrence: int,
        aggregate: int,
        deductible: int,
        additional: bool,
        notice: int,
    ) -> ins.PolicyTerms:
        number = f"PL-{sid:07d}-{k}"
        m = self.money
        self.rows["insurance_policies"].append(
            (
                next(self.ids["insurance_policies"]),
                sid,
                self.insurer_ids[insurer],
                number,
                effective,
                expiry,
                m(per_occurrence),
                m(aggregate),
                m(deductible),
                self.fmt.true if additional else self.fmt.false,
                notice,
                "USD",
            )
        )
        name, rating, _member = _INSURERS[insurer]
        return ins.PolicyTerms(
            number,
            name,
            rating,
            effective,
            expiry,
            Decimal(per_occurrence).scaleb(-2),
            Decimal(aggregate).scaleb(-2),
            Decimal(deductible).scaleb(-2),
            additional,
            notice,
        )

    def _product(self, i: int, n_sellers: int) -> None:
        r = self.rng.random
        pid = next(self.ids["products"])
        seller_idx = i if i < n_sellers else int(r() * n_sellers)
        item = int(r() * len(_ITEMS))
        cents = int(math.exp(math.log(800) + (math.log(250_000) - math.log(800)) * r()))
        if r() < 0.6:
            cents = cents - cents % 100 + 99  # shop prices end in .99
        x = r()
        currency = "USD" if x < 0.85 else ("GBP" if x < 0.93 else "EUR")
        model = f"{chr(65 + int(r() * 26))}{chr(65 + int(r() * 26))}-{100 + int(r() * 900)}"
        title = f"{self._pick(_BRANDS)} {_ITEMS[item][0].capitalize()} {model}"
        self.rows["products"].append(
            (pid, f"B0{pid:08X}", title, self.money(cents), currency, self.sellers[seller_idx].id)
        )
        self.products.append(
            (seller_idx, cents, currency, title, item, search_text_for(title, f"B0{pid:08X}"))
        )
        if cents < 4_000:
            self.cheap_products.append(i)

    def _pool_customer(self, i: int, addresses: list[str]) -> None:
        r = self.rng.random
        cid = next(self.ids["customers"])
        name, slug = _FIXED_CUSTOMERS[i] if i < len(_FIXED_CUSTOMERS) else self._person()
        # households: some customers share an address with an earlier customer
        address = addresses[int(r() * len(addresses))] if addresses and r() < 0.08 else self._address()
        addresses.append(address)
        phone = f"+1 {200 + int(r() * 800)} 555 {int(r() * 10000):04d}" if r() < 0.7 else None
        created = self.start_second - int(_DAY + r() * 1500 * _DAY)  # accounts older than the program
        email = f"{slug}.{cid}@mail.example"
        self.customer_search.append(f"{name} {email}".lower())  # == search_text_for(name, email)
        self.rows["customers"].append((cid, name, email, address, phone, self.ts(created)))


@dataclass
class _Batch:
    rows: dict[str, list[Row]]  # empty when a worker stored them itself
    states: dict[str, int]
    lanes: dict[str, int]
    counts: dict[str, int] = field(default_factory=dict)  # rows per table
    scratch: str | None = None  # a worker's SQLite scratch file to merge


class _ClaimMaker(_Maker):
    """Claims in batches; batch k draws from its own random stream, so any process can make it.

    Times are whole seconds since the epoch (UTC) and dates are days since the
    epoch: datetime arithmetic and formatting cost more than everything else a
    claim needs, so they are done with integers and precomputed strings.
    """

    def __init__(self, shared: _Shared) -> None:
        self.shared = shared
        self.fmt = fmt = shared.fmt
        self.money = fmt.money
        self.true, self.false = fmt.true, fmt.false
        self.policy = policy = PolicySettings().with_overrides(shared.policy_values)
        self.now = _epoch_seconds(shared.now)
        self.start_day = _epoch_day(policy.program_start)
        self.span_days = self.now // _DAY - self.start_day
        self._init_times(fmt, self.start_day - 3 * 366, self.now // _DAY + 800)
        self.users = shared.users
        self.adjusters = [shared.users[u] for u in _ADJUSTERS]
        self.sellers = shared.sellers
        self.products = shared.products
        self.cheap_products = shared.cheap_products
        self.customer_search = shared.customer_search
        self.pool_customers = len(shared.customer_search)
        self.frequent_customers = shared.frequent_customers
        self.small_cum, self.small_names = _cumulative(_SMALL_STATES)
        self.big_cum, self.big_names = _cumulative(_BIG_STATES)
        self.limit_cents = int(policy.concession_limit * 100)
        self.under_limit_cents = int(policy.concession_limit * (1 - policy.just_under_limit_fraction) * 100)
        self.ratio = int(policy.amount_to_price_ratio)
        self.review_sla = policy.review_sla_days * _DAY
        self.symbols = {cur: format_money(Decimal(0), cur)[:-4] for cur in policy.currencies}
        self.intake_notes: dict[tuple[str, ...], str] = {}
        self.descriptions: dict[tuple[int, str], str] = {}
        # an injury claim with nothing else odd raises one constant flag (no medical record at intake)
        probe = fraud.ScreeningInput(
            amount_claimed=Decimal("100.00"),
            currency="USD",
            product_price=Decimal("100.00"),
            incident_type=IncidentType.PERSONAL_INJURY,
            incident_date=date(2024, 1, 10),
            filed_at=datetime(2024, 1, 12),
            order_date=date(2024, 1, 1),
            delivered_date=date(2024, 1, 3),
        )
        self.injury_only = fraud.screen(probe, policy)
        self.evidence = DemoEvidence(
            shared.seed, shared.evidence_files, policy.near_duplicate_max_distance, self.ts
        )
        self.rng = random.Random(0)
        self.buf: dict[str, list[Row]] = _empty_batch()
        self.ids: dict[str, Iterator[int]] = {}
        self.states: dict[str, int] = {}
        self.lanes: dict[str, int] = {}

    def batch(self, k: int, claims: int) -> _Batch:
        """Claims k*BATCH_CLAIMS+1 .. min((k+1)*BATCH_CLAIMS, claims), with everything they imply."""
        self.rng = random.Random(f"atoz-demo:{self.shared.seed}:claims:{k}")
        self.buf = _empty_batch()
        # ids of the tables whose rows come per claim: a block per batch, the same on every run
        self.ids = {t: itertools.count(k * BATCH_CLAIMS * _IDS_PER_CLAIM + 1) for t in _PER_CLAIM_IDS}
        self.evidence.start_batch(k, self.buf, self.ids["evidence"])
        self.states = {s.value: 0 for s in ClaimState}
        self.lanes = {"concession": 0, "seller": 0, "none": 0}
        first = k * BATCH_CLAIMS + 1
        for cid in range(first, min(first + BATCH_CLAIMS, claims + 1)):
            self._claim(cid)
        return _Batch(self.buf, self.states, self.lanes, {t: len(rows) for t, rows in self.buf.items()})

    # ---------------------------------------------------------------- small helpers

    def _money_text(self, cents: int, currency: str) -> str:
        return f"{self.symbols[currency]}{cents // 100:,}.{cents % 100:02d}"  # == format_money

    def _new_customer(
        self, cid: int, created: int, seller: _SellerInfo | None
    ) -> tuple[int, tuple[str, ...], str]:
        """A customer created during the claims: a new account, or one linked to the seller.

        Returns the id, what the customer shares with the seller (as screening names it)
        and the customer's part of the claim's search text.
        """
        cid = self.pool_customers + cid  # at most one new customer per claim
        name, slug = self._person()
        email = f"{slug}.{cid}@mail.example"
        address = self._address()
        shared: tuple[str, ...] = ()
        if seller is not None:
            if self.rng.random() < 0.6:
                address, shared = seller.address, ("address",)
            else:
                email, shared = seller.email, ("e-mail address",)
        self.buf["customers"].append((cid, name, email, address, None, self.ts(created)))
        return cid, shared, search_text_for(name, email)

    # ---------------------------------------------------------------- one claim

    def _claim(self, cid: int) -> None:
        rng = self.rng
        r = rng.random
        policy = self.policy
        now = self.now
        ts = self.ts

        big = r() >= 0.8
        if big:
            cents = int(math.exp(_LOG_BIG_LOW + _LOG_BIG_SPAN * r()))
        else:
            cents = int(math.exp(_LOG_SMALL_LOW + _LOG_SMALL_SPAN * r()))
        if r() < 0.3:
            cents = max(cents - cents % 100, 1_500)
        if big:
            state = self.big_names[bisect.bisect(self.big_cum, r() * self.big_cum[-1])]
        else:
            state = self.small_names[bisect.bisect(self.small_cum, r() * self.small_cum[-1])]

        path = self._path(state, big)
        forced = path[0] == "intake*"

        # fraud features: forced for claims that start in fraud review, rare otherwise
        features: set[str] = set()
        if forced:
            pool = ["injury", "amount", "dates", "account", "link"]
            rng.shuffle(pool)
            features.update(pool[: 3 + int(r() * 2)])
            if "account" not in features and "link" not in features and r() < 0.25:
                features.add("late")
        else:
            x = r()
            if x < 0.03:
                features.add("late")
            elif x < 0.06:
                features.add("after_delivery")
            elif x < 0.07:
                features.add("account")
        if "amount" in features:
            if big:
                features.add("cheap")
            else:
                cents = self.under_limit_cents + int(r() * (self.limit_cents - self.under_limit_cents))
        if "dates" in features:
            features.add("inconsistent" if r() < 0.5 else "after_delivery")

        # product, seller, currency
        if "cheap" in features and self.cheap_products:
            pidx = self.cheap_products[int(r() * len(self.cheap_products))]
        else:
            pidx = int(r() * len(self.products))
        seller_idx, price, currency, title, item, product_search = self.products[pidx]
        seller = self.sellers[seller_idx]

        x = r()
        itype = "property_damage" if x < 0.6 else ("personal_injury" if x < 0.85 else "both")
        if "injury" in features and itype == "property_damage":
            itype = "personal_injury" if r() < 0.5 else "both"

        # timing: walk the path forward in seconds after intake, then anchor its last move
        rel = [0]
        presented = 0
        respond = policy.seller_response_days * _DAY
        for action in path[1:]:
            if action == "reminder":  # the sweep: 2 days before the seller's deadline
                step = presented + respond - policy.seller_reminder_days_before * _DAY + int(r() * _HOUR)
            elif action == "seller_no_response":  # the sweep: just after the deadline
                step = presented + respond + int(r() * _HOUR)
            else:
                low, high = _GAPS.get(action, _DEFAULT_GAP)
                step = rel[-1] + int(low + (high - low) * r())
            if action == "present_to_seller":
                presented = step
            rel.append(step)
        if state in _AGE_DAYS:
            age = int(r() * _AGE_DAYS[state] * _DAY)
        else:
            age = int(r() * max(0, (self.span_days - 420) * _DAY - rel[-1]))
        intake_at = now - age - rel[-1]
        filed_at = intake_at - 600 - int(r() * 1.5 * _DAY)

        # dates behind the claim (days since the epoch), backwards from the filing
        new_account = "account" in features
        if new_account:
            lag_filed, lag_incident, lag_delivery = int(r() * 5), 2 + int(r() * 8), 1 + int(r() * 3)
        else:
            lag_filed = 95 + int(r() * 140) if "late" in features else int(r() * 45)
            lag_incident = 2 + int(r() * 150)
            lag_delivery = 1 + int(r() * 6)
        if "after_delivery" in features:
            lag_incident = int(r() * 2)
        elif "inconsistent" in features:
            lag_incident = -(1 + int(r() * 5))
        filed_day = filed_at // _DAY
        incident = filed_day - lag_filed
        delivered_day = incident - lag_incident
        order_day = delivered_day - lag_delivery
        if order_day < self.start_day:  # only when the program is young; screening sorts out the flags
            order_day = self.start_day
            delivered_day = max(order_day + 1, min(delivered_day, filed_day))
            incident = min(max(incident, order_day), filed_day)
            features.add("clamped")
        delivered: int | None = delivered_day
        if not features and r() < 0.04:
            delivered = None  # no delivery scan on record

        # the customer
        customer_since: int | None = None
        shared: tuple[str, ...] = ()
        if "link" in features:
            back = int((r() * 2 if new_account else 40 + r() * 300) * _DAY)
            customer_since = order_day * _DAY - back
            customer, shared, customer_search = self._new_customer(cid, customer_since, seller)
        elif new_account:
            customer_since = order_day * _DAY - int(r() * 2 * _DAY)
            customer, shared, customer_search = self._new_customer(cid, customer_since, None)
        else:
            if r() < 0.12:
                customer = 1 + int(r() * self.frequent_customers)
            else:
                customer = 1 + int(r() * self.pool_customers)
            customer_search = self.customer_search[customer - 1]

        # the files that came with the filing, on record from intake: screening sees them
        ref = f"AZ-{cid:08d}"
        order_ext = f"{100 + cid % 900:03d}-{(cid * 7919) % 10_000_000:07d}-{cid:07d}"
        evidence = self.evidence.claim(
            cid,
            ref,
            itype,
            state,
            path,
            features,
            intake_at,
            self.day(incident),
            _ITEMS[item][0],
            (cents, currency),
            order_ext,
        )
        copied = evidence.reused_refs or evidence.similar

        # screening, as intake does it: the real rules and their texts
        if (
            features
            or copied
            or cents > price * self.ratio
            or self.under_limit_cents <= cents < self.limit_cents
        ):
            result = fraud.screen(
                fraud.ScreeningInput(
                    amount_claimed=Decimal(cents).scaleb(-2),
                    currency=currency,
                    product_price=Decimal(price).scaleb(-2),
                    incident_type=IncidentType(itype),
                    incident_date=_date_of(incident),
                    filed_at=_datetime_of(filed_at),
                    order_date=_date_of(order_day),
                    delivered_date=_date_of(delivered) if delivered is not None else None,
                    customer_since=_datetime_of(customer_since) if customer_since is not None else None,
                    customer_seller_shared=shared,
                    has_medical_evidence=evidence.has_medical,
                    reused_evidence_refs=evidence.reused_refs,
                    evidence_kinds=evidence.kinds,
                    similar_photos=evidence.similar,
                ),
                policy,
            )
        elif itype != "property_damage" and not evidence.has_medical:
            result = self.injury_only
        else:
            result = _NO_FLAGS
        findings = result.findings
        if forced and not result.needs_fraud_review:
            raise AssertionError(
                f"demo claim {cid}: fraud features {sorted(features)} raised {len(findings)} flags"
            )
        if result.needs_fraud_review and not forced:
            if state == "new":
                state, path = "fraud_review", ["intake"]
            else:
                path[1] = "clear_fraud_review"
        intake_state = "fraud_review" if result.needs_fraud_review else "new"

        # the claim, filed and screened
        c = _Draft()
        c.id = cid
        c.ref = ref
        c.requested = evidence.request_note
        c.cents = cents
        c.cur = currency
        c.itype = itype
        c.incident = _INCIDENT_WORDS[itype]
        c.seller = seller
        c.product = title
        c.state = intake_state
        c.due = intake_at + self.review_sla
        c.updated = intake_at
        buf = self.buf
        history = buf["history"]
        note = self.intake_notes.get(result.reasons)
        if note is None:
            note = (
                "Screened at intake: "
                + (
                    "sent to fraud review (" + "; ".join(result.reasons) + ")"
                    if result.reasons
                    else "no review"
                )
                + "."
            )
            self.intake_notes[result.reasons] = note
        codes = ", ".join(f'"{f.code}"' for f in findings)
        reasons = ", ".join(f'"{x}"' for x in result.reasons)
        intake_s = ts(intake_at)
        history.append(
            (
                next(self.ids["history"]),
                cid,
                None,
                "intake",
                None,
                intake_state,
                f'{{"amount_claimed": "{_dec_text(cents)}", "currency": "{currency}", '
                f'"incident_type": "{itype}", "fraud_score": {result.score}, "flags": [{codes}], '
                f'"review_reasons": [{reasons}]}}',
                note,
                intake_s,
            )
        )

        # every move after intake, as the workflow makes it
        flag_status = "open"
        flag_note: str | None = None
        flag_by: int | None = None
        flag_at: str | None = None
        assignee = self._assignee(big, cents)
        referral: Row | None = None
        letter = self._letter
        move = self._move
        at = intake_at
        for action, offset in zip(path[1:], rel[1:], strict=True):
            at = intake_at + offset
            at_s = ts(at)
            actor = c.assignee or assignee
            if action == "start_review":
                move(c, "start_review", at, at_s, actor, review_due=True)
            elif action == "clear_fraud_review":
                note = self._pick(_NOTES["clear_fraud_review"])
                flag_status, flag_note, flag_by, flag_at = "dismissed", note, actor.id, at_s
                move(
                    c,
                    "clear_fraud_review",
                    at,
                    at_s,
                    actor,
                    note=note,
                    review_due=True,
                    extra='"flags": "open flags dismissed"',
                )
            elif action == "request_info":
                note = self._pick(_NOTES["request_info"])
                if c.requested is not None:  # the files the claim is missing
                    note = c.requested
                due = at + policy.info_request_days * _DAY
                c.info_due = c.due = due
                letter(
                    cid,
                    "outbound",
                    "customer",
                    "information_requested",
                    f"More information needed for claim {ref}",
                    f"To decide your claim we need: {note}\nPlease reply by {self.day(due // _DAY)}.",
                    actor,
                    at_s,
                )
                move(c, "request_info", at, at_s, actor, note=note, extra=f'"info_due": "{self.iso(due)}"')
            elif action == "refer_to_experts":
                firm = self._pick(_EXPERT_FIRMS)
                note = self._pick(_NOTES["refer_to_experts"])
                due_day = (at + policy.expert_review_days * _DAY) // _DAY
                due_text = self.day(due_day)
                packet = hashlib.sha256(f"{ref}|{firm}|{due_text}".encode()).hexdigest()
                referral = (cid, cid, firm, actor.id, at_s, due_text, packet)
                c.due = due_day * _DAY + at % _DAY
                letter(
                    cid,
                    "outbound",
                    "expert",
                    "expert_referral",
                    f"Referral of claim {ref} for independent review",
                    f"{firm}: please review claim {ref} and report by {due_text}.\n{note}",
                    actor,
                    at_s,
                )
                move(
                    c,
                    "refer_to_experts",
                    at,
                    at_s,
                    actor,
                    note=note,
                    extra=f'"firm": "{firm}", "expert_due": "{due_text}"',
                )
            elif action == "expert_not_substantiated":
                reason = self._pick(("unsubstantiated", "frivolous", "abusive"))
                note = self._pick(_NOTES["expert_not_substantiated"])
                if referral is not None:
                    referral = (*referral, reason, note, at_s)
                flag_status, flag_note, flag_by, flag_at = "confirmed", note, actor.id, at_s
                c.denial = reason
                self._customer_denied(cid, ref, reason, note, actor, at_s)
                move(
                    c,
                    "expert_not_substantiated",
                    at,
                    at_s,
                    actor,
                    note=note,
                    reason=reason,
                    extra=f'"expert_outcome": "{reason}"',
                )
            elif action in ("deny", "deny_fraud"):
                if action == "deny_fraud":
                    reason = _weighted(r(), (40, 30, 30), ("abusive", "frivolous", "unsubstantiated"))
                    note = self._pick(_NOTES["deny_fraud"])
                else:
                    reason = _weighted(
                        r(), (60, 25, 10, 5), ("unsubstantiated", "not_eligible", "frivolous", "abusive")
                    )
                    note = self._pick(_NOTES["deny"])
                if reason in ("frivolous", "abusive") and flag_status == "open":
                    flag_status, flag_note, flag_by, flag_at = "confirmed", note, actor.id, at_s
                c.denial = reason
                self._customer_denied(cid, ref, reason, note, actor, at_s)
                move(
                    c, "deny", at, at_s, actor, note=note, reason=reason, notice_reason=_DENIAL_WORDS[reason]
                )
            elif action == "withdraw":
                move(c, "withdraw", at, at_s, actor, note=self._pick(_NOTES["withdraw"]))
            elif action == "approve_concession":
                amount = cents if r() < 0.85 else max(1_500, int(cents * self._uniform(0.6, 0.95)))
                c.approved = amount
                c.appeal_due = at + policy.seller_appeal_days * _DAY
                valid, summary = seller.insurance(incident)
                extra = f'"seller_insured": {"true" if valid else "false"}'
                recovery_text = None
                if not valid:
                    c.poi_due = at + policy.proof_of_insurance_days * _DAY
                    recovery_text = self._open_recovery(
                        c, amount, f"Concession paid; seller has no valid insurance ({summary})", at_s
                    )
                    extra += f', "recovery_opened": "{_dec_text(amount)}"'
                move(
                    c,
                    "approve_concession",
                    at,
                    at_s,
                    actor,
                    amount=amount,
                    review_due=True,
                    extra=extra,
                    insurance_summary=summary,
                    recovery_text=recovery_text,
                    notice_deadline=c.poi_due,
                )
            elif action == "present_to_seller":
                amount = cents if r() < 0.85 else max(100_000, int(cents * self._uniform(0.6, 0.95)))
                c.approved = amount
                due = at + respond
                c.srd = due
                c.reminder = None
                valid, summary = seller.insurance(incident)
                if valid:
                    letter(
                        cid,
                        "outbound",
                        "insurer",
                        "claim_presented",
                        f"Claim {ref} presented to your insured",
                        f"Claim {ref} for {self._money_text(amount, currency)} has been presented to your "
                        f"insured; response due {self.day(due // _DAY)}. Policy: {summary}.",
                        actor,
                        at_s,
                    )
                move(
                    c,
                    "present_to_seller",
                    at,
                    at_s,
                    actor,
                    amount=amount,
                    due=due,
                    extra=f'"seller_response_due": "{self.iso(due)}"',
                    insurance_summary=summary,
                )
                if state == "seller_notified":
                    self._maybe_reminder(c)
            elif action == "reminder":
                c.reminder = at
                move(c, "seller_deadline_reminder", at, at_s, _SYSTEM)
            elif action == "record_seller_acceptance":
                c.srd = None
                payer = "insurer" if seller.insurance(incident)[0] and r() < 0.5 else "seller"
                move(
                    c,
                    "record_seller_acceptance",
                    at,
                    at_s,
                    actor,
                    review_due=True,
                    extra=f'"payer": "{payer}"',
                )
            elif action == "record_seller_rejection":
                c.srd = None
                note = self._pick(_NOTES["record_seller_rejection"])
                letter(
                    cid,
                    "inbound",
                    "seller",
                    "seller_rejection",
                    f"Seller rejected claim {ref}",
                    note,
                    actor,
                    at_s,
                )
                move(
                    c,
                    "record_seller_rejection",
                    at,
                    at_s,
                    actor,
                    note=note,
                    review_due=True,
                    notice_with_note=False,
                )
            elif action == "seller_no_response":
                amount = c.approved if c.approved is not None else cents
                why = f"you did not respond by {self.day(c.srd // _DAY) if c.srd else 'the deadline'}"
                text_ = self._open_recovery(
                    c, amount, f"Seller did not respond; marketplace stepped in ({why})", at_s
                )
                move(
                    c,
                    "seller_no_response",
                    at,
                    at_s,
                    _SYSTEM,
                    review_due=True,
                    notice_reason=why,
                    extra=f'"recovery_opened": "{_dec_text(amount)}"',
                    recovery_text=text_,
                )
            elif action == "escalate":
                move(c, "escalate", at, at_s, actor, note=self._pick(_NOTES["escalate"]), review_due=True)
            elif action == "step_in":
                amount = c.approved if c.approved is not None else cents
                boss = self._supervisor(amount)
                c.approved = amount
                c.defense = True
                text_ = self._open_recovery(
                    c, amount, "Seller rejected a claim the marketplace believes valid; defense open", at_s
                )
                move(
                    c,
                    "step_in",
                    at,
                    at_s,
                    boss,
                    note=self._pick(_NOTES["step_in"]),
                    amount=amount,
                    review_due=True,
                    extra=f'"recovery_opened": "{_dec_text(amount)}"',
                    notice_reason="we believe the claim is valid although you rejected it",
                    recovery_text=text_,
                )
            elif action in ("uphold_rejection", "accept_seller_defense"):
                who = self._supervisor(0) if action == "uphold_rejection" else actor
                note = self._pick(_NOTES[action])
                self._customer_denied(cid, ref, "seller_defense_upheld", note, who, at_s)
                move(
                    c,
                    action,
                    at,
                    at_s,
                    who,
                    note=note,
                    notice_reason="the seller's rejection is upheld and the claim is denied",
                )
            elif action == "issue_payment":
                amount = c.approved if c.approved is not None else cents
                payer_actor = actor if actor.limit_cents >= amount else self._supervisor(amount)
                c.payments.append([cid, "marketplace", amount, "issued", payer_actor.id, at_s, None, None])
                move(
                    c,
                    "issue_payment",
                    at,
                    at_s,
                    payer_actor,
                    review_due=True,
                    extra=f'"payment_issued": "{_dec_text(amount)}"',
                )
            elif action == "confirm_payment":
                confirmed = []
                for p in c.payments:
                    if p[3] == "issued":
                        p[3], p[6], p[7] = "confirmed", actor.id, at_s
                        confirmed.append(str(p[0]))
                move(
                    c,
                    "confirm_payment",
                    at,
                    at_s,
                    actor,
                    extra=f'"payments_confirmed": [{", ".join(confirmed)}]',
                )
            elif action == "confirm_seller_payment":
                amount = c.approved if c.approved is not None else cents
                payer = "insurer" if seller.insurance(incident)[0] and r() < 0.5 else "seller"
                c.payments.append([cid, payer, amount, "confirmed", actor.id, at_s, actor.id, at_s])
                move(
                    c,
                    "confirm_seller_payment",
                    at,
                    at_s,
                    actor,
                    review_due=True,
                    extra=f'"payer": "{payer}", "payment_confirmed": "{_dec_text(amount)}"',
                )
            elif action == "recovery":
                self._settle_recovery(c, at, at_s, actor)
            elif action == "close":
                c.closed = at
                move(c, "close", at, at_s, actor)
            else:  # pragma: no cover - a path names only known moves
                raise AssertionError(f"unknown demo move {action}")

        if state == "fraud_review" and r() < 0.4:  # a supervisor handed some fraud reviews out
            boss = self.users["sam"]
            assigned = min(now, at + int(r() * 6 * _HOUR))
            c.assignee = assignee
            c.version += 1
            history.append(
                (
                    next(self.ids["history"]),
                    cid,
                    boss.id,
                    "assign",
                    c.state,
                    c.state,
                    f'{{"from_user_id": null, "to": "{assignee.username}"}}',
                    None,
                    ts(assigned),
                )
            )

        # fraud flags, with the decision the path made on them
        flags = buf["fraud_flags"]
        flag_ids = self.ids["fraud_flags"]
        for f in findings:
            flags.append(
                (
                    next(flag_ids),
                    cid,
                    f.code,
                    _SEVERITY[f.severity],
                    f.score,
                    f.explanation,
                    flag_status,
                    flag_note,
                    flag_by,
                    flag_at,
                    intake_s,
                )
            )
        if referral is not None:
            buf["expert_referrals"].append(referral if len(referral) == 10 else (*referral, None, None, None))
        m = self.money
        for p in c.payments:
            buf["payments"].append((p[0], cid, p[1], m(p[2]), currency, p[3], p[4], p[5], p[6], p[7]))
        for rec in c.recoveries:
            buf["recoveries"].append(
                (rec[0], cid, seller.id, m(rec[1]), m(rec[2]), currency, rec[3], rec[6], rec[4], rec[5])
            )
        if c.state != state:
            raise AssertionError(f"demo claim {cid}: path ended in {c.state}, meant {state}")
        self.states[state] += 1
        self.lanes[c.lane or "none"] += 1
        description = self.descriptions.get((item, itype))
        if description is None:
            description = self.descriptions[(item, itype)] = _description(item, itype)
        buf["orders"].append(
            (
                cid,
                order_ext,
                customer,
                pidx + 1,
                seller.id,
                self.day(order_day),
                self.day(delivered) if delivered is not None else None,
            )
        )
        buf["claims"].append(
            (
                cid,
                ref,
                cid,
                customer,
                seller.id,
                pidx + 1,
                itype,
                self.day(incident),
                ts(filed_at),
                description,
                currency,
                m(cents),
                m(c.approved) if c.approved is not None else None,
                state,
                c.lane,
                c.assignee.id if c.assignee else None,
                ts(c.due),
                ts(c.srd) if c.srd else None,
                ts(c.reminder) if c.reminder else None,
                ts(c.info_due) if c.info_due else None,
                ts(c.poi_due) if c.poi_due else None,
                ts(c.appeal_due) if c.appeal_due else None,
                result.score,
                len(findings),
                c.denial,
                self.true if c.defense else self.false,
                intake_s,
                ts(c.updated),
                ts(c.closed) if c.closed else None,
                c.version,
                f"{ref.lower()} {customer_search} {order_ext} {seller.search} {product_search}",
            )
        )

    # ---------------------------------------------------------------- moves

    def _assignee(self, big: bool, cents: int) -> _Actor:
        if big and cents > 100_000 and self.rng.random() < 0.5:
            return self.users["carol"]
        return self.adjusters[int(self.rng.random() * len(self.adjusters))]

    def _supervisor(self, cents: int) -> _Actor:
        sam = self.users["sam"]
        return sam if cents <= sam.limit_cents else self.users["admin"]

    def _maybe_reminder(self, c: _Draft) -> None:
        """The sweep reminds sellers 2 days before the deadline; it has run for some of them."""
        assert c.srd is not None
        remind_from = c.srd - self.policy.seller_reminder_days_before * _DAY
        if remind_from <= self.now and self.rng.random() < 0.5:
            at = min(self.now, remind_from + int(self.rng.random() * _HOUR))
            c.reminder = at
            self._move(c, "seller_deadline_reminder", at, self.ts(at), _SYSTEM)

    def _settle_recovery(self, c: _Draft, at: int, at_s: str, actor: _Actor) -> None:
        """Months later most sellers have paid back; some debts are written off."""
        open_ = [rec for rec in c.recoveries if rec[3] == "open"]
        if not open_:
            return
        rec = open_[0]
        owed = rec[1] - rec[2]
        if self.rng.random() < 0.7:
            rec[2], rec[3], rec[5] = rec[1], "recovered", at_s
            self._move(
                c,
                "record_recovery",
                at,
                at_s,
                actor,
                note=self._pick(_NOTES["record_recovery"]),
                amount=owed,
                extra=f'"recovered": "{_dec_text(owed)}", "recovery_status": "recovered"',
                recovery_text=f"received {self._money_text(owed, c.cur)}; "
                f"{self._money_text(0, c.cur)} still owed",
            )
        else:
            rec[3], rec[5] = "written_off", at_s
            self._move(
                c,
                "write_off_recovery",
                at,
                at_s,
                self._supervisor(0),
                note=self._pick(_NOTES["write_off_recovery"]),
                extra='"recovery_status": "written_off"',
                recovery_text="the marketplace has written off the remaining "
                f"{self._money_text(owed, c.cur)}; nothing more is owed",
            )

    def _open_recovery(self, c: _Draft, cents: int, reason: str, at_s: str) -> str:
        if c.recoveries:
            raise AssertionError(f"demo claim {c.ref}: a second recovery")  # ids are the claim's id
        c.recoveries.append([c.id, cents, 0, "open", at_s, None, reason])
        return self._money_text(cents, c.cur)

    def _letter(
        self,
        cid: int,
        direction: str,
        party: str,
        kind: str,
        subject: str,
        body: str,
        actor: _Actor,
        at_s: str,
    ) -> None:
        self.buf["correspondence"].append(
            (next(self.ids["correspondence"]), cid, direction, party, kind, subject, body, actor.id, at_s)
        )

    def _customer_denied(self, cid: int, ref: str, reason: str, note: str, actor: _Actor, at_s: str) -> None:
        self._letter(
            cid,
            "outbound",
            "customer",
            "claim_denied",
            f"Decision on your claim {ref}",
            f"We are unable to pay your claim because {_DENIAL_WORDS[reason]}.\n{note}",
            actor,
            at_s,
        )

    def _move(
        self,
        c: _Draft,
        action: str,
        at: int,
        at_s: str,
        actor: _Actor,
        *,
        note: str | None = None,
        amount: int | None = None,
        reason: str | None = None,
        extra: str = "",
        review_due: bool = False,
        due: int | None = None,
        notice_reason: str | None = None,
        recovery_text: str | None = None,
        insurance_summary: str | None = None,
        notice_deadline: int | None = None,
        notice_with_note: bool = True,
    ) -> None:
        """What `workflow.apply_move` does after its effect, checked against the same transition table."""
        t = _RULES[action]
        before = c.state
        if before not in t.sources:
            raise AssertionError(f"demo claim {c.ref}: {action} is not possible from {before}")
        if actor.role is None:
            if t.roles:
                raise AssertionError(f"demo claim {c.ref}: {action} needs a user")
        elif actor.role not in t.roles:
            raise AssertionError(f"demo claim {c.ref}: {actor.username} may not {action}")
        if t.checks_authority and actor.role is not None:
            checked = amount if t.requires_amount else c.approved
            if checked is not None and checked > actor.limit_cents:
                raise AssertionError(f"demo claim {c.ref}: {action} is above {actor.username}'s limit")
        if review_due:
            c.due = at + self.review_sla
        if due is not None:
            c.due = due
        parts = []
        if amount is not None:
            parts.append(f'"amount": "{_dec_text(amount)}"')
        if reason is not None:
            parts.append(f'"reason": "{reason}"')
        if extra:
            parts.append(extra)
        state = c.state = t.target or before
        if t.lane is not None:
            c.lane = t.lane
            parts.append(f'"lane": "{t.lane}"')
        if t.denial is not None:
            c.denial = t.denial
        if state in _CLOSED_STATES:
            c.due = at
        if c.assignee is None and actor.id is not None:
            c.assignee = actor
            parts.append(f'"assignee": "{actor.username}"')
        c.updated = at
        c.version += 1
        if t.notice is not None and c.lane is not None:
            deadline = notice_deadline or c.srd
            subject, body = seller_notice(
                t.notice,
                NoticeFacts(
                    reference=c.ref,
                    seller_name=c.seller.name,
                    product_title=c.product,
                    incident=c.incident,
                    amount=self._money_text(c.approved if c.approved is not None else c.cents, c.cur),
                    deadline=self.day(deadline // _DAY) if deadline else None,
                    note=note if notice_with_note else None,
                    reason=notice_reason,
                    insurance_summary=insurance_summary,
                    recovery=recovery_text,
                ),
            )
            self._letter(c.id, "outbound", "seller", t.notice.value, subject, body, actor, at_s)
        self.buf["history"].append(
            (
                next(self.ids["history"]),
                c.id,
                actor.id,
                action,
                before,
                state,
                "{" + ", ".join(parts) + "}",
                note,
                at_s,
            )
        )

    def _path(self, state: str, big: bool) -> list[str]:
        """The moves that bring a claim to `state`; "intake*" marks a claim screened into fraud review."""
        r = self.rng.random
        review = ["intake", "start_review"]
        flagged = ["intake*"]
        present = [*review, "present_to_seller"]
        match state:
            case "new":
                return ["intake"]
            case "fraud_review":
                return list(flagged)
            case "in_review":
                return review
            case "awaiting_customer":
                return [*review, "request_info"]
            case "expert_review":
                return [*flagged, "refer_to_experts"]
            case "approved_concession":
                return [*review, "approve_concession"]
            case "seller_notified":
                return present
            case "seller_accepted":
                return [*present, "record_seller_acceptance"]
            case "seller_rejected":
                return [*present, "record_seller_rejection"]
            case "escalated":
                return [*present, "record_seller_rejection", "escalate"]
            case "step_in":
                if r() < 0.6:
                    return [*present, "reminder", "seller_no_response"]
                return [*present, "record_seller_rejection", "escalate", "step_in"]
            case "paid" | "closed" if state == "paid" or r() < 0.7:
                confirm = ["confirm_payment"] if state == "closed" or r() < 0.5 else []
                if not big:
                    out = [*review, "approve_concession", "issue_payment", *confirm]
                else:
                    x = r()
                    if x < 0.55:
                        out = [*present, "record_seller_acceptance", "confirm_seller_payment"]
                    elif x < 0.8:
                        out = [*present, "reminder", "seller_no_response", "issue_payment", *confirm]
                    else:
                        out = [
                            *present,
                            "record_seller_rejection",
                            "escalate",
                            "step_in",
                            "issue_payment",
                            *confirm,
                        ]
                if state == "closed":
                    if r() < 0.6:
                        out.append("recovery")
                    out.append("close")
                return out
            case "denied" | "closed" if state == "denied" or r() < 0.75:
                x = r()
                if big and x < 0.3:
                    out = (
                        [*present, "record_seller_rejection", "accept_seller_defense"]
                        if r() < 0.5
                        else [*present, "record_seller_rejection", "escalate", "uphold_rejection"]
                    )
                elif x < 0.6:
                    out = [*review, "deny"]
                elif x < 0.85:
                    out = [*flagged, "deny_fraud"]
                else:
                    out = [*flagged, "refer_to_experts", "expert_not_substantiated"]
                return [*out, "close"] if state == "closed" else out
            case "withdrawn" | "closed":
                out = [*present, "withdraw"] if big and r() < 0.4 else [*review, "withdraw"]
                return [*out, "close"] if state == "closed" else out
        raise AssertionError(f"no demo path for {state}")  # pragma: no cover


_LOG_SMALL_LOW = math.log(1_500)
_LOG_SMALL_SPAN = math.log(99_999) - _LOG_SMALL_LOW
_LOG_BIG_LOW = math.log(100_000)
_LOG_BIG_SPAN = math.log(25_000_000) - _LOG_BIG_LOW
_NO_FLAGS = fraud.ScreeningResult((), 0, False, ())
_INCIDENT_WORDS = {t.value: t.value.replace("_", " ") for t in IncidentType}
_DENIAL_WORDS = {d.value: d.plain_words for d in DenialReason}
_SEVERITY = {s: s.value for s in Severity}


_DEFAULT_GAP = (0.5 * _HOUR, 2.0 * _DAY)
_PER_CLAIM_IDS = ("history", "correspondence", "fraud_flags", "evidence")
_IDS_PER_CLAIM = 16  # id block per claim for those tables: a batch's rows get ids no other batch uses
_EPOCH_DATE = date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH_DATE.toordinal()
_EPOCH = datetime(1970, 1, 1)


def _epoch_day(d: date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def _epoch_seconds(dt: datetime) -> int:
    return int((dt.astimezone(UTC) - _EPOCH.replace(tzinfo=UTC)).total_seconds())


def _date_of(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def _datetime_of(t: int) -> datetime:
    """Naive UTC, as screening compares it with other naive UTC times."""
    return _EPOCH + timedelta(seconds=t)


def _description(item: int, itype: str) -> str:
    noun, damage, injury = _ITEMS[item]
    if itype == "property_damage":
        return f"The {noun} {damage}."
    if itype == "personal_injury":
        return f"The {noun} {injury}."
    return f"The {noun} {damage}; it also {injury}."


# --------------------------------------------------------------------------- the use case


def _refuse_unless_empty(db: Database) -> None:
    tables = Base.metadata.tables
    found = []
    with db.engine.connect() as conn:
        for name in _BUSINESS_TABLES:
            if conn.execute(select(1).select_from(tables[name]).limit(1)).first() is not None:
                n = conn.execute(select(func.count()).select_from(tables[name])).scalar_one()
                found.append(f"{n:,} {name}")
    if found:
        raise DemoRefused(
            "the database already holds data (" + ", ".join(found) + "); demo data goes only into an "
            "empty database, so nothing was changed. Use a new database file or an empty PostgreSQL "
            "database or schema for the demo."
        )


def _users(db: Database, now: datetime) -> tuple[dict[str, _Actor], tuple[DemoUser, ...]]:
    """The demo team; a user that already exists keeps its password (its role must match)."""
    table: Table = User.__table__  # type: ignore[assignment]
    with db.engine.begin() as conn:
        existing = {row.username: row for row in conn.execute(select(table))}
        clash = [u for u, _, role, _ in _DEMO_USERS if u in existing and existing[u].role != role.value]
        if clash:
            raise DemoRefused(
                "existing users have the demo's user names with other roles ("
                + ", ".join(clash)
                + "); use an empty database for the demo"
            )
        next_id = (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        rows: list[dict[str, Any]] = []
        password_hash: str | None = None
        out: list[DemoUser] = []
        for username, display, role, limit in _DEMO_USERS:
            if username in existing:
                u = existing[username]
                out.append(DemoUser(username, u.display_name, u.role, u.authority_limit, False))
                continue
            if password_hash is None:
                password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once
            rows.append(
                {
                    "id": next_id,
                    "username": username,
                    "display_name": display,
                    "role": role.value,
                    "authority_limit": Decimal(limit),
                    "password_hash": password_hash,
                    "active": True,
                    "created_at": now,
                }
            )
            out.append(DemoUser(username, display, role.value, Decimal(limit), True))
            next_id += 1
        if rows:
            conn.execute(insert(table), rows)
        actors = {
            row.username: _Actor(row.id, row.username, Role(row.role), int(row.authority_limit * 100))
            for row in conn.execute(select(table))
        }
    return actors, tuple(out)


def _insurers(db: Database) -> list[int]:
    table: Table = Insurer.__table__  # type: ignore[assignment]
    rows = [
        {
            "id": i + 1,
            "name": name,
            "rating": rating,
            "contact": f"sellers@{name.split()[0].lower().replace('é', 'e')}.example, +1 206 555 01{i:02d}",
            "accelerator_member": member,
            "accelerator_products": (
                "Product liability (general merchandise); product liability (electrical and batteries)"
                if member
                else None
            ),
        }
        for i, (name, rating, member) in enumerate(_INSURERS)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(table), rows)
    return list(range(1, len(rows) + 1))


def _finish(db: Database) -> None:
    """Sequences past the ids we chose, and fresh planner statistics."""
    if db.is_postgresql:
        with db.engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement is not False:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) "
                            f"FROM {table.name} HAVING max(id) IS NOT NULL"
                        )
                    )
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE users, insurers"))  # the loaded tables were analysed after the load
        return
    raw = db.engine.raw_connection()
    try:
        con: Any = cast(Any, raw.driver_connection)
        con.commit()
        con.execute("PRAGMA analysis_limit=1000")  # sampled statistics: seconds, not minutes
        con.execute("ANALYZE")
        con.commit()
        con.execute("PRAGMA analysis_limit=0")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


class _Worker:
    """A worker process's state (inherited through fork): its claim maker and where rows go."""

    maker: _ClaimMaker | None = None
    db: Database | None = None
    spool_dir: str = ""


def _worker_init(shared: _Shared, db: Database, spool_dir: str) -> None:
    # The parent's work (merging into SQLite, keeping its FTS index) is the one serial step:
    # a little less priority here lets it keep a core while the workers share the rest.
    if hasattr(os, "nice"):
        os.nice(3)
    _Worker.maker = _ClaimMaker(shared)
    if db.is_postgresql:
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    _Worker.db = db
    _Worker.spool_dir = spool_dir


def _worker_connection(db: Database) -> Any:
    pooled = db.engine.raw_connection()
    cast(Any, pooled.driver_connection).execute("SET synchronous_commit = off")
    return pooled


def _worker_batch(job: tuple[int, int]) -> _Batch:
    """Make one batch and store it.

    SQLite: all of it in a scratch file the parent merges. PostgreSQL: the claims with
    their orders and new customers by COPY now; the rest spooled to a file for the
    second phase, so the claims table is complete early and its slow search index can
    be built while the other tables load.
    """
    maker, db = _Worker.maker, _Worker.db
    assert maker is not None and db is not None
    batch = maker.batch(*job)
    counts = {table: len(rows) for table, rows in batch.rows.items()}
    stem = os.path.join(_Worker.spool_dir, f"batch-{job[0]:06d}")
    if not db.is_postgresql:
        _write_scratch(stem + ".sqlite3", batch.rows)
        return _Batch({}, batch.states, batch.lanes, counts, stem + ".sqlite3")
    first = {t: rows for t, rows in batch.rows.items() if t in _FIRST_PHASE}
    later = {t: rows for t, rows in batch.rows.items() if t not in _FIRST_PHASE}
    with open(stem + ".pickle", "wb") as spool:
        pickle.dump(later, spool, protocol=pickle.HIGHEST_PROTOCOL)
    pooled = _worker_connection(db)
    try:
        _copy_rows(cast(Any, pooled.driver_connection), first)
    finally:
        pooled.close()
    return _Batch({}, batch.states, batch.lanes, counts, stem + ".pickle")


def _worker_spooled(path: str) -> None:
    """Second phase on PostgreSQL: COPY a batch's spooled rows (history, letters, flags, money)."""
    db = _Worker.db
    assert db is not None
    with open(path, "rb") as spool:
        rows: dict[str, list[Row]] = pickle.load(spool)
    pooled = _worker_connection(db)
    try:
        _copy_rows(cast(Any, pooled.driver_connection), rows)
    finally:
        pooled.close()
    os.unlink(path)


class _ClaimBatches:
    """Every claims batch in order, made here or by worker processes (the same rows either way).

    Workers start at once, so they make the first batches while the reference rows
    are written; at most two batches per worker are ahead of the parent.
    """

    def __init__(self, db: Database, shared: _Shared, claims: int, workers: int) -> None:
        self._jobs = iter([(k, claims) for k in range((claims + BATCH_CLAIMS - 1) // BATCH_CLAIMS)])
        self._shared = shared
        self._pool: Any = None
        self._pending: deque[Any] = deque()
        self.spool_dir: str | None = None
        self.spooled: list[str] = []  # PostgreSQL: batches whose second phase is still to load
        if workers > 1:
            self.spool_dir = tempfile.mkdtemp(prefix="atoz-demo-")
            # fork: no re-import of __main__, the reference data is inherited, and the children
            # never touch the parent's connections (they open their own and leave through os._exit)
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(
                workers, initializer=_worker_init, initargs=(shared, db, self.spool_dir)
            )
            for job in itertools.islice(self._jobs, 2 * workers):
                self._pending.append(self._pool.apply_async(_worker_batch, (job,)))

    def __iter__(self) -> Iterator[_Batch]:
        if self._pool is None:
            maker = _ClaimMaker(self._shared)
            for job in self._jobs:
                yield maker.batch(*job)
            return
        while self._pending:
            batch: _Batch = self._pending.popleft().get()
            following = next(self._jobs, None)
            if following is not None:
                self._pending.append(self._pool.apply_async(_worker_batch, (following,)))
            yield batch

    def load_spooled(self, paths: list[str]) -> None:
        """PostgreSQL's second phase: the workers COPY every spooled batch, two at a time."""
        if paths:
            assert self._pool is not None
            for result in [self._pool.apply_async(_worker_spooled, (path,)) for path in paths]:
                result.get()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        if self.spool_dir is not None:
            shutil.rmtree(self.spool_dir, ignore_errors=True)
            self.spool_dir = None


def _default_workers(claims: int) -> int:
    """Worker processes for a seed: none for small ones or where fork is not available."""
    if claims < 3 * BATCH_CLAIMS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def seed_demo(
    db: Database,
    *,
    claims: int = 2000,
    seed: int = 7,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    policy: PolicySettings | None = None,
    workers: int | None = None,
) -> DemoSummary:
    """Fill an empty database with a realistic, deterministic demo desk of `claims` claims.

    Raises DemoRefused (nothing changed) when the database already holds claims or
    other business data. `progress` is called with the number of claims written so far.
    Large seeds make their claims in `workers` processes (default: up to 2 from 30,000
    claims); the rows do not depend on how many.
    """
    started = time.perf_counter()
    policy = policy or PolicySettings()
    if claims < 1:
        raise ValidationError("the demo needs at least 1 claim", "claims")
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if (now.date() - policy.program_start).days < MIN_SPAN_DAYS:
        raise ValidationError(
            f"the demo spreads claims over the program's life: 'now' ({now.date().isoformat()}) must be at "
            f"least {MIN_SPAN_DAYS} days after the program start ({policy.program_start.isoformat()})",
            "now",
        )
    _refuse_unless_empty(db)
    if not db.is_postgresql:
        _check_sqlite_format(db)
    actors, demo_users = _users(db, now)
    insurer_ids = _insurers(db)
    fmt = _POSTGRES_FORMAT if db.is_postgresql else _SQLITE_FORMAT
    reference = _Reference(fmt, seed, policy, now, claims, actors, insurer_ids)
    shared = reference.build()
    shared = replace(shared, evidence_files=claims <= demo_evidence.EVIDENCE_FILES_MAX_CLAIMS)
    counts = {t: 0 for t in _TABLES}
    states = {s.value: 0 for s in ClaimState}
    lanes = {"concession": 0, "seller": 0, "none": 0}
    sink: _Sink = _PostgresSink(db) if db.is_postgresql else _SqliteSink(db)
    batches = _ClaimBatches(db, shared, claims, _default_workers(claims) if workers is None else workers)
    try:
        sink.bulk_begin()
        try:
            for rows in reference.batches():  # the workers make the first claims meanwhile
                sink.write(rows)
                for table, written in rows.items():
                    counts[_STORED_IN.get(table, table)] += len(written)
            done = 0
            spooled: list[str] = []
            for batch in batches:
                if batch.scratch is not None and batch.scratch.endswith(".pickle"):
                    spooled.append(batch.scratch)  # PostgreSQL: loaded in the second phase
                elif batch.scratch is not None:
                    sink.merge(batch.scratch)
                elif batch.rows:
                    sink.write(batch.rows)
                for table, n in batch.counts.items():
                    counts[_STORED_IN.get(table, table)] += n
                for key, n in batch.states.items():
                    states[key] += n
                for key, n in batch.lanes.items():
                    lanes[key] += n
                done = min(claims, done + BATCH_CLAIMS)
                if progress is not None:
                    progress(done)
            if spooled:
                sink.start_slow_indexes()  # the claims are all in: their search index builds meanwhile
                batches.load_spooled(spooled)
        finally:
            sink.bulk_end()  # indexes and foreign keys come back even when the load failed
    finally:
        batches.close()
        sink.close()
    _finish(db)
    return DemoSummary(
        claims=claims,
        seed=seed,
        now=now,
        backend=db.dialect,
        seconds=time.perf_counter() - started,
        password=DEMO_PASSWORD,
        users=demo_users,
        tables={"users": len(actors), "insurers": len(insurer_ids), **counts},
        states=states,
        lanes=lanes,
    )
