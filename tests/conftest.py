"""Shared fixtures: real peers (Dovecot, SMTP, PostgreSQL), never mocks.

- `dovecot`: a DovecotServer of its own per test (starts in ~0.3 s), with the
  default user `intake@example.test` / `secret`; `dovecot.mailbox_settings()`
  points MailboxSettings at it.
- `smtp_server`: an SmtpCapture requiring AUTH as `intake@example.test` /
  `secret`.
- `pg_url`: a fresh PostgreSQL database per test, dropped afterwards.
- `store_url`: each test runs twice, on SQLite and on PostgreSQL.

PostgreSQL comes from $INTAKE_TEST_POSTGRES (an admin URL), by default
postgres@127.0.0.1:5432. If it is unreachable the tests fail: CI has it.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from tests.peers.dovecot import DEFAULT_PASSWORD, DEFAULT_USER, DovecotServer, throwaway_dovecot
from tests.peers.smtp import SmtpCapture

POSTGRES_ADMIN = os.environ.get("INTAKE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_configure(config: pytest.Config) -> None:
    # SmtpCapture requires AUTH on plain loopback SMTP on purpose.
    config.addinivalue_line("filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A running Dovecot with an empty mailbox, stopped and removed after."""
    with throwaway_dovecot() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpCapture]:
    with SmtpCapture(username=DEFAULT_USER, password=DEFAULT_PASSWORD) as server:
        yield server


@pytest.fixture
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of a new, empty database that is dropped afterwards."""
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection()
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield _database_url(name)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on both supported stores."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intake.db'}"
    return request.getfixturevalue("pg_url")


def _admin_connection() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN} is unreachable (set $INTAKE_TEST_POSTGRES): {err}",
                    pytrace=False)


def _database_url(name: str) -> str:
    """The admin URL pointed at another database, in SQLAlchemy's psycopg form."""
    info = psycopg.conninfo.conninfo_to_dict(POSTGRES_ADMIN)
    user = quote(info.get("user", "postgres"), safe="")
    password = f":{quote(info['password'], safe='')}" if info.get("password") else ""
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    return f"postgresql+psycopg://{user}{password}@{host}:{port}/{name}"
