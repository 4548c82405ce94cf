"""Snippets and titles with the matched words marked, safe to put in a page.

The stored text is the normalized text, so tokenizing it again gives offsets that point into
exactly what is shown. A token is marked when its exact form is one the query was read as
(`giao` marks `giao`, not `giáo`; `hoi nghi` read as `hội nghị` marks `Hội nghị`), or its
folded form is one the query asked for folded (`UBND` marks `Ủy ban nhân dân`). Everything
but the `<mark>` tags is HTML-escaped, so article text can never inject markup.
"""

import functools
import html
import itertools
import re

import numpy as np

from ..text.normalize import fold
from ..text.syllables import LETTER, SYLLABLE
from .types import Marks

SNIPPET_SYLLABLES = 36
# Snippets are looked for in the first part of long articles only: the reader sees one
# passage, and scanning a whole book for it would cost every search that finds the book.
MAX_SCANNED = 20_000
_SEPARATOR = r"[\W_]+"
# Characters a snippet window spans when choosing where it starts (36 syllables of
# Vietnamese run about 180 to 220 characters); the passage itself is cut by syllables.
_WINDOW_CHARS = SNIPPET_SYLLABLES * 6


def find_phrase(text: str, phrase: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each syllable of the first occurrence of a folded phrase in `text`."""
    spans = _matches(text, Marks(phrases=frozenset([phrase])))
    if not spans:
        return []
    start, end = spans[0]
    return [(start + m.start(), start + m.end()) for m in SYLLABLE.finditer(text[start:end])]


@functools.cache
def _folding_table() -> np.ndarray:
    """For each code point below U+1F00, the plain letter it folds to (`Ộ`, `ô`, `O` → `o`),
    or itself."""
    table = np.arange(0x1F00, dtype=np.uint32)
    for code in range(0x41, 0x1F00):
        char = chr(code)
        plain = fold(char)
        if char.isalpha() and len(plain) == 1 and plain.isascii() and plain.isalnum():
            table[code] = ord(plain)
    return table


def _folded(text: str) -> str:
    """`text` folded letter by letter: every offset in it is an offset in `text`. As an
    array of code points (`str.translate` takes 35 ns a character: 60 us an article)."""
    if text.isascii():
        return text.lower()
    table = _folding_table()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    folded = np.where(codes < len(table), table[np.minimum(codes, len(table) - 1)], codes)
    return folded.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


@functools.lru_cache(maxsize=1024)
def _pattern(marks: Marks) -> re.Pattern | None:
    """One pattern for the folded form of everything `marks` marks, whole syllables (or
    codes), for the folded copy of a text; the longest first, so that a phrase or a code
    wins over its parts. Plain letters compile in a fraction of a millisecond, where
    classes of every marked spelling of each letter took milliseconds a query."""
    alternatives = {
        *(_SEPARATOR.join(map(re.escape, phrase)) for phrase in marks.phrases),
        *(
            _SEPARATOR.join(re.escape(fold(word)) for word in phrase)
            for phrase in marks.exact_phrases
        ),
        *map(re.escape, marks.folded),
        *(re.escape(fold(text)) for text in marks.exact),
    }
    if not alternatives:
        return None
    ordered = sorted(alternatives, key=lambda a: (-len(a), a))
    # Not preceded by a letter either (see `_matches`): a pattern that starts with its
    # words, not a look behind, is searched for by its first letters, twice as fast.
    return re.compile("(?:" + "|".join(ordered) + rf")(?!{LETTER})")


def _matches(text: str, marks: Marks) -> list[tuple[int, int]]:
    """(start, end) of each marked syllable, code or phrase in `text`, in order: found in
    its folded copy, and kept when the folded form was asked for, or else the exact one."""
    pattern = _pattern(marks)
    if pattern is None:
        return []
    phrases = {" ".join(phrase) for phrase in marks.phrases}
    exact_phrases = {" ".join(phrase) for phrase in marks.exact_phrases}
    spans = []
    folded_text = _folded(text)
    at = 0
    while found := pattern.search(folded_text, at):
        folded = found.group()
        start, end = found.span()
        if start and _is_letter(folded_text[start - 1]):
            at = start + 1  # inside a word: a match may start further on
            continue
        at = end
        if (
            folded in marks.folded
            or text[start:end].lower() in marks.exact
            or (phrases and " ".join(SYLLABLE.findall(folded)) in phrases)
            or (
                exact_phrases
                and " ".join(SYLLABLE.findall(text[start:end].lower())) in exact_phrases
            )
        ):
            spans.append((start, end))
    return spans


def _is_letter(char: str) -> bool:
    """Whether `char` is a letter or digit, as LETTER matches."""
    return char.isalnum()


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)  # a code overlapping its own parts
        elif merged and not text[merged[-1][1] : start].strip():
            merged[-1][1] = end  # adjacent words: one mark for `Hội nghị`
        else:
            merged.append([start, end])
    out = []
    cursor = 0
    for start, end in merged:
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def mark(text: str, marks: Marks) -> str:
    """The whole of `text` (a title), escaped, with matched words marked."""
    return _render(text, _matches(text, marks))


def snippet(text: str, marks: Marks, size: int = SNIPPET_SYLLABLES) -> str:
    """The passage of `text` with the most matched words, escaped, matches marked."""
    text = text[:MAX_SCANNED]
    spans = _matches(text, marks)
    begin = _best_window(text, spans) if spans else 0
    # Start at the beginning of a syllable, then take `size` syllables.
    while begin > 0 and SYLLABLE.match(text, begin - 1, begin):
        begin -= 1
    syllables = list(itertools.islice(SYLLABLE.finditer(text, begin), size + 1))
    if not syllables:
        return ""
    start_char = syllables[0].start()
    end_char = syllables[size].start() if len(syllables) > size else len(text)
    passage = text[start_char:end_char].rstrip()
    shown = [(s - start_char, e - start_char) for s, e in spans if start_char <= s < end_char]
    rendered = _render(passage, [(s, min(e, len(passage))) for s, e in shown])
    prefix = "… " if start_char > 0 else ""
    suffix = " …" if end_char < len(text) else ""
    return prefix + rendered.replace("\n", " ") + suffix


def _best_window(text: str, spans: list[tuple[int, int]]) -> int:
    """Where the window with the most distinct matched words starts (a quarter of a
    window before its first match)."""
    words = [text[s:e].lower() for s, e in spans]
    best_begin, best_count = 0, -1
    last = 0
    for first, (start, _) in enumerate(spans):
        begin = max(0, start - _WINDOW_CHARS // 4)
        last = max(last, first)
        while last + 1 < len(spans) and spans[last + 1][0] < begin + _WINDOW_CHARS:
            last += 1
        count = len(set(words[first : last + 1]))
        if count > best_count:
            best_begin, best_count = begin, count
    return best_begin
