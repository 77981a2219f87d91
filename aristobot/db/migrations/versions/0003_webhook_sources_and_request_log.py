"""webhook sources, request log columns and duplicate claims

Revision ID: 0003_webhooks
Revises: 0002_web_sessions
Create Date: 2026-12-02 03:57:56.492737
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aristobot.db.types

revision: str = "0003_webhooks"
down_revision: str | Sequence[str] | None = "0002_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_enc", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("require_secret", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("ip_allowlist", sa.JSON(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=True),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["broker_id"], ["brokers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("user_id", "name", name="uq_webhook_sources_name"),
    )
    with op.batch_alter_table("webhook_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_sources_user_id"), ["user_id"], unique=False)

    op.create_table(
        "webhook_dedup",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("raw_body", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("content_type", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("client_ip", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("http_status", sa.Integer(), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_webhooks_source_id"), ["source_id"], unique=False)
        batch_op.create_index("ix_webhooks_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_foreign_key(
            "fk_webhooks_source_id", "webhook_sources", ["source_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_constraint("fk_webhooks_source_id", type_="foreignkey")
        batch_op.drop_index("ix_webhooks_user_created")
        batch_op.drop_index(batch_op.f("ix_webhooks_source_id"))
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("http_status")
        batch_op.drop_column("client_ip")
        batch_op.drop_column("content_type")
        batch_op.drop_column("raw_body")
        batch_op.drop_column("source_id")

    op.drop_table("webhook_dedup")
    with op.batch_alter_table("webhook_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_sources_user_id"))

    op.drop_table("webhook_sources")
