"""Parsing and extraction ahead in worker processes: order kept, a dying or stuck
worker costs only its own message.

The pool is real (fork-server processes); the stand-in tasks below wrap the
real `prepare` and die or hang on a marked mail, as a library would on a
crafted file.
"""
from __future__ import annotations

import os
import signal
import time
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from intake.base.config import load_settings
from samples.mails import complete_submission
from intake.run.pipeline import Pipeline
from intake.run.prepare import Prepared, PrepareTimeout, Preparer, WorkerDied, prepare
from store.models import Message, MessageStatus
from tests.configs import write_config

NOW = datetime(2023, 2, 20, 9, 0, tzinfo=timezone.utc)


def dies_on_marked_mail(raw: bytes, received_at: datetime) -> Prepared:
    if b"X-Test-Crash: yes" in raw:
        os.kill(os.getpid(), signal.SIGSEGV)  # what a crashing C library does to its process
    return prepare(raw, received_at)


def hangs_on_marked_mail(raw: bytes, received_at: datetime) -> Prepared:
    if b"X-Test-Hang: yes" in raw:
        time.sleep(3600)
    return prepare(raw, received_at)


def marked(raw: bytes, header: str) -> bytes:
    return f"{header}: yes\r\n".encode() + raw


@pytest.fixture(scope="module")
def mails() -> list[bytes]:
    return [complete_submission(seed)[1] for seed in range(6)]


def test_results_come_in_order_and_match_the_in_process_reading(mails):
    preparer = Preparer(2)
    try:
        results = list(preparer.map(mails, lambda raw: (raw, NOW)))
    finally:
        preparer.close()
    assert [item for item, _ in results] == mails
    for raw, prepared in results:
        here = prepare(raw, NOW)
        assert prepared.mail.message_id == here.mail.message_id
        assert [(d.filename, d.kind, d.stamp, d.fields) for d in prepared.extraction.documents] == \
               [(d.filename, d.kind, d.stamp, d.fields) for d in here.extraction.documents]


def test_a_worker_that_dies_costs_only_its_own_message(mails):
    batch = mails[:2] + [marked(mails[2], "X-Test-Crash")] + mails[3:]
    preparer = Preparer(2, task=dies_on_marked_mail)
    try:
        results = [prepared for _, prepared in preparer.map(batch, lambda raw: (raw, NOW))]
    finally:
        preparer.close()
    assert isinstance(results[2], WorkerDied)
    assert all(isinstance(r, Prepared) and r.mail is not None for i, r in enumerate(results) if i != 2)


def test_a_stuck_worker_is_stopped_at_the_time_limit(mails):
    batch = [marked(mails[0], "X-Test-Hang")] + mails[1:4]
    preparer = Preparer(2, task=hangs_on_marked_mail, timeout=5)
    started = time.monotonic()
    try:
        results = [prepared for _, prepared in preparer.map(batch, lambda raw: (raw, NOW))]
    finally:
        preparer.close()
    assert time.monotonic() - started < 60
    assert isinstance(results[0], PrepareTimeout) and "秒" in str(results[0])
    assert all(isinstance(r, Prepared) and r.mail is not None for r in results[1:])


def test_the_pipeline_counts_a_dead_worker_against_its_message_and_goes_on(mails, tmp_path):
    settings = load_settings(write_config(tmp_path))
    with Pipeline.open(settings) as pipeline:
        pipeline.preparer = Preparer(2, task=dies_on_marked_mail)
        batch = [mails[0], marked(mails[1], "X-Test-Crash"), mails[2]]
        messages = [pipeline.accept(raw, account="t", folder="INBOX", received_at=NOW)[0] for raw in batch]
        outcomes = [outcome for _, outcome in pipeline.process_stream(messages)]
        with pipeline.store.session() as s:
            rows = {row.id: row for row in s.exec(select(Message))}
    assert outcomes[0]["submissions"] and outcomes[2]["submissions"] and outcomes[1] is None
    crashed = rows[messages[1].id]
    assert crashed.status == MessageStatus.PENDING and crashed.attempts == 1, "retried at the next poll"
    assert "WorkerDied" in crashed.error


def test_the_reports_copy_signatures_are_made_with_the_reading():
    # The copy check's n-gram and number hashing is the main process's largest piece of
    # work on a report; made in the worker, it comes with the prepared mail.
    from intake.base.text import storable
    from intake.base.model import DocumentKind
    from intake.review.copies import signature

    prepared = prepare(complete_submission(61)[1], NOW)
    report = next(doc for doc in prepared.extraction.documents if doc.kind is DocumentKind.QC_REPORT)
    assert list(prepared.signatures) == [report.sha256]
    assert prepared.signatures[report.sha256] == signature(storable(report.text))
    assert len(prepared.signatures[report.sha256].keys) == 128
