"""Suggestions as the reader types: titles that hold the words typed so far.

`hoi ng` suggests `Hội nghị giao ban công tác Khoa giáo …`: every finished word must be in
the title (in any of its forms: folded, Telex, a typo mended, as a search), and the word
being typed completes to the most frequent indexed words it starts. Results are cached per
index generation, so a reader typing the same prefix as another costs nothing.
"""

import dataclasses

from ..errors import BadQuery
from ..text.normalize import fold
from ..text.syllables import SYLLABLE
from . import matching, query
from .catalog import Catalog
from .query import ParsedQuery

MAX_SUGGESTIONS = 10
CANDIDATES = 60


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """A title to offer, and the article it belongs to."""

    text: str
    id: str


def suggest(catalog: Catalog, prefix: str, limit: int = 8) -> list[Suggestion]:
    """Up to `limit` titles for what the reader has typed so far."""
    if len(prefix) > query.MAX_QUERY_LENGTH:
        raise BadQuery(f"q is longer than {query.MAX_QUERY_LENGTH} characters: shorten it")
    limit = max(1, min(limit, MAX_SUGGESTIONS))
    generation = catalog.current()
    return generation.cached(
        ("suggest", prefix, limit), lambda: _suggest(generation, prefix, limit)
    )


def _suggest(generation, prefix: str, limit: int) -> list[Suggestion]:
    parsed = query.parse(prefix)
    in_titles = ParsedQuery(
        tuple(
            tuple(dataclasses.replace(c, field="title") for c in group)
            for group in parsed.groups
            if not group[0].negated
        )
    )
    found = matching.build(in_titles, generation.vocabulary, prefix_last=True)
    if found is None:
        return []
    typed = [fold(w) for w in found.reading.split()]
    ranked = []
    candidates = generation.searcher.search(found.ranked(found.precise), limit=CANDIDATES)
    for rank, hit in enumerate(candidates):
        title = hit["title"]
        # Titles where the words stand together, the last one begun, come first; earlier
        # in the title is better; then the search's own order.
        where = _starts_at(_folded_words(title), typed)
        ranked.append((where is None, where or 0, rank, title, hit["id"]))
    ranked.sort()
    seen: set[str] = set()
    suggestions = []
    for *_, title, article_id in ranked:
        if title.lower() not in seen:
            seen.add(title.lower())
            suggestions.append(Suggestion(title, article_id))
    return suggestions[:limit]


def _folded_words(text: str) -> list[str]:
    return [fold(word) for word in SYLLABLE.findall(text)]


def _starts_at(words: list[str], typed: list[str]) -> int | None:
    """Where `typed` begins in `words`, the last typed word as a prefix; None if nowhere."""
    if not typed:
        return None
    *whole, last = typed
    for start in range(len(words) - len(typed) + 1):
        if words[start : start + len(whole)] == whole and words[start + len(whole)].startswith(
            last
        ):
            return start
    return None
