"""evidence content in the database: blobs, chunks, photo hash bands, evidence details

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

Files are stored content-addressed by SHA-256 in 1 MiB chunks so every
workstation of a shared database reaches them (README, "Evidence storage").
Photo perceptual hashes are cut into 16-bit bands for near-duplicate search.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import atoz_desk.data.base

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", atoz_desk.data.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_blobs")),
    )
    op.create_table(
        "evidence_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["evidence_blobs.sha256"],
            name=op.f("fk_evidence_chunks_sha256_evidence_blobs"),
        ),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_evidence_chunks")),
    )
    op.create_table(
        "photo_hash_bands",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_photo_hash_bands_evidence_id_evidence"),
        ),
        sa.PrimaryKeyConstraint("evidence_id", "band", name=op.f("pk_photo_hash_bands")),
    )
    op.create_index(
        "ix_photo_hash_bands_band_value",
        "photo_hash_bands",
        ["band", "value", "evidence_id"],
        unique=False,
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "details",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("details")
    op.drop_index("ix_photo_hash_bands_band_value", table_name="photo_hash_bands")
    op.drop_table("photo_hash_bands")
    op.drop_table("evidence_chunks")
    op.drop_table("evidence_blobs")
