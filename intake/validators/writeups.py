"""The "另附页" write-ups of 附件6/附件7, sent as files of their own.

A long write-up without form labels reads like a results report to the
extractors; its title (file name or first lines) says what it is, so it is
neither paired with a 报名表 nor checked as a report, only counted.
"""
from __future__ import annotations

from dataclasses import dataclass

from intake.extractors.labels import normalise
from intake.base.model import Document, DocumentKind
from intake.base.text import lines

HEAD_LINES = 3
TITLE_CHARS = 40


@dataclass(frozen=True)
class WriteUp:
    name: str
    titles: tuple[str, ...]
    # The CompetitionSettings attribute holding its word limit.
    limit: str


# Most specific first: "质量信得过班组建设工作总结" also contains "班组建设".
WRITE_UPS: tuple[WriteUp, ...] = (
    WriteUp("质量信得过班组建设工作总结", ("质量信得过班组建设工作总结", "班组建设工作总结", "班组建设总结"),
            "word_limit_team_summary"),
    WriteUp("QC小组工作总结", ("QC小组工作总结", "质量管理小组工作总结", "QC小组活动工作总结"),
            "word_limit_qc_summary"),
    WriteUp("质量信得过班组创建材料", ("质量信得过班组简介及活动结果", "班组创建材料", "质量信得过班组申报材料",
                               "质量信得过班组材料"), "word_limit_team_materials"),
)


def write_up_of(doc: Document) -> WriteUp | None:
    """Which write-up a document is, or None (forms, reports, scans)."""
    if doc.error is not None or doc.kind not in (DocumentKind.QC_REPORT, DocumentKind.OTHER):
        return None
    heads = [normalise(doc.filename)]
    heads += [normalise(line) for line in lines(doc.text)[:HEAD_LINES] if len(line) <= TITLE_CHARS]
    for write_up in WRITE_UPS:
        if any(normalise(title) in head for title in write_up.titles for head in heads):
            return write_up
    return None


def is_write_up(doc: Document) -> bool:
    return write_up_of(doc) is not None
