"""Every real malformed mail in ../shared/corpus goes through without a crash, on SQLite and
PostgreSQL (which refuses text SQLite takes, such as lone surrogates), and none of them, no
registration among them, gets an acknowledgement or a 补正通知 (SPEC §5: never on a guess)."""
from __future__ import annotations

from pathlib import Path


from intake.base.config import load_settings
from intake.mime.parse import file_received_time
from intake.run.pipeline import Pipeline
from intake.fetch.sources import read_messages
from tests.configs import write_config

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public-mime"


def test_every_corpus_message_is_handled(tmp_path, store_url):
    assert CORPUS.is_dir(), f"{CORPUS} missing: clone the repository beside ../shared, as CI does"
    # The notice's deadline: a mail wrongly taken for a registration would be answered as late.
    settings = load_settings(write_config(tmp_path, store_url=store_url, deadline="2023-03-03T00:00:00+08:00"))
    pipeline = Pipeline.open(settings)
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("MANIFEST.tsv", "SOURCES.md"))
    failures, answered, handled = [], [], 0
    for path in files:
        for item in read_messages([path]):
            message, _ = pipeline.accept(item.raw, account="corpus", folder=str(path),
                                         received_at=file_received_time(item.raw))
            try:
                outcome = pipeline.process(message)
            except Exception as err:  # noqa: BLE001 - collected and reported below
                failures.append(f"{path.relative_to(CORPUS)}: {type(err).__name__}: {err}")
                continue
            assert outcome["classification"], path
            if outcome["reply"] and outcome["reply"]["type"] in ("acknowledgement", "deficiency_notice"):
                answered.append(f"{path.relative_to(CORPUS)}: {outcome['classification']}, "
                                f"{outcome['classification_reason']}")
            handled += 1
    assert not failures, "\n".join(failures[:20])
    assert handled >= len(files)
    assert not pipeline.store.pending_messages(), "every message ends processed"
    assert not answered, f"{len(answered)} public mails answered:\n" + "\n".join(answered[:40])
    assert not {reply.reply_type for reply in pipeline.store.all_replies()} & {"acknowledgement", "deficiency_notice"}
