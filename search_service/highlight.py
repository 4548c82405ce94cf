"""Snippets and titles with the matched words marked, safe to put in a page.

The stored text is the normalized text, so tokenizing it again gives offsets that point into
exactly what is shown. A token is marked when its exact form is one the query asked for
exactly, or its folded form is one the query asked for folded (`hoi nghi` marks `Hội nghị`,
`UBND` marks `Ủy ban nhân dân`). Everything but the `<mark>` tags is HTML-escaped, so article
text can never inject markup.
"""

import functools
import html
import itertools
import re

from .matching import Marks
from .normalize import fold

SNIPPET_SYLLABLES = 36
# Snippets are looked for in the first part of long articles only: the reader sees one
# passage, and scanning a whole book for it would cost every search that finds the book.
MAX_SCANNED = 20_000
_SYLLABLE = re.compile(r"[^\W_]+")
_PARTIAL_SYLLABLE = re.compile(r"[^\W_]*$")
_SEPARATOR = r"[\W_]+"
# Characters a snippet window spans when choosing where it starts (36 syllables of
# Vietnamese run about 180 to 220 characters); the passage itself is cut by syllables.
_WINDOW_CHARS = SNIPPET_SYLLABLES * 6


def find_phrase(text: str, phrase: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each syllable of the first occurrence of a folded phrase in `text`."""
    found = _pattern(Marks(phrases=frozenset([phrase]))).search(text)
    if not found:
        return []
    return [
        (found.start() + m.start(), found.start() + m.end())
        for m in _SYLLABLE.finditer(found.group())
    ]


@functools.cache
def _folding_classes() -> dict[str, str]:
    """For each plain letter, the letters that fold to it (`o`: `oòóỏõọôồ…ơờ…`)."""
    found: dict[str, set[str]] = {}
    for code in range(0xC0, 0x1F00):
        char = chr(code)
        plain = fold(char)
        if char.isalpha() and len(plain) == 1 and plain.isascii() and plain.isalnum():
            found.setdefault(plain, {plain}).add(char.lower())
    return {plain: "[" + "".join(sorted(chars)) + "]" for plain, chars in found.items()}


def _folded_pattern(folded: str) -> str:
    """A pattern for every spelling of a folded word (`hoi`: `Hội`, `hỏi`, `HỒI` …)."""
    classes = _folding_classes()
    return "".join(classes.get(char, re.escape(char)) for char in folded)


@functools.lru_cache(maxsize=1024)
def _pattern(marks: Marks) -> re.Pattern:
    """One pattern for everything `marks` marks, as whole syllables (or codes); the longest
    first, so that a phrase or a code wins over its parts."""
    alternatives = [
        *(_SEPARATOR.join(map(_folded_pattern, phrase)) for phrase in marks.phrases),
        *(re.escape(text) for text in marks.exact),
        *(_folded_pattern(text) for text in marks.folded),
    ]
    if not alternatives:
        return re.compile(r"(?!)")  # marks nothing
    alternatives.sort(key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


def _matches(text: str, marks: Marks) -> list[tuple[int, int]]:
    """(start, end) of each marked syllable, code or phrase in `text`, in order."""
    return [m.span() for m in _pattern(marks).finditer(text)]


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
    begin -= len(_PARTIAL_SYLLABLE.search(text, 0, begin).group())
    syllables = list(itertools.islice(_SYLLABLE.finditer(text, begin), size + 1))
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
