"""Pseudo-relevance feedback: the terms the best articles share, weighed by RM3."""

import collections
import math

import numpy as np
from whoosh import query as q

from search_service.index.analysis import pair_term
from search_service.index.schema import PAIR_FIELDS
from search_service.search import feedback


def _expected(generation, documents, scores) -> list[tuple[str, float]]:
    """RM3 term by term, as written in the module's docstring: (text, weight) of the
    FEEDBACK_TERMS best, the best first."""
    weights = np.maximum(scores, 0) / np.maximum(scores, 0).sum()
    relevance: collections.Counter = collections.Counter()
    for number, weight in zip(documents.tolist(), weights.tolist(), strict=True):
        fields = generation.searcher.stored_fields(number)
        text = f"{fields['title']}\n{fields.get('body') or ''}"[: feedback.MAX_CHARACTERS]
        counts = feedback._terms(text.lower())
        for term, count in counts.items():
            relevance[term] += weight * count / sum(counts.values())
    ranked = []
    for term, value in relevance.most_common(feedback.CANDIDATE_TERMS):
        field, text = ("body", term) if isinstance(term, str) else (PAIR_FIELDS["body"], None)
        text = text or pair_term(*term)
        frequency = generation.vocabulary.frequency(field, text)
        if frequency:
            ranked.append((value * math.log(generation.engine.live_count / frequency), text))
    ranked.sort(reverse=True)
    return [(text, value) for value, text in ranked[: feedback.FEEDBACK_TERMS]]


def test_expansion_weighs_the_terms_of_the_best_articles(catalog):
    generation = catalog.current()
    _, scores = generation.engine.evaluate(q.Term("body", "hội"))
    documents = np.argsort(-scores, kind="stable")[: feedback.FEEDBACK_DOCUMENTS]
    expanded = feedback.expansion(generation, documents, scores[documents])
    expected = _expected(generation, documents, scores[documents])
    total = sum(value for _, value in expected)
    got = [(t.text, t.boost) for t in expanded.subqueries if t.fieldname in ("body", "body_pairs")]
    assert [text for text, _ in got] == [text for text, _ in expected]
    assert np.allclose([b for _, b in got], [v / total for _, v in expected])
    assert len(got) == feedback.FEEDBACK_TERMS
