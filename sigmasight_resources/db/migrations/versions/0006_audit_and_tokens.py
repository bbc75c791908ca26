"""audit and tokens: the audit log, token expiry and revocation, since when a symbol is unavailable

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action"], unique=False)
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"], unique=False)
    # Plain ALTER TABLE, not batch: SQLite's batch copy would drop `users`, which portfolios reference.
    op.add_column("users", sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("token_revoked_at", sa.DateTime(timezone=True), nullable=True))
    # A symbol recorded before this revision has been unavailable since its last check, as far as we know.
    with op.batch_alter_table("unavailable_symbols") as batch:
        batch.add_column(sa.Column("since", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE unavailable_symbols SET since = checked_at")
    with op.batch_alter_table("unavailable_symbols") as batch:
        batch.alter_column("since", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("unavailable_symbols") as batch:
        batch.drop_column("since")
    op.drop_column("users", "token_revoked_at")
    op.drop_column("users", "token_expires_at")
    op.drop_index("ix_audit_log_actor_id", table_name="audit_log")
    op.drop_index("ix_audit_log_action", table_name="audit_log")
    op.drop_table("audit_log")
