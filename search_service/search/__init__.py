"""Queries in, results out: the request and result types, the reading of a query, matching
and scoring, the open generations of the index, facets, highlights, suggestions, related
articles, and the search itself."""
