"""The registry as an .xlsx workbook: 报名登记表 (one row per result, to filter and
sort), 推荐汇总表 in the printed layout of the notice's 附件8, and for `intake
export` the 初审表 the experts of 资料初审 read (one row per registered report)."""
from __future__ import annotations

import io
import re
from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from intake.base.config import Settings
from intake.review.figures import MISSED, UNKNOWN
from intake.review.sections import NO, UNCLEAR
from intake.review.sheet import PreReview, review_registrations
from notifier.registry import STATUS_LABELS, Registry, RegistryRow, load_registry
from store import Store

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
BODY_FONT = "宋体"

REGISTER_SHEET = "报名登记表"
SUMMARY_SHEET = "推荐汇总表"
REGISTER_HEADERS = ("总编号", "企业名称", "QC小组名称", "人数", "课题名称", "课题类型", "状态",
                    "联系人", "电话", "发件邮箱", "首次来信时间", "最近来信时间", "存在问题", "需人工核查")


def write_workbook(registry: Registry, reviews: dict[str, PreReview] | None = None) -> bytes:
    """The workbook; with `reviews` (总编号 → 初审表) a third sheet, 初审表."""
    wb = Workbook()
    _register_sheet(wb.active, registry)
    _summary_sheet(wb.create_sheet(SUMMARY_SHEET), registry)
    if reviews is not None:
        _review_sheet(wb.create_sheet(REVIEW_SHEET), registry, reviews)
    for ws in wb.worksheets:
        _no_formulas(ws)
    wb.properties.creator = "qc-intake"
    wb.properties.title = "QC成果竞赛报名登记表"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _no_formulas(ws: Worksheet) -> None:
    """Text a sender wrote that starts with "=" stays text: openpyxl would store it
    as a formula, and a formula such as =HYPERLINK(...) runs when the file is opened."""
    for cells in ws.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"


def _display_width(text: str) -> int:
    """Excel column units: a Chinese character is about two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _local(moment: datetime, tz: tzinfo) -> datetime:
    """Excel has no time zones: the competition's wall-clock time."""
    return moment.astimezone(tz).replace(tzinfo=None)


def _register_sheet(ws: Worksheet, registry: Registry) -> None:
    ws.title = REGISTER_SHEET
    ws.append(REGISTER_HEADERS)
    for row in registry.rows:
        ws.append([row.number, row.enterprise, row.group, row.members, row.topic, row.topic_type,
                   row.status_label, row.contact, row.phone, row.sender,
                   _local(row.first_received, registry.timezone), _local(row.last_received, registry.timezone),
                   "\n".join(f"{i}. {p.text}" for i, p in enumerate(row.problems, 1)),
                   "\n".join(f"{i}. {p.text}" for i, p in enumerate(row.flags, 1))])
    for cell in ws[1]:
        cell.font, cell.fill, cell.border = Font(name=BODY_FONT, bold=True), HEAD_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            cell.font, cell.border = Font(name=BODY_FONT), BOX
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column >= 13)
        cells[10].number_format = cells[11].number_format = "yyyy-mm-dd hh:mm"
        if cells[6].value != STATUS_LABELS["accepted"]:
            cells[6].font = Font(name=BODY_FONT, bold=True, color="C00000")
    _fit_columns(ws, widest={13: 60, 14: 40})
    ws.column_dimensions["K"].width = ws.column_dimensions["L"].width = 17
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(REGISTER_HEADERS))}{max(ws.max_row, 2)}"
    # Fourteen columns do not fit one A4 page legibly: two pages wide, 总编号 and
    # the header repeated on each.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 2, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows, ws.print_title_cols = "1:1", "A:A"


def _fit_columns(ws: Worksheet, widest: dict[int, int]) -> None:
    """Wide enough for the longest line of each column, within reason."""
    for index in range(1, ws.max_column + 1):
        lines = [line for cells in ws.iter_cols(min_col=index, max_col=index) for cell in cells
                 if isinstance(cell.value, str) for line in cell.value.split("\n")]
        longest = max((_display_width(line) for line in lines), default=6)
        ws.column_dimensions[get_column_letter(index)].width = max(8, min(longest + 2, widest.get(index, 44)))


# 附件8 on a grid of eight columns: 序号 plus seven equal columns that each
# section spans as its printed table does.
SUMMARY_WIDTHS = (6, 11, 11, 11, 11, 13, 13, 24)
SECTIONS = (
    ("一、优秀质量管理小组活动成果", (("序号", 1, 1), ("企业名称", 2, 5), ("小组名称", 6, 7), ("小组人数", 8, 8))),
    ("二、全省质量管理小组活动优秀企业", (("序号", 1, 1), ("企业名称", 2, 5), ("联系电话", 6, 7), ("联系人", 8, 8))),
    ("三、全省质量管理小组活动优秀推进者",
     (("序号", 1, 1), ("推进者姓名", 2, 2), ("所在单位名称", 3, 5), ("联系电话", 6, 7), ("联系人", 8, 8))),
    ("四、全省质量信得过班组",
     (("序号", 1, 1), ("单位名称（以公章为准）", 2, 4), ("班组名称", 5, 6), ("班组长", 7, 7), ("成员名单", 8, 8))),
)
EMPTY_ROWS = 2  # a section with nothing to list still prints as a form to fill in


def _summary_rows(registry: Registry) -> list[list]:
    """附件8 lists what is nominated: a late registration only once the secretariat accepted it."""
    nominated = [r for r in registry.rows if not r.awaits_late_decision]
    return [
        [(i, r.enterprise, r.group, r.members) for i, r in enumerate(nominated, 1)],
        [(i, e.enterprise, e.phone, e.contact) for i, e in enumerate(registry.enterprises, 1)],
        [(i, p.name, p.unit, p.phone, p.contact) for i, p in enumerate(registry.promoters, 1)],
        [(i, t.unit, t.team, t.leader, t.member_names) for i, t in enumerate(registry.teams, 1)],
    ]


def _summary_sheet(ws: Worksheet, registry: Registry) -> None:
    for index, width in enumerate(SUMMARY_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last = len(SUMMARY_WIDTHS)
    ws.cell(1, 1, "附件8：").font = Font(name="黑体", size=12)
    _merged(ws, 2, 1, last, "推荐汇总表", Font(name="黑体", size=18), Alignment(horizontal="center",
                                                                              vertical="center"))
    ws.row_dimensions[2].height = 36
    _merged(ws, 3, 1, last, "单位、部门（章）" + "　" * 14 + "编号：", Font(name=BODY_FONT, size=12),
            Alignment(horizontal="left", vertical="center"))
    ws.row_dimensions[3].height = 24
    row = 4
    for (title, columns), rows in zip(SECTIONS, _summary_rows(registry)):
        row = _section(ws, row + 1, title, columns, rows)
    _team_total(ws, row, registry.team_total)
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _merged(ws: Worksheet, row: int, first: int, last: int, value, font: Font, alignment: Alignment,
            border: Border | None = None):
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = ws.cell(row, first, value)
    cell.font, cell.alignment = font, alignment
    if border is not None:
        for col in range(first, last + 1):
            ws.cell(row, col).border = border
    return cell


def _section(ws: Worksheet, row: int, title: str, columns, rows: list[tuple]) -> int:
    """Title, bordered header, one bordered row per entry; returns the next free row."""
    _merged(ws, row, 1, len(SUMMARY_WIDTHS), title, Font(name="黑体", size=12),
            Alignment(horizontal="left", vertical="center"))
    ws.row_dimensions[row].height = 24
    head = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for name, first, last in columns:
        _merged(ws, row + 1, first, last, name, Font(name=BODY_FONT, bold=True), head, BOX)
    ws.row_dimensions[row + 1].height = 30
    row += 2
    for values in rows or [("",) * len(columns)] * EMPTY_ROWS:
        lines = 1
        for value, (_, first, last) in zip(values, columns):
            width = sum(SUMMARY_WIDTHS[first - 1:last])
            align = Alignment(horizontal="center" if first == 1 or isinstance(value, int) else "left",
                              vertical="center", wrap_text=True)
            _merged(ws, row, first, last, value, Font(name=BODY_FONT), align, BOX)
            text = "" if value is None else str(value)
            lines = max(lines, -(-_display_width(text) // max(width - 1, 1)))
        # Merged cells never grow to fit their text, so the height is set here.
        ws.row_dimensions[row].height = max(22, 15 * lines + 6)
        row += 1
    return row


def _team_total(ws: Worksheet, row: int, total: int) -> None:
    """The closing line of section 四, as on the printed form."""
    _merged(ws, row, 1, 7, "班组人数总计", Font(name=BODY_FONT, bold=True),
            Alignment(horizontal="center", vertical="center"), BOX)
    _merged(ws, row, 8, 8, total, Font(name=BODY_FONT, bold=True),
            Alignment(horizontal="center", vertical="center"), BOX)
    ws.row_dimensions[row].height = 24


# -- 初审表 ------------------------------------------------------------------------

REVIEW_SHEET = "初审表"
# One sheet for both 课题类型: the steps they share stand in one column (设定目标 and 创新型's
# 设定目标及目标可行性论证, 制定巩固措施 and 标准化), so the meeting filters and sorts one table;
# a step the other type has not reads "不适用".
REVIEW_STEPS = (
    ("选择课题", ("选择课题",)), ("现状调查", ("现状调查",)),
    ("设定目标（及可行性论证）", ("设定目标", "设定目标及目标可行性论证")),
    ("原因分析", ("原因分析",)), ("确定主要原因", ("确定主要原因",)),
    ("提出方案并确定最佳方案", ("提出方案并确定最佳方案",)), ("制定对策", ("制定对策",)), ("对策实施", ("对策实施",)),
    ("效果检查", ("效果检查",)), ("巩固措施/标准化", ("制定巩固措施", "标准化")),
    ("总结和下一步打算", ("总结和下一步打算",)),
)
REVIEW_HEADERS = ("总编号", "单位", "小组", "课题", "课题类型", *(name for name, _ in REVIEW_STEPS),
                  "目标是否达到", "统计方法及图表", "疑似抄袭", "相同比例", "来源")
NOT_APPLICABLE = "不适用"
NO_REPORT = "未收到可读的成果报告"
NO_FILL = PatternFill("solid", fgColor="F8CBAD")       # something an expert looks for is missing
UNCLEAR_FILL = PatternFill("solid", fgColor="FFE699")  # the evidence is unclear
# The figures of a POSSIBLE_COPY flag as intake/review/copies.py words it, read before the quoted
# passages (which may hold other percentages).
_TEXT_SHARE = re.compile(r"约(\d+)%的文字相同|文字相同约(\d+)%")
_DATA_SHARE = re.compile(r"数据约(\d+)%")
_PASSAGES = "最长的相同段落"



def _review_sheet(ws: Worksheet, registry: Registry, reviews: dict[str, PreReview]) -> None:
    ws.append(REVIEW_HEADERS)
    for row in registry.rows:
        ws.append(_review_row(row, reviews.get(row.number)))
        _shade_review_row(ws, ws.max_row, reviews.get(row.number))
    for cell in ws[1]:
        cell.font, cell.fill, cell.border = Font(name=BODY_FONT, bold=True), HEAD_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            cell.font, cell.border = Font(name=BODY_FONT, size=10), BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    _fit_columns(ws, widest={i: 46 for i in range(6, len(REVIEW_HEADERS) + 1)} | {4: 30, 2: 24, 3: 18})
    ws.freeze_panes = "F2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(REVIEW_HEADERS))}{max(ws.max_row, 2)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 2, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows, ws.print_title_cols = "1:1", "A:A"


def _copy_share(detail: str) -> str:
    """"文字约41%，表格数据约62%": the shares the flag states, not the figures it quotes."""
    detail = detail.split(_PASSAGES)[0]
    text = next((a or b for a, b in _TEXT_SHARE.findall(detail)), None)
    data = _DATA_SHARE.search(detail)
    parts = ([f"文字约{text}%"] if text else []) + ([f"表格数据约{data.group(1)}%"] if data else [])
    return "，".join(parts)


def _review_row(row: RegistryRow, review: PreReview | None) -> list:
    copies = [p.detail for p in row.flags if p.code == "POSSIBLE_COPY"]
    copy_cells = ["是" if copies else "", "\n".join(_copy_share(d) for d in copies),
                  "\n".join(d.split(_PASSAGES)[0].rstrip("。，") for d in copies)]
    head = [row.number, row.enterprise, row.group, row.topic, row.topic_type]
    if review is None:
        return head + [NO_REPORT] + [""] * (len(REVIEW_STEPS) + 1) + copy_cells
    steps = {s.step: s for s in review.steps}
    cells = [next((steps[n].summary for n in names if n in steps), NOT_APPLICABLE) for _, names in REVIEW_STEPS]
    return head + cells + [review.target.summary, review.tools_summary] + copy_cells


def _shade_review_row(ws: Worksheet, index: int, review: PreReview | None) -> None:
    """A step with something missing in red, with something unclear in yellow: seen in one look."""
    if review is None:
        return
    steps = {s.step: s for s in review.steps}
    for col, (_, names) in enumerate(REVIEW_STEPS, 6):
        step = next((steps[n] for n in names if n in steps), None)
        states = {step.state, *(e.state for e in step.evidence)} if step else set()
        fill = NO_FILL if NO in states else UNCLEAR_FILL if UNCLEAR in states else None
        if fill:
            ws.cell(index, col).fill = fill
    target = ws.cell(index, 6 + len(REVIEW_STEPS))
    if review.target.state in (MISSED, UNKNOWN):
        target.fill = NO_FILL if review.target.state == MISSED else UNCLEAR_FILL


def registry_workbook(store: Store, settings: Settings) -> bytes:
    """The registry as .xlsx bytes: 报名登记表, 推荐汇总表 (附件8) and 初审表."""
    registry = load_registry(store, settings)
    by_id = review_registrations(store)
    return write_workbook(registry, {number: by_id[reg_id] for reg_id, number in registry.numbers_by_id.items()
                                     if reg_id in by_id})
