"""Answer only the competition, and answer it right (SPEC §5).

Every mail of the hard-negative corpus (another body's 报名回执, invoices,
photos, phishing, read receipts …) goes through a real pipeline and must
get no reply at all; every labelled registration must get exactly its
classification, verdict, deficiency codes and reply (that no public-corpus
mail gets an acknowledgement or a 补正通知 is checked where the corpus runs,
`tests/test_corpus.py`). `scripts/precision.py` prints the same
measurements as figures.
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from intake.base.config import load_settings
from samples.labelled import DEADLINE, LABELLED_KINDS, labelled_registrations
from samples.strangers import STRANGER_KINDS, stranger_mails
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from tests.configs import write_config

ANSWERED = {"submission", "correction", "observer"}


def _run(pipeline: Pipeline, raw: bytes, folder: str) -> tuple[int, dict]:
    """The stored message's id and its outcome, processed as if just fetched."""
    message, _ = pipeline.accept(raw, account="test", folder=folder, received_at=file_received_time(raw))
    return message.id, pipeline.process(message)


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory):
    """One mailbox's week: every stranger and every labelled registration, on one store."""
    settings = load_settings(write_config(tmp_path_factory.mktemp("precision"), deadline=DEADLINE))
    with Pipeline.open(settings) as pipeline:
        strangers = {s.kind: (s, *_run(pipeline, s.raw, "strangers")) for s in stranger_mails()}
        registrations = {r.kind: (r, *_run(pipeline, r.raw, "labelled")) for r in labelled_registrations()}
        outbox = defaultdict(list)
        for reply in pipeline.store.all_replies():
            outbox[reply.message_id].append(reply)
        yield strangers, registrations, outbox


def _said(outcome: dict) -> str:
    codes = ",".join(f["code"] for f in outcome["deficiencies"]) or "-"
    reply = outcome["reply"]["type"] if outcome["reply"] else None
    return f"classified {outcome['classification']}, verdict {outcome['verdict']}, deficiencies {codes}, reply {reply}"


@pytest.mark.parametrize("kind", sorted(STRANGER_KINDS))
def test_stranger_gets_no_reply(kind, mailbox):
    strangers, _, outbox = mailbox
    stranger, message_id, outcome = strangers[kind]
    what = f"{kind}: {_said(outcome)}"
    assert outcome["reply"] is None, what
    assert not outbox[message_id], what
    assert outcome["classification"] not in ANSWERED, what
    assert outcome["classification"] in stranger.allowed, what
    assert outcome["verdict"] is None and not outcome["deficiencies"], what


@pytest.mark.parametrize("kind", LABELLED_KINDS)
def test_registration_gets_its_outcome(kind, mailbox):
    _, registrations, outbox = mailbox
    expected, message_id, outcome = registrations[kind]
    what = f"{kind}: {_said(outcome)}"
    assert outcome["classification"] == expected.classification, what
    assert outcome["verdict"] == expected.verdict, what
    assert {f["code"] for f in outcome["deficiencies"]} == set(expected.codes), what
    assert outcome["reply"] and outcome["reply"]["type"] == expected.reply, what
    [queued] = outbox[message_id]
    assert queued.reply_type == expected.reply and queued.to_addr == outcome["reply"]["to"]
