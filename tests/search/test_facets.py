"""Facet counts against the articles themselves, whichever way they are counted."""

import collections

import numpy as np
import pytest

from search_service.search import facets


@pytest.mark.parametrize("share", [0.0, 0.05, 0.3, 1.0])
def test_topic_counts_are_those_of_the_stored_articles(catalog, share):
    generation = catalog.current()
    columns = generation.columns
    mask = np.random.default_rng(7).random(len(columns.sector)) < share
    expected = collections.Counter()
    for docnum in np.flatnonzero(mask).tolist():
        stored = generation.searcher.stored_fields(docnum)
        expected.update(stored.get("topics") or stored.get("derived_topics") or [])
    counts = columns._topic_counts(mask)
    found = {columns.topic_names[i]: int(c) for i, c in enumerate(counts) if c}
    assert found == dict(expected)


def test_both_ways_of_counting_agree(catalog, monkeypatch):
    columns = catalog.current().columns
    mask = np.random.default_rng(3).random(len(columns.sector)) < 0.2
    sparse = columns._topic_counts(mask)
    monkeypatch.setattr(facets, "SPARSE_SHARE", 0.0)
    dense = columns._topic_counts(mask)
    assert mask.any() and sparse.sum() > 0
    assert (sparse == dense).all()
