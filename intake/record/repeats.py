"""Mail that repeats what is already registered, from whichever address it comes.

Two questions, answered by content, not by the sender:

- `repeated_mail`: is every file of this mail a file of earlier registration
  mail? Files are compared after unpacking archives (`intake.extractors.attachments`), so
  the same files zipped again, or sent loose instead of zipped, are the
  same. Such a mail is a `duplicate`: no number, no reply; a review flag
  names the registrations it repeats, for the digest and the console.

- `repeated_results`: which QC results of a mail that is not a cited
  correction are already registered? A result is the same when its unit
  (`names.unit_key`), topic and group all are, or when its 报名表 or report
  is byte for byte a file of that registration (a partial overlap: the
  other files are new). Such a result is a correction of that
  registration: it keeps its number and its place in the quota, and the
  sender gets a receipt under that number. That is the answer a person
  gives, and the alternative, a second number for one group, is the error
  the quota and the judges pay for; a review flag still tells the
  secretariat the number was not cited.

  Less is not proof. Two groups of one unit may choose the same topic, and
  one group may send a second result: the same topic or the same group
  alone registers the result as sent, with a review flag naming the
  earlier registration, so a person decides; merging two groups' results
  under one number would be a wrong answer given to both. A file shared
  with another unit's registration proves nothing about which unit is
  right: also registered as sent, with a flag.
"""
from __future__ import annotations

from collections.abc import Iterable

from intake.base.model import Document, Finding, Pairing
from intake.validators.context import review
from intake.validators.names import group_key, plain, topic_key, unit_key
from store import Store
from store.models import Registration

# Mail whose files make a registration; an inquiry's attachments sent again are no duplicate.
FORM_MAIL = ("submission", "correction")
SHOWN = 3


def repeated_mail(store: Store, documents: Iterable[Document], own_id: int) -> Finding | None:
    """A review flag naming what this mail repeats when every one of its files came in
    earlier registration mail; None when some file is new (or it has none)."""
    files = {doc.sha256 for doc in documents if doc.sha256}
    if not files:
        return None
    with store.session() as s:
        rows = store.files_registered(files, own_id, FORM_MAIL)
        if {sha for sha, _, _ in rows} != files:
            return None
        registrations = (store.registrations_by_ids({reg for _, _, reg in rows if reg is not None})
                         or store.registrations_of_messages({message for _, message, _ in rows}))
    if not registrations:
        return review("REPEATED_SUBMISSION", "本邮件的附件与此前一封报名邮件的附件完全相同（该邮件未登记成果），"
                                             "按重复来信处理，未回复。")
    return review("REPEATED_SUBMISSION", f"本邮件的附件与已登记的{_described(registrations)}的材料完全相同，"
                                         "按重复来信处理，未另行编号，也未回复。")


def repeated_results(store: Store, pairings: tuple[Pairing, ...], own_id: int
                     ) -> tuple[tuple[Registration | None, ...], tuple[Finding, ...]]:
    """For each result, the registration it repeats (or None), and the review flags to add."""
    registered, by_file = _registered_like(store, pairings, own_id)
    same_as, flags, taken = [], [], set()
    for pairing in pairings:
        unit = unit_key(pairing.field("企业名称"))
        names = _names(pairing.field("课题名称"), pairing.field("QC小组名称"))
        of_unit = [reg for reg in registered if unit and reg.enterprise_key == unit and reg.id not in taken]
        same_names = [reg for reg in of_unit if all(names) and _names(reg.topic, reg.group_name) == names]
        sharing = [reg for doc in pairing.documents for reg in by_file.get(doc.sha256, ()) if reg.id not in taken]
        same_files = [reg for reg in sharing if not unit or reg.enterprise_key == unit]
        match = next(iter(same_names + same_files), None)
        if match is not None:
            taken.add(match.id)
            flags.append(_resubmitted(pairing, match, by_names=match in same_names))
        elif sharing:
            flags.append(_shared_with_another_unit(pairing, sharing[0]))
        elif similar := [reg for reg in of_unit if _half_same(_names(reg.topic, reg.group_name), names)]:
            flags.append(_similar(pairing, similar[0], same_topic=topic_key(similar[0].topic) == names[0]))
        same_as.append(match)
    return tuple(same_as), tuple(flags)


def _registered_like(store: Store, pairings: tuple[Pairing, ...], own_id: int
                     ) -> tuple[list[Registration], dict[str, list[Registration]]]:
    """Earlier registrations of the units these results name, and the registrations
    that hold each of their files (by content hash)."""
    units = sorted({key for p in pairings if (key := unit_key(p.field("企业名称")))})
    hashes = {doc.sha256 for p in pairings for doc in p.documents if doc.sha256}
    with store.session() as s:
        registered = [reg for reg in store.registrations_of_units(units) if reg.first_message_id != own_id]
        rows = store.files_registered(hashes, own_id, FORM_MAIL)
        holders = {reg.id: reg for reg in store.registrations_by_ids({r for _, _, r in rows if r is not None})}
    by_file: dict[str, list[Registration]] = {}
    for sha, _, reg_id in rows:
        if reg_id in holders and holders[reg_id] not in by_file.setdefault(sha, []):
            by_file[sha].append(holders[reg_id])
    return registered, by_file


def _names(topic: object, group: object) -> tuple[str, str]:
    """How a result is named: (topic, group), compared loosely (`names.topic_key`, `group_key`)."""
    return topic_key(topic), group_key(group)


def _half_same(earlier: tuple[str, str], new: tuple[str, str]) -> bool:
    """The same topic or the same group, not both."""
    same = [a == b and bool(a) for a, b in zip(earlier, new)]
    return any(same) and not all(same)


def _resubmitted(pairing: Pairing, registration: Registration, *, by_names: bool) -> Finding:
    document = _named(pairing)
    why = "同一单位、同一小组的同一课题" if by_names else "报名表或成果报告与之完全相同"
    return review("RESUBMITTED_RESULT", f"《{document}》与已登记的{_described([registration])}是同一成果（{why}），"
                                        "来信未注明编号，已按该编号的更正处理，未另行编号。", document=document)


def _shared_with_another_unit(pairing: Pairing, registration: Registration) -> Finding:
    document = _named(pairing)
    return review("FILES_OF_ANOTHER_REGISTRATION",
                  f"《{document}》所附文件与已登记的{_described([registration])}中的文件完全相同，"
                  "但报名表所填单位不同，已另行登记，请核对是否重复报送。", document=document)


def _similar(pairing: Pairing, registration: Registration, *, same_topic: bool) -> Finding:
    document = _named(pairing)
    alike, differs = ("课题", "小组名称") if same_topic else ("小组", "课题名称")
    return review("SIMILAR_RESULT", f"《{document}》与已登记的{_described([registration])}是同一单位的同一{alike}，"
                                    f"但{differs}不同，已另行登记，请核对是否为同一成果。", document=document)


def _named(pairing: Pairing) -> str:
    return (pairing.entry_form or pairing.report).filename


def _described(registrations: list[Registration]) -> str:
    """"QC2023-0001（某公司，课题“降低……”，由 a@b.cn 报送）" for up to three, then "等N项"."""
    parts = [f"{reg.number}（{plain(reg.enterprise) or '单位未识别'}，"
             f"{'课题“' + plain(reg.topic) + '”' if plain(reg.topic) else '小组“' + plain(reg.group_name) + '”'}，"
             f"由{reg.sender}报送）" for reg in registrations[:SHOWN]]
    more = f"等{len(registrations)}项成果" if len(registrations) > SHOWN else ""
    return "、".join(parts) + more
