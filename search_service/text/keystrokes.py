"""Vietnamese typed as keystrokes, without an input method: Telex and VNI.

On a keyboard without a Vietnamese IME people type the keys themselves: `hooij nghij` (Telex)
or `ho6i5 nghi5` (VNI) for `hội nghị`. `decode` turns such a word back into the syllable it
spells, or returns None when the word holds no keystroke. Whether the decoded syllable is
what the reader meant is for the query side to decide, by asking the index: `bus` decodes to
`bú` but is better left alone.
"""

import re
import unicodedata

# Tone marks as combining characters, by Telex key and by VNI digit.
_TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
# Vowel shapes: Telex doubles and `w`, in the order they must be tried.
_TELEX_SHAPES = (
    ("uow", "ươ"),
    ("uwow", "ươ"),
    ("aa", "â"),
    ("ee", "ê"),
    ("oo", "ô"),
    ("aw", "ă"),
    ("ow", "ơ"),
    ("uw", "ư"),
    ("dd", "đ"),
)
_VNI_SHAPES = {
    "6": {"a": "â", "e": "ê", "o": "ô"},
    "7": {"o": "ơ", "u": "ư"},
    "8": {"a": "ă"},
    "9": {"d": "đ"},
}
_VOWELS = frozenset("aăâeêioôơuưy")
_SHAPED = frozenset("ăâêôơư")
# A letter, then letters and digits; not `[a-z]+\d*[a-z\d]*`, which backtracks through every
# split of a long run.
_ASCII_WORD = re.compile(r"[a-z][a-z\d]*")


def decode(word: str) -> str | None:
    """The syllable a Telex or VNI word spells (`hooij` → `hội`), or None if none."""
    lower = word.lower()
    if not _ASCII_WORD.fullmatch(lower):
        return None
    decoded = _vni(lower) if any(c.isdigit() for c in lower) else _telex(lower)
    if decoded is None or decoded == lower:
        return None
    return decoded


def _telex(word: str) -> str | None:
    tone = ""
    if len(word) > 1 and word[-1] in _TELEX_TONES and _VOWELS & set(word[:-1]):
        tone, word = _TELEX_TONES[word[-1]], word[:-1]
    for keys, letter in _TELEX_SHAPES:
        word = word.replace(keys, letter)
    if "w" in word:
        return None
    return place_tone(word, tone) if _VOWELS & set(word) else None


def _vni(word: str) -> str | None:
    letters: list[str] = []
    tone = ""
    for char in word:
        if char in _VNI_TONES:
            tone = _VNI_TONES[char]
        elif char in _VNI_SHAPES:
            shapes = _VNI_SHAPES[char]
            # The key shapes the nearest letter before it that it can shape (`uo7` → `ươ`).
            for index in range(len(letters) - 1, -1, -1):
                if letters[index] in shapes:
                    letters[index] = shapes[letters[index]]
                    if char == "7" and index > 0 and letters[index - 1] == "u":
                        letters[index - 1] = "ư"
                    break
            else:
                return None
        elif char.isdigit():
            return None
        else:
            letters.append(char)
    word = "".join(letters)
    return place_tone(word, tone) if _VOWELS & set(word) else None


def place_tone(syllable: str, tone: str) -> str:
    """Put the tone mark on the vowel that carries it (old style: `hòa`, `thủy`)."""
    if not tone:
        return syllable
    start = 0
    if syllable.startswith("qu") or (
        syllable.startswith("gi") and len(syllable) > 2 and syllable[2] in _VOWELS
    ):
        start = 2  # `qu` and `gi` are consonants: quá, giá
    while start < len(syllable) and syllable[start] not in _VOWELS:
        start += 1
    end = start
    while end < len(syllable) and syllable[end] in _VOWELS:
        end += 1
    if start == end:
        return syllable
    cluster = range(start, end)
    shaped = [i for i in cluster if syllable[i] in _SHAPED]
    if shaped:
        target = shaped[-1]  # ươ takes the mark on ơ
    elif end < len(syllable):
        target = end - 1  # closed syllable: toán, hoàn
    elif end - start == 3:
        target = start + 1  # ngoài, khuỷu
    else:
        target = start  # open: hòa, mùa, tài
    marked = unicodedata.normalize("NFC", syllable[target] + tone)
    return syllable[:target] + marked + syllable[target + 1 :]
