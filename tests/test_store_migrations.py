"""The store's schema under Alembic, on SQLite and PostgreSQL.

A store "as the current release leaves it" is built from the baseline revision
and filled by the real pipeline (a deficient registration: its message and
outcome, documents, findings, the 补正通知 in the outbox); a test-only revision
in a folder of the test's own then alters the tables the way a later release
would, and every row must survive; a revision that fails leaves nothing
behind. A store made by `create_all` (what the releases before the migrations
did) is taken as the baseline and keeps its rows and its counters; one from
before the console gets the console's tables; one whose table lacks a column
is refused untouched.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, Table, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from intake.base.config import load_settings
from samples import mails
from intake.run.pipeline import Pipeline
from store import Store, StoreError
from store.db import make_engine
from store.migrate import BASELINE, alembic_config, draft_revision, upgrade
from store.models import (
    Counter, MailboxCheckpoint, Message, MessageStatus, Outbox, Registration, StoredDocument, StoredFinding,
)
from tests.configs import feed, write_config

TABLES = ["message", "registration", "document", "finding", "outbox", "counter"]

# A later release's change, as a revision of the test's own: a new NOT NULL column with a
# default on `registration`, and a CHECK on `message`, which SQLite can only add by copying
# the table that five others refer to.
LATER_REVISION = '''
import sqlalchemy as sa
from alembic import op

revision = "later"
down_revision = {down!r}


def upgrade():
    with op.batch_alter_table("registration") as batch:
        batch.add_column(sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("message") as batch:
        batch.create_check_constraint("ck_message_status", "status IN ('pending', 'processed', 'quarantined')")
{fail}

def downgrade():
    pass
'''


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def write_later_revision(folder: Path, *, fail: bool = False) -> Path:
    """The test-only revision in a folder of its own (a space in its name, as paths have)."""
    versions = folder / "later versions"
    versions.mkdir(parents=True)
    failure = '    op.execute("SELECT no_such_function()")\n' if fail else ""
    (versions / "later_revision.py").write_text(LATER_REVISION.format(down=head_revision(), fail=failure),
                                                encoding="utf-8")
    return versions


def build_at_baseline(url: str) -> None:
    """The store as the first release under migrations leaves a new database."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, BASELINE)
    finally:
        engine.dispose()


def fill_by_pipeline(tmp_path: Path, url: str) -> dict:
    """A deficient registration and an accepted one, decided and answered by the real pipeline."""
    pipeline = Pipeline.open(load_settings(write_config(tmp_path / "svc", store_url=url)))
    try:
        deficient = feed(pipeline, mails.complete_submission(41, stamped=False)[1])
        accepted = feed(pipeline, mails.complete_submission(42)[1])
    finally:
        pipeline.store.close()
    assert deficient["verdict"] == "deficient" and accepted["verdict"] == "accepted"
    return deficient


def snapshot(url: str) -> dict[str, list[dict]]:
    """Every row of the tables a release writes, as plain values."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table: [dict(row) for row in connection.execute(
                text(f"SELECT * FROM {table} ORDER BY 1")).mappings()] for table in TABLES}
    finally:
        engine.dispose()


def schema_of(url: str) -> dict[str, list[str]]:
    """Each table with its columns."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return {table: [column["name"] for column in inspector.get_columns(table)]
                    for table in inspector.get_table_names()}
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_baseline_builds_exactly_the_models_schema(store_url):
    Store(store_url).close()
    engine = make_engine(store_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert differences == []
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert revision_of(store_url) == head_revision()


def test_store_of_the_current_release_survives_a_later_revision(store_url, tmp_path):
    build_at_baseline(store_url)
    deficient = fill_by_pipeline(tmp_path, store_url)
    before = snapshot(store_url)
    assert all(before[table] for table in TABLES), {table: len(rows) for table, rows in before.items()}
    assert any(f["severity"] == "deficiency" for f in before["finding"])

    engine = make_engine(store_url)
    try:
        upgrade(engine, alembic_config([write_later_revision(tmp_path)]))
        with engine.connect() as connection:
            withdrawn = connection.execute(text("SELECT withdrawn FROM registration")).scalars().all()
            message_indexes = {ix["name"] for ix in inspect(connection).get_indexes("message")}
            referring = {table: {fk["referred_table"] for fk in inspect(connection).get_foreign_keys(table)}
                         for table in ("registration", "document", "finding", "outbox", "console_decision")}
            # The CHECK is in force: a status no release writes is refused.
            with pytest.raises(IntegrityError, match="(?i)check"):
                connection.execute(text("UPDATE message SET status = 'lost'"))
            connection.rollback()
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()

    after = snapshot(store_url)
    for table in TABLES:
        kept = [{key: value for key, value in row.items() if key != "withdrawn"} for row in after[table]]
        assert kept == before[table], f"rows of {table} changed in the upgrade"
    assert withdrawn == [False, False]
    assert {"ix_message_raw_sha256", "ix_message_status", "ix_message_sender"} <= message_indexes
    assert all("message" in referred for referred in referring.values()), referring
    assert revision_of(store_url) == "later"
    [outcome] = [row["outcome"] for row in after["message"] if row["verdict"] == "deficient"]
    outcome = outcome if isinstance(outcome, dict) else json.loads(outcome)
    assert outcome["submissions"][0]["number"] == deficient["submissions"][0]["number"]


def test_a_failing_revision_leaves_the_store_as_it_was(store_url, tmp_path):
    build_at_baseline(store_url)
    fill_by_pipeline(tmp_path, store_url)
    before, tables_before = snapshot(store_url), schema_of(store_url)

    engine = make_engine(store_url)
    try:
        with pytest.raises(DBAPIError, match="no_such_function"):
            upgrade(engine, alembic_config([write_later_revision(tmp_path, fail=True)]))
    finally:
        engine.dispose()
    assert schema_of(store_url) == tables_before, "half a revision stayed behind"
    assert revision_of(store_url) == head_revision()  # where the release had brought it
    assert snapshot(store_url) == before
    Store(store_url).close()  # and the release opens it as before


def test_a_store_of_a_newer_release_is_refused_and_left_alone(store_url, tmp_path):
    build_at_baseline(store_url)
    engine = make_engine(store_url)
    try:
        upgrade(engine, alembic_config([write_later_revision(tmp_path)]))
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match="数据库的结构版本（later）比本程序新"):
        Store(store_url)
    assert revision_of(store_url) == "later"


RECEIVED = datetime(2023, 2, 20, 3, 15, tzinfo=timezone.utc)


def legacy_rows(session: Session) -> None:
    """What a release before the migrations stored for one deficient mail."""
    message = Message(raw_sha256="a" * 64, archive_path="2023/02/a.eml", size=120_000, account="qc@163.com",
                      folder="INBOX", uidvalidity=7, uid=31, received_at=RECEIVED, message_id="<m31@qq.com>",
                      sender="liming@sx.chinamobile.example", subject="报名：降低基站断站率",
                      status=MessageStatus.PROCESSED, classification="submission", verdict="deficient",
                      outcome={"verdict": "deficient", "submissions": [{"number": "QC2023-001"}]},
                      processed_at=RECEIVED)
    session.add(message)
    session.flush()
    registration = Registration(number="QC2023-001", enterprise="中国移动通信集团山西有限公司",
                                enterprise_key="中国移动山西", group_name="网优QC小组", topic="降低基站断站率",
                                topic_type="问题解决型", members=8, status="deficient",
                                sender=message.sender, first_message_id=message.id, last_message_id=message.id)
    session.add(registration)
    session.flush()
    session.add(StoredDocument(message_id=message.id, registration_id=registration.id, filename="附件2 报名表.docx",
                               sha256="b" * 64, kind="entry_form", stamp="absent",
                               fields={"小组名称": "网优QC小组"}, text="报名表 网优QC小组"))
    session.add(StoredFinding(message_id=message.id, registration_id=registration.id, code="STAMP_MISSING",
                              severity="deficiency", document="附件2 报名表.docx", detail="报名表未加盖单位公章。"))
    session.add(Outbox(message_id=message.id, reply_type="deficiency_notice", to_addr=message.sender,
                       reply_message_id="<r31@sxcia.example>", subject="补正通知：QC2023-001", raw=b"From: x\r\n\r\n"))
    session.add(Counter(name="registration:QC2023-", value=1))
    session.add(MailboxCheckpoint(account="qc@163.com", folder="INBOX", uidvalidity=7, last_uid=31))


def test_a_store_made_before_the_migrations_is_stamped_and_keeps_working(store_url, tmp_path):
    engine = make_engine(store_url)
    try:
        SQLModel.metadata.create_all(engine)  # what every release before the migrations did
        with Session(engine) as session, session.begin():
            legacy_rows(session)
    finally:
        engine.dispose()
    before = snapshot(store_url)

    pipeline = Pipeline.open(load_settings(write_config(tmp_path / "svc", store_url=store_url)))
    try:
        outcome = feed(pipeline, mails.complete_submission(43)[1])
        numbers = [r.number for r in pipeline.store.all_registrations()]
    finally:
        pipeline.store.close()

    assert revision_of(store_url) == head_revision()
    after = snapshot(store_url)
    for table in TABLES:
        if table != "counter":
            assert after[table][:len(before[table])] == before[table], f"rows of {table} changed"
    # The next registration number follows the legacy counter: nothing was reset.
    assert after["counter"] == [{"name": "registration:QC2023-", "value": 2}]
    assert outcome["verdict"] == "accepted"
    assert numbers == ["QC2023-001", "QC2023-002"] == ["QC2023-001", outcome["submissions"][0]["number"]]


def test_a_store_at_the_baseline_gets_the_copy_index_and_keeps_its_rows(store_url, tmp_path):
    """Revision 0003 adds the copy check's tables; what the store held stays, and the
    next registration's report is indexed."""
    build_at_baseline(store_url)
    engine = make_engine(store_url)
    try:
        with Session(engine) as session, session.begin():
            legacy_rows(session)
    finally:
        engine.dispose()
    before = snapshot(store_url)

    pipeline = Pipeline.open(load_settings(write_config(tmp_path / "svc", store_url=store_url)))
    try:
        outcome = feed(pipeline, mails.complete_submission(44)[1])
    finally:
        pipeline.store.close()

    assert revision_of(store_url) == head_revision()
    assert {"copy_source", "copy_band", "copy_match"} <= set(schema_of(store_url))
    after = snapshot(store_url)
    for table in TABLES:
        if table != "counter":
            assert after[table][:len(before[table])] == before[table], f"rows of {table} changed"
    engine = make_engine(store_url)
    try:
        with engine.connect() as connection:
            indexed = connection.execute(text(
                "SELECT r.number, count(b.key) FROM copy_source s JOIN registration r ON r.id = s.registration_id "
                "JOIN copy_band b ON b.source_id = s.id GROUP BY r.number")).all()
    finally:
        engine.dispose()
    assert [(number, bands > 0) for number, bands in indexed] == [(outcome["submissions"][0]["number"], True)]


def test_a_store_at_the_copy_index_gets_the_experts_scores_and_keeps_its_rows(store_url):
    """Revision 0004 adds the experts' scores table; a store left at 0003 keeps what it held,
    and an expert's score can be written and read back."""
    from store.scores import save_score, scores_of

    engine = make_engine(store_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        with Session(engine) as session, session.begin():
            legacy_rows(session)
    finally:
        engine.dispose()
    assert "reviewer_score" not in schema_of(store_url)
    before = snapshot(store_url)

    store = Store(store_url)
    try:
        registration = store.all_registrations()[0]
        save_score(store, registration.id, "li.zhuanjia", 88, "数据充分")
        assert [(r.reviewer, r.score, r.comment) for r in scores_of(store, registration.id)] == [
            ("li.zhuanjia", 88, "数据充分")]
    finally:
        store.close()
    assert revision_of(store_url) == head_revision() == "0004"
    assert schema_of(store_url)["reviewer_score"] == ["id", "registration_id", "reviewer", "score", "comment",
                                                      "updated_at"]
    after = snapshot(store_url)
    for table in TABLES:
        assert after[table] == before[table], f"rows of {table} changed"


def test_a_store_from_before_the_console_gets_its_tables_and_keeps_its_rows(store_url):
    engine = make_engine(store_url)
    try:
        tables = [t for name, t in SQLModel.metadata.tables.items() if not name.startswith("console_")]
        SQLModel.metadata.create_all(engine, tables=tables)  # a release before the console
        with Session(engine) as session, session.begin():
            legacy_rows(session)
    finally:
        engine.dispose()
    before = snapshot(store_url)

    Store(store_url).close()

    assert snapshot(store_url) == before
    assert revision_of(store_url) == head_revision()
    engine = make_engine(store_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_a_store_whose_table_lacks_a_column_is_refused_and_left_alone(store_url):
    engine = make_engine(store_url)
    try:
        SQLModel.metadata.create_all(engine)
        with engine.begin() as connection:  # an older release's outbox, from before Sent-folder filing
            connection.execute(text("ALTER TABLE outbox DROP COLUMN filed_at"))
    finally:
        engine.dispose()
    tables_before = schema_of(store_url)

    with pytest.raises(StoreError, match="表中缺少以下列，无法自动升级：outbox.filed_at。请从备份恢复"):
        Store(store_url)

    assert revision_of(store_url) is None
    assert schema_of(store_url) == tables_before


def test_stores_opening_one_empty_database_at_once_all_succeed(store_url):
    barrier, errors = threading.Barrier(4), []

    def open_store() -> None:
        barrier.wait()
        try:
            Store(store_url).close()
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert revision_of(store_url) == head_revision()
    engine = make_engine(store_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        engine.dispose()


def test_an_installed_store_finds_its_migrations(tmp_path):
    """The revisions ship as package data: a build of the package (what `pip install`
    copies) upgrades a new store, with the source tree out of reach."""
    root = Path(__file__).resolve().parents[1]
    built = tmp_path / "lib"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q",
                    "egg_info", "--egg-base", str(tmp_path), "build_py", "--build-lib", str(built)],
                   cwd=root, check=True, capture_output=True)
    probe = ("import store, sys; from store import Store; Store(sys.argv[1]).close(); print(store.__file__)")
    done = subprocess.run([sys.executable, "-c", probe, f"sqlite:///{tmp_path / 'intake.db'}"],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(built)},
                          check=True, capture_output=True, text=True)
    assert done.stdout.strip() == str(built / "store" / "__init__.py")
    assert revision_of(f"sqlite:///{tmp_path / 'intake.db'}") == head_revision()


def test_a_changed_model_gets_a_draft_revision_after_the_newest(tmp_path):
    """`python -m store.migrate "…"` drafts the next revision; here for a table a later
    release might add, with SQLModel's column types named by what they create."""
    probe = Table("draft_probe", SQLModel.metadata, Column("id", Integer, primary_key=True),
                  Column("label", AutoString(), nullable=False), Column("seen_at", UTCDateTime()))
    try:
        draft = draft_revision("add draft probe", tmp_path)
    finally:
        SQLModel.metadata.remove(probe)
    source = draft.read_text(encoding="utf-8")
    assert draft.parent == tmp_path and draft.name.startswith(f"{int(head_revision()) + 1:04d}_")
    assert f"down_revision = {head_revision()!r}" in source
    assert "op.create_table('draft_probe'" in source
    assert "sa.Column('label', sa.String(), nullable=False)" in source
    assert "sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True)" in source
    assert "sqlmodel" not in source


def test_console_accounts_of_the_baseline_keep_working_as_secretariat(store_url):
    """Revision 0002 (issue 15) gives console_user a role, a session version, disabled and
    must-change-password: an account made before logs in as it did, with every page."""
    from console.auth import check_password, hash_password
    from store.console import user_by_name

    build_at_baseline(store_url)
    engine = make_engine(store_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO console_user (name, password_hash, created_at) "
                                    "VALUES (:name, :hash, :at)"),
                               {"name": "wangfang", "hash": hash_password("秘书处-旧密码-2022"), "at": RECEIVED})
    finally:
        engine.dispose()

    store = Store(store_url)
    try:
        user = user_by_name(store, "wangfang")
        assert (user.role, user.session_version, user.disabled, user.must_change_password) == \
            ("secretariat", 0, False, False)
        assert check_password(store, "wangfang", "秘书处-旧密码-2022").name == "wangfang"
        assert check_password(store, "wangfang", "wrong-password") is None
    finally:
        store.close()
    assert revision_of(store_url) == head_revision()
