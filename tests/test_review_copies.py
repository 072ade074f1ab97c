"""Copy detection (intake/review/copies.py) through real mails, the real extractors and the store.

Reports on one subject, 降低基站退服率, from different enterprises in their own
words (samples/_wording.py): honest ones raise nothing; a report with a third of
its passages taken from another (names, department and figures changed), a whole
report re-sent under another enterprise's name and last year's report sent again
(loaded with `intake past load`) each get exactly one POSSIBLE_COPY flag naming
the right source, and the verdict and the reply stay what the rules made them.
"""
from __future__ import annotations

import re
import shutil

import pytest
from sqlmodel import select

from intake.base.config import load_settings
from intake.extractors.convert import convert
from intake.review.copies import compared, normalised
from intake.run.pipeline import Pipeline
from samples.copies import copied_data_docx, copied_report_docx
from samples.entries import sample_entry
from samples.forms import qc_report_docx
from samples.report import report_sections
from samples.mails import CLIENTS, submission_mail
from samples.report_problem import STEPS
from store.models import CopyMatch, CopySource, Registration, StoredFinding
from tests.configs import feed, run_intake, write_config
from tests.readings import entry_form

TOPIC = dict(topic="降低基站退服率", topic_type="问题解决型")
INNOVATION = dict(topic="研制一种光缆交接箱智能锁", topic_type="创新型")


def unit(seed: int, topic: dict = TOPIC):
    return sample_entry(seed, **topic)


def mail(data, report: bytes, seed: int) -> bytes:
    return submission_mail(data, [(f"报名表-{data.group}.docx", entry_form(data)), (f"{data.topic}-{data.group}.docx", report)],
                           client=CLIENTS[seed % len(CLIENTS)])


def copy_flags(outcome: dict) -> list[str]:
    return [f["detail"] for f in outcome["review_flags"] if f["code"] == "POSSIBLE_COPY"]


def share(detail: str) -> int:
    return int(re.search(r"约(\d+)%的文字相同", detail).group(1))


PASSAGES = r"最长的相同段落：“[^”]{8,41}”(；“[^”]{8,41}”){0,2}。请核对是否抄袭（仅供参考，不影响受理）。"


def registered_as(data, number: str) -> str:
    return re.escape(f"已登记的{number}（{data.enterprise}，课题“{data.topic}”）的成果报告")


def standing_copy_flags(pipeline, number: str) -> list[str]:
    """The POSSIBLE_COPY flags that stand on a registration, as the console and the digest show them."""
    with pipeline.store.session() as s:
        reg = s.exec(select(Registration).where(Registration.number == number)).one()
    return [f.detail for f in pipeline.store.standing_findings()
            if f.registration_id == reg.id and f.code == "POSSIBLE_COPY"]


@pytest.fixture
def pipeline(tmp_path, store_url):
    with Pipeline.open(load_settings(write_config(tmp_path / "svc", store_url=store_url))) as pipeline:
        yield pipeline


def test_the_compared_text_is_prose_without_punctuation_spaces_or_figures():
    text = "表1　对比\n序号\t项目\n活动后，基站月均退服率由０.４５% 降至 0.16%，超额完成了目标值。\n制图人：赵强\n"
    compared, offsets = normalised(text)
    assert compared == "活动后基站月均退服率由#降至#超额完成了目标值"
    assert text[offsets[0]:offsets[-1] + 1] == "活动后，基站月均退服率由０.４５% 降至 0.16%，超额完成了目标值"


def test_the_quick_reading_of_a_candidate_is_the_one_the_offsets_belong_to():
    """Candidates are verified on `compared` and the flag's spans come from `normalised`:
    they must be the same characters, also where NFKC changes a character's length."""
    texts = [qc_text for seed in (101, 102) for qc_text in (
        "\n".join(block[1] for blocks in report_sections(unit(seed), seed)[1].values() for block in blocks
                  if block[0] == "p"),)]
    texts.append("第Ⅲ期改造：ﬁ值由１２，３４提升到x³，面积为５㎡，覆盖率达到１００％以上的目标要求。\n序号\t项目")
    assert all(compared(text) == normalised(text)[0] for text in texts)
    assert compared(texts[-1]) == "第iii期改造fi值由#提升到x#面积为#m#覆盖率达到#以上的目标要求"


def test_planted_copies_are_flagged_with_their_source_and_honest_reports_are_not(pipeline):
    source, honest, other_honest = unit(101), unit(102), unit(103)
    enterprises = {source.enterprise, honest.enterprise, other_honest.enterprise}
    assert len(enterprises) == 3
    first = feed(pipeline, mail(source, qc_report_docx(source, images=1, wording=1), 1))
    second = feed(pipeline, mail(honest, qc_report_docx(honest, images=1, wording=2), 2))
    third = feed(pipeline, mail(other_honest, qc_report_docx(other_honest, images=0, wording=3), 3))
    numbers = [o["submissions"][0]["number"] for o in (first, second, third)]
    assert [copy_flags(o) for o in (first, second, third)] == [[], [], []]

    thief = unit(106)
    assert thief.enterprise not in enterprises
    third_copy = feed(pipeline, mail(thief, copied_report_docx(thief, source, own_wording=4, source_wording=1), 4))
    [detail] = copy_flags(third_copy)
    assert re.fullmatch(rf"《{re.escape(f'{thief.topic}-{thief.group}.docx')}》与{registered_as(source, numbers[0])}"
                        r"有约\d+%的文字相同。" + PASSAGES, detail), detail
    assert 30 <= share(detail) <= 60, detail
    assert third_copy["verdict"] == "accepted" and third_copy["reply"]["type"] == "acknowledgement"

    resender = unit(107)
    whole = feed(pipeline, mail(resender, copied_report_docx(resender, honest, steps=STEPS, own_wording=2,
                                                             source_wording=2, change_figures=False), 5))
    [detail] = copy_flags(whole)
    assert re.fullmatch(rf"《{re.escape(f'{resender.topic}-{resender.group}.docx')}》与{registered_as(honest, numbers[1])}"
                        r"几乎全文相同（约\d+%的文字相同），疑为另一单位已登记的同一份报告。" + PASSAGES, detail), detail
    assert share(detail) >= 90
    assert whole["verdict"] == "accepted"

    # The flag keeps its source and the matched spans for a page that shows both texts.
    with pipeline.store.session() as s:
        finding = s.exec(select(StoredFinding).where(StoredFinding.code == "POSSIBLE_COPY")
                         .order_by(StoredFinding.id)).first()
        match = s.exec(select(CopyMatch).where(CopyMatch.finding_id == finding.id)).one()
        copied = s.exec(select(CopySource).where(CopySource.registration_id == finding.registration_id)).one()
        origin = s.get(CopySource, match.source_id)
    assert origin.registration_id is not None and origin.text and match.document == finding.document
    start, end, source_start, source_end = max(match.spans, key=lambda span: span[1] - span[0])
    assert normalised(copied.text[start:end])[0][:16] == normalised(origin.text[source_start:source_end])[0][:16]
    assert 0.3 <= match.text_share <= 0.6


def test_a_correction_and_a_resend_are_not_copies_of_their_own_report(pipeline):
    data = unit(111)
    first = feed(pipeline, mail(data, qc_report_docx(data, images=0, wording=11), 1))
    again = feed(pipeline, mail(data, qc_report_docx(data, images=0, wording=11), 2))
    corrected = feed(pipeline, mail(data, qc_report_docx(data, images=0, wording=11, extra_text="（修订稿，补充了巩固期数据。）"), 3))
    assert again["classification"] == "duplicate"
    assert corrected["classification"] == "correction"
    assert corrected["submissions"][0]["number"] == first["submissions"][0]["number"]
    assert [copy_flags(o) for o in (first, again, corrected)] == [[], [], []]
    # The index holds the registration's current report only.
    with pipeline.store.session() as s:
        assert len(s.exec(select(CopySource)).all()) == 1


def test_last_years_report_sent_again_is_named_with_its_year(tmp_path):
    config = write_config(tmp_path / "svc")
    past = tmp_path / "2022年成果"
    (past / "一等奖").mkdir(parents=True)
    old = unit(121)
    old_report = qc_report_docx(old, images=1, wording=21)
    (past / "一等奖" / f"{old.topic}.docx").write_bytes(old_report)
    other = unit(122)
    (past / f"{other.group}.doc").write_bytes(convert(qc_report_docx(other, images=0, wording=22), "docx", "doc"))
    (past / "说明.pdf").write_bytes(b"")

    loaded = run_intake("--config", str(config), "past", "load", str(past), "--year", "2022", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines()[0] == "往年成果报告（2022年）：新载入2份，已载入过0份（跳过），未能载入1份。"
    assert "未载入：说明.pdf（" in loaded.stdout
    again = run_intake("--config", str(config), "past", "load", str(past), "--year", "2022", cwd=tmp_path)
    assert again.stdout.splitlines()[0] == "往年成果报告（2022年）：新载入0份，已载入过2份（跳过），未能载入1份。"

    with Pipeline.open(load_settings(config)) as pipeline:
        resent = feed(pipeline, mail(old, old_report, 1))
        honest = feed(pipeline, mail(unit(123), qc_report_docx(unit(123), images=0, wording=23), 2))
    [detail] = copy_flags(resent)
    assert f"往年成果报告《一等奖/{old.topic}.docx》（2022年）" in detail
    assert share(detail) >= 95 and "疑为往年成果再次报送" in detail
    assert resent["verdict"] == "accepted" and resent["reply"]["type"] == "acknowledgement"
    assert copy_flags(honest) == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice reads the .doc")
def test_nothing_is_flagged_among_honest_reports_of_one_subject(tmp_path):
    with Pipeline.open(load_settings(write_config(tmp_path / "svc"))) as pipeline:
        outcomes = [feed(pipeline, mail(unit(s), qc_report_docx(unit(s), images=0, wording=s), s))
                    for s in (130, 132, 134, 135, 136, 137)]
    assert len({o["submissions"][0]["enterprise"] for o in outcomes}) == 6
    assert [copy_flags(o) for o in outcomes] == [[]] * 6


def test_the_earlier_report_of_a_pair_is_flagged_too_and_once(pipeline):
    from console import decisions

    source, thief = unit(141), unit(146)
    first = feed(pipeline, mail(source, qc_report_docx(source, images=0, wording=1), 1))
    copy_name = f"{thief.topic}-{thief.group}.docx"
    later = feed(pipeline, mail(thief, copied_report_docx(thief, source, own_wording=4, source_wording=1, images=0), 2))
    source_number, thief_number = (o["submissions"][0]["number"] for o in (first, later))
    [detail] = copy_flags(later)
    assert re.fullmatch(rf"《{re.escape(copy_name)}》与{registered_as(source, source_number)}有约\d+%的文字相同。"
                        + PASSAGES, detail), detail
    # The report copied from learns it too, naming the later one; its own reply is long gone.
    [earlier] = standing_copy_flags(pipeline, source_number)
    assert re.fullmatch(rf"《{re.escape(f'{source.topic}-{source.group}.docx')}》与{registered_as(thief, thief_number)}"
                        r"有约\d+%的文字相同。" + PASSAGES, earlier), earlier
    assert 25 <= share(earlier) <= 60
    # Run again from the console: the later report is decided anew, the earlier flag not doubled.
    with pipeline.store.session() as s:
        message_id = s.exec(select(Registration.last_message_id).where(Registration.number == thief_number)).one()
    decisions.rerun(pipeline, "wangfang", message_id, "")
    assert len(standing_copy_flags(pipeline, thief_number)) == 1
    assert standing_copy_flags(pipeline, source_number) == [earlier]


def test_reports_registered_before_the_archive_is_loaded_are_compared_with_it(tmp_path, store_url):
    config = write_config(tmp_path / "svc", store_url=store_url)
    old = unit(151)
    old_report = qc_report_docx(old, images=0, wording=31)
    with Pipeline.open(load_settings(config)) as pipeline:
        resent = feed(pipeline, mail(old, old_report, 1))
        honest = feed(pipeline, mail(unit(152), qc_report_docx(unit(152), images=0, wording=32), 2))
    assert copy_flags(resent) == [] and copy_flags(honest) == []
    resent_number = resent["submissions"][0]["number"]
    past = tmp_path / "2022"
    past.mkdir()
    (past / "去年一等奖.docx").write_bytes(old_report)

    loaded = run_intake("--config", str(config), "past", "load", str(past), "--year", "2022", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines()[-1] == f"已将本届已登记的2份成果报告与往年报告比对：1份疑似抄袭，已标记待复核（{resent_number}）。"
    with Pipeline.open(load_settings(config)) as pipeline:
        [detail] = standing_copy_flags(pipeline, resent_number)
        assert detail.startswith(f"《{old.topic}-{old.group}.docx》与往年成果报告《去年一等奖.docx》（2022年）几乎全文相同"
                                 "（约100%的文字相同），疑为往年成果再次报送。")
        assert standing_copy_flags(pipeline, honest["submissions"][0]["number"]) == []
    # A second load of more files does not flag the same report again.
    (past / "另一份.docx").write_bytes(qc_report_docx(unit(153), images=0, wording=33))
    again = run_intake("--config", str(config), "past", "load", str(past), "--year", "2022", cwd=tmp_path)
    assert again.stdout.splitlines()[-1] == "已将本届已登记的2份成果报告与往年报告比对：未发现大量相同的报告。"
    with Pipeline.open(load_settings(config)) as pipeline:
        assert len(standing_copy_flags(pipeline, resent_number)) == 1


@pytest.mark.parametrize("topic", [TOPIC, INNOVATION], ids=["问题解决型", "创新型"])
def test_another_reports_tables_under_new_names_are_flagged_as_the_same_data(pipeline, topic):
    source, honest, copier = unit(161, topic), unit(162, topic), unit(168, topic)
    first = feed(pipeline, mail(source, qc_report_docx(source, images=0, wording=1), 1))
    second = feed(pipeline, mail(honest, qc_report_docx(honest, images=0, wording=2), 2))
    copied = feed(pipeline, mail(copier, copied_data_docx(copier, source, own_wording=8, source_wording=1), 3))
    assert copy_flags(first) == [] and copy_flags(second) == []
    [detail] = copy_flags(copied)
    name = re.escape(f"{copier.topic}-{copier.group}.docx")
    assert re.fullmatch(rf"《{name}》表格中的数据约\d+%与{registered_as(source, first['submissions'][0]['number'])}相同"
                        r"（文字相同约\d%），疑为换了名称的同一组数据。相同数据的表格行如：“[^”]+”；“[^”]+”。"
                        r"请核对是否抄袭（仅供参考，不影响受理）。", detail), detail
    assert copied["verdict"] == "accepted"


def test_a_third_of_an_innovation_report_copied_is_flagged_and_honest_ones_are_not(pipeline):
    source, honest, thief = unit(201, INNOVATION), unit(202, INNOVATION), unit(206, INNOVATION)
    first = feed(pipeline, mail(source, qc_report_docx(source, images=1, wording=1), 1))
    second = feed(pipeline, mail(honest, qc_report_docx(honest, images=1, wording=2), 2))
    steps = ("设定目标及目标可行性论证", "提出方案并确定最佳方案", "对策实施")
    copied = feed(pipeline, mail(thief, copied_report_docx(thief, source, steps=steps, own_wording=6, source_wording=1), 3))
    assert copy_flags(first) == [] and copy_flags(second) == []
    [detail] = copy_flags(copied)
    name = re.escape(f"{thief.topic}-{thief.group}.docx")
    assert re.fullmatch(rf"《{name}》与{registered_as(source, first['submissions'][0]['number'])}有约\d+%的文字相同。"
                        + PASSAGES, detail), detail
    assert 30 <= share(detail) <= 60


def test_band_keys_stay_those_the_store_holds():
    """The index's keys live in the store: a datasketch that hashed or banded otherwise would
    silently stop matching every report indexed before it (the keys below are those of
    datasketch 1.6-2.0, 64 bands of 2 rows)."""
    import hashlib

    from intake.review.copies import _lsh, signature

    text = ("小组对2022年1月至6月全市基站退服情况进行了统计，共发生退服226次，其中市电停电156次，占69.0%。\n"
            "序号\t问题类型\t频数\n1\t市电停电\t156\t69.0\t69.0\n2\t传输中断\t37\t16.4\t85.4\n"
            "3\t主设备故障\t18\t8.0\t93.4\n4\t其他\t15\t6.6\t100.0\n")
    assert _lsh().hashranges == [(2 * band, 2 * band + 2) for band in range(64)]
    keys = signature(text).keys
    assert len(keys) == 128 and hashlib.sha256(repr(keys).encode()).hexdigest()[:16] == "4adf96d8391611cf"


def test_the_service_process_does_not_load_datasketch_and_scipy():
    # Signatures are made in the workers; scipy would cost the main process 56 MB of its 300.
    import subprocess
    import sys
    code = ("import sys, intake.cli, intake.run.poll, intake.run.pipeline, intake.review.copies, intake.record.write; "
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
