"""Replies as an enterprise reads them: the wording, the HTML, the headers, and hostile sender text."""
from __future__ import annotations

import email
import email.policy
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from intake.base.config import load_settings
from samples import mails
from intake.base.model import Finding, IncomingMail, ReplyType, Severity
from intake.mime.parse import file_received_time
from intake.base.times import cn_deadline
from intake.run.pipeline import Pipeline
from notifier.compose import compose_reply
from notifier.render import RegistrationSummary, render_reminder, render_reply
from store.models import Outbox
from tests.configs import feed, write_config

RECEIVED = datetime(2023, 2, 27, 3, 5, tzinfo=timezone.utc)
REG = RegistrationSummary("QC2023-007", "中国电信股份有限公司晋中分公司", "光网QC小组",
                          "研制一种光缆交接箱智能锁", "创新型", "deficient")
STAMP = Finding("MISSING_STAMP", Severity.DEFICIENCY, "报名表未加盖单位公章，也未附盖章扫描件。",
                document="晋中分公司报名表.docx")
FIELD = Finding("MISSING_FIELD", Severity.DEFICIENCY, "报名表中“联系人”一栏未填写。",
                document="晋中分公司报名表.docx", field="联系人")
FILES = ["晋中分公司报名表.docx", "QC成果-研制一种光缆交接箱智能锁.docx"]


@pytest.fixture
def settings(tmp_path):
    return load_settings(write_config(tmp_path, deadline="2023-03-03T00:00:00+08:00"))


def body(msg, kind: str = "plain") -> str:
    """A decoded body part; MIME text travels with CRLF line ends."""
    return msg.get_body((kind,)).get_content().replace("\r\n", "\n")


def visible_text(markup: str) -> str:
    """What a reader sees of an HTML reply: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def first_line(text: str) -> str:
    """The reply's first line after the salutation (the HTML's title bar comes before it)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    salutation = next(i for i, line in enumerate(lines) if line.endswith("："))
    return lines[salutation + 1]


def render(settings, reply_type, registrations=(REG,), deficiencies=(), sender_name="李俊杰", **kw):
    return render_reply(reply_type, competition=settings.competition, registrations=list(registrations),
                        deficiencies=list(deficiencies), files=FILES, sender_name=sender_name,
                        received_at=RECEIVED, **kw)


def test_acknowledgement_names_number_unit_group_files_and_next_steps(settings):
    content = render(settings, ReplyType.ACKNOWLEDGEMENT)

    assert content.subject == "报名回执：总编号QC2023-007（2023年全省全面质量管理成果竞赛）"
    for text in (content.text, visible_text(content.html)):
        assert "中国电信股份有限公司晋中分公司：" in text
        for expected in ("QC2023-007", "光网QC小组", "研制一种光缆交接箱智能锁", "创新型", *FILES,
                         "2023年2月27日 11:05", settings.competition.next_steps, "总编号保持不变",
                         "联系人：任丽娜，电话：18634372226", "山西省通信行业协会秘书处"):
            assert expected in text, expected


def test_deficiency_notice_says_each_problem_its_file_field_and_fix(settings):
    content = render(settings, ReplyType.DEFICIENCY_NOTICE, deficiencies=[STAMP, FIELD])

    assert content.subject == "补正通知：总编号QC2023-007 报名材料需补正（2023年全省全面质量管理成果竞赛）"
    for text in (content.text, visible_text(content.html)):
        for expected in ("表格未加盖单位公章", "报名表未加盖单位公章，也未附盖章扫描件。", "请在该表上加盖单位公章",
                         "《晋中分公司报名表.docx》", "表格有未填写项", "“联系人”", "请补填该栏目",
                         "请于3月3日前直接回复本邮件", "总编号保持不变", "无需重新报名"):
            assert expected in text, expected
    assert content.text.index("表格未加盖单位公章") < content.text.index("表格有未填写项")


def test_late_mail_is_told_the_secretariat_decides_with_nothing_to_correct(tmp_path):
    settings = load_settings(write_config(tmp_path, deadline="2023-03-03T00:00:00+08:00"))
    pipeline = Pipeline.open(settings)
    # Late and unstamped: the reply is about lateness only; the seal waits for the secretariat.
    data, raw = mails.complete_submission(
        11, stamped=False, mail_options={"date": datetime(2023, 3, 3, 10, 30, tzinfo=timezone(timedelta(hours=8)))})

    outcome = feed(pipeline, raw)

    assert outcome["reply"]["type"] == "deficiency_notice"
    assert {d["code"] for d in outcome["deficiencies"]} >= {"LATE_SUBMISSION", "MISSING_STAMP"}
    with pipeline.store.session() as s:
        [row] = s.exec(select(Outbox)).all()
    msg = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert msg["Subject"] == (f"逾期报名：总编号QC2023-001 材料在报名截止后收到，是否受理由秘书处决定"
                              f"（{settings.competition.name}）")
    for text in (body(msg), visible_text(body(msg, "html"))):
        first = first_line(text)
        assert first.startswith("您好！您单位于2023年3月3日 10:30发送的"), first
        assert "已超过通知规定的报名截止时间（3月3日前），是否受理由秘书处决定" in first, first
        for absent in ("补正方法", "需补正", "补正后", "未加盖", "00:00"):
            assert absent not in text, absent
        assert "QC2023-001" in text and data.group in text


def test_late_notice_names_a_deadline_that_is_not_at_midnight_with_its_time(tmp_path):
    settings = load_settings(write_config(tmp_path, deadline="2023-03-03T17:00:00+08:00"))
    late = Finding("LATE_SUBMISSION", Severity.DEFICIENCY, "邮件于2023年3月3日 17:30收到。")
    content = render_reply(ReplyType.DEFICIENCY_NOTICE, competition=settings.competition, registrations=[REG],
                           deficiencies=[late], files=FILES, sender_name="", received_at=RECEIVED + timedelta(days=9))

    assert content.subject.startswith("逾期报名：总编号QC2023-007 ")
    for text in (content.text, visible_text(content.html)):
        assert "报名截止时间（3月3日17:00前）" in text and "补正方法" not in text


def test_deadlines_are_said_as_the_notice_says_them():
    cst = timezone(timedelta(hours=8))
    assert cn_deadline(datetime(2023, 3, 3, tzinfo=cst), cst) == "3月3日前"
    assert cn_deadline(datetime(2023, 3, 2, 16, 0, tzinfo=timezone.utc), cst) == "3月3日前"
    assert cn_deadline(datetime(2023, 3, 3, 17, 0, tzinfo=cst), cst) == "3月3日17:00前"
    assert cn_deadline(datetime(2023, 3, 3, 8, 5, tzinfo=cst), cst) == "3月3日08:05前"


def test_observer_acknowledgement_and_reminder(settings):
    observer = render(settings, ReplyType.OBSERVER_ACKNOWLEDGEMENT, registrations=())
    reminder = render_reminder(competition=settings.competition, registration=REG, deficiencies=[STAMP],
                               now=datetime(2023, 2, 28, 9, 0, tzinfo=timezone.utc))

    assert observer.subject == "观摩报名回执（2023年全省全面质量管理成果竞赛）"
    assert observer.text.startswith("李俊杰：") and "现场观摩报名" in visible_text(observer.html)
    assert reminder.subject == "补正提醒：总编号QC2023-007 报名材料尚待补正（2023年全省全面质量管理成果竞赛）"
    for text in (reminder.text, visible_text(reminder.html)):
        for expected in ("QC2023-007", "表格未加盖单位公章", "请在该表上加盖单位公章", "请于3月3日前完成补正",
                         "如已发送补正材料，请忽略本提醒", "2023年2月28日"):
            assert expected in text, expected


def _original(**overrides) -> IncomingMail:
    values = dict(message_id="<d03d324d.6fcf@126.com>", sender="lijunjie@126.com", sender_name="李俊杰",
                  subject="晋中分公司光网QC小组报名材料", received_at=RECEIVED, body_text="",
                  references=("<earlier@126.com>",))
    return IncomingMail(**{**values, **overrides})


def test_reply_headers_decode_to_what_the_reader_sees(settings):
    content = render(settings, ReplyType.ACKNOWLEDGEMENT)
    raw, message_id = compose_reply(content, original=_original(), from_addr=settings.smtp.sender)

    raw.decode("ascii")  # 7-bit clean: any SMTP server takes it as it is
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    [sender] = msg["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("山西省通信行业协会秘书处", "qc@sxcia.example")
    assert msg["To"].addresses[0].display_name == "李俊杰"
    assert msg["Subject"] == "报名回执：总编号QC2023-007（2023年全省全面质量管理成果竞赛）"
    assert msg["Message-ID"] == message_id and message_id.endswith("@sxcia.example>")
    assert msg["In-Reply-To"] == "<d03d324d.6fcf@126.com>"
    assert msg["References"].split() == ["<earlier@126.com>", "<d03d324d.6fcf@126.com>"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert email.utils.parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert body(msg) == content.text and body(msg, "html") == content.html


def test_hostile_sender_text_is_escaped_in_html_and_adds_no_header(settings):
    evil = "<script>alert(1)</script>\r\nBcc: victim@evil.example"
    hostile = RegistrationSummary("QC2023-008", '<img src=x onerror="alert(1)">有限公司', evil,
                                  "课题</td></tr></table><a href='http://evil.example'>点此</a>", "创新型", "deficient")
    finding = Finding("MISSING_STAMP", Severity.DEFICIENCY, "报名表未加盖单位公章。", document=f"{evil}.docx")
    content = render_reply(ReplyType.DEFICIENCY_NOTICE, competition=settings.competition, registrations=[hostile],
                           deficiencies=[finding], files=[f"{evil}.docx"], sender_name=evil, received_at=RECEIVED)
    raw, _ = compose_reply(content, original=_original(sender_name=evil, message_id="<x@y>\r\nBcc: victim@evil.example",
                                                       references=("<a@b>\nX-Injected: yes",)),
                           from_addr=settings.smtp.sender)

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert "Bcc" not in msg and "X-Injected" not in msg
    assert [a.addr_spec for a in msg["To"].addresses] == ["lijunjie@126.com"]
    assert msg["In-Reply-To"] == "<x@y>"
    markup = body(msg, "html")
    assert "<script" not in markup and "<img" not in markup and "<a href" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert '<img src=x onerror="alert(1)">有限公司' in visible_text(markup)


def test_override_folder_replaces_the_wording(settings, tmp_path):
    folder = tmp_path / "wording"
    folder.mkdir()
    (folder / "acknowledgement.txt.j2").write_text("自定义回执：{{ registrations[0].number }}\n", encoding="utf-8")
    (folder / "observer_acknowledgement.txt.j2").write_text("自定义观摩回执\n", encoding="utf-8")
    (folder / "observer_acknowledgement.html.j2").write_text("<p>自定义观摩回执 {{ salutation }}</p>",
                                                             encoding="utf-8")

    ack = render(settings, ReplyType.ACKNOWLEDGEMENT, override_dir=folder)
    observer = render(settings, ReplyType.OBSERVER_ACKNOWLEDGEMENT, registrations=(),
                      sender_name="<b>王</b>", override_dir=folder)
    notice = render(settings, ReplyType.DEFICIENCY_NOTICE, deficiencies=[STAMP], override_dir=folder)

    assert ack.text == "自定义回执：QC2023-007\n"
    assert ack.html is None, "the built-in HTML would contradict the overridden text"
    assert observer.html == "<p>自定义观摩回执 &lt;b&gt;王&lt;/b&gt;</p>"
    assert "表格未加盖单位公章" in notice.text and notice.html, "types not overridden keep the built-in wording"


def test_configured_template_folder_reaches_queued_replies(tmp_path):
    folder = tmp_path / "wording"
    folder.mkdir()
    (folder / "acknowledgement.txt.j2").write_text(
        "{{ salutation }}：\n贵单位报名已登记，总编号{{ registrations[0].number }}。\n", encoding="utf-8")
    path = write_config(tmp_path / "svc")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[store]", f'templates_dir = "{folder}"\n\n[store]'), encoding="utf-8")
    settings = load_settings(path)
    pipeline = Pipeline.open(settings)
    data, raw = mails.complete_submission(3)

    message, _ = pipeline.accept(raw, account="t", folder="f", received_at=file_received_time(raw))
    pipeline.process(message)

    with pipeline.store.session() as s:
        [row] = s.exec(select(Outbox)).all()
    msg = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().replace("\r\n", "\n") == f"{data.enterprise}：\n贵单位报名已登记，总编号QC2023-001。\n"


def test_queued_deficiency_notice_carries_what_was_read_from_the_mail(tmp_path):
    settings = load_settings(write_config(tmp_path))
    pipeline = Pipeline.open(settings)
    data, raw = mails.complete_submission(5, stamped=False)

    message, _ = pipeline.accept(raw, account="t", folder="f", received_at=file_received_time(raw))
    outcome = pipeline.process(message)

    with pipeline.store.session() as s:
        [row] = s.exec(select(Outbox)).all()
    msg = email.message_from_bytes(row.raw, policy=email.policy.default)
    files = [doc["filename"] for doc in outcome["documents"]]
    for text in (body(msg), visible_text(body(msg, "html"))):
        for expected in ("QC2023-001", data.enterprise, data.group, *files, "补正方法", "总编号保持不变"):
            assert expected in text, expected
    assert msg["To"].addresses[0].addr_spec == data.sender


def test_acknowledgement_without_a_qc_result_lists_no_empty_registration(settings):
    content = render(settings, ReplyType.ACKNOWLEDGEMENT, registrations=[])
    assert content.subject == "材料接收回执（2023年全省全面质量管理成果竞赛）"
    for text in (content.text, visible_text(content.html)):
        assert "人工核对后登记" in text and "登记信息如下" not in text and "总编号" not in text
        assert "材料齐全" not in text, "nothing was read to register: the receipt claims no check it did not make"
