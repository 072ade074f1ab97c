"""Copy detection: the reports' texts and their LSH band keys, and what a flag matched.

`copy_source` holds each registered report's text (and earlier years' reports
loaded by `intake past load`), `copy_band` the band keys of their MinHash
signatures (the index several workers share), `copy_match` the source and the
matched spans behind each POSSIBLE_COPY finding. New tables only: nothing of
an existing store changes. "If not exists", as in the baseline, because a
store made by `create_all` before the migrations already has them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('copy_source',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(), nullable=False),
        sa.Column('sha256', sa.String(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],),
        sa.PrimaryKeyConstraint('id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_copy_source_registration_id'), 'copy_source', ['registration_id'], unique=False,
                    if_not_exists=True)
    op.create_index(op.f('ix_copy_source_sha256'), 'copy_source', ['sha256'], unique=False, if_not_exists=True)

    op.create_table('copy_band',
        sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['copy_source.id'],),
        sa.PrimaryKeyConstraint('key', 'source_id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_copy_band_source_id'), 'copy_band', ['source_id'], unique=False, if_not_exists=True)

    op.create_table('copy_match',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('document', sa.String(), nullable=False),
        sa.Column('text_share', sa.Float(), nullable=False),
        sa.Column('data_share', sa.Float(), nullable=False),
        sa.Column('spans', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['finding_id'], ['finding.id'],),
        sa.ForeignKeyConstraint(['source_id'], ['copy_source.id'],),
        sa.PrimaryKeyConstraint('id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_copy_match_finding_id'), 'copy_match', ['finding_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_copy_match_source_id'), 'copy_match', ['source_id'], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_table('copy_match')
    op.drop_table('copy_band')
    op.drop_table('copy_source')
