"""`intake ingest` reads .eml files, folders, Maildir and mbox alike."""
from __future__ import annotations

import mailbox

from samples.mails import complete_submission, inquiry_mail
from intake.fetch.sources import read_messages


def test_maildir_mbox_and_files_yield_every_message(tmp_path):
    raws = [complete_submission(seed)[1] for seed in (1, 2)] + [inquiry_mail("a@example.cn", "请问截止时间？")]
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    mbox = mailbox.mbox(tmp_path / "archive.mbox", create=True)
    for raw in raws:
        maildir.add(raw)
        mbox.add(raw)
    mbox.flush()
    (tmp_path / "eml").mkdir()
    (tmp_path / "eml" / "one.eml").write_bytes(raws[0])

    from_maildir = list(read_messages([tmp_path / "Maildir"]))
    from_mbox = list(read_messages([tmp_path / "archive.mbox"]))
    from_folder = list(read_messages([tmp_path / "eml"]))

    assert sorted(m.raw for m in from_maildir) == sorted(raws)
    def lines(raw: bytes) -> bytes:
        return raw.replace(b"\r\n", b"\n").rstrip()

    assert [lines(m.raw) for m in from_mbox] == [lines(r) for r in raws]
    assert [m.raw for m in from_folder] == [raws[0]]
