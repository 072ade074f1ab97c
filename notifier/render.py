"""Replies rendered from named jinja2 templates, separately from sending.

Each reply type has a plain-text template `<type>.txt.j2` and an HTML one
`<type>.html.j2`; the HTML templates are autoescaped, so whatever a sender
wrote (names, file names) is shown as text, never read as markup. A folder
named by `[competition] templates_dir` overrides the built-in files one by
one. A type whose text is overridden there but whose HTML is not goes out as
plain text only, so the two versions of one reply never say different things.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from intake.base.config import CompetitionSettings
from intake.base.model import Finding, ReplyType
from intake.base.times import cn_date, cn_datetime, cn_deadline
from intake.validators.deadline import is_late

TEMPLATE_DIR = Path(__file__).parent / "templates"
# The deficiency notice of a mail received after the deadline: nothing to correct, the
# secretariat decides (still ReplyType.DEFICIENCY_NOTICE with LATE_SUBMISSION in the JSON).
LATE_NOTICE = "late_notice"
# Not a ReplyType: no incoming message is answered by it (see notifier/remind.py).
REMINDER = "reminder"


@dataclass(frozen=True)
class RegistrationSummary:
    """A registration as a reply shows it."""

    number: str
    enterprise: str
    group: str
    topic: str
    topic_type: str
    status: str


@dataclass(frozen=True)
class ReplyContent:
    subject: str
    text: str
    # The HTML alternative; None when only plain text goes out.
    html: str | None = None


@lru_cache(maxsize=8)
def _environment(override_dir: Path | None) -> Environment:
    folders = ([str(override_dir)] if override_dir else []) + [str(TEMPLATE_DIR)]
    return Environment(loader=FileSystemLoader(folders), undefined=StrictUndefined,
                       keep_trailing_newline=True, trim_blocks=False,
                       autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False))


def _override(competition: CompetitionSettings, override_dir: Path | None) -> Path | None:
    return override_dir or getattr(competition, "templates_dir", None)


def _render(name: str, subject: str, context: dict, override_dir: Path | None) -> ReplyContent:
    env = _environment(override_dir)
    context = {**context, "subject": subject}
    text = env.get_template(f"{name}.txt.j2").render(context)
    text_only = (override_dir is not None and (override_dir / f"{name}.txt.j2").is_file()
                 and not (override_dir / f"{name}.html.j2").is_file())
    html = None if text_only else env.get_template(f"{name}.html.j2").render(context)
    return ReplyContent(subject=subject, text=text, html=html)


def deadline_by(competition: CompetitionSettings) -> str:
    """The deadline as the notice says it: 3月3日前 (midnight), else 3月3日17:00前."""
    return cn_deadline(competition.deadline, competition.timezone)


def _salutation(sender_name: str, enterprises: list[str]) -> str:
    """The unit when the reply concerns one, else the sender's display name."""
    units = {name for name in enterprises if name}
    if len(units) == 1:
        return units.pop()
    return sender_name.strip() or "报名联系人"


def _common(competition: CompetitionSettings, now: datetime | None) -> dict:
    tz = competition.timezone
    # `deadline` stays for templates_dir overrides written before `deadline_by`; both say it the same way.
    return dict(competition=competition, deadline=deadline_by(competition),
                deadline_by=deadline_by(competition), today=cn_date(now or datetime.now(tz), tz))


def _subject(reply_type: ReplyType, registrations: list[RegistrationSummary], competition_name: str,
             late: bool = False) -> str:
    numbers = "、".join(reg.number for reg in registrations)
    if reply_type is ReplyType.ACKNOWLEDGEMENT:
        return (f"报名回执：总编号{numbers}（{competition_name}）" if numbers
                else f"材料接收回执（{competition_name}）")
    if reply_type is ReplyType.DEFICIENCY_NOTICE and late:
        prefix = f"逾期报名：总编号{numbers} " if numbers else "逾期报名："
        return f"{prefix}材料在报名截止后收到，是否受理由秘书处决定（{competition_name}）"
    if reply_type is ReplyType.DEFICIENCY_NOTICE:
        prefix = f"补正通知：总编号{numbers}" if numbers else "补正通知"
        return f"{prefix} 报名材料需补正（{competition_name}）"
    return f"观摩报名回执（{competition_name}）"


def render_reply(reply_type: ReplyType, *, competition: CompetitionSettings,
                 registrations: list[RegistrationSummary], deficiencies: list[Finding],
                 files: list[str], sender_name: str, received_at: datetime,
                 override_dir: Path | None = None, now: datetime | None = None) -> ReplyContent:
    """The subject, plain text and HTML of one reply, in the secretariat's Chinese.

    A deficiency notice for a mail received after the deadline says only that: its other
    deficiencies wait for the secretariat's decision and are not sent (the digest lists them).
    """
    tz = competition.timezone
    late = reply_type is ReplyType.DEFICIENCY_NOTICE and is_late(f.code for f in deficiencies)
    context = dict(
        _common(competition, now), registrations=registrations, deficiencies=deficiencies, files=files,
        salutation=_salutation(sender_name, [reg.enterprise for reg in registrations]),
        received=cn_datetime(received_at, tz), deadline_passed=received_at >= competition.deadline,
    )
    return _render(LATE_NOTICE if late else reply_type.value,
                   _subject(reply_type, registrations, competition.name, late), context,
                   _override(competition, override_dir))


def render_reminder(*, competition: CompetitionSettings, registration: RegistrationSummary,
                    deficiencies: list, sender_name: str = "", override_dir: Path | None = None,
                    now: datetime | None = None) -> ReplyContent:
    """A reminder (补正提醒) for a registration still deficient as the deadline nears.

    `deficiencies` are the standing ones: anything with code, document, field and detail.
    """
    context = dict(_common(competition, now), registration=registration, deficiencies=deficiencies,
                   salutation=_salutation(sender_name, [registration.enterprise]))
    subject = f"补正提醒：总编号{registration.number} 报名材料尚待补正（{competition.name}）"
    return _render(REMINDER, subject, context, _override(competition, override_dir))
