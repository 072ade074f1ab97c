"""Another writer's words: the same facts as the report builder's, phrased otherwise.

Two groups reporting on the same subject share its terms (市电停电, 蓄电池,
排列图) but not their sentences. ``reword`` rewrites a builder's text the way a
different writer would, choosing for each occurrence of a common word or
phrase one of its equivalents (seeded, so a sample is stable). Tests of copy
detection build honest same-subject reports with it, so that they do not pass
only because every sample was written from one template.
"""
from __future__ import annotations

import random
import re

# A word or phrase → what other writers put in its place (the original stays a choice).
EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "小组成员": ("组员", "全体组员", "小组人员", "QC小组成员"),
    "小组": ("本小组", "QC小组", "我们小组", "课题组"),
    "通过": ("经过", "借助", "依托"),
    "进行": ("开展", "实施", "组织"),
    "统计": ("汇总统计", "统计汇总", "梳理统计"),
    "问题": ("故障问题", "问题点", "质量问题"),
    "分析": ("剖析", "研究分析", "深入分析"),
    "确定": ("明确", "确认", "认定"),
    "实施": ("落实", "推行", "执行"),
    "制定": ("编制", "拟定", "研究制定"),
    "数据": ("统计数据", "指标数据", "基础数据"),
    "活动": ("QC活动", "攻关活动", "小组活动"),
    "及时": ("第一时间", "尽快", "迅速"),
    "考核": ("绩效考核", "考评", "指标考核"),
    "要求": ("规定", "标准要求", "目标要求"),
    "完成": ("达成", "实现", "做完"),
    "影响": ("制约", "作用", "干扰"),
    "维护": ("运维", "维护保障", "日常维护"),
    "公司": ("我公司", "本单位", "分公司"),
    "措施": ("举措", "办法", "工作措施"),
    "对策": ("改进对策", "应对措施", "解决对策"),
    "原因": ("成因", "因素", "起因"),
    "现状": ("当前状况", "实际情况", "现有水平"),
    "结果": ("结论", "统计结果", "情况"),
    "组织": ("安排", "统筹", "部署"),
    "调取了": ("收集了", "导出了", "整理了"),
    "调查": ("摸排", "调研", "排查"),
    "开展": ("组织开展", "推进", "启动"),
    "发现": ("看到", "查明", "找出"),
    "提升": ("提高", "改善", "优化"),
    "降低": ("减少", "压降", "下降"),
    "主要": ("关键", "首要", "重点"),
    "人员": ("员工", "工作人员", "同事"),
    "工作": ("业务", "工作任务", "作业"),
    "检查": ("核查", "检验", "抽检"),
    "效果": ("成效", "效果情况", "实际效果"),
    "管理": ("管控", "管理工作", "把控"),
    "明显": ("显著", "较大", "突出"),
    "需要": ("必须", "有必要", "应当"),
    "为此": ("因此", "基于此", "鉴于此"),
    "其中": ("这当中", "其内", "当中"),
    "针对": ("围绕", "面对", "就"),
    "逐条": ("逐一", "一条一条地", "逐项"),
    "确认": ("验证", "核实", "论证"),
    "经过": ("历经", "通过", "经"),
    "全部": ("全都", "悉数", "均"),
    "站点": ("基站", "站址", "机房"),
    "及时更换": ("尽快更换", "立即更换", "按期更换"),
    "停电": ("断电", "失电", "掉电"),
    "告警": ("告警信息", "报警", "预警"),
    "蓄电池": ("电池组", "后备电池", "蓄电池组"),
    "油机": ("发电油机", "移动油机", "油机设备"),
    "派单": ("派发工单", "工单派发", "调度派单"),
    "提高": ("增强", "改进", "拉升"),
    "客户": ("用户", "客户群体", "广大用户"),
    "感知": ("体验", "满意度", "使用感受"),
    "直接": ("直接地", "明显", "切实"),
    "差距": ("不足", "距离", "落差"),
    "网络": ("网络质量", "通信网络", "全网"),
    "方面": ("层面", "角度", "维度"),
    "认识": ("理解", "了解", "掌握"),
    "能够": ("可以", "已能", "能"),
    "熟练": ("灵活", "较好地", "正确"),
    "运用": ("使用", "应用", "采用"),
    "末端因素": ("末端原因", "末端因", "末端因素"),
    "要因": ("主要原因", "要因", "主因"),
    "症结": ("关键问题", "症结", "主要症结"),
    "样本": ("样品", "样本数据", "抽样对象"),
    "抽取": ("随机抽取", "选取", "抽查"),
    "核查": ("核对", "检查核实", "复核"),
    "方法": ("方式", "办法", "手段"),
    "占比": ("比例为", "所占比例", "比重"),
    "结论": ("确认结论", "判定", "结论为"),
    "累计涉及": ("共涉及", "覆盖", "合计涉及"),
    "每周召开一次进度会": ("每周例会通报进度", "按周召开推进会", "每周碰头一次"),
    "先进单位": ("标杆单位", "兄弟单位", "先进地市"),
    "查阅了": ("对比了", "参考了", "调研了"),
    "持续跟踪": ("跟踪监测", "持续关注", "连续观察"),
    "指标保持稳定": ("指标稳定", "指标未出现反弹", "指标平稳"),
    "优于": ("好于", "超过", "达到并优于"),
    "头脑风暴法": ("头脑风暴", "集思广益的方法", "脑力激荡法"),
    "抽查验证": ("抽样验证", "现场抽查", "复查"),
    "方案": ("实施方案", "工作方案", "计划"),
    "纳入": ("写入", "列入", "补充进"),
    "作为": ("定为", "当作", "选作"),
    "本次": ("这次", "此次", "本轮"),
    "可以": ("能够", "可", "完全可以"),
    "因此": ("所以", "故", "由此可见"),
    "原则": ("要求", "方法", "思路"),
    "严格遵循": ("坚持", "始终遵循", "严格按照"),
    "成员": ("组员", "伙伴", "同事"),
    "均有": ("都有", "普遍有", "均得到"),
    "活动前": ("改进前", "实施前", "攻关前"),
    "活动后": ("改进后", "实施后", "攻关后"),
    "对症结": ("对关键问题", "对主要问题", "对症结问题"),
    "影响程度": ("作用大小", "影响大小", "关联程度"),
    "分批": ("分步", "分阶段", "逐批"),
    "梳理": ("整理", "理顺", "盘点"),
    "部门审核": ("部门审批", "领导审定", "专业审核"),
    "发现问题及时纠偏": ("有偏差马上纠正", "出现偏差立即整改", "随时纠偏"),
    "下降到": ("减少到", "降低至", "降为"),
    "经济效益": ("经济收益", "直接效益", "创效"),
    "先后": ("陆续", "相继", "依次"),
}
_PATTERN = re.compile("|".join(sorted(map(re.escape, EQUIVALENTS), key=len, reverse=True)))
# Joining words a writer puts after a comma of their own accord.
LINKS = ("并", "同时", "随后", "进而", "另外", "据此", "由此", "其次", "总之", "再者")
OPENINGS = ("经研究，", "据统计，", "具体来看，", "总体而言，", "实践表明，", "在此基础上，", "同时，", "另外，")


def reword(text: str, rng: random.Random, rate: float = 0.9, *, openings: bool = True,
           keep: tuple[str, ...] = ()) -> str:
    """``text`` in another writer's words: most common words replaced, and (prose,
    not table cells) some sentences opened otherwise. The phrases in ``keep`` (the
    topic, the indicator's name) stay as they are: a writer does not rename what
    the group measured."""
    kept = [phrase for phrase in sorted(set(keep), key=len, reverse=True) if phrase]
    for n, phrase in enumerate(kept):
        text = text.replace(phrase, f"\x00{n}\x00")
    out = _PATTERN.sub(lambda m: rng.choice(EQUIVALENTS[m.group()]) if rng.random() < rate else m.group(), text)
    out = re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], out)
    if not openings:
        return out
    out = re.sub("，", lambda m: "，" + rng.choice(LINKS) if rng.random() < 0.4 else "，", out)
    sentences = re.split("(?<=。)", out)
    return "".join(rng.choice(OPENINGS) + s if s and rng.random() < 0.3 else s for s in sentences)
