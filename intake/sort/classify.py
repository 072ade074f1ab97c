"""Give each message exactly one classification (SPEC §5), and say why.

Two questions in order: does the envelope say what it is (our own mail, a
bounce, an auto-reply or read receipt, a duplicate, a correction)? If not,
is there evidence that the mail is meant for this competition?

Every automatic answer leaves the association's mailbox under its name, so
a mail is a `submission` only on evidence: an official form or a QC results
report recognised by its content (`Recognition.CONTENT` or `OCR`), or words
of the sender's that register for this competition (报名/参赛/报送 together
with the competition's name, 成果竞赛, QC小组成果 …). Attachments alone are
no evidence: a photo, a scanned contract, a PDF or another event's 报名回执
says nothing about our competition. Words that advertise another event
(培训班, 会务费, 开户行 …) or that ask a question of a mail without files
leave it to a person: everything a person must read is an `inquiry`, which
is never answered automatically.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from intake.base.config import CompetitionSettings
from intake.extractors.forms import form_name, spec_for
from intake.mime.links import links_in_mail
from intake.base.model import Classification, Document, DocumentKind, IncomingMail, Recognition
from intake.base.text import clip, own_words

_AUTO_SUBJECT = re.compile(r"^\s*(自动回复|自动答复|auto(matic)?[ -]?repl|out of (the )?office|休假|假期自动)", re.I)
_RECEIPT_SUBJECT = re.compile(r"^\s*(已读|已阅读|已读回执|read|read receipt|gelesen|lu)\s*[:：]", re.I)
_BOUNCE_SUBJECT = re.compile(r"(undeliver|delivery status|delivery fail|returned mail|退信|投递失败|系统退信)", re.I)
_DAEMONS = ("mailer-daemon@", "postmaster@", "mail-daemon@")

# What names the competition (besides its configured name and words).
_IDENTITY = (r"成果竞赛|成果比赛|QC小组成果|QC成果|质量管理小组(?:活动)?成果|质量管理成果|QC小组活动成果"
             r"|QC小组(?:竞赛|比赛|评选|发表)|QC发表|成果发表")
# What registers: the act, as senders write it.
_ACT = re.compile(r"报名|参赛|申报|报送|参加(?:本次|此次|今年)?(?:竞赛|比赛|评选)")
# A registration without files says it sends them.
_SENDS = re.compile(r"附件|附上|随信|随邮件|见附|请查收|请查阅|请收|发送|提交|报送|上报|网盘|云盘|链接|下载|分享")
# Words of another event's advertisement or notice: a person reads those.
_ELSEWHERE = re.compile(r"培训班|培训费|研修班|培训课程|会务费|报名费|参会费|收费标准|汇款|开户行|户名|账号|学费|食宿|"
                        r"讲师|授课|课程安排|诚邀|招生|优惠")
_QUESTION = re.compile(r"请问|[?？]|吗|能否|是否|可否|怎么|怎样|如何|咨询|请教")
_URL = re.compile(r"(?:https?|ftp)://\S+", re.I)
_OBSERVER = re.compile(r"观摩")
_OBSERVER_CONTEXT = re.compile(r"发表|竞赛|成果|QC|现场")
_EVIDENT_KINDS = frozenset(DocumentKind) - {DocumentKind.OTHER, DocumentKind.PRESENTATION, DocumentKind.SCAN}
_FROM_CONTENT = frozenset({Recognition.CONTENT, Recognition.OCR})


@dataclass(frozen=True)
class Classified:
    """A classification with why, in words for the secretariat (`classification_reason`)."""

    kind: Classification
    reason: str


def is_bounce(mail: IncomingMail) -> bool:
    """A delivery status notification (RFC 3464) or a mailer daemon's message."""
    content_type = mail.header("content-type").lower()
    return (mail.sender.startswith(_DAEMONS)
            or "report-type=delivery-status" in content_type.replace(" ", "").replace('"', "")
            or mail.header("return-path").strip() == "<>"
            or bool(_BOUNCE_SUBJECT.search(mail.subject) and not mail.sender))


def is_read_receipt(mail: IncomingMail) -> bool:
    """A read receipt: an RFC 8098 disposition notification, or a client's 已读 note."""
    content_type = mail.header("content-type").lower().replace(" ", "").replace('"', "")
    return "report-type=disposition-notification" in content_type or bool(_RECEIPT_SUBJECT.search(mail.subject))


def is_auto_reply(mail: IncomingMail) -> bool:
    """RFC 3834 and the vendor headers QQ, Exchange and list servers use."""
    auto_submitted = mail.header("auto-submitted").strip().lower()
    precedence = mail.header("precedence").strip().lower()
    return ((auto_submitted not in ("", "no"))
            or precedence in ("bulk", "junk", "list", "auto_reply")
            or any(name in mail.headers for name in ("list-id", "list-unsubscribe", "list-post"))
            or mail.header("x-autoreply").lower() in ("yes", "true", "1")
            or bool(mail.header("x-autorespond"))
            or bool(_AUTO_SUBJECT.search(mail.subject)))


def classify_envelope(mail: IncomingMail, *, own_addresses: frozenset[str],
                      duplicate: bool, cites: str | None) -> Classified | None:
    """What the headers and history alone decide; None when content must decide.

    `cites` says how the mail refers to a registration (a number it quotes, or
    our reply it answers), None when it does not.
    """
    if mail.sender in own_addresses:
        return Classified(Classification.OWN_MAIL, "发件人是本邮箱自己的地址")
    if is_bounce(mail):
        return Classified(Classification.BOUNCE, "退信（投递失败通知）")
    if is_read_receipt(mail):
        return Classified(Classification.AUTO_REPLY, "已读回执")
    if is_auto_reply(mail):
        return Classified(Classification.AUTO_REPLY, "自动回复或群发邮件（邮件头标明为自动发送）")
    if not mail.sender:
        return Classified(Classification.UNREADABLE, "无法识别发件人地址")
    if duplicate:
        return Classified(Classification.DUPLICATE, "与此前收到的邮件相同")
    if cites and not mail.attachments and not links_in_mail(mail):
        # "收到，谢谢" to our 回执, or a word about a finding: a person answers, never the system.
        return Classified(Classification.INQUIRY, f"{cites.removesuffix('，按补正处理')}，但没有附带文件，由秘书处阅处")
    if cites:
        return Classified(Classification.CORRECTION, cites)
    return None


def classify_content(mail: IncomingMail, documents: tuple[Document, ...],
                     competition: CompetitionSettings) -> Classified:
    """Submission, observer or inquiry, from evidence in the documents and the sender's words."""
    evident = [doc for doc in documents if doc.kind in _EVIDENT_KINDS and doc.recognised_by in _FROM_CONTENT]
    if evident:
        names = "、".join(f"《{doc.filename}》识别为{_kind_name(doc.kind)}" for doc in evident[:3])
        return Classified(Classification.SUBMISSION, f"附件{names}")
    words = _sender_words(mail, documents)
    identity = _identity(competition).search(words)
    act = _ACT.search(words)
    elsewhere = _ELSEWHERE.search(words)
    question = _QUESTION.search(words)
    if elsewhere:
        return Classified(Classification.INQUIRY, f"未识别出本次竞赛的报名材料，邮件提到“{elsewhere[0]}”，"
                                                  "像是其他活动的通知或广告，由秘书处阅处")
    observer = _OBSERVER.search(words)
    if observer and _OBSERVER_CONTEXT.search(words) and not question and re.search(r"报名|参加", words):
        return Classified(Classification.OBSERVER, f"邮件报名现场观摩（“{_quote(words, observer)}”）")
    if identity and act:
        if not documents and question:
            return Classified(Classification.INQUIRY, f"邮件没有附件，是就报名提出的问题（“{_quote(words, question)}”）")
        if documents or _SENDS.search(words):
            return Classified(Classification.SUBMISSION,
                              f"邮件写明报名参加本次竞赛（“{_quote(words, identity)}”）")
    return Classified(Classification.INQUIRY, _why_inquiry(documents))


def _sender_words(mail: IncomingMail, documents: tuple[Document, ...]) -> str:
    """The subject, the sender's own words (not a quoted original) and the names of the files sent."""
    names = " ".join(doc.filename for doc in documents)
    text = _URL.sub(" ", f"{mail.subject}\n{own_words(mail.body_text)}\n{names}")  # "?" in a link asks nothing
    return re.sub(r"[ \t\u3000]+", "", text)


def _identity(competition: CompetitionSettings) -> re.Pattern:
    own = [re.escape(re.sub(r"\s+", "", word)) for word in (competition.name, *competition.identifying_words) if word]
    return re.compile("|".join([*own, _IDENTITY]), re.I)


def _quote(text: str, match: re.Match) -> str:
    start = max(0, match.start() - 12)
    return clip(text[start:match.end() + 12].replace("\n", " "), 40)


def _kind_name(kind: DocumentKind) -> str:
    return "QC小组成果报告" if kind is DocumentKind.QC_REPORT else form_name(kind) if spec_for(kind) else kind.value


def _why_inquiry(documents: tuple[Document, ...]) -> str:
    if not documents:
        return "邮件没有附件，也没有报名本次竞赛的字样"
    return f"附件（{len(documents)}个）中没有识别出本次竞赛的报名表或成果报告，邮件也没有报名本次竞赛的字样"
