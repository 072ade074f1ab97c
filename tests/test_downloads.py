"""intake.mime.downloads: files offered as 超大附件 links, fetched from a real HTTP server on loopback, or not."""
from __future__ import annotations

import functools

import pytest

from intake.fetch.archive import Archive
from intake.base.config import LinksSettings
from intake.mime.downloads import LinkFetcher, NotFetchable, check_allowed, download, harvest_links, may_fetch
from samples import mails
from intake.mime.links import links_in_mail
from intake.base.model import LinkAttachment
from intake.mime.parse import parse_mail
from tests.peers.web import running_web_server
from tests.readings import basic_files, entry

LOOPBACK = LinksSettings(fetch=True, hosts=("127.0.0.1",), http_hosts=("127.0.0.1",), timeout=5)


@pytest.fixture
def server():
    with running_web_server() as srv:
        yield srv


@functools.lru_cache(maxsize=None)
def bundle() -> bytes:
    return mails.zip_of(basic_files(entry()))


def large_attachment_mail(files: list[tuple[str, str]], attached: list[tuple[str, bytes]] = ()):
    """A 163 webmail mail listing `files` (name, url) as 超大附件, as its text part writes them."""
    lines = ["各位老师好，报名材料较大，用超大附件发送，请查收。", "", "从网易163邮箱发来的超大附件"]
    for name, url in files:
        lines += [f"{name} (25.3M, 2023年3月10日 14:30 到期)", f"下载：{url}"]
    return parse_mail(mails.submission_mail(entry(), list(attached), client="netease_web", body="\n".join(lines)))


def test_direct_download_is_fetched_archived_and_read_from_the_archive_again(server, tmp_path):
    server.routes["/dl/材料.zip"] = (200, {"Content-Type": "application/zip"}, bundle())
    mail = large_attachment_mail([("2023QC报名材料.zip", server.url("/dl/材料.zip"))])
    fetcher = LinkFetcher(LOOPBACK, Archive(tmp_path).root)
    harvest = harvest_links(mail, fetcher)
    [file] = harvest.files
    assert harvest.missing == ()
    assert (file.filename, file.origin, file.payload) == ("2023QC报名材料.zip", "超大附件/2023QC报名材料.zip", bundle())
    # A re-run takes the archived copy: the server is not asked twice.
    assert harvest_links(mail, fetcher).files[0].payload == bundle()
    assert server.hits == ["/dl/材料.zip"]


def test_login_page_leaves_the_file_missing(server, tmp_path):
    server.routes["/dl/报名表.docx"] = (200, {"Content-Type": "text/html; charset=utf-8"},
                                       "<html><body>请登录网易邮箱</body></html>".encode())
    mail = large_attachment_mail([("报名表.docx", server.url("/dl/报名表.docx"))])
    harvest = harvest_links(mail, LinkFetcher(LOOPBACK, tmp_path))
    assert harvest.files == () and [link.filename for link in harvest.missing] == ["报名表.docx"]


def test_nothing_is_fetched_when_fetching_is_off(server):
    mail = large_attachment_mail([("成果报告.docx", server.url("/dl/成果报告.docx"))])
    assert [link.filename for link in harvest_links(mail, None).missing] == ["成果报告.docx"]
    assert server.hits == []


def test_file_attached_anyway_is_no_gap(server):
    name, data = basic_files(entry())[0]
    mail = large_attachment_mail([(name, server.url("/dl/x.docx"))], attached=[(name, data)])
    assert harvest_links(mail, None).missing == ()


def test_shares_with_a_code_and_foreign_hosts_are_never_asked(server):
    body = "网盘链接: https://pan.baidu.com/s/1Qx7vKp2LmN8rTz 提取码: k3m9"
    [share] = links_in_mail(parse_mail(mails.submission_mail(entry(), [], body=body)))
    assert not may_fetch(share)
    with pytest.raises(NotFetchable, match="not allowed"):
        check_allowed("https://evil.example/large-attachment-download/a.zip", LOOPBACK)
    with pytest.raises(NotFetchable, match="http:// is not allowed"):
        check_allowed("http://mail.163.com/a.zip", LinksSettings(fetch=True))


def test_redirect_to_a_host_not_allowed_is_not_followed(server):
    server.routes["/dl/a.zip"] = (302, {"Location": "https://evil.example/a.zip"}, b"")
    with pytest.raises(NotFetchable, match="evil.example is not allowed"):
        download(LinkAttachment("a.zip", server.url("/dl/a.zip"), provider="netease"), LOOPBACK)


def test_file_larger_than_max_mb_stays_a_link(server):
    server.routes["/dl/big.zip"] = (200, {"Content-Type": "application/zip"}, bundle())
    small = LinksSettings(fetch=True, hosts=("127.0.0.1",), http_hosts=("127.0.0.1",), max_mb=0.001)
    with pytest.raises(NotFetchable, match="more than max_mb"):
        download(LinkAttachment("big.zip", server.url("/dl/big.zip"), provider="netease"), small)
