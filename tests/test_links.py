"""Files sent as download links: recognised as each client writes them, fetched only when safe.

Recognition runs on bodies as NetEase, QQ (and 腾讯企业邮箱), 139 mail and the
cloud drives' share texts write them, plain and HTML. The pipeline tests serve
real files (an entry-form zip built by `samples`, a login page) from an
HTTP server on 127.0.0.1 and assert the outcome, the archive and the reply.
"""
from __future__ import annotations

import email
import email.policy
import functools
import urllib.parse
from email import policy
from email.message import EmailMessage

import pytest

from intake.base.config import ConfigError, load_settings
from samples import mails
from samples.forms import entry_form_docx, qc_report_docx
from samples.entries import sample_entry
from samples.seals import seal_png
from intake.mime.links import LinkAttachment, find_link_attachments, links_in_mail
from intake.mime.parse import parse_mail
from intake.run.pipeline import Pipeline
from tests.configs import feed, write_config
from tests.peers.web import running_web_server


def raw(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


# ---- 超大附件 links ----------------------------------------------------------

BIG = "https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=djAyZG1meTh2"
DASHI = "https://dashi.163.com/html/cloud-attachment-download/index.html?key=Q2xvdWRLZXk"
NETEASE_HTML = f"""<div>各位老师好，报名材料较大，用超大附件发送，请查收。</div>
<div style="background:#dee8f2;padding:4px;clear:both;margin-top:10px">
<div style="padding:4px 8px 8px;font-size:14px"><b>从网易163邮箱发来的超大附件</b>
<a class="bigattach-mailmaster-download" href="http://u.163.com/RcUwvU56g">推荐客户端极速下载</a></div>
<div style="background:#fff;padding:4px">
<div style="padding:6px 4px;min-height:36px;clear:both">
<div style="width:36px;float:left"><a href="{BIG}" target="_blank"><img src="cid:ico-bfile-6.gif"></a></div>
<div><div style="font-size:12px"><a href="{BIG}" target="_blank">2023QC报名材料（太原分公司）.zip</a>
<span style="color:#bbb"> (25.3M, 2023年3月10日 14:30 到期)</span></div>
<div style="padding:4px 0"><a href="{BIG}" target="_blank">下载</a></div></div></div>
<div style="padding:6px 4px;min-height:36px;clear:both">
<div><div style="font-size:12px"><a href="{DASHI}" target="_blank">成果发表.pptx</a>
<span style="color:#bbb"> (60.57M, 2023年3月12日 9:05 到期)</span></div>
<div><a href="{DASHI}">下载</a></div></div></div>
</div></div>"""


def test_netease_links_in_html_keep_names_urls_and_expiry():
    assert find_link_attachments(NETEASE_HTML) == (
        LinkAttachment("2023QC报名材料（太原分公司）.zip",
                       "https://mail.163.com/large-attachment-download/index.html"
                       "?p=X-NETEASE-HUGE-ATTACHMENT&file=djAyZG1meTh2", "2023年3月10日 14:30", "netease"),
        LinkAttachment("成果发表.pptx",
                       "https://dashi.163.com/html/cloud-attachment-download/index.html?key=Q2xvdWRLZXk",
                       "2023年3月12日 9:05", "netease"),
    )


def test_netease_links_in_text_made_from_html_still_list_the_files():
    message = EmailMessage()
    message["From"], message["Subject"] = "a@163.com", "QC报名材料"
    message.set_content(NETEASE_HTML, subtype="html")
    body = parse_mail(raw(message)).body_text
    found = find_link_attachments(body)
    assert [(f.filename, f.expires) for f in found] == [
        ("2023QC报名材料（太原分公司）.zip", "2023年3月10日 14:30"), ("成果发表.pptx", "2023年3月12日 9:05")]


def test_netease_126_plain_text_with_links_below_the_names():
    body = ("王老师：\n  附件是我单位的报名材料，请查收。\n\n"
            "从网易126邮箱发来的超大附件\n"
            "报名表（盖章）.pdf (32.1M, 2023年3月1日 10:00 到期)\n"
            "下载：http://mail.126.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=AbC-1_2\n"
            "QC成果报告.docx (28M, 2023年3月1日 10:00 到期)\n"
            "下载：http://fs.163.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&file=XyZ&title=QC\n")
    assert find_link_attachments(body) == (
        LinkAttachment("报名表（盖章）.pdf", "http://mail.126.com/large-attachment-download/index.html"
                       "?p=X-NETEASE-HUGE-ATTACHMENT&file=AbC-1_2", "2023年3月1日 10:00", "netease"),
        LinkAttachment("QC成果报告.docx", "http://fs.163.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&file=XyZ&title=QC",
                       "2023年3月1日 10:00", "netease"),
    )


def test_qq_mail_large_attachments_old_and_new_links():
    body = ("您好，材料见超大附件。\n\n从QQ邮箱发来的超大附件\n\n"
            "成果报告.docx (128.03M, 2023年03月24日 21:59 到期)进入下载页面："
            "http://mail.qq.com/cgi-bin/ftnExs_download?t=exs_ftn_download&k=7d3638&code=7684decd\n"
            "发表材料.pptx (56.2M, 2023年03月24日 21:59 到期)进入下载页面："
            "https://wx.mail.qq.com/ftn/download?func=3&k=abcd1234&key=ef56\n")
    assert find_link_attachments(body) == (
        LinkAttachment("成果报告.docx",
                       "http://mail.qq.com/cgi-bin/ftnExs_download?t=exs_ftn_download&k=7d3638&code=7684decd",
                       "2023年03月24日 21:59", "qq"),
        LinkAttachment("发表材料.pptx", "https://wx.mail.qq.com/ftn/download?func=3&k=abcd1234&key=ef56",
                       "2023年03月24日 21:59", "qq"),
    )


def test_a_bare_download_link_is_still_found():
    body = "材料太大，下载地址：https://mail.163.com/large-attachment-download/index.html?p=X&file=Zz9 谢谢"
    assert find_link_attachments(body) == (
        LinkAttachment("", "https://mail.163.com/large-attachment-download/index.html?p=X&file=Zz9", None, "netease"),)


def test_ordinary_bodies_have_no_link_attachments():
    assert find_link_attachments("") == ()
    assert find_link_attachments("附件：报名表.docx (2份)，成果报告.docx (已盖章)。详见 https://www.163.com/news") == ()
    assert find_link_attachments('<a href="https://example.com/a.pdf">报告.pdf</a> (1.2M)') == ()


FTN = "http://mail.qq.com/cgi-bin/ftnExs_download?k=2b6161633e4e7ac476ba577b1e61&t=exs_ftn_download&code=eaac8a28"
# QQ Mail's HTML block: an icon link, the name as plain text, "进入下载页面" as its own link.
QQ_HTML = f"""<div>王老师您好，我单位报名材料较大，已用超大附件发送。</div><div><br></div>
<div id="QQMailBigAttach" style="padding:2px;margin-bottom:15px;background:#ebf0f6">
<div style="padding:6px 10px"><b style="font-size:14px">从QQ邮箱发来的超大附件</b></div>
<div style="padding:0 8px 6px 12px;background:#fff;line-height:140%">
<div style="clear:both;height:36px;padding:6px 4px">
<div style="float:left;width:36px"><a href="{FTN.replace('&', '&amp;')}" target="_blank"><img src="http://rescdn.qqmail.com/zh_CN/images/mo/DEFAULT2/filetype/zip.gif" border="0"></a></div>
<div style="float:left"><div style="height:15px;line-height:15px">2023年QC成果-晋城分公司.zip<span style="color:#a0a0a0">&nbsp;(86.4M, 2023年03月17日 10:12 到期)</span></div>
<div style="height:15px;line-height:15px"><a href="{FTN.replace('&', '&amp;')}" target="_blank">进入下载页面</a></div></div>
</div></div></div>"""


def test_qq_mail_html_block_as_qq_writes_it():
    assert find_link_attachments(QQ_HTML) == (
        LinkAttachment("2023年QC成果-晋城分公司.zip", FTN, "2023年03月17日 10:12", "qq"),)


def test_qq_mail_html_only_mail_keeps_the_download_address():
    message = EmailMessage()
    message["From"], message["Subject"] = "1397766@qq.com", "QC成果报名"
    message.set_content(QQ_HTML, subtype="html", charset="gb18030")
    mail = parse_mail(raw(message))
    assert links_in_mail(mail) == (LinkAttachment("2023年QC成果-晋城分公司.zip", FTN, "2023年03月17日 10:12", "qq"),)


def test_plain_part_without_addresses_is_completed_from_the_html_part():
    plain = ("报名材料见超大附件。\n\n从网易163邮箱发来的超大附件\n"
             "QC报名材料.zip (31.2M, 2023年3月9日 8:00 到期)\n")
    url = "https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=QmFzZTY0"
    html = (f'<div>报名材料见超大附件。</div><div><b>从网易163邮箱发来的超大附件</b></div>'
            f'<div><a href="{url}">QC报名材料.zip</a><span> (31.2M, 2023年3月9日 8:00 到期)</span></div>')
    message = EmailMessage()
    message["From"], message["Subject"] = "a@163.com", "报名"
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    assert links_in_mail(parse_mail(raw(message))) == (
        LinkAttachment("QC报名材料.zip", url, "2023年3月9日 8:00", "netease"),)


def test_tencent_exmail_and_139_mail_blocks():
    exmail = ("从腾讯企业邮箱发来的超大附件\n\n"
              "QC成果报告（定稿）.docx (65.38M, 2023年03月20日 17:40 到期)进入下载页面："
              "https://exmail.qq.com/cgi-bin/ftnExs_download?k=5f3b3c&t=exs_ftn_download&code=1a2b3c4d\n")
    assert find_link_attachments(exmail) == (LinkAttachment(
        "QC成果报告（定稿）.docx", "https://exmail.qq.com/cgi-bin/ftnExs_download?k=5f3b3c&t=exs_ftn_download&code=1a2b3c4d",
        "2023年03月20日 17:40", "qq"),)
    # 139 mail keeps 超大附件 in 和彩云 (中国移动云盘); its block reads like the others.
    mobile = ("各位老师好：\n\n从139邮箱发来的超大附件\n"
              "报名材料（长治分公司）.rar (48.5M, 2023年3月15日 到期)\n"
              "下载地址：https://caiyun.139.com/m/i?0F5CJAnXXnGzk\n")
    assert find_link_attachments(mobile) == (LinkAttachment(
        "报名材料（长治分公司）.rar", "https://caiyun.139.com/m/i?0F5CJAnXXnGzk", "2023年3月15日", "caiyun"),)


@pytest.mark.parametrize("body, provider, name, code", [
    ("链接: https://pan.baidu.com/s/1AbCdEfGhIjK 提取码: x7k2 复制这段内容后打开百度网盘手机App，操作更方便哦",
     "baidu", "", "x7k2"),
    ("通过百度网盘分享的文件：2023QC报名材料.zip\n链接：https://pan.baidu.com/s/1xYz-AbCdE?pwd=ab12 \n"
     "提取码：ab12\n--来自百度网盘超级会员V3的分享", "baidu", "2023QC报名材料.zip", "ab12"),
    ("「QC成果报告」https://www.alipan.com/s/8aBcDeFgHiJ 提取码: 8z3v\n点击链接保存，或者复制本段内容，"
     "打开「阿里云盘」APP ，无需下载极速在线查看，视频原画倍速播放。", "aliyun", "QC成果报告", "8z3v"),
    ("老版本：https://www.aliyundrive.com/s/bfzZhFWCEdi", "aliyun", "", None),
    ("我用夸克网盘分享了「报名表及成果报告.zip」，点击链接即可保存。打开「夸克APP」，无需下载在线播放视频，畅享原画5倍速，"
     "支持电视投屏。\n链接：https://pan.quark.cn/s/abcd1234ef\n提取码：Ab12", "quark", "报名表及成果报告.zip", "Ab12"),
    ("材料在天翼云盘：https://cloud.189.cn/t/AbCdEf123uVw（访问码：ab12）", "tianyi", "", "ab12"),
    ("报名材料.zip：https://www.123pan.com/s/ab1C-dEf2.html提取码:AbCd", "123pan", "报名材料.zip", "AbCd"),
    ("成果报告 https://wwi.lanzoui.com/iAbCd12e 密码:abcd", "lanzou", "", "abcd"),
    ("链接：https://share.weiyun.com/AbCd12Ef 密码：xyz123", "weiyun", "", "xyz123"),
    ("https://115.com/s/swabc123?password=ab12#\n报名材料\n访问码：ab12", "115", "", "ab12"),
    ("链接: https://caiyun.139.com/m/i?105Cq235Zq5sH 提取码:nEy6\n复制本段信息，打开「中国移动云盘APP」获取。",
     "caiyun", "", "nEy6"),
])
def test_cloud_drive_shares_keep_provider_name_and_code(body, provider, name, code):
    [link] = find_link_attachments(body)
    assert (link.provider, link.filename, link.code) == (provider, name, code)
    assert link.url.startswith("https://") and link.expires is None


def test_cloud_drive_share_in_html_is_one_link():
    body = ('<p>报名材料：<a href="https://pan.baidu.com/s/1Q2w3E4r5T">https://pan.baidu.com/s/1Q2w3E4r5T</a>'
            '&nbsp;提取码：9k8j</p>')
    assert find_link_attachments(body) == (
        LinkAttachment("", "https://pan.baidu.com/s/1Q2w3E4r5T", None, "baidu", "9k8j"),)


def test_lookalike_hosts_and_home_pages_are_not_shares():
    assert find_link_attachments("https://pan.quark.cn.evil.test/s/abc123 提取码：abcd") == ()
    assert find_link_attachments("网盘官网 https://pan.baidu.com/ 和 https://www.alipan.com/") == ()


# ---- fetched or not: the pipeline with a real HTTP server on 127.0.0.1 ------

@pytest.fixture
def server():
    with running_web_server() as srv:
        yield srv


def links_config(fetch: bool = True) -> str:
    return f"\n[links]\nfetch = {'true' if fetch else 'false'}\nhosts = [\"127.0.0.1\"]\nhttp_hosts = [\"127.0.0.1\"]\n"


@pytest.fixture
def pipeline(tmp_path, store_url):
    path = write_config(tmp_path, store_url=store_url, deadline="2099-03-03T00:00:00+08:00")
    path.write_text(path.read_text(encoding="utf-8") + links_config(), encoding="utf-8")
    pipe = Pipeline.open(load_settings(path))
    yield pipe
    pipe.close()


ENTRY = sample_entry(731)


@functools.lru_cache(maxsize=None)
def entry_files() -> tuple[tuple[str, bytes], ...]:
    return ((f"报名表-{ENTRY.group}.docx", entry_form_docx(ENTRY, seal=seal_png(ENTRY.enterprise))),
            (f"{ENTRY.topic}成果报告.docx", qc_report_docx(ENTRY, images=0)))


def netease_body(files: list[tuple[str, str]]) -> str:
    """163 webmail's text part: each file "名称 (大小, 日期 到期)" and a 下载 line under it."""
    lines = ["各位老师好，报名材料较大，用超大附件发送，请查收。", "", "从网易163邮箱发来的超大附件"]
    for name, url in files:
        lines += [f"{name} (25.3M, 2023年3月10日 14:30 到期)", f"下载：{url}"]
    return "\n".join(lines)


def reply_text(pipeline: Pipeline) -> str:
    raw_reply = pipeline.store.all_replies()[-1].raw
    return email.message_from_bytes(raw_reply, policy=email.policy.default).get_body(("plain",)).get_content()


def test_direct_download_link_is_fetched_archived_and_registered(pipeline, server):
    name = "2023QC报名材料（太原分公司）.zip"
    path = "/large-attachment-download/报名材料.zip"
    server.routes[path] = (200, {"Content-Type": "application/zip"}, mails.zip_of(list(entry_files())))
    url = server.base + urllib.parse.quote(path)
    raw_mail = mails.submission_mail(ENTRY, [], client="netease_web", body=netease_body([(name, url)]))
    message, _ = pipeline.accept(raw_mail, account="test", folder="INBOX", received_at=parse_mail(raw_mail).received_at)
    [outcome] = pipeline.process_pending()  # in the worker processes

    assert outcome["classification"] == "submission" and outcome["verdict"] == "accepted", outcome["deficiencies"]
    assert len(outcome["submissions"]) == 1 and outcome["reply"]["type"] == "acknowledgement"
    assert {doc["filename"] for doc in outcome["documents"]} >= {name_ for name_, _ in entry_files()}
    assert server.hits == [path]
    # Archived before it was read: a later reading takes the archived copy, not the link.
    [kept] = (pipeline.archive.root / "links" / message.raw_sha256).glob("*/*")
    assert kept.name == name and kept.read_bytes() == server.routes[path][2]
    decision = pipeline.judge(parse_mail(raw_mail), message)
    assert server.hits == [path] and decision.submission is not None and not decision.submission.link_files


def test_link_answering_with_a_login_page_gives_link_only_naming_the_file(pipeline, server):
    page = "<!DOCTYPE html><html><head><title>网易邮箱 - 登录</title></head><body>请先登录</body></html>"
    server.routes["/large-attachment-download/index.html"] = (200, {"Content-Type": "text/html; charset=utf-8"},
                                                               page.encode())
    url = f"{server.base}/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=djAyZG1m"
    outcome = feed(pipeline, mails.submission_mail(ENTRY, [], client="netease_web",
                                                   body=netease_body([("QC成果报告（终稿）.docx", url)])))
    assert outcome["classification"] == "submission" and outcome["verdict"] == "deficient"
    [finding] = [f for f in outcome["deficiencies"] if f["code"] == "LINK_ONLY_ATTACHMENT"]
    assert "《QC成果报告（终稿）.docx》（网易邮箱超大附件）" in finding["detail"]
    assert server.hits == ["/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=djAyZG1m"]
    assert not (pipeline.archive.root / "links").exists()
    text = reply_text(pipeline)
    assert "QC成果报告（终稿）.docx" in text and "直接作为邮件附件发送" in text


def test_redirect_to_a_host_not_allowed_is_not_followed(pipeline, server):
    server.routes["/dl/报名材料.zip"] = (302, {"Location": f"http://localhost:{server.server_address[1]}/file"}, b"")
    server.routes["/file"] = (200, {"Content-Type": "application/zip"}, mails.zip_of(list(entry_files())))
    outcome = feed(pipeline, mails.submission_mail(ENTRY, [], client="netease_web", body=netease_body(
        [("报名材料.zip", server.base + urllib.parse.quote("/dl/报名材料.zip"))])))
    assert server.hits == ["/dl/报名材料.zip"]
    assert [f["code"] for f in outcome["deficiencies"]] == ["LINK_ONLY_ATTACHMENT"]


def test_cloud_drive_link_with_extraction_code_is_never_fetched(pipeline, server):
    body = ("王老师好，材料太大，放在百度网盘了。\n通过百度网盘分享的文件：2023QC报名材料.zip\n"
            "链接：https://pan.baidu.com/s/1xYz-AbCdE?pwd=ab12\n提取码：ab12\n--来自百度网盘超级会员V3的分享")
    outcome = feed(pipeline, mails.submission_mail(ENTRY, [], client="foxmail", subject="QC成果竞赛报名材料",
                                                   body=body))
    [finding] = [f for f in outcome["deficiencies"] if f["code"] == "LINK_ONLY_ATTACHMENT"]
    assert "《2023QC报名材料.zip》（百度网盘，提取码 ab12）" in finding["detail"]
    assert "提取码或登录" in finding["detail"]
    assert server.hits == [] and not (pipeline.archive.root / "links").exists()


def test_report_attached_and_entry_form_only_linked_names_the_linked_one(pipeline, server):
    (form_name, _), report = entry_files()
    url = f"{server.base}/large-attachment-download/index.html?file=Zm9ybQ"
    server.routes["/large-attachment-download/index.html?file=Zm9ybQ"] = (200, {"Content-Type": "text/html"}, b"<html>")
    outcome = feed(pipeline, mails.submission_mail(ENTRY, [report], client="netease_web",
                                                   body=netease_body([(form_name, url)])))
    [finding] = [f for f in outcome["deficiencies"] if f["code"] == "LINK_ONLY_ATTACHMENT"]
    assert f"《{form_name}》" in finding["detail"] and report[0] not in finding["detail"]


def test_fetching_off_by_default_sends_nothing_to_the_server(tmp_path, store_url, server):
    settings = load_settings(write_config(tmp_path, store_url=store_url))
    assert settings.links.fetch is False
    server.routes["/a.zip"] = (200, {"Content-Type": "application/zip"}, mails.zip_of(list(entry_files())))
    with Pipeline.open(settings) as pipe:
        outcome = feed(pipe, mails.submission_mail(ENTRY, [], client="netease_web",
                                                   body=netease_body([("报名材料.zip", server.base + "/a.zip")])))
    assert server.hits == [] and "LINK_ONLY_ATTACHMENT" in [f["code"] for f in outcome["deficiencies"]]


def test_links_settings_are_read_and_checked(tmp_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + links_config() + "max_mb = 80\ntimeout = 12\n",
                    encoding="utf-8")
    links = load_settings(path).links
    assert (links.fetch, links.hosts, links.http_hosts, links.max_mb, links.timeout) == (
        True, ("127.0.0.1",), ("127.0.0.1",), 80.0, 12.0)
    path.write_text(path.read_text(encoding="utf-8").replace("max_mb = 80", "max_mb = 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[links\] max_mb"):
        load_settings(path)
