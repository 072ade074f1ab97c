"""同一企业最多申报 20 个 QC 小组成果, counted across all the unit's mails.

A unit is known by its full name (`names.unit_key`), not by the address
that mailed. Results are numbered in the order they were registered; the
21st and later are over. The same topic sent again is the same result, and
a correction keeps the place of the registration it corrects.
"""
from __future__ import annotations

from intake.base.model import Finding, Pairing, Submission
from intake.validators.context import RegisteredResult, RuleContext, deficiency
from intake.validators.names import group_key, plain, result_key, unit_key


def check_quota(sub: Submission, ctx: RuleContext) -> list[Finding]:
    quota, findings = ctx.competition.quota_per_enterprise, []
    places: dict[str, dict[str, int]] = {}
    for pairing in sub.pairings:
        unit = unit_key(pairing.field("企业名称"))
        result = result_key(pairing.field("课题名称"), pairing.field("QC小组名称"))
        if not unit or not result:
            continue
        registered = ctx.history.results.get(unit, ())
        line = places.setdefault(unit, _line(registered))
        place = line.get(result) or _corrected_place(pairing, registered, line, ctx.history.corrected)
        line[result] = place = place or len(set(line.values())) + 1
        if place > quota:
            findings.append(_over(pairing, place, quota))
    return findings


def _line(registered: tuple[RegisteredResult, ...]) -> dict[str, int]:
    """Place of each result already registered: first registration first."""
    line: dict[str, int] = {}
    for item in registered:
        line.setdefault(item.result, len(line) + 1)
    return line


def _corrected_place(pairing: Pairing, registered: tuple[RegisteredResult, ...], line: dict[str, int],
                     corrected: frozenset[int]) -> int | None:
    """The place of the registration this result corrects (its topic may have changed)."""
    mine = [item for item in registered if item.registration_id in corrected]
    group = group_key(pairing.field("QC小组名称"))
    same_group = [item for item in mine if group and item.group == group]
    chosen = same_group or (mine if len(mine) == 1 else [])
    return line.get(chosen[0].result) if chosen else None


def _over(pairing: Pairing, place: int, quota: int) -> Finding:
    name = plain(pairing.field("企业名称"))
    topic = plain(pairing.field("课题名称")) or plain(pairing.field("QC小组名称"))
    return deficiency("QUOTA_EXCEEDED", f"“{name}”此前已报名{place - 1}个QC小组成果，课题“{topic}”是第{place}个，"
                                        f"超过同一企业最多申报{quota}个的限制。", document=pairing.entry_form.filename)
