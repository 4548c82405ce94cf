"""What the index's own vocabulary says about a query word.

Forgiving queries are decided by the index, not by rules alone: a Telex reading (`chis` →
`chí`) is taken when the index holds it and not the word as typed; a word missing a letter is
replaced by the most frequent indexed word one edit away; a folded word gets its marks back
from the most frequent form the articles use. Everything here reads one searcher, so it sees
one generation of the index.

What a generation's vocabulary sums over its segments is read from each segment once
(`segment_data.SegmentData`), and a generation that only adds segments to the previous one
starts from the previous one's sums of term frequencies and marked forms, adding those of
its new segments: the first searches after a commit do not add up every segment again.
"""

import collections
import functools
import string
from collections.abc import Callable

import numpy as np

from ..caching import LRU
from ..index.analysis import WORD_SEPARATOR, pair_prefix, pair_reading
from ..index.schema import PAIR_FIELDS, TEXT_FIELDS, WORD_FIELDS
from ..index.segment_data import MEMO_ENTRIES, Part
from ..text.normalize import fold
from .engine import Engine

# Letters a typo may have dropped or swapped (folded vocabulary is plain ASCII).
_LETTERS = string.ascii_lowercase + string.digits
MAX_TYPO_LENGTH = 12
# A word the typed one lacks a letter of counts this many times its frequency among the
# words one edit away: a letter left out is the commonest typing slip (`vng` is `vàng`,
# not the more frequent `ông`; `rong` is `trong`).
MISSING_LETTER_WEIGHT = 10
# The fields whose plain-letter words are kept in tables (see `_words`).
WORD_TABLES = ("body", "title", *WORD_FIELDS.values())
# Segments of at least this many articles have their word tables added up into one.
MERGED_FROM = 1024


class Vocabulary:
    """Term statistics of one generation of the index, summed over its segments."""

    def __init__(
        self,
        reader,
        parts: list[Part],
        engine: Engine,
        previous: "Vocabulary | None" = None,
    ):
        self.reader = reader
        self.parts = parts
        self.engine = engine
        self._near = LRU(MEMO_ENTRIES)
        self._restored = LRU(MEMO_ENTRIES)
        self._marked = LRU(MEMO_ENTRIES)
        self._forms = LRU(MEMO_ENTRIES)
        self._shadows = LRU(MEMO_ENTRIES)
        self._pairs = LRU(MEMO_ENTRIES)
        self._frequencies = LRU(MEMO_ENTRIES)
        self._word_tables: dict[tuple[str, str], list[dict[str, int]]] = {}
        # Per field: the word tables of the large segments added up (which segments, and
        # the sums), taken over from the previous generation while they are the same.
        self._merged: dict[tuple[str, str], tuple[tuple[str, ...], dict[str, int]]] = (
            previous._merged if previous is not None else {}
        )
        # The previous generation's sums, and the segments this one adds to its segments.
        self._inherited_frequencies: dict[tuple[str, str], int] = {}
        self._inherited_marked: dict[tuple[str, str], collections.Counter] = {}
        self._added = parts
        if previous is not None and _extends(parts, previous.parts):
            self._inherited_frequencies = previous._frequencies.entries()
            self._inherited_marked = previous._marked.entries()
            self._added = parts[len(previous.parts) :]

    def warm(self) -> None:
        """Read every segment's word tables and title forms now, not on a first search."""
        for field in WORD_TABLES:
            self._tables(field)
        for field in TEXT_FIELDS:
            self._tables(field, _syllables)
        for part in self.parts:
            for field in TEXT_FIELDS:
                plain, marked = _syllable_forms(part, field)
                for folded in marked.keys() & plain.keys():
                    self._plain_documents(part, field, folded)

    def word_frequency(self, field: str, text: str) -> int:
        """How many articles hold the plain-letter word `text` in `field` (one of
        WORD_TABLES), from the segments' word tables: no index lookup."""
        return sum(table.get(text, 0) for table in self._tables(field))

    def _tables(self, field: str, read: Callable | None = None) -> list[dict[str, int]]:
        """The tables of `field` to add up, from `read(part, field)` (`_words` by default,
        or `_syllables`): one for the large segments together (a bulk ingest leaves a score
        of them, and a typo's hundreds of candidates were looked up in each), then one a
        small segment."""
        read = read or _words
        key = (read.__name__, field)
        if key not in self._word_tables:
            large = [part for part in self.parts if part.data.size >= MERGED_FROM]
            ids = tuple(part.data.id for part in large)
            if ids and self._merged.get(key, ((), {}))[0] != ids:
                merged: collections.Counter = collections.Counter()
                for part in large:
                    merged.update(read(part, field))
                self._merged = {**self._merged, key: (ids, dict(merged))}
            small = [read(part, field) for part in self.parts if part.data.size < MERGED_FROM]
            self._word_tables[key] = [self._merged[key][1], *small] if ids else small
        return self._word_tables[key]

    def frequency(self, field: str, text: str) -> int:
        """How many articles hold `text` in `field`."""
        key = (field, text)

        def count() -> int:
            if field in TEXT_FIELDS and text.isalpha():
                # A syllable: from the segments' tables of syllables, the large ones added up.
                return sum(table.get(text, 0) for table in self._tables(field, _syllables))
            inherited = self._inherited_frequencies.get(key)
            parts, found = (self.parts, 0) if inherited is None else (self._added, inherited)
            return found + self.engine.frequency(field, text, parts)

        return self._frequencies.get(key, count)

    def text_frequency(self, text: str) -> int:
        """How many articles hold `text` in their title or body (an upper bound)."""
        return max(self.frequency("body", text), self.frequency("title", text))

    def near(self, word: str, limit: int = 2) -> list[str]:
        """Indexed words one edit from `word` (a letter missing, extra, wrong or swapped)."""
        return [candidate for candidate, _ in self.near_counts(word, limit)]

    def near_counts(self, word: str, limit: int = 2) -> list[tuple[str, int]]:
        """`near`, each word with how many documents hold it in their title or in their body
        (the more of the two; deleted ones too)."""
        if not 2 <= len(word) <= MAX_TYPO_LENGTH or not word.isascii():
            return []
        return self._near.get((word, limit), lambda: self._edits(word, limit))

    def _edits(self, word: str, limit: int) -> list[tuple[str, int]]:
        # Hundreds of candidates, of which a few are words: look them up in each segment's
        # table of words, not one index lookup a candidate and segment.
        candidates = _candidates(word)
        counts = []
        for field in ("body", "title"):
            count: collections.Counter = collections.Counter()
            for table in self._tables(field):
                for candidate in table.keys() & candidates:
                    count[candidate] += table[candidate]
            counts.append(count)
        # Of the words one edit away, the longer ones are the typed word with a letter added.
        most = {candidate: max(c[candidate] for c in counts) for candidate in set().union(*counts)}
        found = [
            (count * (MISSING_LETTER_WEIGHT if len(candidate) > len(word) else 1), candidate)
            for candidate, count in most.items()
        ]
        found.sort(reverse=True)
        return [(candidate, most[candidate]) for _, candidate in found[:limit]]

    def restore(self, folded: str) -> str:
        """The marked form the articles use most for a folded syllable (`hoi` → `hội`).

        From titles: a small field, and their spelling is the careful one."""

        def best() -> str:
            plain = sum(_syllable_forms(part, "title")[0].get(folded, 0) for part in self.parts)
            marked = self.marked_forms(folded)
            if marked:
                text, count = max(marked.items(), key=lambda item: (item[1], item[0]))
                if count > plain - sum(marked.values()):
                    return text
            return folded

        return self._restored.get(folded, best)

    def marked_forms(self, folded: str, field: str = "title") -> collections.Counter:
        """The marked forms of a folded syllable in `field`, with their numbers of articles."""
        key = (field, folded)

        def count() -> collections.Counter:
            marked: collections.Counter = collections.Counter()
            parts = self.parts
            inherited = self._inherited_marked.get(key)
            if inherited is not None:
                # Counted in segment order, as afresh: the new segments' forms come last.
                parts = self._added
                marked.update(inherited)
            for part in parts:
                marked.update(_syllable_forms(part, field)[1].get(folded, {}))
            return marked

        return self._marked.get(key, count)

    def shadows(self, field: str, plain: str) -> tuple[str, ...]:
        """The marked forms in `field` whose folded copies share the term of `plain` (a
        syllable without marks): what to take away to find `plain` as it stands."""
        return self._shadows.get(
            (field, plain), lambda: tuple(sorted(self.marked_forms(plain, field)))
        )

    def forms(self, folded: str) -> collections.Counter:
        """Every form of a folded syllable in the articles (`ban`: bàn, bán, bạn, ban...),
        with about how many articles hold it (title or body, whichever more)."""

        def count() -> collections.Counter:
            found: collections.Counter = collections.Counter()
            for field in TEXT_FIELDS:
                marked = self.marked_forms(folded, field)
                plain = self.plain_frequency(field, folded)
                for form, number in [*marked.items(), (folded, plain)]:
                    found[form] = max(found[form], number)
            return +found

        return self._forms.get(folded, count)

    def plain_frequency(self, field: str, plain: str) -> int:
        """How many articles hold the syllable `plain` without marks in `field`: its term
        also counts the folded copies of marked forms, which are taken away."""
        if not self.shadows(field, plain):
            return self.frequency(field, plain)
        return sum(self._plain_documents(part, field, plain) for part in self.parts)

    def _plain_documents(self, part: Part, field: str, plain: str) -> int:
        """How many live documents of a segment hold the syllable `plain` in `field` as it
        stands, not as the folded copy of a marked form: those where its frequency exceeds
        its forms' (kept for the segment's life; `warm` finds every syllable's)."""
        found = part.data.cached(("plain", field), dict)
        if plain not in found:
            postings = functools.partial(self.engine.cache.postings, part, field)
            docs, frequencies = postings(plain)
            own = np.array(frequencies, dtype=np.float32)
            for form in _syllable_forms(part, field)[1].get(plain, {}) if len(docs) else ():
                shadow_docs, shadow_frequencies = postings(form)
                at = np.minimum(np.searchsorted(docs, shadow_docs), len(docs) - 1)
                held = docs[at] == shadow_docs  # all of them: a copy stands beside each
                np.subtract.at(own, at[held], shadow_frequencies[held])
            found[plain] = docs[own > 0]
        standing = found[plain]
        return len(standing) if part.whole else int(part.live[standing].sum())

    def pair_readings(self, first: str, second: str) -> collections.Counter:
        """The readings of two adjacent folded syllables in the articles (`hoi nghi`: (hội,
        nghị), (hỏi, nghị)...), with how many articles hold each (title or body)."""

        def count() -> collections.Counter:
            found: collections.Counter = collections.Counter()
            prefix = pair_prefix(first, second)
            for field in PAIR_FIELDS.values():
                # The terms under the prefix with their numbers of articles in each segment,
                # added up in term order as the reader's own expansion gives them.
                held: collections.Counter = collections.Counter()
                for _, text, documents, _ in self.engine.prefixed(field, prefix):
                    held[text] += documents
                for text in sorted(held):
                    reading = pair_reading(text)
                    found[reading] = max(found[reading], held[text])
            return found

        return self._pairs.get((first, second), count)


def _words(part: Part, field: str) -> dict[str, int]:
    """The plain-letter terms of a segment's field (syllables a typo may be mended to, and
    pyvi's folded words that tell which mend fits its neighbours), each with the number of
    documents that hold it."""

    def read() -> dict[str, int]:
        found = {}
        for text, documents in part.data.terms(part.leaf, field):
            if text.isascii() and text.replace(WORD_SEPARATOR, "").isalpha():
                found[text] = documents
        return found

    return part.data.cached(("words", field), read)


def _syllables(part: Part, field: str) -> dict[str, int]:
    """A segment's syllables in `field`, marked or not, each with the number of documents
    that hold it (a plain one's counting the folded copies of marked ones, as its term)."""

    def read() -> dict[str, int]:
        plain, marked = _syllable_forms(part, field)
        found = dict(plain)
        for forms in marked.values():
            found.update(forms)
        return found

    return part.data.cached(("syllables", field), read)


def _syllable_forms(part: Part, field: str) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """A segment's syllables in `field`: plain ones -> documents (which count the folded
    copies of marked ones too), and folded -> {marked form -> documents}."""

    def read():
        plain: dict[str, int] = {}
        marked: dict[str, dict[str, int]] = {}
        for text, documents in part.data.terms(part.leaf, field):
            if not text.isalpha():
                continue
            folded = fold(text)
            if folded == text:
                plain[folded] = documents
            else:
                marked.setdefault(folded, {})[text] = documents
        return plain, marked

    return part.data.cached(("forms", field), read)


def _extends(parts: list[Part], previous: list[Part]) -> bool:
    """Whether `parts` are the `previous` parts (same segments, same order) and more."""
    return len(parts) >= len(previous) and all(
        mine.data is theirs.data and mine.offset == theirs.offset
        for mine, theirs in zip(parts, previous, strict=False)
    )


@functools.lru_cache(maxsize=10_000)
def _candidates(word: str) -> frozenset[str]:
    """Every string one edit from `word` (the same in every generation)."""
    return frozenset(_one_edit(word))


def _one_edit(word: str):
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    seen = {word}
    for left, right in splits:
        for candidate in (
            [left + c + right for c in _LETTERS]
            + ([left + right[1:]] if right else [])
            + ([left + c + right[1:] for c in _LETTERS] if right else [])
            + ([left + right[1] + right[0] + right[2:]] if len(right) > 1 else [])
        ):
            if candidate and candidate not in seen:
                seen.add(candidate)
                yield candidate


def one_edit_apart(a: str, b: str) -> bool:
    """Whether `b` is `a` with one letter added, dropped, replaced, or two swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        swapped = (
            a[start + 2 :] == b[start + 2 :] and a[start : start + 2] == b[start : start + 2][::-1]
        )
        return a[start + 1 :] == b[start + 1 :] or swapped
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return shorter[start:] == longer[start + 1 :]
