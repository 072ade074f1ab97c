"""Mail that repeats what is already registered, from whichever address it comes.

Two questions, answered by content, not by the sender:

- `repeated_mail`: is every file of this mail a file of earlier registration
  mail? Files are compared after unpacking archives (`intake.extract`), so
  the same files zipped again, or sent loose instead of zipped, are the
  same. Such a mail is a `duplicate`: no number, no reply; a review flag
  names the registrations it repeats, for the digest and the console.

- `repeated_results`: which QC results of a mail that is not a cited
  correction are already registered? A result is the same when the unit is
  the same (`names.unit_key`) and so is the topic, else the group
  (`names.result_key`), or when its 报名表 or report is byte for byte a file
  of that registration (a partial overlap: the other files are new). Such a
  result is a correction of that registration: it keeps its number and its
  place in the quota, and the sender gets a receipt under that number.
  This is the answer a person would give, and the alternative, a second
  number for one group, is the error the notice's quota and the judges pay
  for; a review flag still tells the secretariat the number was not cited.
  A file shared with another unit's registration proves nothing about
  which unit is right: that result is registered as sent, with a review
  flag naming the other registration.
"""
from __future__ import annotations

from collections.abc import Iterable

from intake.model import Document, Finding, Pairing
from intake.validators.context import review
from intake.validators.names import plain, result_key, unit_key
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
        rows = store.files_registered(s, files, own_id, FORM_MAIL)
        if {sha for sha, _, _ in rows} != files:
            return None
        registrations = (store.registrations_by_ids(s, {reg for _, _, reg in rows if reg is not None})
                         or store.registrations_of_messages(s, {message for _, message, _ in rows}))
    if not registrations:
        return review("REPEATED_SUBMISSION", "本邮件的附件与此前一封报名邮件的附件完全相同（该邮件未登记成果），"
                                             "按重复来信处理，未回复。")
    return review("REPEATED_SUBMISSION", f"本邮件的附件与已登记的{_described(registrations)}的材料完全相同，"
                                         "按重复来信处理，未另行编号，也未回复。")


def repeated_results(store: Store, pairings: tuple[Pairing, ...], own_id: int
                     ) -> tuple[tuple[Registration | None, ...], tuple[Finding, ...]]:
    """For each result, the registration it repeats (or None), and the review flags to add."""
    units = {key for p in pairings if (key := unit_key(p.field("企业名称")))}
    hashes = {doc.sha256 for p in pairings for doc in p.documents if doc.sha256}
    with store.session() as s:
        registered = [reg for reg in store.registrations_of_units(s, sorted(units)) if reg.first_message_id != own_id]
        rows = store.files_registered(s, hashes, own_id, FORM_MAIL)
        holders = {reg.id: reg for reg in store.registrations_by_ids(s, {r for _, _, r in rows if r is not None})}
    by_file: dict[str, list[Registration]] = {}
    for sha, _, reg_id in rows:
        if reg_id in holders and holders[reg_id] not in by_file.setdefault(sha, []):
            by_file[sha].append(holders[reg_id])
    same_as, flags, taken = [], [], set()
    for pairing in pairings:
        unit = unit_key(pairing.field("企业名称"))
        result = result_key(pairing.field("课题名称"), pairing.field("QC小组名称"))
        same_topic = [reg for reg in registered
                      if unit and result and reg.enterprise_key == unit and result_key(reg.topic, reg.group_name) == result]
        sharing = [reg for doc in pairing.documents for reg in by_file.get(doc.sha256, ())]
        same_files = [reg for reg in sharing if not unit or reg.enterprise_key == unit]
        match = next((reg for reg in same_topic + same_files if reg.id not in taken), None)
        document = _named(pairing)
        if match is not None:
            taken.add(match.id)
            why = "同一单位的同一课题（小组）" if match in same_topic else "报名表或成果报告与之完全相同"
            flags.append(review("RESUBMITTED_RESULT",
                                f"《{document}》与已登记的{_described([match])}是同一成果（{why}），来信未注明编号，"
                                "已按该编号的更正处理，未另行编号。", document=document))
        elif others := [reg for reg in sharing if reg.id not in taken]:
            flags.append(review("FILES_OF_ANOTHER_REGISTRATION",
                                f"《{document}》所附文件与已登记的{_described(others[:1])}中的文件完全相同，"
                                "但报名表所填单位不同，已另行登记，请核对是否重复报送。", document=document))
        same_as.append(match)
    return tuple(same_as), tuple(flags)


def _named(pairing: Pairing) -> str:
    return (pairing.entry_form or pairing.report).filename


def _described(registrations: list[Registration]) -> str:
    """"QC2023-0001（某公司，课题“降低……”，由 a@b.cn 报送）" for up to three, then "等N项"."""
    parts = [f"{reg.number}（{plain(reg.enterprise) or '单位未识别'}，"
             f"{'课题“' + plain(reg.topic) + '”' if plain(reg.topic) else '小组“' + plain(reg.group_name) + '”'}，"
             f"由{reg.sender}报送）" for reg in registrations[:SHOWN]]
    more = f"等{len(registrations)}项成果" if len(registrations) > SHOWN else ""
    return "、".join(parts) + more
