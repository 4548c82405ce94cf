"""Evaluating queries with NumPy over postings read from the Whoosh index.

Whoosh matches and scores one posting at a time in Python: a query of four frequent
syllables over 68,000 articles takes seconds. This module evaluates the same query trees
(`And`, `Or`, `AndMaybe`, `AndNot`, `Term`, `Every`, and `Phrase` through Whoosh) as whole
arrays instead: each term's postings are read once per index generation into a document
array and a frequency array (cached), scored with BM25F against per-document field lengths,
and combined with vectorized unions and intersections over a dense score vector. A search
then costs a few array operations per term, whatever the number of matches.

The index on disk is Whoosh's, unchanged; only the evaluation moves here.
"""

import collections
import functools
import math
import threading

import numpy as np
from whoosh import query as q

from .store import column_values

K1 = 1.2
B = 0.75
# Postings kept in memory per generation, counted in documents (8 bytes each).
CACHE_POSTINGS = 30_000_000


class Engine:
    """Query evaluation over one generation of the index."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        if self.reader.has_deletions():
            for docnum in range(self.size):
                if self.reader.is_deleted(docnum):
                    self.live[docnum] = False
        self.live_count = int(self.live.sum())
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._postings: collections.OrderedDict = collections.OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()

    # Postings and lengths, read once per generation --------------------------------------

    def _field_lengths(self, field: str) -> tuple[np.ndarray, float]:
        if field not in self._lengths:
            # Whoosh answers None, not the default, for a document without the field.
            lengths = np.fromiter(
                (self.reader.doc_field_length(n, field, 0) or 0 for n in range(self.size)),
                dtype=np.float32,
                count=self.size,
            )
            average = float(lengths[self.live].mean()) if self.live.any() else 1.0
            self._lengths[field] = (lengths, average or 1.0)
        return self._lengths[field]

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of a term, from the cache or the index."""
        key = (field, text)
        with self._lock:
            if key in self._postings:
                self._postings.move_to_end(key)
                return self._postings[key]
        docs, freqs = self._read(field, text)
        with self._lock:
            self._postings[key] = (docs, freqs)
            self._cached += len(docs)
            while self._cached > CACHE_POSTINGS and len(self._postings) > 1:
                _, (old, _) = self._postings.popitem(last=False)
                self._cached -= len(old)
        return docs, freqs

    def _read(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids: list[int] = []
        weights: list[float] = []
        for leaf, offset in self.reader.leaf_readers():
            if (field, text) not in leaf:
                continue
            start = len(ids)
            _read_leaf(leaf.postings(field, text), ids, weights)
            if offset:
                ids[start:] = [i + offset for i in ids[start:]]
        docs = np.array(ids, dtype=np.int32)
        freqs = np.array(weights, dtype=np.float32)
        keep = self.live[docs]
        return docs[keep], freqs[keep]

    # Evaluation -------------------------------------------------------------------------

    def evaluate(self, query: q.Query) -> tuple[np.ndarray, np.ndarray]:
        """(mask of matching documents, score of each document) for a query tree."""
        if isinstance(query, q.Term):
            return self._term(query)
        if isinstance(query, q.And):
            parts = [self.evaluate(child) for child in query.subqueries]
            mask = np.logical_and.reduce([m for m, _ in parts])
            return mask, sum(s for _, s in parts) * mask
        if isinstance(query, q.Or):
            parts = [self.evaluate(child) for child in query.subqueries]
            if not parts:
                return self._nothing()
            return np.logical_or.reduce([m for m, _ in parts]), sum(s for _, s in parts)
        if isinstance(query, q.AndMaybe):
            mask, score = self.evaluate(query.a)
            _, extra = self.evaluate(query.b)
            return mask, score + extra * mask
        if isinstance(query, q.AndNot):
            mask, score = self.evaluate(query.a)
            excluded, _ = self.evaluate(query.b)
            return mask & ~excluded, score * ~excluded
        if isinstance(query, q.Every):
            return self.live.copy(), self.live.astype(np.float32)
        if query is q.NullQuery:
            return self._nothing()
        return self._through_whoosh(query)

    def _nothing(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float32)

    def _term(self, term: q.Term) -> tuple[np.ndarray, np.ndarray]:
        docs, freqs = self.postings(term.fieldname, term.text)
        mask, score = self._nothing()
        if not len(docs):
            return mask, score
        lengths, average = self._field_lengths(term.fieldname)
        idf = math.log(1 + (self.live_count - len(docs) + 0.5) / (len(docs) + 0.5))
        norm = K1 * (1 - B + B * lengths[docs] / average)
        mask[docs] = True
        score[docs] = term.boost * idf * freqs * (K1 + 1) / (freqs + norm)
        return mask, score

    def _through_whoosh(self, query: q.Query) -> tuple[np.ndarray, np.ndarray]:
        # Phrases need positions, which only Whoosh reads: it lists the matching
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
        return column_values(self.reader, "title_key", "")


def _read_leaf(matcher, ids: list[int], weights: list[float]) -> None:
    """Append a leaf matcher's postings a block at a time (whoosh-reloaded 2.7.5 blocks)."""
    if not hasattr(matcher, "_next_block"):
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        ids.extend(matcher._ids[matcher._i :])
        weights.extend(matcher._weights[matcher._i :])
        matcher._next_block()
