"""Snippets and titles with the matched words marked, safe to put in a page.

The stored text is the normalized text, so tokenizing it again gives offsets that point into
exactly what is shown. A token is marked when its exact form is one the query asked for
exactly, or its folded form is one the query asked for folded (`hoi nghi` marks `Hội nghị`,
`UBND` marks `Ủy ban nhân dân`). Everything but the `<mark>` tags is HTML-escaped, so article
text can never inject markup.
"""

import functools
import html
import re

from .matching import Marks
from .normalize import fold

SNIPPET_SYLLABLES = 36
# Snippets are looked for in the first part of long articles only: the reader sees one
# passage, and scanning a whole book for it would cost every search that finds the book.
MAX_SCANNED = 20_000
_SYLLABLE = re.compile(r"[^\W_]+")
_CODE = re.compile(r"[^\W_]+(?:(?:[-/&]|(?<=\d)[.,](?=\d))[^\W_]+)+")


def find_phrase(text: str, phrase: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each syllable of the first occurrence of a folded phrase in `text`."""
    spans = [(s, e) for _, s, e in _matches(text, Marks(phrases=frozenset([phrase])))]
    return sorted(spans)[: len(phrase)]


@functools.lru_cache(maxsize=100_000)
def _forms(syllable: str) -> tuple[str, str]:
    lower = syllable.lower()
    return lower, fold(lower)


def _matches(text: str, marks: Marks) -> list[tuple[int, int, int]]:
    """(syllable number, start, end) of each marked syllable or code in `text`."""
    found = []
    syllables = [(m.start(), m.end(), *_forms(m.group())) for m in _SYLLABLE.finditer(text)]
    for number, (start, end, lower, folded) in enumerate(syllables):
        if lower in marks.exact or folded in marks.folded:
            found.append((number, start, end))
    if any(not word.isalnum() for word in marks.exact | marks.folded):
        starts = {start: number for number, (start, *_) in enumerate(syllables)}
        for match in _CODE.finditer(text):
            lower, folded = _forms(match.group())
            if lower in marks.exact or folded in marks.folded:
                found.append((starts[match.start()], match.start(), match.end()))
    folded_only = [s[3] for s in syllables]
    for phrase in marks.phrases:
        size = len(phrase)
        for i in range(len(syllables) - size + 1):
            if folded_only[i] == phrase[0] and tuple(folded_only[i : i + size]) == phrase:
                found.extend((i + k, *syllables[i + k][:2]) for k in range(size))
    return found


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
    return _render(text, [(s, e) for _, s, e in _matches(text, marks)])


def snippet(text: str, marks: Marks, size: int = SNIPPET_SYLLABLES) -> str:
    """The passage of `text` with the most matched words, escaped, matches marked."""
    text = text[:MAX_SCANNED]
    offsets = [m.start() for m in _SYLLABLE.finditer(text)]
    if not offsets:
        return ""
    matches = _matches(text, marks)
    best_start, best_score = 0, -1
    for pos, _, _ in matches or [(0, 0, 0)]:
        begin = max(0, pos - size // 4)
        window = {
            t for p, s, e in matches if begin <= p < begin + size for t in [text[s:e].lower()]
        }
        if len(window) > best_score:
            best_start, best_score = begin, len(window)
    end_pos = min(len(offsets), best_start + size)
    start_char = offsets[best_start]
    end_char = offsets[end_pos] if end_pos < len(offsets) else len(text)
    passage = text[start_char:end_char].rstrip()
    spans = [(s - start_char, e - start_char) for p, s, e in matches if best_start <= p < end_pos]
    rendered = _render(passage, spans).replace("\n", " ")
    prefix = "… " if start_char > 0 else ""
    suffix = " …" if end_char < len(text) else ""
    return prefix + rendered + suffix
