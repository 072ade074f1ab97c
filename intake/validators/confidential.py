"""不得出现涉密信息: classification markings in the documents and the mail.

A marking is a line of its own, usually top right: "秘密★1年", "机密★",
"密级：秘密", "内部资料 注意保密", a lone "涉密文件". Such a line is a deficiency
(CONFIDENTIAL_MARKING). Weaker words ("仅供内部使用", "请勿外传", "涉密"
inside a sentence, a lone "机密" line) go to a person (POSSIBLE_CONFIDENTIAL).
Ordinary prose is left alone: "揭开高故障率的秘密", "做好保密工作",
"本成果不涉密". In the mail body only markings count: mail systems append
confidentiality disclaimers to every message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from intake.base.model import Finding, Submission
from intake.validators.context import RuleContext, deficiency, review
from intake.base.text import clip, lines, own_words

LEVELS = r"(绝密|机密|秘密|核心商密|普通商密|商密)"
# A marking line is short; a longer line quoting one is prose about it.
MARKING_CHARS = 40
HEAD_LINES = 5
_LEAD = r"^[\s【\[（(<《]*"

_STRONG = (
    re.compile(_LEAD + LEVELS + r"\s*[★☆]"),
    re.compile(LEVELS + r"\s*[★☆]"),
    re.compile(r"密\s*级\s*[:：]?\s*[【\[（(]?\s*" + LEVELS),
    re.compile(r"内部(资料|文件|材料)[\s，,、。.；;:：]*(注意保密|请勿外传|严禁外传|不得外传|严格保密|妥善保管)"),
)
_SHEMI_LINE = re.compile(_LEAD + r"涉密(文件|资料|材料|信息|件)?[\s】\]）)>》]*$")
_WEAK_LINE = re.compile(_LEAD + r"(绝密|机密|秘密|内部|内部资料|内部文件|内部使用|注意保密|严格保密|商业秘密|保密)"
                        r"[\s】\]）)>》]*$")
_WEAK_PHRASE = re.compile(r"仅供内部|仅限内部|内部使用|请勿外传|严禁外传|不得外传|注意保密|保密期限|密级[:：]\s*内部|涉密")
_NEGATION = re.compile(r"(不|非|无|未|没有|杜绝|防止|严禁|禁止|避免|不得|不含|不涉及)[^，。；,;]{0,4}$")


@dataclass(frozen=True)
class Hit:
    line: str
    strong: bool
    at_head: bool


def _negated(line: str, start: int) -> bool:
    return bool(_NEGATION.search(line[:start]))


def _judge(line: str) -> bool | None:
    """True for a marking, False for a weak signal, None for nothing."""
    short = len(line) <= MARKING_CHARS
    for n, pattern in enumerate(_STRONG):
        if (match := pattern.search(line)) and not _negated(line, match.start()):
            return short or n == 0
    if _SHEMI_LINE.match(line):
        return True
    if _WEAK_LINE.match(line):
        return False
    phrase = _WEAK_PHRASE.search(line)
    return False if phrase and not _negated(line, phrase.start()) else None


def find_markings(text: str) -> list[Hit]:
    hits = []
    for n, line in enumerate(lines(text)):
        verdict = _judge(line)
        if verdict is not None:
            hits.append(Hit(line, verdict, n < HEAD_LINES))
    return hits


def _where(hit: Hit, in_mail: bool) -> str:
    if in_mail:
        return "邮件正文中"
    return "文档开头" if hit.at_head else "文中"


def _findings(hits: list[Hit], document: str | None) -> list[Finding]:
    strong = [h for h in hits if h.strong]
    where = _where((strong or hits)[0], document is None)
    quoted = "、".join(f"“{clip(h.line)}”" for h in (strong or hits)[:3])
    if strong:
        return [deficiency("CONFIDENTIAL_MARKING", f"{where}有密级或保密标识{quoted}。", document=document)]
    return [review("POSSIBLE_CONFIDENTIAL", f"{where}出现{quoted}，可能涉及内部或保密信息，请人工核对。",
                   document=document)]


def check_confidentiality(sub: Submission, ctx: RuleContext) -> list[Finding]:
    findings = []
    for doc in sub.documents:
        if doc.error is None and doc.text and (hits := find_markings(doc.text)):
            findings += _findings(hits, doc.filename)
    # Mail systems append confidentiality disclaimers ("请勿外传"): only a marking counts there.
    if hits := [hit for hit in find_markings(own_words(sub.mail.body_text)) if hit.strong]:
        findings += _findings(hits, None)
    return findings
