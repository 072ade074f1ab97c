"""The store's schema under Alembic: brought up to date when a Store opens.

`create_all` adds missing tables but never changes an existing one, so a
release that alters a table would break a live competition's store. The
revisions in `store/migrations/versions/` change it instead, in one
transaction: on PostgreSQL under an advisory lock (workers starting together
wait for each other), on SQLite with the driver's own transaction handling
switched off so that its DDL is transactional too. A store made by a release
before the migrations (tables, no `alembic_version`) is taken as the
baseline first, once its tables are found to have the baseline's columns.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
# The schema of the first release under Alembic (what `create_all` made before).
BASELINE = "0001"
# First key of the PostgreSQL advisory lock that serialises schema changes (store/db.py
# keeps its other lock spaces next to it: 0x51C0 claims, 0x51C2 units).
SCHEMA_LOCK = 0x51C1

log = logging.getLogger(__name__)
# Alembic narrates every start at INFO (plugins, "will assume transactional DDL"); the
# one line `upgrade` logs when the schema changed says what the administrator needs.
if logging.getLogger("alembic").level == logging.NOTSET:
    logging.getLogger("alembic").setLevel(logging.WARNING)


class SchemaError(Exception):
    """The store's schema cannot be brought up to date by this release."""


def alembic_config(extra_versions: Sequence[Path] = ()) -> Config:
    """Alembic's configuration in code: the packaged revisions, plus further folders
    of them (a test's own revisions)."""
    config = Config()
    config.set_main_option("script_location", _escaped(MIGRATIONS))
    folders = [MIGRATIONS / "versions", *extra_versions]
    # Alembic splits the list on the separator; set it, so spaces in paths do no harm.
    config.set_main_option("path_separator", "newline")
    config.set_main_option("version_locations", "\n".join(_escaped(folder) for folder in folders))
    return config


def upgrade(engine: Engine, config: Config | None = None) -> None:
    """Bring the store to the newest revision, all of it or nothing.

    An empty store is built from nothing; a store of a release before the
    migrations is taken as the baseline first (refused, `SchemaError`, if a
    table of it lacks a column); a store already at the newest
    revision is left as it is. A store of a newer release is refused
    (`SchemaError`) and left untouched.
    """
    config = config or alembic_config()
    with engine.connect() as connection:  # the usual start: up to date, no lock to take
        if MigrationContext.configure(connection).get_current_revision() == \
                ScriptDirectory.from_config(config).get_current_head():
            return
    with _schema_transaction(engine) as connection:
        config.attributes["connection"] = connection
        current = MigrationContext.configure(connection).get_current_revision()
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        if current is not None and current not in known:
            raise SchemaError(f"数据库的结构版本（{current}）比本程序新，本程序无法使用；"
                              "请运行更新版本的 intake，或从升级前的备份恢复。")
        if current is None and _has_legacy_tables(connection):
            _check_legacy(connection)
            command.upgrade(config, BASELINE)  # creates only the tables that release lacked
            current = BASELINE
            log.info("Store: tables made before schema migrations, taken as revision %s", BASELINE)
        command.upgrade(config, "head")
        now = MigrationContext.configure(connection).get_current_revision()
        if now != current and current is None:
            log.debug("Store: a new store, schema %s", now)  # nothing to tell an administrator
        elif now != current:
            log.info("Store: schema upgraded from %s to %s", current, now)


@contextmanager
def _schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole upgrade, committed when the block ends."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            with connection.begin():
                # Workers starting together would race to create or alter the same tables.
                connection.execute(text("SELECT pg_advisory_xact_lock(:space)"), {"space": SCHEMA_LOCK})
                yield connection
            return
        if engine.dialect.name != "sqlite":
            with connection.begin():
                yield connection
            return
        with _sqlite_ddl_transaction(connection):
            yield connection


@contextmanager
def _sqlite_ddl_transaction(connection: Connection) -> Iterator[None]:
    """A real SQLite transaction around DDL, with foreign keys checked at the end.

    Python's sqlite3 commits DDL as it goes unless it is left out of transaction
    handling; a revision that copies a table (batch mode) needs foreign keys off
    meanwhile, and SQLite ignores that pragma inside a transaction.
    """
    driver = connection.connection.driver_connection
    previous = driver.isolation_level
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()  # ends SQLAlchemy's autobegun transaction; the pragma is outside any
    driver.isolation_level = None
    try:
        with connection.begin():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise SchemaError(f"升级后数据库中有 {len(broken)} 处引用失效，升级已撤销：{broken[:3]}")
    finally:
        driver.isolation_level = previous
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def draft_revision(message: str, folder: Path = MIGRATIONS / "versions") -> Path:
    """Write the next revision's draft into `folder`, for a developer who changed a model:
    Alembic's comparison of the models with a store at the newest revision (built in a
    throwaway in-memory SQLite). Read it and complete it (data moves, server defaults for
    new NOT NULL columns) before committing it with a test that upgrades a filled store."""
    config = alembic_config([] if folder == MIGRATIONS / "versions" else [folder])
    script = ScriptDirectory.from_config(config)
    # After the highest number: revisions written on parallel branches may leave a gap.
    number = f"{max((int(s.revision) for s in script.walk_revisions() if s.revision.isdigit()), default=0) + 1:04d}"
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            written = command.revision(config, message=message, autogenerate=True, rev_id=number,
                                       version_path=str(folder))
    finally:
        engine.dispose()
    return Path(written.path)


def _has_legacy_tables(connection: Connection) -> bool:
    return "message" in inspect(connection).get_table_names()


def _check_legacy(connection: Connection) -> None:
    """Refuse a store whose tables lack a column of the baseline: it was left by an
    older release than the baseline describes, and taking it as the baseline would be a
    lie that breaks later. (Tables it lacks altogether the baseline adds, as `create_all` did.)"""
    have = _columns(connection)
    missing = [f"{table}.{column}" for table, columns in sorted(_baseline_columns().items()) if table in have
               for column in sorted(columns - have[table])]
    if missing:
        raise SchemaError("数据库由较早的版本创建，表中缺少以下列，无法自动升级："
                          f"{'、'.join(missing[:10])}{' 等' if len(missing) > 10 else ''}。"
                          "请从备份恢复，或联系维护人员。")


def _baseline_columns() -> dict[str, set[str]]:
    """The baseline's tables and columns, read from the baseline revision itself
    (built in a throwaway in-memory SQLite), so they are written down once."""
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, BASELINE)
            return {table: columns for table, columns in _columns(connection).items()
                    if table != "alembic_version"}
    finally:
        engine.dispose()


def _columns(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {table: {column["name"] for column in inspector.get_columns(table)}
            for table in inspector.get_table_names()}


def _escaped(path: Path) -> str:
    """A path as a value of Alembic's ConfigParser, which reads % as interpolation."""
    return str(path).replace("%", "%%")


if __name__ == "__main__":  # python -m store.migrate "what the revision changes"
    import sys

    print(draft_revision(" ".join(sys.argv[1:]) or "schema change"))
