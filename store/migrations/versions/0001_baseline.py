"""Baseline: the schema as `create_all` made it before the migrations.

Written out table by table from `store/models.py` as it stood at the first
release under Alembic; tests/test_store_migrations.py checks it against the
models with Alembic's comparison. Unnamed unique and foreign-key constraints
are kept unnamed, as `create_all` left them, so that a store made by an
earlier release and one built here are the same.

A store made by an earlier release (its tables, no `alembic_version`) runs
this revision too, after `store.migrate` has checked that its tables have
every column: "if not exists" skips what it has and adds what that release
did not know yet (the console's tables), as `create_all` did.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_user',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('password_hash', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_console_user_name'), 'console_user', ['name'], unique=True, if_not_exists=True)

    op.create_table('counter',
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
        if_not_exists=True,
    )

    op.create_table('mailboxcheckpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account', sa.String(), nullable=False),
        sa.Column('folder', sa.String(), nullable=False),
        sa.Column('uidvalidity', sa.Integer(), nullable=False),
        sa.Column('last_uid', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account', 'folder'),
        if_not_exists=True,
    )

    op.create_table('message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('raw_sha256', sa.String(), nullable=False),
        sa.Column('archive_path', sa.String(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('account', sa.String(), nullable=False),
        sa.Column('folder', sa.String(), nullable=False),
        sa.Column('uidvalidity', sa.Integer(), nullable=True),
        sa.Column('uid', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('message_id', sa.String(), nullable=False),
        sa.Column('sender', sa.String(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('classification', sa.String(), nullable=True),
        sa.Column('verdict', sa.String(), nullable=True),
        sa.Column('outcome', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account', 'folder', 'uidvalidity', 'uid'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_message_message_id'), 'message', ['message_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_message_raw_sha256'), 'message', ['raw_sha256'], unique=True, if_not_exists=True)
    op.create_index(op.f('ix_message_sender'), 'message', ['sender'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_message_status'), 'message', ['status'], unique=False, if_not_exists=True)

    op.create_table('outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('reply_type', sa.String(), nullable=False),
        sa.Column('to_addr', sa.String(), nullable=False),
        sa.Column('reply_message_id', sa.String(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resends', sa.Integer(), nullable=False),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'],),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_outbox_claimed_at'), 'outbox', ['claimed_at'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_outbox_next_attempt_at'), 'outbox', ['next_attempt_at'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_outbox_reply_message_id'), 'outbox', ['reply_message_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_outbox_status'), 'outbox', ['status'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_outbox_to_addr'), 'outbox', ['to_addr'], unique=False, if_not_exists=True)

    op.create_table('registration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(), nullable=False),
        sa.Column('enterprise', sa.String(), nullable=False),
        sa.Column('enterprise_key', sa.String(), nullable=False),
        sa.Column('group_name', sa.String(), nullable=False),
        sa.Column('topic', sa.String(), nullable=False),
        sa.Column('topic_type', sa.String(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('sender', sa.String(), nullable=False),
        sa.Column('first_message_id', sa.Integer(), nullable=False),
        sa.Column('last_message_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['first_message_id'], ['message.id'],),
        sa.ForeignKeyConstraint(['last_message_id'], ['message.id'],),
        sa.PrimaryKeyConstraint('id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_registration_enterprise_key'), 'registration', ['enterprise_key'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_registration_number'), 'registration', ['number'], unique=True, if_not_exists=True)
    op.create_index(op.f('ix_registration_sender'), 'registration', ['sender'], unique=False, if_not_exists=True)

    op.create_table('console_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('finding_id', sa.Integer(), nullable=True),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'],),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],),
        sa.PrimaryKeyConstraint('id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_console_decision_action'), 'console_decision', ['action'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_console_decision_created_at'), 'console_decision', ['created_at'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_console_decision_finding_id'), 'console_decision', ['finding_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_console_decision_message_id'), 'console_decision', ['message_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_console_decision_outbox_id'), 'console_decision', ['outbox_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_console_decision_registration_id'), 'console_decision', ['registration_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_console_decision_user'), 'console_decision', ['user'], unique=False, if_not_exists=True)

    op.create_table('document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(), nullable=False),
        sa.Column('sha256', sa.String(), nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('stamp', sa.String(), nullable=True),
        sa.Column('fields', sa.JSON(), nullable=True),
        sa.Column('rows', sa.JSON(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('archive_path', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'],),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],),
        sa.PrimaryKeyConstraint('id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_document_message_id'), 'document', ['message_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_document_registration_id'), 'document', ['registration_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_document_sha256'), 'document', ['sha256'], unique=False, if_not_exists=True)

    op.create_table('finding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('code', sa.String(), nullable=False),
        sa.Column('severity', sa.String(), nullable=False),
        sa.Column('document', sa.String(), nullable=True),
        sa.Column('field', sa.String(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'],),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],),
        sa.PrimaryKeyConstraint('id'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_finding_code'), 'finding', ['code'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_finding_message_id'), 'finding', ['message_id'], unique=False, if_not_exists=True)
    op.create_index(op.f('ix_finding_registration_id'), 'finding', ['registration_id'], unique=False, if_not_exists=True)

    op.create_table('reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('days_before', sa.Integer(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'],),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('registration_id', 'days_before'),
        if_not_exists=True,
    )
    op.create_index(op.f('ix_reminder_registration_id'), 'reminder', ['registration_id'], unique=False, if_not_exists=True)


def downgrade() -> None:
    # Indexes go with their tables.
    op.drop_table('reminder')
    op.drop_table('finding')
    op.drop_table('document')
    op.drop_table('console_decision')
    op.drop_table('registration')
    op.drop_table('outbox')
    op.drop_table('message')
    op.drop_table('mailboxcheckpoint')
    op.drop_table('counter')
    op.drop_table('console_user')
