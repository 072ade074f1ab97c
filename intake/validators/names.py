"""Names compared the way a person compares them: units, groups, topics, people.

A unit is known by its full name, not by the address that mailed it; two
spellings are the same unit when they differ only in spaces, punctuation,
brackets, full/half width or 有限责任公司 written as 有限公司.
"""
from __future__ import annotations

import re
import unicodedata

from intake.sort.assemble import squash

# Suffixes a full unit name ends with; a name without one is likely a short form.
UNIT_SUFFIXES = ("公司", "集团", "院", "局", "中心", "厂", "所", "站", "部", "处", "室", "队", "社",
                 "协会", "学会", "委员会", "学校", "大学", "学院", "医院", "银行", "馆", "矿", "场", "段")
SHORTEST_FULL_NAME = 6
_GROUP_SUFFIXES = ("质量管理小组", "QC小组", "小组")
_NAME_SEPARATORS = re.compile(r"[、，,;；/／\s]+")
_BRACKETED = re.compile(r"[(（][^)）]{0,10}[)）]")


def plain(text: object) -> str:
    """NFKC-normalised text without surrounding whitespace ('' for None)."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def loose(text: object) -> str:
    """For tolerant comparison: NFKC, no whitespace or punctuation, case-folded."""
    return squash(plain(text)).casefold()


def unit_key(name: object) -> str:
    """The key a unit is counted under across mails (quota, nominations)."""
    return loose(name).replace("有限责任公司", "有限公司")


def group_key(name: object) -> str:
    """A group name without its generic ending: "创新工作室QC小组" ~ "创新工作室"."""
    key = loose(name)
    for suffix in _GROUP_SUFFIXES:
        ending = suffix.casefold()
        if key.endswith(ending) and len(key) > len(ending):
            return key[: -len(ending)]
    return key


def topic_key(name: object) -> str:
    return loose(name)


def looks_abbreviated(name: object) -> bool:
    """A unit name that is probably a short form ("运城移动", "山西联通"); conservative."""
    text = plain(name)
    core = squash(text)
    if not core:
        return False
    return len(core) < SHORTEST_FULL_NAME or not core.endswith(UNIT_SUFFIXES)


def person_names(value: object) -> list[str]:
    """"张三、李四，王五（组长）" → ["张三", "李四", "王五"]."""
    parts = _NAME_SEPARATORS.split(_BRACKETED.sub("", plain(value)))
    return [name for part in parts if (name := part.removesuffix("等人").removesuffix("等"))]


def result_key(topic: object, group: object) -> str:
    """One QC result of a unit: its topic, else its group."""
    return topic_key(topic) or (f"小组:{group_key(group)}" if group_key(group) else "")
