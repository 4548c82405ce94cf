"""One normalization for documents and queries alike.

Text arrives as NFC or NFD, with the tone mark of `oa`/`oe`/`uy` syllables on either vowel,
with `Ð` (Icelandic eth) typed for `Đ`, with stray control and zero-width characters. Every
string the service indexes or searches passes through `normalize` first, so that the index
holds one spelling of each word and stored text lines up with the offsets of its tokens.

The canonical tone placement is the old style, mark on the first vowel (`hòa`, `thủy`,
`Tỉnh ủy`): it is the style of the site's own pages and the majority of the news corpus.
"""

import functools
import re
import unicodedata

from unidecode import unidecode

# The five tone marks, as combining characters.
TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"

_ETH = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})

# An open syllable ending in oa, oe or uy with the mark on its second vowel. `qu` + `y` is
# left alone: there `qu` is the consonant and `y` the only vowel (quý, quỳ).
_NEW_STYLE = re.compile(
    r"(?<![qQ])([oO])([àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸ])(?!\w)"
    r"|(?<![qQ])([uU])([ỳýỷỹỵỲÝỶỸỴ])(?!\w)"
)

# C0/C1 controls except newline and tab: debris of copying (a backspace before a word, a
# Windows-1252 dash read as U+0096), read as a space.
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")
# Characters that are never text, dropped: zero-width marks, the byte-order mark, soft
# hyphens, lone surrogates and the private-use area (the analyzer uses one of its code
# points to mark word boundaries, so input must never carry it).
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\ue000-\uf8ff\ud800-\udfff]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_PARAGRAPH_BREAK = re.compile(r"\n{3,}")
_ANY_SPACE = re.compile(r"\s+")


def _move_tone(match: re.Match) -> str:
    first, second = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    decomposed = unicodedata.normalize("NFD", second)  # a plain a, e or y, then its tone mark
    base, mark = decomposed[0], decomposed[1:]
    return unicodedata.normalize("NFC", first + mark) + base


def normalize_letters(text: str) -> str:
    """NFC, `Đ` for eth and the canonical tone placement; length may change only by NFC."""
    text = unicodedata.normalize("NFC", text).translate(_ETH)
    return _NEW_STYLE.sub(_move_tone, text)


def normalize(text: str) -> str:
    """Normalize running text: letters, invisible characters, spaces; paragraphs are kept."""
    text = _visible(normalize_letters(text).replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _PARAGRAPH_BREAK.sub("\n\n", "\n".join(lines)).strip()


def normalize_line(text: str) -> str:
    """Normalize a one-line value (a title, a name, a query): all whitespace becomes one space."""
    return _ANY_SPACE.sub(" ", _visible(normalize_letters(text))).strip()


def _visible(text: str) -> str:
    """Controls read as spaces, invisible characters dropped."""
    return _INVISIBLE.sub("", _CONTROL.sub(" ", text))


@functools.lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """The lowercase form without marks: `Đồng chí` → `dong chi` (unidecode maps `đ` to `d`)."""
    return unidecode(text).lower()
