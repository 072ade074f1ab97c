"""Give each message exactly one classification (SPEC §5).

Two questions in order: does the envelope say what it is (our own mail, a
bounce, an auto-reply, a duplicate, a correction)? If not, what does the
content say (a submission, an observer registration, an inquiry)? Anything
machine-generated is recognised first, so it can never start a mail loop.
"""
from __future__ import annotations

import re

from intake.links import find_link_attachments
from intake.model import Classification, Document, DocumentKind, IncomingMail

_AUTO_SUBJECT = re.compile(r"^\s*(自动回复|自动答复|auto(matic)?[ -]?repl|out of (the )?office|休假|假期自动)", re.I)
_BOUNCE_SUBJECT = re.compile(r"(undeliver|delivery status|delivery fail|returned mail|退信|投递失败|系统退信)", re.I)
_DAEMONS = ("mailer-daemon@", "postmaster@", "mail-daemon@")
_SUBMISSION_WORDS = re.compile(r"报名|参赛|申报|成果|报名表|QC|推荐")
_OBSERVER_WORDS = re.compile(r"观摩")
_FORM_KINDS = frozenset(DocumentKind) - {DocumentKind.OTHER, DocumentKind.PRESENTATION}


def is_bounce(mail: IncomingMail) -> bool:
    """A delivery status notification (RFC 3464) or a mailer daemon's message."""
    content_type = mail.header("content-type").lower()
    return (mail.sender.startswith(_DAEMONS)
            or "report-type=delivery-status" in content_type.replace(" ", "").replace('"', "")
            or mail.header("return-path").strip() == "<>"
            or bool(_BOUNCE_SUBJECT.search(mail.subject) and not mail.sender))


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
                      duplicate: bool, cites_registration: bool) -> Classification | None:
    """What the headers and history alone decide; None when content must decide."""
    if mail.sender in own_addresses:
        return Classification.OWN_MAIL
    if is_bounce(mail):
        return Classification.BOUNCE
    if is_auto_reply(mail):
        return Classification.AUTO_REPLY
    if not mail.sender:
        return Classification.UNREADABLE
    if duplicate:
        return Classification.DUPLICATE
    if cites_registration:
        return Classification.CORRECTION
    return None


def classify_content(mail: IncomingMail, documents: tuple[Document, ...]) -> Classification:
    """Submission, observer or inquiry, from the documents and the words used."""
    text = f"{mail.subject}\n{mail.body_text}"
    if any(doc.kind in _FORM_KINDS for doc in documents):
        return Classification.SUBMISSION
    if _OBSERVER_WORDS.search(text):
        return Classification.OBSERVER
    if find_link_attachments(mail.body_text):
        return Classification.SUBMISSION
    if _SUBMISSION_WORDS.search(text) and (documents or "附件" in text):
        return Classification.SUBMISSION
    return Classification.INQUIRY
