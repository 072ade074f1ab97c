"""The official forms of the notice (SPEC §3) as data.

Extractors are generic over this table: next year's forms are a change
here only. A label is matched after normalisation (see `labels.py`), so
synonyms need not repeat spacing or full/half-width variants, and a
bracketed suffix such as "（以公章为准）" or "（700字以内）" is optional.
"""
from __future__ import annotations

from dataclasses import dataclass

from intake.base.model import DocumentKind as K


@dataclass(frozen=True)
class Field:
    """One labelled value on a form; `name` is the canonical key."""

    name: str
    synonyms: tuple[str, ...] = ()
    required: bool = True
    numeric: bool = False
    # Long text: its value may follow in the same cell, the next row or
    # the following paragraphs.
    long_text: bool = False
    word_limit: int | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


@dataclass(frozen=True)
class RowGroup:
    """A list read from a table: a header row of columns, then one dict per row."""

    name: str
    columns: tuple[Field, ...]
    # Section titles that start this list (附件8 has four lists).
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    kind: K
    annex: str
    # Words of the form's title; the first match decides the form.
    titles: tuple[str, ...]
    fields: tuple[Field, ...]
    rows: tuple[RowGroup, ...] = ()
    needs_seal: bool = False
    # Generic title words: a weak hint only ("报名表" is on four forms).
    weak_titles: tuple[str, ...] = ()
    # Cells between a label and its value to skip (附件7's unit column).
    units: tuple[str, ...] = ()
    # Fields (or lists) only this form has: without its title, a document is this
    # form only when it has some of them. 单位名称/联系人/电话 are on every 回执.
    signature: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _f(name: str, *synonyms: str, **kw) -> Field:
    return Field(name, tuple(synonyms), **kw)


def _opt(name: str, *synonyms: str, **kw) -> Field:
    return Field(name, tuple(synonyms), required=False, **kw)


def _num(name: str, *synonyms: str, **kw) -> Field:
    return Field(name, tuple(synonyms), numeric=True, **kw)


ENTRY_FORM = FormSpec(
    K.ENTRY_FORM, "附件2",
    titles=("竞赛活动报名表", "成果竞赛报名表", "QC小组报名表", "QC成果报名表"),
    signature=("QC小组名称", "课题名称", "课题类型", "小组活动指导者", "QC小组简介", "主要活动过程与效果"),
    weak_titles=("报名表",),
    needs_seal=True,
    fields=(
        _f("QC小组名称", "小组名称", "QC小组名"),
        _num("人数", "小组人数", "成员人数"),
        _f("课题名称", "课题", "成果名称"),
        _f("课题类型"),
        _f("企业名称", "企业名称(以公章为准)", "单位名称", "企业全称"),
        _f("邮编", "邮政编码"),
        _f("通讯地址", "通信地址", "地址"),
        _f("联系人"),
        _f("企业内主管部门", "主管部门"),
        _f("电话", "联系电话", "手机"),
        _f("小组活动指导者", "活动指导者", "指导者"),
        _opt("传真"),
        _f("QC小组简介", "小组简介", long_text=True),
        _f("主要活动过程与效果", "活动过程与效果", long_text=True),
        _opt("发表人", "发表人员", "发表人姓名"),
        _opt("总编号"),
    ),
)

ENTERPRISE_NOMINATION = FormSpec(
    K.ENTERPRISE_NOMINATION, "附件3",
    titles=("优秀企业报名表", "活动优秀企业"),
    signature=("经验事迹简介", "推荐单位意见"),
    needs_seal=True,
    fields=(
        _f("企业名称", "单位名称"),
        _f("电话", "联系电话"),
        _f("通讯地址", "通信地址"),
        _f("邮编", "邮政编码"),
        _f("经验事迹简介", "事迹简介", long_text=True, word_limit=700),
        _opt("推荐单位意见", "推荐单位、部门意见", long_text=True),
        _opt("总编号"),
    ),
)

PROMOTER_NOMINATION = FormSpec(
    K.PROMOTER_NOMINATION, "附件4",
    titles=("优秀推进者报名表", "活动优秀推进者"),
    signature=("本人主要事迹和绩效", "所在单位意见", "推荐单位意见"),
    needs_seal=True,
    fields=(
        _f("姓名"),
        _f("性别"),
        _f("职务"),
        _f("所在单位", "单位名称"),
        _f("电话", "联系电话"),
        _f("通讯地址", "通信地址"),
        _f("邮编", "邮政编码"),
        _f("本人主要事迹和绩效", "主要事迹和绩效", long_text=True, word_limit=700),
        _opt("所在单位意见", long_text=True),
        _opt("推荐单位意见", long_text=True),
        _opt("总编号"),
    ),
)

GROUP_REGISTRATION = FormSpec(
    K.GROUP_REGISTRATION, "附件5",
    titles=("注册登记表",),
    signature=("课题类型", "成立日期", "登记注册号", "组长姓名", "成员"),
    needs_seal=True,
    fields=(
        _f("课题类型"),
        _f("小组名称", "QC小组名称"),
        _f("所在部门"),
        _f("成立日期", "成立时间"),
        _f("登记注册号", "注册号", "注册登记号"),
        _f("组长姓名", "组长"),
        _f("性别", "组长性别"),
        _f("职务", "组长职务"),
        _opt("单位", "单位(章)"),
    ),
    rows=(
        RowGroup("成员", (
            _f("姓名", "成员姓名"),
            _num("年龄"),
            _f("职务或职称", "职务(或职称)", "职务", "职称"),
            _f("分工", "成员分工情况", "分工情况", "职责分工"),
        )),
    ),
)

TEAM_NOMINATION = FormSpec(
    K.TEAM_NOMINATION, "附件6",
    titles=("质量信得过班组报名表",),
    signature=("班组名称", "班组工作完成率", "质量考核合格率", "年质量、安全事故数", "成员参与改进活动率", "班组长"),
    needs_seal=True,
    fields=(
        _f("班组名称"),
        _num("人数", "班组人数"),
        _f("企业名称", "企业名称(公章为准)", "单位名称"),
        _f("通讯地址", "通信地址"),
        _f("邮政编码", "邮编"),
        _opt("企业内主管部门", "主管部门"),
        _f("联系人", "直接联系人"),
        _f("联系电话", "电话"),
        _num("班组工作完成率"),
        _num("质量考核合格率"),
        _num("产品/服务不合格率", "不合格率"),
        _num("年质量、安全事故数", "质量、安全事故数", "年质量安全事故数"),
        _num("年顾客投诉数", "顾客投诉数"),
        _num("产品/服务一次合格率", "一次合格率"),
        _f("年培训人数/时数", "培训人数/时数"),
        _num("成员参与改进活动率"),
        _num("质量成本", "质量成本(万元/年)"),
        _f("班组长", "班组长姓名"),
        _opt("性别"), _opt("年龄"), _opt("职务"),
        _opt("质量信得过班组简介及活动结果", long_text=True, word_limit=5000),
        _opt("总编号"),
    ),
    rows=(
        RowGroup("成员", (
            _f("姓名", "成员姓名"),
            _num("年龄"),
            _f("性别"),
            _f("职称", "职务"),
            _f("职责分工", "分工"),
        )),
    ),
)

ACTIVITY_STATISTICS = FormSpec(
    K.ACTIVITY_STATISTICS, "附件7",
    titles=("活动统计表",),
    signature=("成果发表会次数", "累计注册QC小组数", "QC小组普及率", "QC小组成果率", "坚持活动QC小组数"),
    units=("次", "次/人", "万个", "个", "%", "万元", "条", "人"),
    fields=(
        _num("成果发表会次数", "本年度市、行业召开QC小组成果发表会次数"),
        _f("培训交流次数与人数", "本年度本市、行业质协组织的培训/交流次数与人数"),
        _num("累计注册QC小组数", "历年来已登记注册QC小组累计数"),
        _num("本年度注册QC小组数", "本年度已登记注册QC小组数"),
        _num("QC小组普及率", "本年度QC小组普及率",
             "本年度QC小组普及率=参加QC小组人数/职工总数×100%"),
        _num("坚持活动QC小组数", "本年度坚持活动的QC小组数"),
        _num("创造经济价值", "本年度QC小组创可计算的经济价值"),
        _num("QC小组成果率", "本年度QC小组成果率",
             "本年度QC小组成果率=取得成果小组数/QC小组注册数×100%"),
        _num("活动经费投入", "本年度企业对QC小组活动经费投入"),
        _num("活动奖励费用", "本年度企业对QC小组活动奖励费用"),
        _num("合理化建议数", "本年度QC小组成员提合理化建议数"),
        _f("诊断师数", "具备省级/国家级QC小组活动诊断师数"),
        _num("本年度推荐班组数", "本年度推荐质量信得过班组数"),
        _num("累计推荐班组数", "历年推荐质量信得过班组累计数"),
        _num("班组活动投入费用", "本年度对质量信得过班组活动投入费用"),
        _num("班组奖励费用", "对质量信得过班组奖励费用"),
        _opt("班组评审及交流形式", "班组评审及交流形式(在上打V)"),
        _opt("归口部门", "QC小组/质量信得过班组工作归口部门"),
        _opt("负责人"), _opt("联系电话"), _opt("通信地址", "通讯地址"),
        _opt("邮政编码", "邮编"), _opt("电子邮箱", "邮箱"),
        _opt("QC小组工作总结", word_limit=3000),
        _opt("质量信得过班组建设工作总结", word_limit=2000),
    ),
)

NOMINATION_SUMMARY = FormSpec(
    K.NOMINATION_SUMMARY, "附件8",
    titles=("推荐汇总表",),
    signature=("优秀质量管理小组活动成果", "质量管理小组活动优秀企业", "质量管理小组活动优秀推进者", "质量信得过班组"),
    fields=(_opt("编号", "总编号"), _opt("班组人数总计", numeric=True)),
    rows=(
        RowGroup("优秀质量管理小组活动成果", (
            _opt("序号", numeric=True), _f("企业名称"), _f("小组名称"), _num("小组人数"),
        ), titles=("优秀质量管理小组活动成果", "优秀QC小组")),
        RowGroup("质量管理小组活动优秀企业", (
            _opt("序号", numeric=True), _f("企业名称"), _f("联系电话"), _f("联系人"),
        ), titles=("活动优秀企业", "优秀企业")),
        RowGroup("质量管理小组活动优秀推进者", (
            _opt("序号", numeric=True), _f("推进者姓名"), _f("所在单位名称", "所在单位"),
            _f("联系电话"), _f("联系人"),
        ), titles=("活动优秀推进者", "优秀推进者")),
        RowGroup("质量信得过班组", (
            _opt("序号", numeric=True), _f("单位名称", "单位名称(以公章为准)", "企业名称"),
            _f("班组名称"), _f("班组长"), _f("成员名单"),
        ), titles=("质量信得过班组",)),
    ),
)

FORMS: tuple[FormSpec, ...] = (
    ENTRY_FORM, ENTERPRISE_NOMINATION, PROMOTER_NOMINATION, GROUP_REGISTRATION,
    TEAM_NOMINATION, ACTIVITY_STATISTICS, NOMINATION_SUMMARY,
)


def spec_for(kind: K) -> FormSpec | None:
    """The form description of a kind, or None for reports, scans, others."""
    return next((s for s in FORMS if s.kind == kind), None)


_NAMES = {K.ENTRY_FORM: "报名表（附件2）", K.GROUP_REGISTRATION: "QC小组注册登记表（附件5）"}


def form_name(kind: K) -> str:
    """How a reply names a form: "优秀企业报名表（附件3）"."""
    if kind in _NAMES:
        return _NAMES[kind]
    spec = spec_for(kind)
    return f"{spec.titles[0]}（{spec.annex}）" if spec else "文件"
