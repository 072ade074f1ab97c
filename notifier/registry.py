"""The registry: every registration and nomination, read from the store as plain data.

`load_registry` reads it (the digest uses it too); `notifier.workbook`
lays it out as Excel, 报名登记表 and 附件8 推荐汇总表 in its printed
layout; `notifier.workbook.registry_workbook` does both.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path, PurePath

from jinja2 import Environment, FileSystemLoader

from intake.sort.assemble import squash
from intake.base.config import Settings
from intake.base.model import Attachment, DocumentKind, Severity
from intake.base.times import aware
from intake.validators.deadline import is_late
from store import Store
from store.models import StoredDocument, StoredFinding

log = logging.getLogger("intake.notifier")

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATUS_LABELS = {"accepted": "已受理", "deficient": "待补正"}
# Received after the deadline: waits for the secretariat (予以受理 in the console), whatever else it lacks.
LATE_LABEL = "逾期待定"
# Mail that carries forms; duplicates, bounces and the like never do.
FORM_MAIL = ["submission", "correction"]
NOMINATION_KINDS = [DocumentKind.ENTERPRISE_NOMINATION.value, DocumentKind.PROMOTER_NOMINATION.value,
                    DocumentKind.TEAM_NOMINATION.value]
# Documents stored before their rows were kept: member rows are read again from these files.
_REREADABLE = {".docx", ".xlsx", ".xls"}
_PERSON = re.compile(r"[\u4e00-\u9fff·•]{2,6}|[A-Za-z][A-Za-z .'-]{1,40}")


# -- wording ------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _titles() -> dict[str, str]:
    """Finding code → short Chinese title, from the templates the replies use."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)))
    titles = dict(env.get_template("review_flags.j2").module.titles)
    titles.update(env.get_template("findings.j2").module.titles)
    return titles


def finding_title(code: str) -> str:
    return _titles().get(code, code)


# -- plain data ---------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """A standing finding as the secretariat reads it."""

    code: str
    title: str
    detail: str
    document: str | None = None
    field: str | None = None

    @property
    def text(self) -> str:
        where = f"《{self.document}》" if self.document else ""
        return f"{self.title}：{where}{self.detail}" if self.detail else f"{self.title}{where}"


@dataclass(frozen=True)
class RegistryRow:
    """One registration (one QC result) with everything the secretariat looks up."""

    number: str
    enterprise: str
    group: str
    members: int | None
    topic: str
    topic_type: str
    status: str
    status_label: str
    contact: str
    phone: str
    sender: str
    first_received: datetime
    last_received: datetime
    problems: tuple[Problem, ...] = ()
    flags: tuple[Problem, ...] = ()

    @property
    def awaits_late_decision(self) -> bool:
        """Received after the deadline and not yet accepted by the secretariat."""
        return self.status_label == LATE_LABEL


@dataclass(frozen=True)
class EnterpriseNomination:
    enterprise: str
    phone: str
    contact: str


@dataclass(frozen=True)
class PromoterNomination:
    name: str
    unit: str
    phone: str
    contact: str


@dataclass(frozen=True)
class TeamNomination:
    unit: str
    team: str
    leader: str
    member_names: str
    size: int | None


@dataclass(frozen=True)
class Registry:
    rows: tuple[RegistryRow, ...]
    enterprises: tuple[EnterpriseNomination, ...]
    promoters: tuple[PromoterNomination, ...]
    teams: tuple[TeamNomination, ...]
    timezone: tzinfo
    # Registration id → 总编号, for findings that name a registration by id.
    numbers_by_id: dict[int, str]

    @property
    def team_total(self) -> int:
        return sum(team.size or 0 for team in self.teams)


# -- reading the store ----------------------------------------------------------

def as_problem(finding: StoredFinding) -> Problem:
    return Problem(code=finding.code, title=finding_title(finding.code), detail=finding.detail or "",
                   document=finding.document, field=finding.field)




def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def status_label(status: str, problems: tuple[Problem, ...]) -> str:
    if status == "deficient" and is_late(p.code for p in problems):
        return LATE_LABEL
    return STATUS_LABELS.get(status, status)


def _findings_by_registration(findings: list[StoredFinding]) -> dict[int, tuple[list, list]]:
    """registration id → (deficiencies, review flags), each finding once."""
    result: dict[int, tuple[list, list]] = {}
    seen: set[tuple] = set()
    for f in findings:
        key = (f.registration_id, f.code, f.document, f.field, f.detail)
        if f.registration_id is None or key in seen:
            continue
        seen.add(key)
        deficiencies, flags = result.setdefault(f.registration_id, ([], []))
        (deficiencies if f.severity == Severity.DEFICIENCY.value else flags).append(as_problem(f))
    return result


def _entry_contacts(store: Store) -> tuple[dict[int, dict], dict[int, dict], dict[str, dict]]:
    """Fields of the newest entry form per registration, per message and per enterprise."""
    by_registration: dict[int, dict] = {}
    by_message: dict[int, dict] = {}
    by_enterprise: dict[str, dict] = {}
    for doc, message in store.documents_with_messages([DocumentKind.ENTRY_FORM.value], FORM_MAIL):
        fields = doc.fields or {}
        if doc.registration_id is not None:
            by_registration[doc.registration_id] = fields
        by_message.setdefault(message.id, fields)
        if _text(fields.get("企业名称")):
            by_enterprise[squash(_text(fields.get("企业名称")))] = fields
    return by_registration, by_message, by_enterprise


def load_registry(store: Store, settings: Settings) -> Registry:
    """Everything the workbook shows, read once."""
    standing = _findings_by_registration(store.standing_findings())
    contacts, by_message, by_enterprise = _entry_contacts(store)
    rows, numbers = [], {}
    for reg, first, last in store.registrations_with_times():
        numbers[reg.id] = reg.number
        problems, flags = (tuple(x) for x in standing.get(reg.id, ([], [])))
        fields = contacts.get(reg.id, {})
        rows.append(RegistryRow(
            number=reg.number, enterprise=reg.enterprise, group=reg.group_name, members=reg.members,
            topic=reg.topic, topic_type=reg.topic_type, status=reg.status,
            status_label=status_label(reg.status, problems), contact=_text(fields.get("联系人")),
            phone=_text(fields.get("电话")), sender=reg.sender, first_received=aware(first),
            last_received=aware(last), problems=problems if reg.status == "deficient" else (), flags=flags))
    nominations = store.documents_with_messages(NOMINATION_KINDS, FORM_MAIL)
    contact_for = _contact_lookup(by_message, by_enterprise)
    return Registry(
        rows=tuple(rows),
        enterprises=_enterprises(nominations, contact_for),
        promoters=_promoters(nominations, contact_for),
        teams=_teams(nominations, settings.store.archive_dir),
        timezone=settings.competition.timezone, numbers_by_id=numbers)


def _contact_lookup(by_message: dict[int, dict], by_enterprise: dict[str, dict]):
    """联系人 for a nomination: the 报名表 mailed with it, else one of the same unit."""
    def contact(message_id: int, unit: str) -> str:
        fields = by_message.get(message_id) or by_enterprise.get(squash(unit)) or {}
        return _text(fields.get("联系人"))
    return contact


def _latest(nominations, kind: str, key) -> list[tuple[StoredDocument, int]]:
    """Documents of one kind, the newest per key (a resent form replaces the earlier one), oldest first."""
    chosen: dict[str, tuple[StoredDocument, int]] = {}
    for doc, message in nominations:
        name = key(doc.fields or {}) if doc.kind == kind and doc.error is None else ""
        if name:
            chosen.pop(name, None)
            chosen[name] = (doc, message.id)
    return list(chosen.values())


def _enterprises(nominations, contact_for) -> tuple[EnterpriseNomination, ...]:
    docs = _latest(nominations, DocumentKind.ENTERPRISE_NOMINATION.value,
                   lambda f: squash(_text(f.get("企业名称"))))
    return tuple(EnterpriseNomination(enterprise=_text(d.fields.get("企业名称")), phone=_text(d.fields.get("电话")),
                                      contact=contact_for(mid, _text(d.fields.get("企业名称"))))
                 for d, mid in docs)


def _promoters(nominations, contact_for) -> tuple[PromoterNomination, ...]:
    docs = _latest(nominations, DocumentKind.PROMOTER_NOMINATION.value,
                   lambda f: squash(_text(f.get("姓名"))) and squash(_text(f.get("姓名")) + _text(f.get("所在单位"))))
    return tuple(PromoterNomination(name=_text(d.fields.get("姓名")), unit=_text(d.fields.get("所在单位")),
                                    phone=_text(d.fields.get("电话")),
                                    contact=contact_for(mid, _text(d.fields.get("所在单位"))))
                 for d, mid in docs)


def _teams(nominations, archive_dir: Path) -> tuple[TeamNomination, ...]:
    docs = _latest(nominations, DocumentKind.TEAM_NOMINATION.value,
                   lambda f: squash(_text(f.get("班组名称"))) and squash(_text(f.get("企业名称")) + _text(f.get("班组名称"))))
    return tuple(TeamNomination(unit=_text(d.fields.get("企业名称")), team=_text(d.fields.get("班组名称")),
                                leader=_text(d.fields.get("班组长")), member_names=_member_names(d, archive_dir),
                                size=_int(d.fields.get("人数")))
                 for d, _ in docs)


def _member_names(doc: StoredDocument, archive_dir: Path) -> str:
    """成员名单 of a 附件6: the names of its member rows, 、-separated."""
    if doc.rows is not None:
        members = doc.rows.get("成员", [])
    else:
        members = _reread_rows(doc, archive_dir).get("成员", [])
    names = [_text(row.get("姓名")) for row in members]
    # Only what looks like a person's name: a long row under the table (简介) is no member.
    return "、".join(dict.fromkeys(name for name in names if _PERSON.fullmatch(name)))


def _reread_rows(doc: StoredDocument, archive_dir: Path) -> dict:
    """Table rows of a document stored before rows were kept, read again from the archive.

    A file that cannot be re-read gives no rows: the cell stays empty for a person.
    """
    if not doc.archive_path or PurePath(doc.archive_path).suffix.lower() not in _REREADABLE:
        return {}
    from intake.extractors import extract_document

    try:
        payload = (archive_dir / doc.archive_path).read_bytes()
    except OSError as err:
        log.warning("Registry: cannot re-read %s: %s", doc.archive_path, err)
        return {}
    return extract_document(Attachment(filename=doc.filename, content_type="application/octet-stream",
                                       payload=payload, sha256=doc.sha256)).rows
