"""Evaluating queries with NumPy over postings read from the Whoosh index.

Whoosh matches and scores one posting at a time in Python: a query of four frequent
syllables over 68,000 articles takes seconds. This module evaluates the same query trees
(`And`, `Or`, `AndMaybe`, `AndNot`, `Term`, `Every`, and `Phrase`) as whole arrays instead:
each term's postings are read once per segment into a document array and a frequency array
(cached across generations), scored with BM25F against per-document field lengths (cached
per generation), and combined with vectorized unions and intersections over a dense score
vector; an `Or` of terms is summed in one pass. Phrases read positions only for the documents
the rest of the query leaves, and remember per generation which they checked. A search then
costs a few array operations per term, whatever the number of matches.

A commit adds a segment at the end (and may merge the last few into one): a new generation
inherits its predecessor's terms joined over the segments they share, adds those of its new
segments, drops the documents deleted since, and scores them again with its own idf and
average lengths, which every commit changes. Phrase checks are inherited the same way.

The index on disk is Whoosh's, unchanged; only the evaluation moves here.
"""

import collections
import functools
import itertools
import math
import time
from collections.abc import Iterator

import numpy as np
from whoosh import query as q

from ..caching import LRU
from ..index import codec, term_table
from ..index.analysis import pair_prefix, pair_reading
from ..index.columns import column_values, field_lengths
from ..index.schema import ANALYZED_FIELDS, PAIR_FIELDS, TEXT_FIELDS, WORD_FIELDS
from ..index.segment_data import Part, concatenate
from ..text.normalize import fold
from ..text.syllables import SYLLABLE

K1 = 1.2
B = 0.75
# Postings kept in memory, counted in documents (8 bytes each); across generations, since
# a segment's postings never change.
CACHE_POSTINGS = 30_000_000
# Scored terms kept per generation, counted in documents (12 bytes each: document, score
# and frequency, kept for the next generation; 4 in an index of one segment without
# deletions, whose documents and frequencies are the postings cache's own arrays):
# the frequent syllables recur in most queries, and joining their postings over the
# segments and scoring them cost more than the rest of a query's evaluation. The next
# generation inherits them (see the docstring).
CACHE_SCORED = 16_000_000
# A clause is looked up document by document in what the caller keeps when that is this
# many times fewer documents than its postings hold (a binary search each), else summed
# over its postings in one pass.
SPARSE_SHARE = 4
# Phrases whose position checks are kept per generation (two flags a document each).
CACHE_PHRASES = 64


# Terms held by fewer documents are a block or two: cheap to read on demand.
WARM_MIN_DOCUMENTS = 256
# Segments of at least this many articles have their terms found through one directory
# (`term_table.TermDirectory`): those a bulk ingest leaves, not those the merges at commits
# make (1,024 articles at most), so that a commit does not build it again.
DIRECTORY_FROM = 2048


class Plain(q.Term):
    """A syllable without marks where it stands so: `giao`, not the folded copy of `giáo`
    that shares its term. Its postings less those of its marked forms (`shadows`): the
    analyzer puts a marked syllable's folded copy at the same position, so each
    occurrence of a shadow adds one to the plain term's frequency."""

    def __init__(self, fieldname: str, text: str, shadows: tuple[str, ...], boost: float = 1.0):
        super().__init__(fieldname, text, boost=boost)
        self.shadows = tuple(shadows)

    def __eq__(self, other):
        return super().__eq__(other) and self.shadows == getattr(other, "shadows", None)

    def __hash__(self):
        return hash((super().__hash__(), self.shadows))


class ExactPhrase(q.Phrase):
    """A phrase whose plain words stand so (see `Plain`): `shadows` per word."""

    def __init__(self, fieldname: str, words: list[str], shadows, boost: float = 1.0):
        super().__init__(fieldname, words, boost=boost)
        self.shadows = tuple(tuple(s) for s in shadows)

    def __eq__(self, other):
        return super().__eq__(other) and self.shadows == getattr(other, "shadows", None)

    def __hash__(self):
        return hash((super().__hash__(), self.shadows))


_NOTHING = (np.zeros(0, np.int32), np.zeros(0, np.float32))


def _length(found: tuple[np.ndarray, ...]) -> int:
    return len(found[0])


class PostingsCache(LRU):
    """Postings of (segment, field, term), kept across generations."""

    def __init__(self, budget: int = CACHE_POSTINGS):
        super().__init__(budget, _length)

    def postings(self, part: Part, field: str, text: str) -> tuple[np.ndarray, ...]:
        """(document numbers within the segment, term frequencies) of a term: slices of the
        segment's term table, or read from Whoosh's postings and kept."""
        if (table := part.data.table_for(field)) is not None:
            return table.postings(field, text)
        if part.data.frequency(part.leaf, field, text) == 0:
            return _NOTHING
        key = (part.data.id, field, text)
        return self.get(key, lambda: codec.postings(part.leaf, field, text))


class Engine:
    """Query evaluation over one generation of the index; `previous`, the generation before
    it, whose joined terms and phrase checks it inherits where they share segments."""

    def __init__(
        self, searcher, parts: list[Part], cache: PostingsCache, previous: "Engine | None" = None
    ):
        self.searcher = searcher
        self.parts = parts
        self.cache = cache
        self.live = concatenate(parts, lambda part: part.live, bool)
        self.size = len(self.live)
        self.live_count = int(self.live.sum())
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        # Per term: (live documents, BM25 scores at boost 1, term frequencies).
        self._scored = LRU(CACHE_SCORED, _length)
        # Per phrase: which documents had their positions checked, and which hold it.
        self._phrases = LRU(CACHE_PHRASES * self.size, _length)
        # What the previous generation computed, taken over on first use: the parts it
        # shares with this one (the first `_shared`), and where their documents end.
        self._shared, self._shared_size = 0, 0
        self._inherited: dict = {}
        self._inherited_phrases: dict = {}
        # The large segments whose terms the directory finds (segment id -> its number
        # there), and the others.
        self._directory_parts = [
            p for p in parts if p.data.table is not None and p.data.size >= DIRECTORY_FROM
        ]
        self._in_directory = {p.data.id: n for n, p in enumerate(self._directory_parts)}
        self._outside = [p for p in parts if p.data.id not in self._in_directory]
        if previous is not None:
            self._inherit(previous)

    def _inherit(self, previous: "Engine") -> None:
        for mine, theirs in zip(self.parts, previous.parts, strict=False):
            if mine.data is not theirs.data or mine.offset != theirs.offset:
                break
            self._shared += 1
            self._shared_size = mine.offset + mine.data.size
        if self._shared:
            self._inherited = previous._scored.entries()
            self._inherited_phrases = previous._phrases.entries()
        built = previous.__dict__.get("directory")
        if built is not None and previous._in_directory == self._in_directory:
            self.directory = built

    def warm(self, seconds: float) -> int:
        """Read every segment's field lengths and title keys, then join and score the most
        frequent terms for up to `seconds` (they cost a first search most: the longest
        lists); the number of terms read."""
        fields = (*TEXT_FIELDS, *WORD_FIELDS.values())
        for field in fields:
            self._field_lengths(field)
        _ = self.title_keys, self.directory
        for field in PAIR_FIELDS.values():
            # What restoring marks and checking phrases look up by prefix.
            self.directory.leading(field)
        deadline = time.monotonic() + seconds
        frequent: collections.Counter = collections.Counter()
        for part in self.parts:
            for field in fields:
                for text, documents in part.data.terms(part.leaf, field):
                    if documents >= WARM_MIN_DOCUMENTS:
                        frequent[field, text] += documents
        read = 0
        for (field, text), _ in frequent.most_common():
            if time.monotonic() > deadline or self.cache.full() or self._scored.full():
                break
            self.scored(field, text)
            read += 1
        return read

    # Postings and lengths --------------------------------------------------------------

    def _field_lengths(self, field: str) -> tuple[np.ndarray, float]:
        if field not in self._lengths:
            lengths = concatenate(
                self.parts,
                lambda p: p.data.cached(("lengths", field), lambda: _read_lengths(p, field)),
                np.float32,
            )
            average = float(lengths[self.live].mean()) if self.live.any() else 1.0
            self._lengths[field] = (lengths, average or 1.0)
        return self._lengths[field]

    @functools.cached_property
    def directory(self) -> term_table.TermDirectory:
        """The directory of the large segments' terms (see DIRECTORY_FROM): about half a
        second to build on the whole vntc, once, and then taken over by the generations
        that keep those segments."""
        return term_table.TermDirectory(
            [table for p in self._directory_parts if (table := p.data.table) is not None]
        )

    def _located(self, field: str, text: str, parts: list[Part]):
        """(part, the term's number in the part's table) of each of `parts` that the
        directory holds and that holds the term, found by one lookup; then (part, None) for
        each part the directory does not hold. Not in document order."""
        if field not in ANALYZED_FIELDS or not self._in_directory:
            yield from ((part, None) for part in parts)
            return
        found = self.directory.find(field, text)
        if parts is self.parts:
            # The whole generation (most lookups): only the parts that hold the term.
            for number, term in found.items():
                yield self._directory_parts[number], term
            yield from ((part, None) for part in self._outside)
            return
        for part in parts:
            place = self._in_directory.get(part.data.id)
            if place is None:
                yield part, None
            elif place in found:
                yield part, found[place]

    def _held(self, field: str, text: str, parts: list[Part]):
        """(part, documents within it, frequencies) of each of `parts` that holds a term,
        not in document order."""
        for part, term in self._located(field, text, parts):
            if term is None:
                local, weights = self.cache.postings(part, field, text)
            else:
                local, weights = part.data.table.slices(term)
            if len(local):
                yield part, local, weights

    def prefixed(
        self, field: str, prefix: str
    ) -> Iterator[tuple[Part, str, int, tuple[term_table.TermTable, int] | None]]:
        """(part, text, documents holding it, (the part's table, the term's number there)
        or None) of each term of `field` that starts with `prefix`, in each part, in key
        order within a part: in a pair field, those of the large segments by one search of
        the directory (`TermDirectory.prefixed`), unless it has too many to check."""
        outside = self.parts
        found = (
            self.directory.prefixed(field, prefix)
            if field in PAIR_FIELDS.values() and self._in_directory
            else None
        )
        if found is not None:
            directory = self.directory
            for number, terms in found.items():
                part, table = self._directory_parts[number], directory.tables[number]
                for term, text in terms:
                    yield part, text, table.documents(term), (table, term)
            outside = self._outside
        for part in outside:
            for text, documents in part.data.prefixed(part.leaf, field, prefix):
                yield part, text, documents, None

    def frequency(self, field: str, text: str, parts: list[Part]) -> int:
        """How many documents of `parts` hold a term (deleted ones too)."""
        return sum(
            part.data.frequency(part.leaf, field, text)
            if term is None
            else part.data.table.documents(term)
            for part, term in self._located(field, text, parts)
        )

    def postings(
        self, field: str, text: str, parts: list[Part] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(live document numbers, term frequencies) of a term over the generation, or over
        some of its `parts`."""
        docs, freqs, offsets = [], [], []
        held = self._held(field, text, self.parts if parts is None else parts)
        for part, local, weights in sorted(held, key=lambda found: found[0].offset):
            if not part.whole:
                keep = part.live[local]
                local, weights = local[keep], weights[keep]
            docs.append(local)
            freqs.append(weights)
            offsets.append(part.offset)
        if not docs:
            return _NOTHING
        if len(docs) == 1 and not offsets[0]:
            # The first segment alone: its arrays are shared, not copied.
            return docs[0], freqs[0]
        # Each segment's documents moved by its offset in one pass (a term is held by a
        # score of segments: an addition each took half its time).
        lengths = np.fromiter(map(len, docs), np.int64, len(docs))
        moved = np.concatenate(docs) + np.repeat(np.array(offsets, docs[0].dtype), lengths)
        return moved, np.concatenate(freqs)

    def _frequencies(self, key: tuple, parts: list[Part]) -> tuple[np.ndarray, np.ndarray]:
        """(live documents, frequencies) over `parts` of a (field, text) term, or of a
        (field, text, shadows) plain one."""
        if len(key) == 2:
            return self.postings(*key, parts=parts)
        return self._plain(*key, parts=parts)

    def _unscored(self, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        """`_frequencies` over the generation: those the previous generation joined over
        the segments it shares with this one, less the documents deleted since, then those
        of the segments it lacks; or all read anew."""
        inherited = self._inherited.pop(key, None)
        if inherited is None:
            return self._frequencies(key, self.parts)
        docs, _, freqs = inherited
        cut = int(np.searchsorted(docs, self._shared_size))
        docs, freqs = docs[:cut], freqs[:cut]
        keep = self.live[docs]
        if not keep.all():
            docs, freqs = docs[keep], freqs[keep]
        added = self._frequencies(key, self.parts[self._shared :])
        return _joined([docs, added[0]], [freqs, added[1]])

    # Evaluation -------------------------------------------------------------------------

    def evaluate(
        self, query: q.Query, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(mask of matching documents, score of each document) for a query tree.

        `within`, when given, holds the only documents the caller will keep: outside it
        the answer may be incomplete. It lets a phrase check positions only where the rest
        of the query already matches."""
        if isinstance(query, q.Term):
            return self._terms([query], within)
        if isinstance(query, q.And):
            # The rarest clauses first and phrases last, each within what the clauses
            # before it leave: a frequent word is then only looked up in the few documents
            # that hold the rare ones.
            children = sorted(query.subqueries, key=lambda c: (_positional(c), self._size(c)))
            parts: list[tuple[np.ndarray, np.ndarray]] = []
            mask = self.live if within is None else within
            for child in children:
                parts.append(self.evaluate(child, mask))
                mask = mask & parts[-1][0]
            return mask, sum(s for _, s in parts) * mask
        if isinstance(query, q.Or):
            terms = _any_term(query)
            if terms is not None:
                return self._terms(terms, within)
            parts = [self.evaluate(child, within) for child in query.subqueries]
            if not parts:
                return self._nothing()
            score = functools.reduce(np.add, (s for _, s in parts))
            if query.minmatch > 1:
                # At least `minmatch` of the alternatives.
                mask = sum(m.astype(np.int16) for m, _ in parts) >= query.minmatch
                return mask, score * mask
            return np.logical_or.reduce([m for m, _ in parts]), score
        if isinstance(query, q.AndMaybe):
            mask, score = self.evaluate(query.a, within)
            _, extra = self.evaluate(query.b, mask)
            return mask, score + extra * mask
        if isinstance(query, q.AndNot):
            mask, score = self.evaluate(query.a, within)
            excluded, _ = self.evaluate(query.b, mask)
            return mask & ~excluded, score * ~excluded
        if isinstance(query, q.Every):
            return self.live.copy(), self.live.astype(np.float32)
        if query is q.NullQuery:
            return self._nothing()
        if isinstance(query, q.Phrase) and query.slop == 1 and len(query.words) > 1:
            return self._phrase(query, within)
        return self._through_whoosh(query)

    def _nothing(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float32)

    def _size(self, query: q.Query) -> int:
        """About how many documents `query` matches (at most), from its terms' postings."""
        if isinstance(query, q.Term):
            return len(self.scored_term(query)[0])
        if isinstance(query, q.And):
            return min(map(self._size, query.subqueries), default=0)
        if isinstance(query, (q.AndMaybe, q.AndNot)):
            return self._size(query.a)
        if isinstance(query, q.Or):
            return sum(map(self._size, query.subqueries))
        return self.size

    def _term(self, term: q.Term) -> tuple[np.ndarray, np.ndarray]:
        return self._terms([term])

    def _terms(
        self, terms: list[q.Term], within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        # Any of several terms: their postings joined, and summed per document in one pass;
        # or, when the caller keeps far fewer documents than the postings hold, looked up
        # for those documents only.
        held = [(t, *self.scored_term(t)) for t in terms]
        held = [(t, docs, scores) for t, docs, scores in held if len(docs)]
        if not held:
            return self._nothing()
        if within is not None:
            kept = np.flatnonzero(within)
            if len(kept) * SPARSE_SHARE < sum(len(docs) for _, docs, _ in held):
                return self._terms_within(held, kept)
        docs = np.concatenate([docs for _, docs, _ in held])
        weights = np.concatenate([t.boost * scores for t, _, scores in held])
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        score = np.bincount(docs, weights, minlength=self.size).astype(np.float32)
        return mask, score

    def _terms_within(
        self, held: list[tuple[q.Term, np.ndarray, np.ndarray]], kept: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        # A binary search of each kept document in the postings (sorted, never empty) of
        # each (term, documents, scores).
        holds = np.zeros(len(kept), dtype=bool)
        total = np.zeros(len(kept), dtype=np.float32)
        for term, docs, scores in held:
            at = np.minimum(np.searchsorted(docs, kept), len(docs) - 1)
            here = docs[at] == kept
            total[here] += term.boost * scores[at[here]]
            holds |= here
        mask, score = self._nothing()
        mask[kept[holds]] = True
        score[kept] = total
        return mask, score

    def scored(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(live document numbers, BM25 score at boost 1) of a term, cached per generation."""
        return self._scored_key((field, text))

    def scored_term(self, term: q.Term) -> tuple[np.ndarray, np.ndarray]:
        """`scored` of a Term or a Plain term."""
        shadows = getattr(term, "shadows", ())
        if not shadows:
            return self.scored(term.fieldname, term.text)
        return self._scored_key((term.fieldname, term.text, shadows))

    def _scored_key(self, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        docs, scores, _ = self._scored.get(key, lambda: self._score(key[0], *self._unscored(key)))
        return docs, scores

    def _plain(
        self, field: str, text: str, shadows: tuple[str, ...], *, parts: list[Part] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        docs, freqs = self.postings(field, text, parts)
        frequency = np.zeros(self.size, dtype=np.float32)
        frequency[docs] = freqs
        for shadow in shadows:
            shadow_docs, shadow_freqs = self.postings(field, shadow, parts)
            frequency[shadow_docs] -= shadow_freqs
        kept = np.flatnonzero(frequency > 0).astype(np.int32)
        return kept, frequency[kept]

    def _score(
        self, field: str, docs: np.ndarray, freqs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not len(docs):
            return docs, freqs, freqs
        lengths, average = self._field_lengths(field)
        idf = math.log(1 + (self.live_count - len(docs) + 0.5) / (len(docs) + 0.5))
        norm = K1 * (1 - B + B * lengths[docs] / average)
        scores = (idf * freqs * (K1 + 1) / (freqs + norm)).astype(np.float32)
        scores.flags.writeable = False
        return docs, scores, freqs

    def _phrase(self, phrase: q.Phrase, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        # The documents that hold every word (arrays), then their positions, read only for
        # those the caller keeps and not checked before in this generation (the phrases of
        # abbreviations, `thành phố` for `TP`, recur in many queries); scored as the sum of
        # the words.
        shadows = getattr(phrase, "shadows", None) or [()] * len(phrase.words)
        words = [
            Plain(phrase.fieldname, w, s, boost=phrase.boost)
            for w, s in zip(phrase.words, shadows, strict=True)
        ]
        parts = [self._terms([word], within) for word in words]
        candidates = np.logical_and.reduce([m for m, _ in parts])
        if within is not None:
            candidates &= within
        if len(phrase.words) == 2 and (side_by_side := self._pair_held(phrase)) is not None:
            mask = candidates & side_by_side
            return mask, sum(s for _, s in parts) * mask
        key = (phrase.fieldname, tuple(phrase.words), tuple(shadows))
        checked, holds = self._phrases.get(key, lambda: self._phrase_checks(key))
        unchecked = np.flatnonzero(candidates & ~checked)
        possible = self._paired(phrase.fieldname, phrase.words, unchecked)
        holds[self._adjacent(phrase.fieldname, phrase.words, possible, shadows)] = True
        checked[unchecked] = True
        mask = candidates & holds
        return mask, sum(s for _, s in parts) * mask

    def _phrase_checks(self, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(checked, holds) flags of a phrase: the previous generation's for the documents
        of the segments it shares with this one (positions never change; a deleted
        document is no candidate), none for the others."""
        checked, holds = np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=bool)
        inherited = self._inherited_phrases.pop(key, None)
        if inherited is not None:
            shared = self._shared_size
            checked[:shared], holds[:shared] = inherited[0][:shared], inherited[1][:shared]
        return checked, holds

    def _pair_held(self, phrase: q.Phrase) -> np.ndarray | None:
        """The documents where the two words of `phrase` stand side by side, from its pair
        field alone, which pairs each syllable with the next: so it says exactly that, with
        no position read (`đại học` for `ĐH` read 10,000 documents' positions). A word means
        its exact form when it has marks, else any reading but its shadows (`ExactPhrase`),
        as the positions of its term less theirs say. None when the field has no pairs or a
        word is no syllable."""
        field = PAIR_FIELDS.get(phrase.fieldname)
        if field is None or not all(SYLLABLE.fullmatch(word) for word in phrase.words):
            return None
        # As positions say: a plain word's term holds every reading, less its shadows'.
        shadows = getattr(phrase, "shadows", None) or [()] * len(phrase.words)

        def as_positions_say(reading: tuple[str, str]) -> bool:
            return all(
                read == word or (word == fold(word) and read not in hidden)
                for read, word, hidden in zip(reading, phrase.words, shadows, strict=True)
            )

        first, second = phrase.words
        return self._side_by_side(field, first, second, as_positions_say)

    def _side_by_side(self, pair_field: str, first: str, second: str, reads=None) -> np.ndarray:
        """The documents whose `pair_field` pairs a reading of `first` with one of `second`
        (those `reads(reading)` accepts, if given)."""
        held = np.zeros(self.size, dtype=bool)
        for part, text, _, found in self.prefixed(pair_field, pair_prefix(first, second)):
            if reads is None or reads(pair_reading(text)):
                if found is None:
                    local, _ = self.cache.postings(part, pair_field, text)
                else:
                    local, _ = found[0].slices(found[1])
                held[local + part.offset] = True
        return held

    def _paired(self, field: str, words: list[str], candidates: np.ndarray) -> np.ndarray:
        """The candidates where each two adjacent words of a phrase stand side by side in
        some reading, as the pair field says without positions: only those can hold the
        phrase (a reading's letters fold alike), and reading positions costs tens of
        microseconds a document (`Liên Hợp Quốc` for `LHQ`: 6,040 candidates)."""
        pair_field = PAIR_FIELDS.get(field)
        if pair_field is None or not all(SYLLABLE.fullmatch(word) for word in words):
            return candidates
        for first, second in itertools.pairwise(words):
            candidates = candidates[self._side_by_side(pair_field, first, second)[candidates]]
        return candidates

    def _adjacent(self, field: str, words: list[str], candidates: np.ndarray, shadows) -> list[int]:
        """The candidates where `words` stand one after another in `field` (a plain word
        where none of its `shadows` stands)."""
        found = []
        for part in self.parts:
            start, stop = np.searchsorted(candidates, [part.offset, part.offset + part.data.size])
            if start == stop:
                continue
            matchers = [part.leaf.postings(field, word) for word in words]
            hidden = [
                [
                    part.leaf.postings(field, s)
                    for s in others
                    if part.data.frequency(part.leaf, field, s)
                ]
                for others in shadows
            ]
            for doc in candidates[start:stop].tolist():
                local = doc - part.offset
                starts: set[int] | None = None
                for shift, matcher in enumerate(matchers):
                    if not _at(matcher, local):
                        starts = set()
                        break
                    here = set(matcher.value_as("positions"))
                    for shadow in hidden[shift]:
                        if _at(shadow, local):
                            here -= set(shadow.value_as("positions"))
                    here = {p - shift for p in here}
                    starts = here if starts is None else starts & here
                    if not starts:
                        break
                if starts:
                    found.append(doc)
        return found

    def _through_whoosh(self, query: q.Query) -> tuple[np.ndarray, np.ndarray]:
        # Other positional queries (phrases with slop): Whoosh lists the matching
        # documents, scored here as the sum of their words.
        mask, score = self._nothing()
        docs = np.fromiter(self.searcher.docs_for_query(query), dtype=np.int32)
        mask[docs] = True
        mask &= self.live
        words = (
            [q.Term(query.fieldname, w, boost=query.boost) for w in getattr(query, "words", [])]
            if hasattr(query, "fieldname")
            else []
        )
        for word in words:
            score += self._term(word)[1]
        return mask, score * mask

    @functools.cached_property
    def title_keys(self) -> list[str]:
        """Every document's title as folded words (`ban tuyen giao tinh uy ...`)."""
        keys: list[str] = []
        for part in self.parts:
            keys.extend(part.data.cached("title_keys", lambda p=part: _title_keys(p.leaf)))
        return keys


def _joined(docs: list[np.ndarray], freqs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One (documents, frequencies) from pieces in document order; a single piece as it is."""
    pieces = [(d, f) for d, f in zip(docs, freqs, strict=True) if len(d)]
    if not pieces:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    if len(pieces) == 1:
        return pieces[0]
    return np.concatenate([d for d, _ in pieces]), np.concatenate([f for _, f in pieces])


def _at(matcher, document: int) -> bool:
    """Move `matcher` to `document` if it holds it (never backwards); whether it does."""
    if matcher.is_active() and matcher.id() < document:
        matcher.skip_to(document)
    return matcher.is_active() and matcher.id() == document


def _any_term(query: q.Or) -> list[q.Term] | None:
    """The terms of an `Or` whose every branch is a term or another such `Or` (any of them
    matches, and they sum), or None."""
    if query.minmatch > 1:
        return None
    terms: list[q.Term] = []
    for child in query.subqueries:
        if type(child) in (q.Term, Plain):
            terms.append(child)
        elif type(child) is q.Or and (nested := _any_term(child)) is not None:
            terms.extend(nested)
        else:
            return None
    return terms


def _positional(query: q.Query) -> bool:
    """Whether a query needs positions somewhere in its tree (costly: evaluated last)."""
    return any(isinstance(leaf, q.Phrase) for leaf in query.leaves()) or isinstance(query, q.Phrase)


def _title_keys(leaf) -> list[str]:
    return column_values(leaf, "title_key", "")


def _read_lengths(part: Part, field: str) -> np.ndarray:
    """The length of `field` in each document of a segment (0 where it is absent)."""
    per_document = getattr(part.leaf, "_perdoc", part.leaf)
    return field_lengths(per_document, field, part.data.size).astype(np.float32)
