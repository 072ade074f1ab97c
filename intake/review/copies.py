"""Copy detection: does a new results report share a large part with another one?

Chinese has no spaces, so a report is compared as normalised characters (NFKC,
no whitespace or punctuation, every run of digits one `#`, so changed figures
do not hide a copied sentence) cut into overlapping n-grams, and separately as
the sequence of the numbers in its tables (copied data under new names: the
copier's prose is their own, the tables are not). Each gets a MinHash
(datasketch); the bands of datasketch's MinHashLSH become integer keys stored in
the `copy_band` table (`store.copies`), so a check asks SQL for the candidates
and verifies only those, from their stored text: the share of the new report's
characters inside common passages of at least `MIN_RUN` characters, and the
share of its tables' number triples found in the other's.

The flag, POSSIBLE_COPY, is a review flag only: the verdict and the reply never
change. It is raised at judge time and the report is indexed in the record
transaction, so a crash neither loses nor doubles an entry. Both reports of a
pair are flagged: the one registered earlier gets its flag, naming the new one,
in the new one's record transaction (`flag_registered`), and after
`intake past load` every registered report is compared with the archive
(`intake.review.past.recheck_registered`).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from intake.base.model import Document, DocumentKind, Finding
from intake.base.text import clip, storable
from intake.validators.context import review
from intake.validators.names import plain, unit_key
from store import Store
from store.copies import add_source, already_flagged, candidate_sources, drop_sources_of, registrations_of
from store.models import CopyMatch, CopySource, Registration, StoredFinding

if TYPE_CHECKING:
    from datasketch import MinHashLSH

CODE = "POSSIBLE_COPY"
SHINGLE = 6              # characters of the n-grams that find common passages
INDEX_SHINGLE = 12       # characters of the n-grams the index hashes: shared phrases drop out
PERMUTATIONS = 128
# Jaccard of 12-grams the bands aim at: datasketch makes it 64 bands of 2 rows. A report
# a third copied is 0.1–0.25 from its source (a band or more in common), two honest
# reports on one subject about 0.05 (most share none); scripts/bench_copies.py measures it.
LSH_THRESHOLD = 0.1
MIN_SHARED = 1           # band keys a candidate shares (the most sharing are verified first)
MIN_RUN = 24             # a common run shorter than this is a phrase, not a passage
MIN_LINE = 20            # compared characters of a line that is prose
GAP = 12                 # a changed name this long inside a copied passage keeps it one passage
FLAG_SHARE = 0.3         # share of the text in common passages that raises the flag
WHOLE_SHARE = 0.85       # both ways: the same report
# Share of the tables' number triples in common that raises the flag: a report with another's
# tables under new names has 0.45–0.81 of them, an honest report on the same subject at most
# 0.12 (scripts/bench_copies.py, 20 trials each).
DATA_SHARE = 0.35
DATA_MIN = 12            # triples a report's tables need before their numbers count
SHOWN = 3                # passages quoted in the detail
CLIP = 40                # characters of each


@dataclass(frozen=True)
class Signature:
    """What the index keeps of a report: its text and band keys."""

    text: str
    keys: tuple[int, ...]


@dataclass(frozen=True)
class Match:
    """A verified overlap with one source."""

    source: CopySource
    text_share: float         # of the new report's characters, in common passages
    reverse_share: float      # of the source's characters
    data_share: float
    spans: tuple[tuple[int, int, int, int], ...]  # offsets in (new text, source text)


@dataclass(frozen=True)
class CopyCheck:
    """One report's check: its signature (indexed when recorded) and the flag it raised."""

    document: str
    signature: Signature
    finding: Finding | None = None
    match: Match | None = field(default=None, compare=False)
    # The registered report it matches, compared the other way (its source this report's
    # own text, not yet stored): set when that report too shares a large part.
    reverse: Match | None = field(default=None, compare=False)


# -- text to signature ---------------------------------------------------------

def normalised(text: str) -> tuple[str, list[int]]:
    """The compared characters and, for each, its offset in `text`.

    Prose only: table rows (cells joined by tabs) are every report's headers and
    names, compared by their numbers (`numbers`); a line of fewer than
    `MIN_LINE` characters is a heading, a caption or a 制图人 line."""
    chars: list[str] = []
    offsets: list[int] = []
    at = 0
    for line in text.splitlines(keepends=True):
        start, at = at, at + len(line)
        if "\t" in line:
            continue
        kept: list[str] = []
        where: list[int] = []
        folded = unicodedata.normalize("NFKC", line)  # per character only where NFKC changes a length
        pairs = (zip(range(start, at), folded) if len(folded) == len(line) else
                 ((i, c) for i, ch in enumerate(line, start) for c in unicodedata.normalize("NFKC", ch)))
        for i, c in pairs:
            if c.isdigit():
                if kept and kept[-1] == "#":
                    continue
                c = "#"
            elif unicodedata.category(c)[0] not in "LN":
                continue
            kept.append(c.lower())
            where.append(i)
        if len(kept) >= MIN_LINE:
            chars += kept
            offsets += where
    return "".join(chars), offsets


_DROPPED = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def compared(text: str) -> str:
    """`normalised(text)`'s characters without their offsets, at the speed of regular
    expressions: what a candidate is verified on (the offsets only for a flag)."""
    out = []
    for line in unicodedata.normalize("NFKC", text).splitlines():
        if "\t" in line:
            continue
        kept = _DIGITS.sub("#", _DROPPED.sub("", line)).lower()
        if len(kept) >= MIN_LINE:
            out.append(kept)
    return "".join(out)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def numbers(text: str) -> list[str]:
    """The figures of a text's table rows (cells joined by tabs) in order, minus years and
    list numbers (every report has those)."""
    rows = "\n".join(line for line in text.splitlines() if "\t" in line)
    found = _NUMBER.findall(unicodedata.normalize("NFKC", rows))
    return [n for n in found if not (n.isdigit() and (int(n) < 10 or (len(n) == 4 and n[:2] in ("19", "20"))))]


def shingles(norm: str, size: int = SHINGLE) -> set[str]:
    return {norm[i:i + size] for i in range(max(0, len(norm) - size + 1))}


def triples(figures: list[str]) -> set[str]:
    return {"|".join(figures[i:i + 3]) for i in range(max(0, len(figures) - 2))}


@lru_cache(maxsize=1)
def _lsh() -> MinHashLSH:
    """datasketch's banding for the threshold (64 bands of 2 rows): only its band ranges are
    used. Stored keys depend on them, so a datasketch that chose others would need a re-index
    (tests/test_review_copies.py holds the layout)."""
    from datasketch import MinHashLSH  # with scipy: 56 MB and 0.4 s, only where signatures are made
    return MinHashLSH(threshold=LSH_THRESHOLD, num_perm=PERMUTATIONS)


def _band_keys(kind: bytes, items: set[str]) -> list[int]:
    if not items:
        return []
    from datasketch import MinHash
    minhash = MinHash(num_perm=PERMUTATIONS)
    minhash.update_batch([item.encode("utf-8") for item in items])
    lsh = _lsh()
    keys = []
    for band, (start, end) in enumerate(lsh.hashranges):
        band_bytes = bytes(minhash.hashvalues[start:end].byteswap().data)  # as datasketch's own tables key it
        digest = hashlib.blake2b(kind + band.to_bytes(2, "big") + band_bytes, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def report_signature(doc: Document) -> Signature:
    """A report's signature: of its text as stored, which the spans' offsets point into."""
    return signature(storable(doc.text))


def signature(text: str) -> Signature:
    """The text's band keys: its n-grams' and its tables' number triples'."""
    norm = compared(text)
    return Signature(text=text, keys=tuple(_band_keys(b"text", shingles(norm, INDEX_SHINGLE))
                                           + _band_keys(b"table", triples(numbers(text)))))


# -- verification ----------------------------------------------------------------

def compare(text: str, source: CopySource) -> Match:
    """The common passages of `text` and a source, and the shares they make; the spans
    (offsets into both texts) only when the overlap is flagged."""
    a, figures = verified_form(text)
    b, their_figures = verified_form(source.text)
    data = len(figures & their_figures) / len(figures) if len(figures) >= DATA_MIN else 0.0
    if data < DATA_SHARE and (rough := _sampled_share(a, b)) < FLAG_SHARE / 3:
        # Far below the flag: most candidates (reports on the same subject) end here.
        return Match(source=source, text_share=rough, reverse_share=0.0, data_share=data, spans=())
    runs = _common_runs(a, b)
    covered = sum(end - start for start, end, _, _ in runs)
    covered_b = len({j for _, _, b0, b1 in runs for j in range(b0, b1)})
    match = Match(source=source, text_share=covered / max(1, len(a)), reverse_share=covered_b / max(1, len(b)),
                  data_share=data, spans=())
    if not flagged(match):
        return match
    a_at, b_at = normalised(text)[1], normalised(source.text)[1]
    spans = tuple((a_at[s], a_at[e - 1] + 1, b_at[bs], b_at[be - 1] + 1) for s, e, bs, be in _merged(runs))
    return replace(match, spans=spans)


@lru_cache(maxsize=256)
def verified_form(text: str) -> tuple[str, frozenset[str]]:
    """A text's `compared` characters and its tables' number triples. Kept for the last
    texts seen: one registered report is a candidate of many new ones (on a deadline
    day's 300 mails, 1,400 comparisons of 300 reports)."""
    return compared(text), frozenset(triples(numbers(text)))


def _sampled_share(a: str, b: str) -> float:
    """A quick estimate of the share of `a` in common passages: the part of its windows of
    MIN_RUN characters, one every MIN_RUN // 2, found in `b` (substring search, in C)."""
    windows = [a[i:i + MIN_RUN] for i in range(0, max(0, len(a) - MIN_RUN + 1), MIN_RUN // 2)]
    return sum(window in b for window in windows) / len(windows) if windows else 0.0


def _common_runs(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """Maximal runs of `a` found in `b` (start, end in a; start, end in b), at least MIN_RUN long."""
    where: dict[str, list[int]] = {}
    for j in range(len(b) - SHINGLE + 1):
        where.setdefault(b[j:j + SHINGLE], []).append(j)
    runs, i = [], 0
    while i <= len(a) - SHINGLE:
        best = (0, -1)
        for j in where.get(a[i:i + SHINGLE], ())[:8]:
            k = SHINGLE
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, (k, j))
        length, j = best
        if length >= MIN_RUN:
            runs.append((i, i + length, j, j + length))
            i += length
        else:
            i += 1
    return runs


def _merged(runs: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Runs that continue each other across a short change (a name, a unit) as one passage;
    the characters counted stay those of the runs."""
    out: list[list[int]] = []
    for start, end, b0, b1 in runs:
        if out and 0 <= start - out[-1][1] <= GAP and 0 <= b0 - out[-1][3] <= GAP:
            out[-1][1], out[-1][3] = end, b1
            out[-1][4] += end - start
        else:
            out.append([start, end, b0, b1, end - start])
    return [(s, e, b0, b1) for s, e, b0, b1, _ in out]


def flagged(match: Match) -> bool:
    return match.text_share >= FLAG_SHARE or match.data_share >= DATA_SHARE


def strength(match: Match) -> float:
    """How far past its flag a match's stronger measure is: of two flagged sources, the one
    named is the one the evidence points to most (a report's own tables, 55 % of them, over
    another's prose at 36 %)."""
    return max(match.text_share / FLAG_SHARE, match.data_share / DATA_SHARE)


def best_match(text: str, sources) -> Match | None:
    """Of the sources `text` is flagged against, the one the evidence points to most."""
    matches = [m for m in (compare(text, source) for source in sources) if flagged(m)]
    return max(matches, key=strength, default=None)


# -- the check ---------------------------------------------------------------------

def reports_of(documents) -> list[Document]:
    """The readable results reports among documents, one per file."""
    seen, out = set(), []
    for doc in documents:
        if doc.kind is DocumentKind.QC_REPORT and doc.error is None and doc.text and doc.sha256 not in seen:
            seen.add(doc.sha256)
            out.append(doc)
    return out


def check_copies(store: Store, reports: list[Document], own_unit: str = "",
                 exclude_registrations: tuple[int, ...] = (),
                 signatures: Mapping[str, Signature] | None = None) -> tuple[CopyCheck, ...]:
    """Each report's signature (from `signatures` by sha256 when made ahead), and a
    POSSIBLE_COPY flag where it shares a large part with a report of another
    registration or an archived earlier year's report."""
    checks = []
    for doc in reports:
        sig = (signatures or {}).get(doc.sha256) or report_signature(doc)
        with store.session() as s:
            best = best_match(sig.text, candidate_sources(s, sig.keys, exclude_registrations, MIN_SHARED))
            registration = registrations_of(s, [best.source]).get(best.source.registration_id) if best else None
        finding = _flag(doc.filename, sig.text, best, registration, own_unit) if best else None
        reverse = None
        if best is not None and registration is not None:
            back = compare(best.source.text, CopySource(filename=doc.filename, sha256=doc.sha256, text=sig.text))
            reverse = back if flagged(back) else None
        checks.append(CopyCheck(document=doc.filename, signature=sig, finding=finding, match=best, reverse=reverse))
    return tuple(checks)


def _flag(filename: str, text_of_report: str, match: Match, registration: Registration | None,
          own_unit: str) -> Finding:
    """The flag on report `filename` (its stored text), naming the other report: `registration`'s,
    or the archived file `match.source`."""
    source = match.source
    if registration is not None:
        same_unit = bool(own_unit) and unit_key(registration.enterprise) == own_unit
        other = (f"已登记的{registration.number}（{plain(registration.enterprise) or '单位未识别'}，"
                 f"课题“{plain(registration.topic)}”）的成果报告")
        whole = "同一单位另一项已登记成果的报告" if same_unit else "另一单位已登记的同一份报告"
    else:
        other = f"往年成果报告《{source.filename}》（{source.year}年）"
        whole = "往年成果再次报送"
    share = round(match.text_share * 100)
    if match.text_share >= WHOLE_SHARE and match.reverse_share >= WHOLE_SHARE:
        text = f"《{filename}》与{other}几乎全文相同（约{share}%的文字相同），疑为{whole}。"
    elif match.text_share >= FLAG_SHARE:
        text = f"《{filename}》与{other}有约{share}%的文字相同"
        text += f"，表格数据约{round(match.data_share * 100)}%相同。" if match.data_share >= DATA_SHARE else "。"
    else:
        text = (f"《{filename}》表格中的数据约{round(match.data_share * 100)}%与{other}相同"
                f"（文字相同约{share}%），疑为换了名称的同一组数据。")
        rows = _common_rows(text_of_report, match.source.text)
        text += ("相同数据的表格行如：" + "；".join(f"“{r}”" for r in rows) + "。") if rows else ""
    if match.text_share >= FLAG_SHARE and (passages := _longest(match, text_of_report)):
        text += "最长的相同段落：" + "；".join(f"“{p}”" for p in passages) + "。"
    return review(CODE, storable(text + "请核对是否抄袭（仅供参考，不影响受理）。"), document=filename)


def _common_rows(text: str, source_text: str) -> list[str]:
    """The first table rows of the report whose figures run as in the source (the data copied),
    clipped, cells apart."""
    theirs = "|" + "|".join(numbers(source_text)) + "|"
    rows = [line for line in text.splitlines()
            if "\t" in line and len(figures := numbers(line)) >= 2 and "|" + "|".join(figures) + "|" in theirs]
    return [clip("　".join(cell.strip() for cell in row.split("\t") if cell.strip()), CLIP) for row in rows[:2]]


def _longest(match: Match, text: str) -> list[str]:
    """The longest common passages of the report `text`, clipped, in the order it has them; a
    passage across lines is quoted by its longest line (table rows between are not prose)."""
    chosen = sorted(match.spans, key=lambda span: span[1] - span[0], reverse=True)[:SHOWN]
    return [clip(max(text[start:end].splitlines(), key=len), CLIP) for start, end, _, _ in sorted(chosen)]


# -- the index, written in the record transaction -----------------------------------

def index_report(s, check: CopyCheck, registration_id: int, sha256: str) -> CopySource:
    """The registration's report becomes the one its later checks are compared with."""
    drop_sources_of(s, registration_id)
    return add_source(s, CopySource(registration_id=registration_id, filename=check.document, sha256=sha256,
                                    text=storable(check.signature.text)), check.signature.keys)


def record_match(s, match: Match, document: str, finding_id: int) -> None:
    """The flag's source and matched spans, for a page that shows both texts."""
    s.add(CopyMatch(finding_id=finding_id, source_id=match.source.id, document=document,
                    text_share=round(match.text_share, 4), data_share=round(match.data_share, 4),
                    spans=[list(span) for span in match.spans]))


def flag_registered(s, registered: CopySource, match: Match, other: Registration | None) -> bool:
    """A POSSIBLE_COPY flag on the report a registration holds (`registered`), naming
    `other`'s report or the archived `match.source`; among the findings that stand, so
    the console, the digest and the export show it. Once per other report: False when
    the registration has that flag already (a re-run, a second load)."""
    reg = s.get(Registration, registered.registration_id)
    if reg is None or already_flagged(s, reg, match.source):
        return False
    finding = _flag(registered.filename, registered.text, match, other, unit_key(reg.enterprise))
    row = StoredFinding(message_id=reg.last_message_id, registration_id=reg.id, code=CODE,
                        severity=finding.severity.value, document=registered.filename, detail=finding.detail)
    s.add(row)
    s.flush()
    record_match(s, match, registered.filename, row.id)
    return True
