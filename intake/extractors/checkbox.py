"""Check-box lists as people fill them in: which options are ticked.

A 课题类型 cell is often printed as "□问题解决型 □创新型" and ticked by
typing over a box: ☑ ☒ ■ √ ✓ ✔ (Word's symbols, WPS's, a font's tick), or
"(√)" in brackets. The tick stands before its option or after it; which one
is seen from where the list starts and ends. Word's check-box content
controls reach this module already turned into ☑/□ by `docx_reader`.

A list whose layout cannot be read for certain (a tick in the middle of a
word, glyphs that do not alternate with options) is `sure=False`: a rule may
then only ask a person.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

TICKED = "☑☒■√✓✔▇●"
UNTICKED = "□☐○"
# Ticks that are drawn without a box: the options are then told apart by spaces.
BARE_TICKS = "√✓✔"
_GLYPH = re.compile(f"([{TICKED}{UNTICKED}])")
_BRACKETED_TICK = re.compile(r"[(（\[【]\s*([√✓✔])\s*[)）\]】]")
_BRACKETED_BOX = re.compile(r"[(（\[【]\s*[)）\]】]")
_SEPARATORS = " \t\u3000\n、，,;；/|"
_WORDS = re.compile(f"[{re.escape(_SEPARATORS)}]+")


@dataclass(frozen=True)
class Choice:
    """The options of a check-box list and those ticked, in their order."""

    options: tuple[str, ...]
    ticked: tuple[str, ...]
    sure: bool = True

    @property
    def value(self) -> str:
        """What the field says: the ticked option, several joined with "、", '' for none."""
        return "、".join(self.ticked)


def read_choice(text: str) -> Choice | None:
    """The check-box list `text` is, or None when it holds no check-box glyph."""
    text = _BRACKETED_BOX.sub("□", _BRACKETED_TICK.sub(r"\1", text))
    if not _GLYPH.search(text):
        return None
    if not any(g in text for g in UNTICKED + "☑☒■▇●"):
        return _bare_ticks(text)
    items = [p.strip(_SEPARATORS) for p in _GLYPH.split(text)]
    items = [p for p in items if p]
    if len(items) % 2:
        return Choice((), (), sure=False)
    glyphs_first = items[0] in TICKED + UNTICKED
    if not glyphs_first:
        if items[-1] not in TICKED + UNTICKED:
            return Choice((), (), sure=False)
        items = [x for pair in zip(items[1::2], items[0::2]) for x in pair]
    pairs = list(zip(items[0::2], items[1::2]))
    alternating = all(g in TICKED + UNTICKED and o not in TICKED + UNTICKED
                                              for g, o in pairs)
    if not alternating:
        return Choice((), (), sure=False)
    return Choice(tuple(o for _, o in pairs), tuple(o for g, o in pairs if g in TICKED))


def _bare_ticks(text: str) -> Choice:
    """"√问题解决型 创新型": the word a tick touches is ticked; spaces part the options."""
    words = [w for w in _WORDS.split(text.strip(_SEPARATORS)) if w]
    merged: list[str] = []
    for i, word in enumerate(words):  # a tick standing alone belongs to the next word
        if word in BARE_TICKS and i + 1 < len(words):
            words[i + 1] = word + words[i + 1]
        elif word in BARE_TICKS and merged:
            merged[-1] += word
        else:
            merged.append(word)
    options, ticked = [], []
    for word in merged:
        bare = word.strip(BARE_TICKS)
        if not bare or any(t in bare for t in BARE_TICKS):
            return Choice((), (), sure=False)
        options.append(bare)
        if bare != word:
            ticked.append(bare)
    # One word with a tick may be two options written together: not sure.
    return Choice(tuple(options), tuple(ticked), sure=len(options) > 1)
