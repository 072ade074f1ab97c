"""store.db: one way to hold a transaction — a `session()` opened inside another is that one.

On SQLite and PostgreSQL: calls made inside `with store.session():` commit or
roll back together; a thread of its own gets a transaction of its own.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from store import Store
from store.models import Message, Registration


def _message(store: Store, n: int) -> Message:
    row, _ = store.record_message(Message(raw_sha256=f"{n:064x}", archive_path=f"m{n}.eml", size=1, account="a",
                                          folder="INBOX", received_at=datetime(2023, 2, 20, tzinfo=timezone.utc)))
    return row


def _registration(message: Message, number: str) -> Registration:
    return Registration(number=number, enterprise="太原重型机械集团有限公司", enterprise_key="太原重型机械集团",
                        group_name="铸锻QC小组", topic="降低铸件气孔缺陷率", topic_type="问题解决型", status="accepted",
                        sender="qc@tz.example.cn", first_message_id=message.id, last_message_id=message.id)


@pytest.fixture
def store(store_url):
    store = Store(store_url)
    yield store
    store.close()


def test_calls_inside_a_session_roll_back_together(store):
    message = _message(store, 1)
    with pytest.raises(RuntimeError):
        with store.session() as s:
            s.add(_registration(message, "QC2023-001"))
            s.flush()
            assert [r.number for r in store.registrations_by_numbers(["QC2023-001"])] == ["QC2023-001"]
            assert store.next_sequence("registration:QC2023-") == 1
            raise RuntimeError("the decision fails half-way")
    assert store.registrations_by_numbers(["QC2023-001"]) == []
    assert store.next_sequence("registration:QC2023-") == 1  # the bump went with the rest


def test_a_method_alone_commits_at_once(store):
    message = _message(store, 2)
    with store.session() as s:
        s.add(_registration(message, "QC2023-002"))
    assert store.next_sequence("registration:QC2023-") == 1
    assert store.next_sequence("registration:QC2023-") == 2
    assert [r.number for r in store.registrations_of_messages([message.id])] == ["QC2023-002"]


def test_another_thread_does_not_join_this_threads_transaction(store):
    message = _message(store, 3)
    seen = []
    with store.session() as s:
        s.add(_registration(message, "QC2023-003"))
        s.flush()
        worker = threading.Thread(target=lambda: seen.append(store.registrations_by_numbers(["QC2023-003"])))
        worker.start()
        worker.join(timeout=30)
    assert seen == [[]]  # not committed yet when the other thread looked
    assert [r.number for r in store.registrations_by_numbers(["QC2023-003"])] == ["QC2023-003"]
