"""Pseudo-relevance feedback: the words of the best articles found, to rank the rest.

A topic query is a few words; the reports of its event share many more (names, places,
the event's own words). After a first ranking, the syllables and adjacent pairs that the
best few articles hold most (RM3: each term's share of an article, weighed by how well the
article matched), and that are rare enough in the index to tell articles apart, make a
second query; the fallback tier is ranked by both, the feedback weighing 0.7 (better than
half and half on the vims topics and VMDS dev: nDCG@10 .922 and .976).
"""

import collections
import itertools
import math

import numpy as np
from whoosh import query as q

from ..index.analysis import pair_term
from ..index.schema import PAIR_FIELDS, TEXT_FIELDS
from ..text.syllables import SYLLABLE

# Feedback serves topics (a few words describing an event), not a name or a title's few
# words typed to find one article; and it costs a query twenty more terms.
MIN_WORDS = 4
FEEDBACK_DOCUMENTS = 5
FEEDBACK_TERMS = 20
# The original ranking's share of the final score; the feedback terms have the rest.
ORIGINAL_WEIGHT = 0.3
# The terms with the most weight in the feedback articles whose rarity is looked up (one
# lookup each): the others would not make the FEEDBACK_TERMS.
CANDIDATE_TERMS = 100
# Only the beginning of long articles is read: a report states its event early.
MAX_CHARACTERS = 6_000


def expansion(generation, documents: np.ndarray, scores: np.ndarray) -> q.Query | None:
    """A query of the terms that the `documents` (the best found, with their `scores`)
    share, each weighed by RM3 and its rarity; None when they share none."""
    if len(documents) == 0:
        return None
    weights = np.maximum(scores.astype(np.float64), 0)
    weights = (
        weights / weights.sum() if weights.sum() > 0 else np.full(len(scores), 1 / len(scores))
    )
    # Each term's share of each article, weighed: the sum over the articles, per term
    # in the order the articles first hold it (so that equal weights keep that order),
    # added up as arrays (a loop over each article's thousand terms took milliseconds).
    held: list = []
    shares = []
    stored = generation.searcher.stored_fields
    for number, weight in zip(documents.tolist(), weights.tolist(), strict=True):
        fields = stored(number)
        text = f"{fields.get('title', '')}\n{fields.get('body') or ''}"[:MAX_CHARACTERS]
        counts = _terms(text.lower())
        length = sum(counts.values()) or 1
        held.extend(counts)
        shares.append(weight * np.fromiter(counts.values(), np.float64, len(counts)) / length)
    terms = list(dict.fromkeys(held))
    numbers = dict(zip(terms, range(len(terms)), strict=True))
    relevance = np.bincount(
        np.fromiter(map(numbers.__getitem__, held), np.int64, len(held)),
        np.concatenate(shares),
        minlength=len(terms),
    )
    vocabulary = generation.vocabulary
    live = max(generation.engine.live_count, 1)
    ranked = []
    for at in np.argsort(-relevance, kind="stable")[:CANDIDATE_TERMS].tolist():
        term, value = terms[at], float(relevance[at])
        field = "body" if isinstance(term, str) else PAIR_FIELDS["body"]
        text = term if isinstance(term, str) else pair_term(*term)
        frequency = vocabulary.frequency(field, text)
        if frequency:
            ranked.append((value * math.log(live / frequency), text, isinstance(term, str)))
    ranked.sort(reverse=True)
    chosen = [term for term in ranked[:FEEDBACK_TERMS] if term[0] > 0]
    total = sum(value for value, *_ in chosen)
    if total <= 0:
        return None  # the articles found score nothing (an index of one article, say)
    terms = []
    for weight, text, syllable in chosen:
        for field in TEXT_FIELDS:
            name = field if syllable else PAIR_FIELDS[field]
            terms.append(q.Term(name, text, boost=weight / total))
    return q.Or(terms)


def _terms(text: str) -> collections.Counter:
    """The syllables (strings) and adjacent pairs (tuples) of a lowercase text."""
    syllables = SYLLABLE.findall(text)
    counts = collections.Counter(syllables)
    counts.update(itertools.pairwise(syllables))
    return counts


def rerank(original: np.ndarray, expanded: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """The candidates' scores, the original and the feedback ranking each scaled to its best
    among them and mixed."""
    first = original[candidates].astype(np.float64)
    second = expanded[candidates].astype(np.float64)
    first /= first.max() if len(first) and first.max() > 0 else 1.0
    second /= second.max() if len(second) and second.max() > 0 else 1.0
    mixed = np.zeros(len(original), dtype=np.float64)
    mixed[candidates] = ORIGINAL_WEIGHT * first + (1 - ORIGINAL_WEIGHT) * second
    return mixed
