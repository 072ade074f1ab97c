"""Replies rendered from named jinja2 templates, separately from sending."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from intake.config import CompetitionSettings
from intake.model import Finding, ReplyType
from intake.timefmt import cn_date, cn_datetime

TEMPLATE_DIR = Path(__file__).parent / "templates"


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


def _environment(override_dir: Path | None = None) -> Environment:
    folders = [str(override_dir)] if override_dir else []
    return Environment(loader=FileSystemLoader(folders + [str(TEMPLATE_DIR)]),
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=False, autoescape=False)


def _subject(reply_type: ReplyType, registrations: list[RegistrationSummary], competition_name: str) -> str:
    numbers = "、".join(reg.number for reg in registrations)
    if reply_type is ReplyType.ACKNOWLEDGEMENT:
        return f"报名回执：总编号{numbers}（{competition_name}）"
    if reply_type is ReplyType.DEFICIENCY_NOTICE:
        prefix = f"补正通知：总编号{numbers}" if numbers else "补正通知"
        return f"{prefix} 报名材料需补正（{competition_name}）"
    return f"观摩报名回执（{competition_name}）"


def render_reply(reply_type: ReplyType, *, competition: CompetitionSettings,
                 registrations: list[RegistrationSummary], deficiencies: list[Finding],
                 files: list[str], sender_name: str, received_at: datetime,
                 override_dir: Path | None = None) -> ReplyContent:
    """The subject and plain text of one reply, in the secretariat's Chinese."""
    tz = competition.timezone
    template = _environment(override_dir).get_template(f"{reply_type.value}.txt.j2")
    text = template.render(
        competition=competition, registrations=registrations, deficiencies=deficiencies,
        files=files, salutation=sender_name or "各位老师",
        received=cn_datetime(received_at, tz), deadline=cn_datetime(competition.deadline, tz),
        deadline_passed=received_at >= competition.deadline, today=cn_date(datetime.now(tz), tz),
    )
    return ReplyContent(subject=_subject(reply_type, registrations, competition.name), text=text)
