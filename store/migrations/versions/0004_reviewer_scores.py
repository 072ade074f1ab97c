"""The experts' own scores and comments per registration (issue 14, part 3).

A new table only: nothing of an existing store changes. "If not exists", as in
the baseline, because a store made by `create_all` before the migrations may
already have it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reviewer_score',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('reviewer', sa.String(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('registration_id', 'reviewer'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_reviewer_score_registration_id'), 'reviewer_score', ['registration_id'], unique=False,
                    if_not_exists=True)
    op.create_index(op.f('ix_reviewer_score_reviewer'), 'reviewer_score', ['reviewer'], unique=False,
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_table('reviewer_score')
