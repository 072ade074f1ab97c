"""intake.extractors.html_reader: Word's "save as web page" (often renamed .doc) and its MHTML form."""
from __future__ import annotations

from email.message import EmailMessage

from intake.extractors.html_reader import read_html, read_mhtml
from intake.extractors.layout import Table
from samples.forms import ENTRY_TITLE, entry_pairs
from tests.readings import entry, seal


def web_page(data, charset: str = "gb2312") -> str:
    """The 报名表 as Word saves it as a web page: styles, a title paragraph, the form's table."""
    rows = "".join(f"<tr><td width=120><p>{a}</p></td><td><p>{b}</p></td><td><p>{c}</p></td><td><p>{d}</p></td></tr>"
                   for a, b, c, d in entry_pairs(data))
    return (f"<html><head><meta http-equiv=Content-Type content='text/html; charset={charset}'>"
            "<style>p.MsoNormal {margin:0cm; font-family:宋体}</style><script>var x = '不是正文';</script></head>"
            f"<body><p class=MsoNormal>附件2：</p><p class=MsoNormal align=center><b>{ENTRY_TITLE}</b></p>"
            f"<table border=1>{rows}</table><p>注：此表必须打印，单位盖章。</p><img src='image001.png'></body></html>")


def test_gb2312_web_page_is_read_as_paragraphs_and_a_table():
    data = entry()
    content = read_html(web_page(data).encode("gb18030"))
    assert content.source_format == "html"
    assert content.blocks[:2] == ("附件2：", ENTRY_TITLE)
    [table] = [b for b in content.blocks if isinstance(b, Table)]
    assert [c.text for c in table.rows[0]] == list(entry_pairs(data)[0])
    assert "不是正文" not in content.text()  # scripts and styles are no text


def test_single_file_web_page_keeps_its_pictures():
    data = entry()
    message = EmailMessage()
    message.set_content(web_page(data, "utf-8"), subtype="html", charset="utf-8")
    message.make_related()
    message.add_attachment(seal(data.enterprise), maintype="image", subtype="png", filename="image001.png")
    content = read_mhtml(message.as_bytes())
    assert content.source_format == "mhtml"
    assert ENTRY_TITLE in content.text()
    [picture] = content.pictures
    assert picture.data == seal(data.enterprise) and picture.where == "MHTML part"
