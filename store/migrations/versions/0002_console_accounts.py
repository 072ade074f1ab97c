"""Console accounts that the server can end and limit: role, session version, disabled,
must-change-password (issue 15).

Existing accounts keep working as they were: secretariat, enabled, their
sessions at version 0, their password their own. A store whose `console_user`
already has a column (made by `create_all` of a release that knew it) keeps it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    sa.Column("role", sa.String(), nullable=False, server_default="secretariat"),
    sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
)


def upgrade() -> None:
    have = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("console_user")}
    for column in COLUMNS:
        if column.name not in have:
            op.add_column("console_user", column)


def downgrade() -> None:
    with op.batch_alter_table("console_user") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
