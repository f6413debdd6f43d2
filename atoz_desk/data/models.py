"""Typed SQLAlchemy 2 models for every table of the claims program."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from atoz_desk.data.base import Base, BigIntPK, JSONType, Money, UTCDateTime

UNASSIGNED = "assignee_id IS NULL"
"""The condition of the New queue's partial index (migration 0007 makes the same)."""

PARTIAL_DIALECTS = ("postgresql", "sqlite")
"""The backends whose indexes take a WHERE (``<dialect>_where``)."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    authority_limit: Mapped[Decimal] = mapped_column(Money)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(500), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Insurer(Base):
    __tablename__ = "insurers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    rating: Mapped[str] = mapped_column(String(4))
    contact: Mapped[str | None] = mapped_column(String(300))
    accelerator_member: Mapped[bool] = mapped_column(Boolean, default=False)
    accelerator_products: Mapped[str | None] = mapped_column(Text)


class Seller(Base):
    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # indexed for fraud screening: a customer whose contact details are a seller's
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    address: Mapped[str | None] = mapped_column(String(500), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    # first month the seller passed the gross-proceeds threshold; insurance due after the grace period
    gross_threshold_passed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    policies: Mapped[list[InsurancePolicy]] = relationship(back_populates="seller")


class InsurancePolicy(Base):
    __tablename__ = "insurance_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    insurer_id: Mapped[int] = mapped_column(ForeignKey("insurers.id"))
    policy_number: Mapped[str] = mapped_column(String(64))
    effective_date: Mapped[date] = mapped_column(Date)
    expiry_date: Mapped[date] = mapped_column(Date)
    per_occurrence_limit: Mapped[Decimal] = mapped_column(Money)
    aggregate_limit: Mapped[Decimal] = mapped_column(Money)
    deductible: Mapped[Decimal] = mapped_column(Money)
    marketplace_additional_insured: Mapped[bool] = mapped_column(Boolean)
    cancellation_notice_days: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")

    seller: Mapped[Seller] = relationship(back_populates="policies")
    insurer: Mapped[Insurer] = relationship()


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    order_date: Mapped[date] = mapped_column(Date)
    delivered_date: Mapped[date | None] = mapped_column(Date)


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        # incident type and amount ride along: a filtered queue page walks this index and tests
        # them without reading each claim's (wide) row (see services/queues.py)
        Index("ix_claims_state_due_at", "state", "due_at", "id", "incident_type", "amount_claimed"),
        # queues spanning several states ("All", "Open") page on this one
        Index("ix_claims_due_at_id", "due_at", "id"),
        Index("ix_claims_assignee_id_state", "assignee_id", "state", "due_at", "id"),
        # the New (unassigned) queue: PostgreSQL cannot take due-date order from the index above
        # after "assignee_id IS NULL" and would sort every new claim for each page. Partial on both
        # backends: the WHERE is given when the table is created (see give_partial_indexes_their_where)
        Index("ix_claims_unassigned_state_due_at", "state", "due_at", "id", info={"where": UNASSIGNED}),
        # one index per sortable queue column, each led by state (see services/queues.py)
        Index("ix_claims_state_amount", "state", "amount_claimed", "id"),
        Index("ix_claims_state_filed_at", "state", "filed_at", "id"),
        Index("ix_claims_state_fraud_score", "state", "fraud_score", "id"),
        Index("ix_claims_state_id", "state", "id"),
        Index("ix_claims_order_id_incident_date", "order_id", "incident_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    incident_type: Mapped[str] = mapped_column(String(20))
    incident_date: Mapped[date] = mapped_column(Date)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    amount_claimed: Mapped[Decimal] = mapped_column(Money)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(24))
    lane: Mapped[str | None] = mapped_column(String(12))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the next thing due on the claim (review SLA, seller response, info request, expert report);
    # never null so the queues sort on one index
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seller_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seller_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    info_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proof_of_insurance_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seller_appeal_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fraud_score: Mapped[int] = mapped_column(Integer, default=0)
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    denial_reason: Mapped[str | None] = mapped_column(String(32))
    defense_open: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # lower-case reference, customer, e-mail, order, seller, product: what the text filter searches
    search_text: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    customer: Mapped[Customer] = relationship()
    seller: Mapped[Seller] = relationship()
    product: Mapped[Product] = relationship()
    order: Mapped[Order] = relationship()
    assignee: Mapped[User | None] = relationship()


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    perceptual_hash: Mapped[str | None] = mapped_column(String(32))
    # "db:<sha256>": the content lives in evidence_blobs/evidence_chunks. No foreign key to the
    # blob, so a metadata-only row (imported or demo, no file on record) stays representable.
    storage_key: Mapped[str] = mapped_column(String(300))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # width, height, pages, software (EXIF Software, PDF Producer/Creator) read from the content
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class EvidenceBlob(Base):
    """One stored file, content-addressed: the same bytes on two claims are stored once."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EvidenceChunk(Base):
    """1 MiB pieces of a blob, so no file is ever held in memory whole."""

    __tablename__ = "evidence_chunks"

    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PhotoHashBand(Base):
    """A photo's 64-bit perceptual hash cut into four 16-bit bands.

    Two hashes within distance d share at least one band within d // 4 bits
    (pigeonhole), so a near-duplicate search looks up a few band values on
    the (band, value) index instead of scanning every photo.
    """

    __tablename__ = "photo_hash_bands"
    __table_args__ = (Index("ix_photo_hash_bands_band_value", "band", "value", "evidence_id"),)

    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class FraudFlag(Base):
    __tablename__ = "fraud_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExpertReferral(Base):
    __tablename__ = "expert_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    firm: Mapped[str] = mapped_column(String(200))
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[date] = mapped_column(Date)
    packet_sha256: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Correspondence(Base):
    __tablename__ = "correspondence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # outbound | inbound
    party: Mapped[str] = mapped_column(String(12))  # seller | customer | insurer | expert
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    payer: Mapped[str] = mapped_column(String(12))  # marketplace | seller | insurer
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12))  # issued | confirmed
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Recovery(Base):
    __tablename__ = "recoveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    recovered_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | recovered | written_off
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Letter(Base):
    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("claim_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HistoryEntry(Base):
    """Append-only record of every action; also the change feed (monotonic id)."""

    __tablename__ = "history"
    # PostgreSQL feed readers page on (txid, id): see sync/feed.py
    __table_args__ = (Index("ix_history_txid_id", "txid", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # PostgreSQL transaction id, so feed readers never skip a row that committed late
    txid: Mapped[int | None] = mapped_column(BigInteger)


class AppSetting(Base):
    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def give_partial_indexes_their_where(tables: Iterable[Table], dialect: str) -> None:
    """Make each index with a ``where`` in its info partial for `dialect` (``<dialect>_where``).

    `postgresql_where=` given to the Index itself would import the PostgreSQL
    dialect as the models are defined, on an SQLite start too. This runs
    when a table is created (`create_all`, `Table.create`) or migrations are
    compared, on a connection whose dialect is loaded by then. Migrations
    give the same condition in their own `create_index`.
    """
    if dialect not in PARTIAL_DIALECTS:
        return
    for table in tables:
        for index in table.indexes:
            where = index.info.get("where")
            if where is not None:
                index.dialect_kwargs[f"{dialect}_where"] = text(where)


def _before_create(table: Table, connection: Connection, **_: Any) -> None:
    give_partial_indexes_their_where([table], connection.dialect.name)


for _table in Base.metadata.tables.values():
    if any("where" in index.info for index in _table.indexes):
        event.listen(_table, "before_create", _before_create)


# the search index's raw DDL hangs off the claims table's creation
from atoz_desk.data import search as _search  # noqa: E402, F401
