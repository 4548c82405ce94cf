"""Syllables, the unit Vietnamese text is read in, and the folded key of a text.

A syllable is a run of letters and digits of any script, marks included (`\\w` without the
underscore): `Hội`, `nghị`, `10`, `CT`. Everything else separates them. The same pattern
cuts text for the analyzers, the snippets, the feedback terms and the suggestions.
"""

import re

from .normalize import fold, normalize_line

# A letter or a digit, of any script.
LETTER = r"[^\W_]"
SYLLABLE = re.compile(rf"{LETTER}+")


def folded_key(text: str) -> str:
    """Its syllables folded, joined by spaces: what a text shares with every spelling of it
    in other cases, marks and punctuation (`Ủy ban Nhân dân` and `UY BAN NHAN-DAN` are
    `uy ban nhan dan`). Related titles are matched by it, and abbreviations looked up."""
    return " ".join(SYLLABLE.findall(fold(normalize_line(text))))
