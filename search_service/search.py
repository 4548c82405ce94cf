"""Ranked search over the index, returning plain result objects.

A query is normalized like a document, then cut into syllables. Each syllable matches its
folded form (which finds every reading: `ban` finds ban, bàn, bán, bạn) and, when typed with
marks, its exact form too, which scores extra: `bán` ranks exact `bán` above `bạn`. All
syllables are required; if that finds nothing, any of them will do. Pairs of adjacent
syllables add the score of the word they form (`hội nghị` as one word) when the article has
it, so words rank above scattered syllables. The title counts three times the body.

The request and result types hold no Whoosh objects, so that another engine could serve
the same API.
"""

import dataclasses
import itertools
from pathlib import Path

from whoosh import query as q

from . import store
from .analysis import WORD_SEPARATOR, SyllableTokenizer
from .errors import BadQuery
from .normalize import fold, normalize_line
from .schema import TEXT_FIELDS, WORD_FIELDS

MAX_QUERY_LENGTH = 500
MAX_QUERY_SYLLABLES = 32
MAX_LIMIT = 100
EXACT_BOOST = 2.0


@dataclasses.dataclass(frozen=True)
class Hit:
    """One article found."""

    id: str
    title: str
    date: str | None
    sector: str | None
    url: str | None
    topics: list[str]
    score: float


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """A page of hits and the number of matches."""

    query: str
    total: int
    hits: list[Hit]

    def to_dict(self) -> dict:
        """The JSON shape of the result."""
        return dataclasses.asdict(self)


def _query_tokens(text: str) -> tuple[list[str], list[str]]:
    """The syllables of a query, and the codes typed in it whole (`10-ct/tw`)."""
    syllables, codes = [], []
    tokens = SyllableTokenizer(compounds=True)(
        normalize_line(text[:MAX_QUERY_LENGTH]), positions=True
    )
    last_position = -1
    for token in tokens:
        if token.pos > last_position:
            syllables.append(token.text.lower())
            last_position = token.pos
        else:
            codes.append(token.text.lower())
    return syllables[:MAX_QUERY_SYLLABLES], codes


def build_query(text: str, require_all: bool = True) -> q.Query | None:
    """The Whoosh query for what a user typed; None when it holds no searchable word."""
    syllables, codes = _query_tokens(text)
    if not syllables:
        return None
    clauses = [_syllable_clause(s) for s in syllables]
    words = [fold(a) + WORD_SEPARATOR + fold(b) for a, b in itertools.pairwise(syllables)]
    bonus = [q.Term(field, word) for word in words for field in WORD_FIELDS.values()]
    bonus += [q.Term(field, code) for code in codes for field in TEXT_FIELDS]
    matching = q.And(clauses) if require_all else q.Or(clauses)
    return q.AndMaybe(matching, q.Or(bonus)) if bonus else matching


def _syllable_clause(syllable: str) -> q.Query:
    folded = fold(syllable)
    terms = [q.Term(field, folded) for field in TEXT_FIELDS]
    if folded != syllable:
        terms += [q.Term(field, syllable, boost=EXACT_BOOST) for field in TEXT_FIELDS]
    return q.Or(terms)


def search(index: Path, text: str, limit: int = 10) -> SearchResult:
    """The best `limit` articles for `text`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
    ix = store.open_index(index)
    query = build_query(text)
    if query is None:
        return SearchResult(text, 0, [])
    with ix.searcher() as searcher:
        results = searcher.search(query, limit=limit)
        if results.is_empty():
            results = searcher.search(build_query(text, require_all=False), limit=limit)
        hits = [_hit(hit) for hit in results]
        return SearchResult(text, results.estimated_length(), hits)


def _hit(hit) -> Hit:
    stored = hit.fields()
    return Hit(
        id=stored["id"],
        title=stored["title"],
        date=(stored.get("published") or "")[:10] or None,
        sector=stored.get("sector"),
        url=stored.get("url"),
        topics=list(stored.get("topics") or stored.get("derived_topics") or []),
        score=round(hit.score, 4),
    )
