"""Every way enterprises' mail arrives, from raw .eml to `intake ingest --json`'s documents[].

The mails are written by the fixture builder, one per case, and run through
the installed command once (as the secretariat would run it); each test
then reads its own line of the JSON output and the archive folder. Names
carry characters outside GB2312 (喆 堃 珺 赟 镕) and GB18030's four-byte
ones (䶮): a gb2312 label on GBK text decodes only as GB18030.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from samples.containers import seven_zip_of, winmail_dat
from samples.forms import entry_form_docx, entry_form_lines, qc_report_docx
from samples.mails import submission_mail, zip_of
from samples.mails_raw import html_paragraphs, netease_large_attachment_html, odd_mail
from samples.entries import sample_entry
from samples.scans import photo_of_page, scan_of_form_png
from samples.seals import seal_png
from intake.mime.parse import parse_mail
from tests.configs import write_config
from tests.test_ingest import ingest

RARE = "喆堃珺赟镕"
LINK_FILE = "2023QC报名材料（晋中分公司·赟）.zip"


def entry(seed: int, **overrides):
    """A sample entry mailed from an address of its own."""
    data = sample_entry(seed, **overrides)
    return dataclasses.replace(data, sender=f"unit{seed}@example-{seed}.cn")


def form_and_report(data, *, stamped: bool = True) -> tuple[bytes, bytes]:
    seal = seal_png(data.enterprise) if stamped else None
    return entry_form_docx(data, seal=seal), qc_report_docx(data, images=1)


def build_mails() -> dict[str, bytes]:
    """Case name → raw message; each submission has its own entry (no duplicates)."""
    mails: dict[str, bytes] = {}

    data = entry(201, group=f"晋中{RARE[1:3]}QC小组")
    form, report = form_and_report(data)
    mails["webmail_utf8_rfc2231"] = submission_mail(
        data, [(f"附件2：报名表（{RARE}）.docx", form), (f"QC成果-{data.topic}.docx", report)],
        client="netease_web", subject=f"报名：{data.group}（联系人王{RARE[0]}）")

    for seed, client in ((202, "foxmail"), (203, "outlook")):
        data = entry(seed, group=f"{RARE[seed % 5]}{RARE[(seed + 1) % 5]}QC小组")
        form, report = form_and_report(data)
        mails[f"{client}_gb2312_label"] = submission_mail(
            data, [(f"附件2 竞赛活动报名表-{data.group}.docx", form), (f"{data.topic}（{RARE}）.docx", report)],
            client=client, subject=f"{data.enterprise}{data.group}报名材料（王{RARE[0]}）")

    data = entry(204)
    form, report = form_and_report(data)
    mails["gb18030_declared"] = odd_mail(
        sender=data.sender, sender_name="刘䶮", subject=f"报名：刘䶮、王{RARE[0]}的QC成果",
        text=f"附件是{data.group}的报名表和成果报告，请查收。联系人：刘䶮", header_label="GB18030",
        header_codec="gb18030", body_label="GB18030", body_codec="gb18030", name_label="GB18030",
        name_codec="gb18030", attachments=[("报名表（刘䶮）.docx", form), ("成果报告（䶮）.docx", report)])

    mails["raw_8bit_gbk_observer"] = odd_mail(
        sender="zhangzhe@example-gbk.cn", sender_name=f"张{RARE[0]}", subject=f"参会人员名单（{RARE}）",
        text=f"您好！我单位今年无参赛项目，拟派张{RARE[0]}、李{RARE[1]}两名同志参加现场发表的观摩学习。\n谢谢！",
        header_style="raw", body_label=None, body_encoding="8bit")

    mails["raw_8bit_utf8_inquiry"] = odd_mail(
        sender="inquiry@example-utf8.cn", sender_name=f"李{RARE[1]}", subject=f"咨询：{RARE}小组能否补报",
        text="您好！请问现场发表的时间定了吗？我们的小组还能补报吗？", header_style="raw",
        header_codec="utf-8", body_label=None, body_codec="utf-8", body_encoding="8bit")

    data = entry(205)
    form, report = form_and_report(data)
    mails["rfc2231_gbk_names"] = odd_mail(
        sender=data.sender, sender_name="郭志堃", subject=f"报名：{data.group}",
        text="附件是报名表和QC成果报告，请查收。", name_style="rfc2231", name_label="gb2312",
        attachments=[(f"附件2：2023年全省全面质量管理成果竞赛活动报名表（{RARE}）.docx", form),
                     (f"成果报告-{RARE[2:]}.docx", report)])

    data = entry(206)
    form, report = form_and_report(data)
    mails["raw_gbk_names_plain_8bit"] = odd_mail(
        sender=data.sender, sender_name="赵雅珺", subject=f"报名材料-{data.group}",
        text=f"附件是{data.group}的报名表（加盖公章）和成果报告，请查收。", body_encoding="8bit",
        name_style="raw", attachments=[(f"报名表（{RARE[2:4]}）.docx", form), (f"成果（{RARE[4]}）.docx", report)])

    mails["html_only_inquiry"] = odd_mail(
        sender="wenti@example-html.cn", sender_name="温晓琳", subject="请教一个问题",
        html_text=html_paragraphs(["老师您好：", "请问成果报告需要盖章吗？", "", "盼复，谢谢！"]),
        header_label="UTF-8", header_codec="utf-8", body_label="UTF-8", body_codec="utf-8")

    mails["html_only_observer_gb2312"] = odd_mail(
        sender="guanmo@example-html.cn", sender_name=f"韩{RARE[3]}", subject="参会人员名单",
        html_text=html_paragraphs([f"我单位今年暂无参赛项目，拟派韩{RARE[3]}、乔{RARE[0]}参加现场发表的观摩、学习和交流。",
                                   "请予安排，谢谢！"]))

    mails["html_only_large_attachment"] = odd_mail(
        sender="bigfile@163.com", sender_name=f"段{RARE[4]}", subject="QC成果竞赛报名材料",
        html_text=netease_large_attachment_html("各位老师好，报名材料较大，用超大附件发送，请查收。",
                                                [(LINK_FILE, "25.3M", "2023年3月10日 14:30")]),
        header_label="UTF-8", header_codec="utf-8", body_label="UTF-8", body_codec="utf-8")

    data = entry(207)
    form, report = form_and_report(data)
    inner = f"2023QC报名（{RARE}）/"
    mails["zip_with_gbk_names"] = submission_mail(
        data, [("报名材料.zip", zip_of([(inner + f"附件2 报名表（{RARE[0]}）.docx", form),
                                         (inner + f"成果报告（{RARE[1]}）.docx", report)]))], client="foxmail")

    data = entry(208)
    form, report = form_and_report(data)
    mails["seven_zip"] = submission_mail(
        data, [("报名材料.7z", seven_zip_of([(f"报名表（{RARE[2]}）.docx", form),
                                              (f"成果报告（{RARE[3]}）.docx", report)]))], client="qq_web")

    data = entry(209)
    form, report = form_and_report(data)
    nested = zip_of([(f"附件2 报名表（{RARE[4]}）.docx", form),
                     ("成果/成果报告.7z", seven_zip_of([(f"QC成果报告（{RARE[0]}）.docx", report)]))])
    mails["nested_archives"] = submission_mail(data, [("全部材料.zip", nested)], client="outlook")

    original = entry(210)
    form, report = form_and_report(original)
    inner_mail = submission_mail(original, [(f"报名表（{RARE[1]}）.docx", form), ("成果报告.docx", report)],
                                 client="foxmail")
    forwarder = dataclasses.replace(original, sender="office@example-fwd.cn", sender_name="办公室")
    mails["forwarded_mail"] = submission_mail(
        forwarder, [("转发：报名材料.eml", inner_mail)], client="qq_web", subject="转发：QC成果报名材料",
        body="转发本单位QC小组的报名材料，请查收。")

    data = entry(211)
    form, report = form_and_report(data)
    mails["winmail_dat"] = submission_mail(
        data, [("winmail.dat", winmail_dat([(f"附件2 竞赛活动报名表（{RARE[2]}）.docx", form),
                                             (f"QC成果报告（{RARE[3]}）.docx", report)]))], client="outlook")

    data = entry(212)
    form, report = form_and_report(data)
    mails["path_traversal_names"] = submission_mail(
        data, [(f"../../../../tmp/报名表（{RARE[2:4]}）.docx", form),
               ("材料.zip", zip_of([(f"..\\..\\outside\\成果报告（{RARE[4]}）.docx", report)]))], client="foxmail")

    data = entry(213)
    form, report = form_and_report(data, stamped=False)
    photo = photo_of_page(scan_of_form_png(entry_form_lines(data), seal=seal_png(data.enterprise)), tilt=2.5)
    mails["unnamed_photo_lends_seal"] = submission_mail(
        data, [(f"报名表-{data.group}.docx", form), (f"{data.topic}.docx", report),
               ("IMG_20230227_0931.jpg", photo)], client="qq_web")
    return mails


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[dict[str, dict], dict[str, bytes], Path]:
    """Write every case as an .eml file, ingest them all in one run; outcome per case."""
    base = tmp_path_factory.mktemp("decoding")
    mails = build_mails()
    folder = base / "mails"
    folder.mkdir()
    names = sorted(mails)
    for index, name in enumerate(names):
        (folder / f"{index:02d}-{name}.eml").write_bytes(mails[name])
    lines = ingest(write_config(base / "svc"), folder)
    assert len(lines) == len(names)
    return dict(zip(names, lines)), mails, base / "svc" / "archive"


def documents(outcome: dict) -> dict[str, dict]:
    return {doc["filename"]: doc for doc in outcome["documents"]}


def kinds(outcome: dict) -> list[str]:
    return sorted(doc["kind"] for doc in outcome["documents"])


def archived(archive: Path, raw: bytes) -> set[str]:
    folder = archive / "files" / hashlib.sha256(raw).hexdigest()
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


# ---- headers and bodies in every charset -------------------------------------

def test_utf8_webmail_with_rfc2231_names(run):
    outcomes, _, _ = run
    out = outcomes["webmail_utf8_rfc2231"]
    assert out["subject"].startswith("报名：晋中") and out["subject"].endswith(f"（联系人王{RARE[0]}）")
    assert out["from"] == "unit201@example-201.cn" and out["classification"] == "submission"
    form = documents(out)[f"附件2：报名表（{RARE}）.docx"]
    assert form["kind"] == "entry_form" and form["stamp"] == "present"
    assert form["fields"]["QC小组名称"] == f"晋中{RARE[1:3]}QC小组"
    assert kinds(out) == ["entry_form", "qc_report"]


@pytest.mark.parametrize("client", ["foxmail", "outlook"])
def test_gb2312_labelled_gbk_decodes_as_gb18030(run, client):
    outcomes, _, _ = run
    out = outcomes[f"{client}_gb2312_label"]
    assert out["subject"].endswith(f"报名材料（王{RARE[0]}）")
    assert out["classification"] == "submission" and kinds(out) == ["entry_form", "qc_report"]
    names = sorted(documents(out))
    assert any(name.endswith(f"（{RARE}）.docx") for name in names), names
    form = next(doc for doc in out["documents"] if doc["kind"] == "entry_form")
    assert form["filename"].startswith("附件2 竞赛活动报名表-") and form["stamp"] == "present"
    assert all(ch in RARE for ch in form["fields"]["QC小组名称"][:2])


def test_gb18030_labels_with_four_byte_characters(run):
    outcomes, _, _ = run
    out = outcomes["gb18030_declared"]
    assert out["subject"] == f"报名：刘䶮、王{RARE[0]}的QC成果"
    assert sorted(documents(out)) == ["成果报告（䶮）.docx", "报名表（刘䶮）.docx"]
    assert kinds(out) == ["entry_form", "qc_report"]


def test_raw_8bit_gbk_headers_and_undeclared_8bit_body(run):
    # "观摩" is only in the body: the observer registration is seen only if the GBK body decodes.
    outcomes, _, _ = run
    out = outcomes["raw_8bit_gbk_observer"]
    assert out["subject"] == f"参会人员名单（{RARE}）" and out["from"] == "zhangzhe@example-gbk.cn"
    assert out["classification"] == "observer" and out["reply"]["type"] == "observer_acknowledgement"


def test_raw_8bit_utf8_headers_and_body_without_charset(run):
    outcomes, _, _ = run
    out = outcomes["raw_8bit_utf8_inquiry"]
    assert out["subject"] == f"咨询：{RARE}小组能否补报" and out["from"] == "inquiry@example-utf8.cn"
    assert out["classification"] == "inquiry" and out["reply"] is None


@pytest.mark.parametrize("case, expected", [
    ("rfc2231_gbk_names", [f"附件2：2023年全省全面质量管理成果竞赛活动报名表（{RARE}）.docx", f"成果报告-{RARE[2:]}.docx"]),
    ("raw_gbk_names_plain_8bit", [f"报名表（{RARE[2:4]}）.docx", f"成果（{RARE[4]}）.docx"]),
])
def test_gbk_file_names_in_rfc2231_and_raw_bytes(run, case, expected):
    outcomes, mails, archive = run
    out = outcomes[case]
    assert sorted(documents(out)) == sorted(expected)
    assert out["classification"] == "submission" and kinds(out) == ["entry_form", "qc_report"]
    assert set(expected) <= archived(archive, mails[case])


# ---- HTML-only bodies: their text drives classification ---------------------

def test_html_only_inquiry_is_an_inquiry(run):
    outcomes, _, _ = run
    out = outcomes["html_only_inquiry"]
    assert out["classification"] == "inquiry" and out["documents"] == [] and out["reply"] is None


def test_html_only_observer_registration_in_gb2312(run):
    outcomes, _, _ = run
    out = outcomes["html_only_observer_gb2312"]
    assert out["subject"] == "参会人员名单" and out["classification"] == "observer"


def test_html_only_large_attachment_mail_names_the_linked_file(run):
    outcomes, _, _ = run
    out = outcomes["html_only_large_attachment"]
    assert out["classification"] == "submission" and out["verdict"] == "deficient"
    [finding] = [f for f in out["deficiencies"] if f["code"] == "LINK_ONLY_ATTACHMENT"]
    assert LINK_FILE in finding["detail"]
    assert out["reply"]["type"] == "deficiency_notice"


# ---- archives, forwards, winmail.dat -----------------------------------------

@pytest.mark.parametrize("case, names", [
    ("zip_with_gbk_names", [f"附件2 报名表（{RARE[0]}）.docx", f"成果报告（{RARE[1]}）.docx"]),
    ("seven_zip", [f"报名表（{RARE[2]}）.docx", f"成果报告（{RARE[3]}）.docx"]),
    ("nested_archives", [f"附件2 报名表（{RARE[4]}）.docx", f"QC成果报告（{RARE[0]}）.docx"]),
    ("winmail_dat", [f"附件2 竞赛活动报名表（{RARE[2]}）.docx", f"QC成果报告（{RARE[3]}）.docx"]),
])
def test_containers_are_opened_and_keep_chinese_names(run, case, names):
    outcomes, mails, archive = run
    out = outcomes[case]
    docs = documents(out)
    assert sorted(docs) == sorted(names)
    assert [docs[names[0]]["kind"], docs[names[1]]["kind"]] == ["entry_form", "qc_report"]
    assert docs[names[0]]["stamp"] == "present"
    assert out["classification"] == "submission" and out["verdict"] == "accepted"
    assert set(names) <= archived(archive, mails[case])


def test_forwarded_mail_brings_its_attachments(run):
    outcomes, _, _ = run
    out = outcomes["forwarded_mail"]
    assert out["from"] == "office@example-fwd.cn" and out["subject"] == "转发：QC成果报名材料"
    assert sorted(documents(out)) == ["成果报告.docx", f"报名表（{RARE[1]}）.docx"]
    assert kinds(out) == ["entry_form", "qc_report"] and len(out["submissions"]) == 1


# ---- the archive folder -------------------------------------------------------

def test_path_traversal_names_stay_inside_the_archive(run):
    outcomes, mails, archive = run
    out = outcomes["path_traversal_names"]
    assert kinds(out) == ["entry_form", "qc_report"]
    assert {f"报名表（{RARE[2:4]}）.docx", f"成果报告（{RARE[4]}）.docx"} <= archived(archive, mails["path_traversal_names"])
    base = archive.parent.parent  # the test's folder: mails/ and svc/
    written = [p for p in base.rglob("*") if p.is_file() and ("报名表" in p.name or "成果" in p.name)]
    assert written and all(p.resolve().is_relative_to((archive / "files").resolve()) for p in written)
    assert not list(base.rglob("outside")) and not (base / "tmp").exists()


# ---- scans matched by OCR ----------------------------------------------------

def test_unnamed_photo_of_the_stamped_form_lends_its_seal(run):
    outcomes, _, _ = run
    out = outcomes["unnamed_photo_lends_seal"]
    photo = documents(out)["IMG_20230227_0931.jpg"]
    assert photo["kind"] == "entry_form" and photo["stamp"] == "present" and photo["fields"] == {}
    assert "MISSING_STAMP" not in {f["code"] for f in out["deficiencies"]}
    assert len(out["submissions"]) == 1


# ---- what parse_mail gives the pipeline (no JSON key shows the display name) -

def test_display_names_in_every_header_style():
    fox = parse_mail(submission_mail(dataclasses.replace(entry(220), sender_name=f"王{RARE[0]}"), [],
                                     client="foxmail"))
    raw = parse_mail(odd_mail(sender="a@b.cn", sender_name=f"张{RARE[1]}", subject="x", text="y",
                              header_style="raw"))
    wide = parse_mail(odd_mail(sender="a@b.cn", sender_name="刘䶮", subject="x", text="y",
                               header_label="GB18030", header_codec="gb18030"))
    assert (fox.sender_name, raw.sender_name, wide.sender_name) == (f"王{RARE[0]}", f"张{RARE[1]}", "刘䶮")


@pytest.mark.parametrize("label", ["us-ascii", "utf-8", "unknown-8bit", "euc-cn", "GB_2312-80", None])
def test_body_in_gbk_whatever_the_label_says(label):
    text = f"附件是报名表，请查收。联系人：王{RARE[0]}"
    mail = parse_mail(odd_mail(sender="a@b.cn", sender_name="x", subject="x", text=text, body_label=label,
                               body_encoding="8bit"))
    assert mail.body_text == text and not mail.defects


def test_damaged_utf8_body_stays_utf8():
    text = "Профиль сообщения " * 20 + "报名表"
    damaged = text.encode("utf-8")[:-1]  # a cut multi-byte character, as broken gateways leave
    raw = (b"From: a@b.cn\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n" + damaged)
    assert parse_mail(raw).body_text.startswith("Профиль сообщения Профиль")
