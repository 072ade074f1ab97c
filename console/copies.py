"""The page of a POSSIBLE_COPY flag: the copied passages side by side, the common text marked.

The flag's spans (offsets into the new report's stored text and the source's,
kept in copy_match) are shown as they stand in each text; inside each pair the
characters both share are marked (difflib's matching blocks), so a changed
name, unit or figure stands out unmarked. Text only, escaped by the template.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from starlette.requests import Request
from starlette.responses import Response

from console.auth import EVERYONE, guarded
from store import console as console_store
from store.copies import flagged_copy, registrations_of

MAX_PASSAGES = 30
MAX_CHARS = 3000     # of one passage: a whole report re-sent is one long span
MIN_MARK = 4         # shorter common runs inside a passage (a particle, a digit) stay unmarked


@dataclass(frozen=True)
class Passage:
    """One copied passage: the new report's and the source's, each as (text, marked) pieces."""

    mine: list[tuple[str, bool]]
    theirs: list[tuple[str, bool]]


def pieces(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """`a` and `b` cut into pieces, marked where they share a run of at least MIN_MARK characters."""
    blocks = [m for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks() if m.size >= MIN_MARK]

    def cut(text: str, runs: list[tuple[int, int]]) -> list[tuple[str, bool]]:
        out, at = [], 0
        for start, size in runs:
            if start > at:
                out.append((text[at:start], False))
            out.append((text[start:start + size], True))
            at = start + size
        if at < len(text):
            out.append((text[at:], False))
        return out

    return cut(a, [(m.a, m.size) for m in blocks]), cut(b, [(m.b, m.size) for m in blocks])


def passages(text: str, source_text: str, spans: list) -> list[Passage]:
    shown = []
    for start, end, source_start, source_end in sorted(spans)[:MAX_PASSAGES]:
        mine, theirs = pieces(text[start:end][:MAX_CHARS], source_text[source_start:source_end][:MAX_CHARS])
        shown.append(Passage(mine, theirs))
    return shown


@guarded(roles=EVERYONE)
def copy_page(request: Request) -> Response:
    store, render = request.app.state.store, request.app.state.render
    finding = console_store.finding(store, request.path_params["finding_id"])  # None for any id no row has
    with store.session() as s:
        found = flagged_copy(s, finding.id) if finding is not None and finding.code == "POSSIBLE_COPY" else None
        if found is None:
            return render(request, "error.html", {"title": "未找到", "message": "没有这条疑似抄袭提示的比对记录。"},
                          status_code=404)
        match, source, text = found
        registration = registrations_of(s, [source]).get(source.registration_id)
        own = registrations_of(s, [finding]).get(finding.registration_id)
    return render(request, "copy.html", {
        "nav": "registrations", "finding": finding, "match": match, "source": source, "source_registration": registration,
        "own": own, "passages": passages(text, source.text, match.spans or []),
        "text_share": round(match.text_share * 100), "data_share": round(match.data_share * 100)})
