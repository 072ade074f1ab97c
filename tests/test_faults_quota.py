"""Two workers, one enterprise: the quota holds when its last results arrive together.

An enterprise has 18 results registered; its 19th, 20th and 21st come in
three mails, and two `intake poll --once` processes share them (one
Dovecot, one PostgreSQL). Each reads the enterprise's registrations,
decides and records; without `Store.units_locked` around that, a worker
reads the count before the other's result is committed and the 21st is
accepted too. With it: exactly 20 accepted and one QUOTA_EXCEEDED.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import threading
import sys

from sqlmodel import select

from intake.base.config import load_settings
from samples import mails
from samples.forms import entry_form_docx, qc_report_docx
from samples.entries import sample_entry
from samples.seals import seal_png
from intake.run.pipeline import Pipeline
from intake.validators.names import unit_key
from store import Store
from store.models import Registration, StoredFinding
from tests.configs import feed, write_config
from tests.peers.dovecot import DEFAULT_PASSWORD
from tests.test_rules_pipeline import TOPICS

COLLEAGUES = (("wang.li@sx.chinamobile.com", "王丽"), ("zhao.qiang@sx.chinamobile.com", "赵强"),
              ("1397766@qq.com", "刘洋"))


def test_two_workers_register_one_enterprises_last_results_within_its_quota(dovecot, pg_url, tmp_path):
    name = sample_entry(700).enterprise
    seal = seal_png(name)
    entries = [sample_entry(700 + i, enterprise=name, topic=topic, group=f"{topic[2:6]}QC小组", presenters=())
               for i, topic in enumerate(TOPICS)]

    def files(entry):
        return [(f"报名表-{entry.group}.docx", entry_form_docx(entry, seal=seal)),
                (f"{entry.topic}成果报告.docx", qc_report_docx(entry, images=0))]

    with Pipeline.open(load_settings(write_config(tmp_path / "earlier", store_url=pg_url))) as pipeline:
        earlier = feed(pipeline, mails.submission_mail(entries[0], [f for e in entries[:18] for f in files(e)],
                                                       body="18个成果的报名材料见附件。"))
    assert earlier["verdict"] == "accepted" and len(earlier["submissions"]) == 18

    for k, entry in enumerate(entries[18:]):
        sender, sender_name = COLLEAGUES[k]
        dovecot.append(mails.submission_mail(dataclasses.replace(entry, sender=sender, sender_name=sender_name),
                                             files(entry)))
    env = {**os.environ, "TEST_IMAP_PASSWORD": DEFAULT_PASSWORD}
    workers = []
    for i in (1, 2):
        config = write_config(tmp_path / f"worker{i}", store_url=pg_url, imap_url=dovecot.url())
        log = open(tmp_path / f"worker{i}.log", "wb")
        workers.append((subprocess.Popen([sys.executable, "-m", "intake.cli", "--config", str(config),
                                          "poll", "--once"], stdout=subprocess.DEVNULL, stderr=log, env=env), log))
    for worker, log in workers:
        code = worker.wait(timeout=300)
        log.close()
        assert code == 0, (tmp_path / "worker1.log").read_text(errors="replace")[-3000:]

    store = Store(pg_url)
    with store.session() as s:
        registrations = list(s.exec(select(Registration).where(Registration.enterprise_key == unit_key(name))))
        over = list(s.exec(select(StoredFinding).where(StoredFinding.code == "QUOTA_EXCEEDED")))
    store.close()
    statuses = [reg.status for reg in registrations]
    logs = [(tmp_path / f"worker{i}.log").read_text(errors="replace") for i in (1, 2)]
    decided = [text.count("INFO intake.pipeline:") for text in logs]
    print(f"\nquota under two workers: mails decided by each {decided}, {statuses.count('accepted')} accepted,"
          f" {len(over)} QUOTA_EXCEEDED")
    trouble = "\n".join(line for text in logs for line in text.splitlines() if "ERROR" in line or "WARNING" in line)
    assert len(registrations) == 21, f"statuses {statuses}; decided by each {decided}; worker trouble:\n{trouble}"
    assert statuses.count("accepted") == 20, "the 21st result slipped past the quota"
    assert len(over) == 1 and statuses.count("deficient") == 1


def test_a_unit_held_by_one_worker_waits_for_it_and_other_units_do_not(pg_url):
    first, second = Store(pg_url), Store(pg_url)
    entered: list[str] = []
    try:
        with first.units_locked([unit_key("中国移动通信集团山西有限公司"), unit_key("山西铁塔有限公司")]):
            other = threading.Thread(target=lambda: _enter(second, ["山西联通有限公司"], entered, "other unit"))
            same = threading.Thread(target=lambda: _enter(second, ["山西铁塔有限公司"], entered, "same unit"))
            other.start()
            other.join(timeout=10)
            same.start()
            same.join(timeout=1)
            assert entered == ["other unit"], "a second worker entered a unit the first one holds"
        same.join(timeout=10)
        assert entered == ["other unit", "same unit"]
    finally:
        first.close()
        second.close()


def _enter(store: Store, units: list[str], entered: list[str], label: str) -> None:
    with store.units_locked([unit_key(u) for u in units]):
        entered.append(label)
