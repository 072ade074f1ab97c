"""Alembic's entry point: runs the revisions on the connection `store.migrate` hands over.

There is no alembic.ini: `store.migrate.upgrade` opens the connection (under
the schema lock, in one transaction) and configures Alembic in code, so an
installed `intake` upgrades its store by itself.
"""
from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

import store.models  # noqa: F401 - registers the tables on SQLModel.metadata


def render_plain_types(kind, obj, _context):
    """Drafts name SQLModel's column types by what they create, as the baseline does."""
    if kind == "type" and isinstance(obj, AutoString):
        return "sa.String()"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("store.migrate.upgrade runs the migrations; it hands Alembic a connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite alters a table by copying it; batch mode does that for revisions that need it.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_plain_types,
)
with context.begin_transaction():
    context.run_migrations()
