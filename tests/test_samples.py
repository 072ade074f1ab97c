"""The fixture builder produces real files and real mail, not look-alike bytes."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import io
import re
import time
import zipfile
from email.utils import parsedate_to_datetime

import docx
import numpy as np
import openpyxl
import pdfplumber
import pytest
from PIL import Image

from samples import (
    CLIENTS,
    ENTRY_LAYOUTS,
    auto_reply_mail,
    bounce_mail,
    complete_submission,
    enterprise_nomination_docx,
    enterprise_story,
    entry_form_docx,
    entry_form_lines,
    group_registration_docx,
    inquiry_mail,
    observer_mail,
    qc_report_docx,
    red_letterhead_png,
    red_text_png,
    sample_entries,
    sample_entry,
    sample_members,
    scan_of_form_png,
    scan_pdf,
    seal_png,
    statistics_xlsx,
    submission_mail,
    summary_docx,
    zip_of,
)
from samples.report_innovation import STEPS as INNOVATION_STEPS
from samples.report_problem import STEPS as PROBLEM_STEPS

PROBLEM_SEED = next(s for s in range(50) if sample_entry(s).topic_type == "问题解决型")
INNOVATION_SEED = next(s for s in range(50) if sample_entry(s).topic_type == "创新型")


# ---------------------------------------------------------------- helpers

def norm(text: str) -> str:
    """Label normalisation as the extractors do it: no spaces, half-width punctuation."""
    text = re.sub(r"[\s\u3000]+", "", text)
    return text.translate(str.maketrans("：（），", ":(),"))


def docx_text(data: bytes) -> str:
    """All paragraph and table-cell text of a document, via python-docx."""
    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def image_count(data: bytes) -> int:
    doc = docx.Document(io.BytesIO(data))
    return len(doc.element.body.findall(".//" + docx.oxml.ns.qn("a:blip")))


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def red_mask(png: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(png))
    if img.mode == "RGBA":
        bg = Image.new("RGBA", img.size, "white")
        img = Image.alpha_composite(bg, img)
    a = np.asarray(img.convert("RGB"), dtype=np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return (r > 150) & (r - g > 45) & (r - b > 35)


def ring_score(png: bytes) -> tuple[float, float]:
    """(angular coverage of the outer annulus, annulus red density / centre red density)."""
    mask = red_mask(png)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 0.0, 0.0
    cy, cx = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2
    ry, rx = (ys.max() - ys.min()) / 2, (xs.max() - xs.min()) / 2
    yy, xx = np.mgrid[0:mask.shape[0], 0:mask.shape[1]]
    rho = np.hypot((yy - cy) / max(ry, 1), (xx - cx) / max(rx, 1))
    annulus = (rho > 0.93) & (rho <= 1.0)
    centre = rho < 0.8
    angles = np.degrees(np.arctan2(yy - cy, xx - cx))[annulus & mask]
    coverage = len(np.unique((angles // 5).astype(int))) / 72
    density = mask[annulus].mean() / max(mask[centre].mean(), 1e-6)
    return coverage, density


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


# ---------------------------------------------------------------- samples

def test_sample_entry_is_deterministic_and_varied():
    assert sample_entry(7) == sample_entry(7)
    entries = [sample_entry(s) for s in range(40)]
    assert len({e.enterprise for e in entries}) >= 15
    assert {e.topic_type for e in entries} == {"问题解决型", "创新型"}
    assert any("铁塔" in e.enterprise for e in entries)
    assert any("移动" in e.enterprise for e in entries)
    assert any(e.presenters for e in entries) and any(not e.presenters for e in entries)
    for e in entries:
        assert re.fullmatch(r"\d{6}", e.postcode) and e.address.startswith("山西省")
        assert 2 <= e.members <= 10 and e.group.endswith("QC小组") and "@" in e.sender
        assert e.group in e.intro and len(e.process) > 150


def test_overrides_rewrite_texts_and_are_checked():
    e = sample_entry(3, group="蓝天QC小组", intro="")
    assert e.group == "蓝天QC小组" and e.intro == ""
    assert e.process and sample_entry(3, group="蓝天QC小组").intro.startswith("蓝天QC小组")
    with pytest.raises(TypeError):
        sample_entry(3, colour="red")


def test_sample_entries_share_enterprises():
    entries = sample_entries(10, seed=4)
    by_unit: dict[str, list] = {}
    for e in entries:
        by_unit.setdefault(e.enterprise, []).append(e)
    assert max(len(v) for v in by_unit.values()) >= 2
    for group in by_unit.values():
        assert len({e.group for e in group}) == len(group)


# ---------------------------------------------------------------- forms

@pytest.fixture(scope="module")
def entry():
    return sample_entry(PROBLEM_SEED)


@pytest.fixture(scope="module")
def seal(entry):
    return seal_png(entry.enterprise)


@pytest.mark.parametrize("layout", ENTRY_LAYOUTS)
def test_entry_form_layouts_hold_labels_and_values(layout, entry, seal):
    data = entry_form_docx(entry, layout=layout, seal=seal, number="QC2023-007")
    text = norm(docx_text(data))
    assert norm("2023年全省全面质量管理成果竞赛活动报名表") in text
    assert norm("总编号：QC2023-007") in text
    for label in ("QC小组名称", "人数", "课题名称", "课题类型", "企业名称(以公章为准)", "邮编",
                  "通讯地址", "联系人", "企业内主管部门", "电话", "小组活动指导者", "传真",
                  "QC小组简介", "主要活动过程与效果"):
        assert norm(label) in text, label
    for value in (entry.group, entry.topic, entry.topic_type, entry.enterprise, entry.postcode,
                  entry.address, entry.contact, entry.department, entry.phone, entry.advisor,
                  entry.intro, entry.process, str(entry.members)):
        assert norm(value) in text, value
    assert image_count(data) == 1
    assert image_count(entry_form_docx(entry, layout=layout)) == 0


def test_official_layout_merges_long_rows(entry):
    doc = docx.Document(io.BytesIO(entry_form_docx(entry)))
    table = doc.tables[0]
    intro_row = table.rows[6].cells
    assert len(intro_row) == 4 and len({id(c._tc) for c in intro_row}) == 1
    assert intro_row[0].text.startswith("QC小组简介：")
    assert [c.text for c in table.rows[0].cells] == ["QC小组名称", entry.group, "人数", str(entry.members)]


def test_layout_specifics(entry):
    below = docx.Document(io.BytesIO(entry_form_docx(entry, layout="value_below"))).tables[0]
    assert below.cell(0, 0).text == "QC小组名称" and below.cell(1, 0).text == entry.group
    assert not docx.Document(io.BytesIO(entry_form_docx(entry, layout="paragraphs"))).tables
    wps = document_xml(entry_form_docx(entry, layout="wps_style"))
    assert "w:vMerge" in wps
    spaced = docx_text(entry_form_docx(entry, layout="spaced_labels"))
    assert "联 系 人" in spaced and "电\n话" in spaced
    colon = docx.Document(io.BytesIO(entry_form_docx(entry, layout="colon_in_cell"))).tables[0]
    assert colon.cell(1, 0).text == f"课题名称：{entry.topic}"


def test_seal_is_pasted_both_floating_and_inline(seal):
    kinds = set()
    for s in range(12):
        xml = document_xml(entry_form_docx(sample_entry(s), seal=seal))
        kinds |= {k for k in ("wp:anchor", "wp:inline") if k in xml}
    assert kinds == {"wp:anchor", "wp:inline"}


@pytest.mark.parametrize("seed, steps", [(PROBLEM_SEED, PROBLEM_STEPS),
                                         (INNOVATION_SEED, INNOVATION_STEPS)])
def test_report_follows_the_standard(seed, steps):
    data = sample_entry(seed)
    raw = qc_report_docx(data, images=3)
    doc = docx.Document(io.BytesIO(raw))
    heads = [p.text for p in doc.paragraphs if re.match(r"^[一二三四五六七八九十]+、", p.text)]
    assert [h.split("、", 1)[1] for h in heads] == ["小组概况", *steps]
    assert doc.paragraphs[1].text == data.topic
    assert image_count(raw) == 3 and len(doc.tables) >= 5
    assert 20_000 < len(raw) < 600_000
    assert data.enterprise in docx_text(raw) and data.group in docx_text(raw)


def test_report_options(entry):
    raw = qc_report_docx(entry, images=6, steps=("选择课题", "现状调查"), marking="秘密★",
                         extra_text="本资料仅供内部交流。")
    doc = docx.Document(io.BytesIO(raw))
    assert doc.paragraphs[0].text == "秘密★"
    assert doc.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    text = docx_text(raw)
    assert "确定主要原因" not in text and "现状调查" in text and "本资料仅供内部交流。" in text
    assert image_count(raw) == 6


def test_report_defects_leave_out_what_an_expert_looks_for():
    data = sample_entry(PROBLEM_SEED)
    complete = docx_text(qc_report_docx(data, images=0))
    assert "对末端因素逐条进行确认" in complete and "地点" in complete and "作业指导书" in complete
    lacking = docx_text(qc_report_docx(data, images=0, defects=(
        "causes_unconfirmed", "plan_without_columns", "no_standard", "no_before_after")))
    assert "逐条" not in lacking and "地点" not in lacking and "作业指导书" not in lacking
    assert "活动前后对比表" not in lacking
    missed = docx_text(qc_report_docx(data, images=0, defects=("target_missed",)))
    assert "课题目标未能完成" in missed
    with pytest.raises(ValueError, match="unknown report defects"):
        qc_report_docx(data, defects=("no_such_thing",))


def test_report_in_the_qc_story_wording(entry):
    doc = docx.Document(io.BytesIO(qc_report_docx(sample_entry(PROBLEM_SEED), images=0, style=1)))
    heads = [p.text for p in doc.paragraphs if re.match(r"^\d+\. ", p.text)]
    assert heads[:4] == ["1. 小组简介", "2. 课题的选定", "3. 现状的把握", "4. 目标的设定"]
    assert heads[-1] == "11. 反省及今后打算"


def test_group_registration(entry, seal):
    members = sample_members(entry)
    assert len(members) == entry.members and all(p in [m["姓名"] for m in members]
                                                  for p in entry.presenters)
    raw = group_registration_docx(entry, members, seal=seal)
    text = docx_text(raw)
    for label in ("优秀QC小组注册登记表", "小组名称", "所在部门", "成立日期", "登记注册号", "组长姓名",
                  "成员姓名", "年龄", "职务（或职称）", "成员分工情况", entry.topic_type):
        assert label in text
    assert all(m["姓名"] in text and m["成员分工情况"] in text for m in members)
    assert image_count(raw) == 1


def test_enterprise_nomination(entry, seal):
    story = enterprise_story(entry.enterprise)
    assert 400 < len(story) <= 600 and len(enterprise_story(entry.enterprise, chars=900)) > 700
    raw = enterprise_nomination_docx(entry.enterprise, entry.phone, entry.address, entry.postcode,
                                     story, seal=seal)
    text = norm(docx_text(raw))
    for part in ("企业名称", "电话", "通讯地址", "邮编", "经验事迹简介(700字以内)", "推荐单位、部门意见",
                 entry.enterprise, entry.phone, story):
        assert norm(part) in text
    assert image_count(raw) == 1


def test_statistics_xlsx():
    ws = openpyxl.load_workbook(io.BytesIO(statistics_xlsx({"本年度QC小组成果率": 80.5}))).active
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    assert ("统计项目", "单位", "数量") in rows.values()
    assert rows["本年度已登记注册QC小组数"][1:] == ("个", 268)
    assert rows["本年度QC小组成果率=取得成果小组数/QC小组注册数×100%"][2] == 80.5
    assert any("2022年3月1日" in k for k in rows)
    with pytest.raises(KeyError):
        statistics_xlsx({"不存在的指标": 1})


def test_summary_docx():
    entries = sample_entries(5, seed=2)
    raw = summary_docx(entries)
    text = docx_text(raw)
    for heading in ("推荐汇总表", "一、优秀质量管理小组活动成果", "二、全省质量管理小组活动优秀企业",
                    "三、全省质量管理小组活动优秀推进者", "四、全省质量信得过班组"):
        assert heading in text
    first = docx.Document(io.BytesIO(raw)).tables[0]
    assert len(first.rows) == 1 + len(entries)
    assert [c.text for c in first.rows[1].cells] == ["1", entries[0].enterprise, entries[0].group,
                                                     str(entries[0].members)]


# ---------------------------------------------------------------- seals and scans

@pytest.mark.parametrize("kwargs", [{}, {"rotation": 30}, {"faded": True},
                                    {"style": "oval", "bottom_text": "财务专用章"},
                                    {"transparent": True, "bottom_text": "合同专用章"}])
def test_seal_has_a_red_ring(kwargs):
    png = seal_png("中国联合网络通信有限公司大同市分公司", **kwargs)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.mode == ("RGBA" if kwargs.get("transparent") else "RGB")
    coverage, density = ring_score(png)
    assert coverage > 0.9 and density > 1.5, (coverage, density)


def test_red_negatives_have_no_ring():
    for png in (red_letterhead_png("山西省通信行业协会文件"), red_text_png("同意推荐 张建国")):
        assert red_mask(png).sum() > 500
        coverage, density = ring_score(png)
        assert not (coverage > 0.9 and density > 1.5), (coverage, density)


def test_scans_and_image_pdf(entry, seal):
    lines = entry_form_lines(entry)
    colour = scan_of_form_png(lines, seal=seal, skew=0.8)
    grey = scan_of_form_png(lines, seal=seal, grayscale=True)
    plain = scan_of_form_png(lines, seal=None)
    mask = red_mask(colour)
    h, w = mask.shape
    assert mask[h // 2:, w // 2:].sum() > 2000 and mask[: h // 3].sum() < 100
    assert Image.open(io.BytesIO(grey)).mode == "L" and red_mask(plain).sum() < 100
    pdf = scan_pdf([colour, grey])
    assert pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 2
        assert all(not (p.extract_text() or "").strip() and len(p.images) == 1 for p in doc.pages)


# ---------------------------------------------------------------- archives

def test_zip_has_gbk_names_without_utf8_flag(entry):
    files = [("附件2：报名表-网络优化QC小组.docx", entry_form_docx(entry)),
             ("成果材料/附件7：活动统计表.xlsx", statistics_xlsx())]
    raw = zip_of(files)
    with zipfile.ZipFile(io.BytesIO(raw), metadata_encoding="gbk") as zf:
        assert [i.filename for i in zf.infolist() if not i.is_dir()] == [n for n, _ in files]
        assert all(not i.flag_bits & 0x800 for i in zf.infolist())
        assert zf.read(files[1][0]) == files[1][1]
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert files[0][0] not in zf.namelist()
    with zipfile.ZipFile(io.BytesIO(zip_of(files, gbk_names=False))) as zf:
        assert files[0][0] in zf.namelist()


# ---------------------------------------------------------------- mail

@pytest.fixture(scope="module")
def docs(entry, seal):
    return [("附件2：报名表-" + entry.group + ".docx", entry_form_docx(entry, seal=seal)),
            ("QC成果-" + entry.topic + "（修改稿第二版，请以此为准）.docx", qc_report_docx(entry, images=1))]


@pytest.mark.parametrize("client", CLIENTS)
def test_each_client_mail_parses(client, entry, docs):
    raw = submission_mail(entry, docs, client=client)
    assert b"\r\n" in raw and raw.isascii()
    msg = parse(raw)
    atts = list(msg.iter_attachments())
    assert [a.get_filename() for a in atts] == [n for n, _ in docs]
    assert atts[0].get_content() == docs[0][1]
    body = msg.get_body(("plain",)).get_content()
    assert "谢谢" in body and (entry.group in body or entry.enterprise in body)
    assert msg["Date"].datetime.utcoffset().total_seconds() == 8 * 3600
    received = [parsedate_to_datetime(h.split(";")[-1].strip()) for h in msg.get_all("Received")]
    assert received == sorted(received, reverse=True)
    assert entry.enterprise in msg["Subject"] or entry.group in msg["Subject"]
    assert msg["From"].addresses[0].addr_spec == entry.sender


def test_client_quirks(entry, docs):
    fox = submission_mail(entry, docs, client="foxmail")
    assert b"X-Mailer: Foxmail 7.2" in fox and b'charset="GB2312"' in fox
    assert b'filename="=?GB2312?B?' in fox
    out = submission_mail(entry, docs, client="outlook")
    assert b'\tname="=?gb2312?B?' in out and b'\tfilename="=?gb2312?B?' in out
    assert b"Thread-Index: " in out and b"quoted-printable" in out
    net = submission_mail(entry, docs, client="netease_web")
    assert b"filename*0*=UTF-8''%E9%99%84" in net and b"X-Originating-IP: [" in net
    assert b"X-Mailer: Coremail Webmail Server" in net
    qq = submission_mail(entry, docs, client="qq_web")
    assert b"X-QQ-mid: " in qq and b"X-Mailer: QQMail 2.x" in qq and b'name="=?utf-8?B?' in qq


def test_gb2312_label_on_gbk_text(entry):
    data = dataclasses.replace(entry, sender_name="乔喆")  # 喆 is GBK, not GB2312
    msg = parse(submission_mail(data, [], client="foxmail"))
    part = msg.get_body(("plain",))
    assert part.get_content_charset() == "gb2312"
    assert "乔喆" in part.get_payload(decode=True).decode("gb18030")
    assert "您好" in part.get_content() or "老师" in part.get_content()


def test_threading_headers(entry):
    msg = parse(submission_mail(entry, [], client="outlook", subject="回复：补正材料",
                                in_reply_to="<a1@163.com>", references=("<a0@163.com>", "<a1@163.com>"),
                                message_id="<fixed@example.cn>", body="您好，补正材料见附件。"))
    assert msg["In-Reply-To"] == "<a1@163.com>" and "<a0@163.com>" in msg["References"]
    assert msg["Message-ID"] == "<fixed@example.cn>" and msg["Subject"] == "回复：补正材料"
    assert msg.get_body(("plain",)).get_content().strip() == "您好，补正材料见附件。"


def test_complete_submission():
    data, raw = complete_submission(11)
    assert (data, raw) == complete_submission(11)
    msg = parse(raw)
    names = [a.get_filename() for a in msg.iter_attachments()]
    assert len(names) == 2 and "报名表" in names[0] and names[1].endswith(".docx")
    form, report = (a.get_content() for a in msg.iter_attachments())
    assert image_count(form) == 1 and data.topic in docx_text(report)
    _, unstamped = complete_submission(11, stamped=False, layout="paragraphs", client="qq_web")
    form = next(parse(unstamped).iter_attachments()).get_content()
    assert image_count(form) == 0 and parse(unstamped)["From"].addresses[0].domain == "qq.com"
    clients = {parse(complete_submission(s)[1])["X-Mailer"].split()[0] for s in range(12)}
    assert len(clients) >= 3


def test_bytes_do_not_depend_on_the_clock(monkeypatch, entry):
    """Savers stamp the current time into zips and PDFs; fixtures must not."""
    def build():
        return (entry_form_docx(entry), statistics_xlsx(), scan_pdf([red_text_png("张建国")]),
                zip_of([("报名表.docx", entry_form_docx(entry))]), complete_submission(5)[1])
    first = build()
    monkeypatch.setattr(time, "time", lambda: 1_900_000_000.0)
    assert build() == first


def test_auto_replies_and_bounce():
    qq = parse(auto_reply_mail("2845671309@qq.com"))
    assert qq["X-Autoreply"] == "yes" and qq["Subject"].startswith("自动回复")
    ex = parse(auto_reply_mail("wangjing@sx.chinamobile.com", kind="exchange"))
    assert ex["Auto-Submitted"] == "auto-generated" and ex["X-Auto-Response-Suppress"] == "All"
    assert "外出" in ex.get_body(("plain",)).get_content()
    raw = bounce_mail("nobody@chinaunicom.cn")
    assert raw.startswith(b"Return-Path: <>\r\n")
    dsn = parse(raw)
    assert dsn.get_content_type() == "multipart/report" and "MAILER-DAEMON" in dsn["From"]
    status = [p for p in dsn.walk() if p.get_content_type() == "message/delivery-status"]
    assert status and "nobody@chinaunicom.cn" in raw.decode("ascii")


def test_inquiry_and_observer():
    q = parse(inquiry_mail("liqiang@163.com", "请问报名表可以用扫描件代替原件吗？", name="李强"))
    assert not list(q.iter_attachments()) and q["Subject"].startswith("咨询")
    assert "扫描件" in q.get_body(("plain",)).get_content()
    o = parse(observer_mail("1234567@qq.com", "中国电信股份有限公司忻州分公司", ["张伟", "李娜"]))
    body = o.get_body(("plain",)).get_content()
    assert "观摩" in o["Subject"] and "张伟" in body and "李娜" in body and "观摩" in body


# ---------------------------------------------------------------- strangers and the labelled set

def _opens(name: str, data: bytes) -> None:
    """The attachment is the real file its name says."""
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "docx":
        assert docx_text(data).strip()
    elif ext == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(data)).active.max_row >= 2
    elif ext == "pdf":
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert pdf.pages
    elif ext in ("jpg", "png"):
        assert Image.open(io.BytesIO(data)).size[0] >= 600
    elif ext in ("zip", "ofd"):
        assert zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_strangers_are_real_varied_mail():
    from samples.strangers import stranger_mails

    strangers = stranger_mails()
    assert len({s.kind for s in strangers}) == len(strangers) >= 40
    assert any(s.about_competition for s in strangers)
    subjects, types = set(), set()
    for s in strangers:
        msg = parse(s.raw)
        assert msg["From"] and msg["Date"] and msg["Message-ID"], s.kind
        subjects.add(str(msg["Subject"]))
        types.add(msg.get_content_type())
        for part in msg.iter_attachments():
            if part.get_filename():
                _opens(part.get_filename(), part.get_payload(decode=True))
    assert len(subjects) == len(strangers)
    assert {"multipart/mixed", "multipart/report", "multipart/alternative", "text/html"} <= types
    receipt = next(s for s in strangers if s.kind == "qc_training_ad")
    [form] = [p.get_payload(decode=True) for p in parse(receipt.raw).iter_attachments()]
    assert all(label in docx_text(form) for label in ("单位名称", "联系人", "电话"))


def test_labelled_registrations_differ_and_say_what_they_expect():
    from samples.labelled import labelled_registrations

    labelled = labelled_registrations()
    assert 25 <= len(labelled) <= 60 and len({r.kind for r in labelled}) == len(labelled)
    assert len({str(parse(r.raw)["Subject"]) for r in labelled}) >= len(labelled) - 2
    mailers = {str(parse(r.raw).get("X-Mailer", "")).split(" ")[0] for r in labelled}
    assert {"Foxmail", "Microsoft", "Coremail", "QQMail"} <= mailers  # every client in CLIENTS
    for r in labelled:
        assert (r.verdict == "accepted") == (not r.codes), r.kind
        if "NO_DOCUMENTS" not in r.codes:
            assert list(parse(r.raw).iter_attachments()), r.kind
