"""Search: a request in, one result object out, for the CLI, the JSON API and the pages.

    SearchRequest --parse--> ParsedQuery --matching--> Whoosh query (+ filters)
        --> top hits (ranked or by date), total, facet counts, snippets, suggestion
        --> SearchResult

`SearchRequest` and `SearchResult` hold no Whoosh types: another engine could serve the
same API behind them. Results are cached per index generation, so repeating a search costs
nothing until the next commit, and a commit is never hidden by the cache.
"""

import dataclasses
import datetime
import re
import time
from collections.abc import Mapping

import numpy as np
from whoosh import query as q
from whoosh.util.times import datetime_to_long

from . import dates, matching, query
from .catalog import Catalog, Generation
from .errors import ArticleNotFound, BadQuery
from .facets import FacetValue
from .highlight import find_phrase, mark, snippet
from .normalize import fold, normalize_line
from .related import linked_ids, similar_ids

SORTS = ("relevance", "newest", "oldest")
MAX_LIMIT = 100
MAX_DEPTH = 10_000  # page × limit: deeper pages are refused, not computed
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
FEW_RESULTS = 3
# Fewer articles than this holding every word of a long query: those missing one follow.
NEARLY_BELOW = 10
# How many of the best are checked for the query standing whole in their title, and how much
# that multiplies their score.
TITLE_PHRASE_POOL = 100
TITLE_PHRASE_FACTOR = 1.5


@dataclasses.dataclass(frozen=True)
class SearchRequest:
    """What a reader asks for. Build it with `from_params` from strings a user typed."""

    q: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sectors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    related_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    as_you_type: bool = False

    def __post_init__(self):
        if len(self.q) > query.MAX_QUERY_LENGTH:
            raise BadQuery(
                f"q is longer than {query.MAX_QUERY_LENGTH} characters: shorten the query"
            )
        if self.sort not in SORTS:
            raise BadQuery(f"sort must be one of {', '.join(SORTS)}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
        if self.page < 1:
            raise BadQuery("page must be 1 or more")
        if self.page * self.limit > MAX_DEPTH:
            raise BadQuery(f"page × limit must be at most {MAX_DEPTH}: narrow the search")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise BadQuery("the start date is after the end date")

    @classmethod
    def from_params(cls, params: Mapping[str, list[str]]) -> "SearchRequest":
        """Read request parameters (`q`, `from`, `to`, `sector`, `topic`, `related_to`,
        `sort`, `page`, `limit`), each a list of strings as a query string gives them."""

        def one(name: str, default: str = "") -> str:
            values = params.get(name) or [default]
            return values[-1].strip()

        return cls(
            q=one("q"),
            date_from=_day(one("from"), "from"),
            date_to=_day(one("to"), "to"),
            sectors=_several(params.get("sector")),
            topics=_several(params.get("topic")),
            related_to=normalize_line(one("related_to")) or None,
            sort=one("sort", "relevance") or "relevance",
            page=parse_number(one("page", "1"), "page"),
            limit=parse_number(one("limit", "10"), "limit"),
        )


@dataclasses.dataclass(frozen=True)
class Hit:
    """One article found. `title` and `snippet` are HTML: escaped, matches in `<mark>`."""

    id: str
    title: str
    url: str | None
    date: str | None
    sector: str | None
    topics: list[str]
    topics_derived: bool
    score: float | None
    snippet: str


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """A page of hits, the number of matches, facet counts and a suggested correction."""

    query: str
    total: int
    page: int
    limit: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    suggestion: str | None

    def to_dict(self) -> dict:
        """The JSON shape of the result (documented in the README); a copy, since results
        are cached and shared. Written out: `dataclasses.asdict` deep-copies every value
        and cost a millisecond a request, more than the JSON encoding."""
        return {
            **vars(self),
            "hits": [{**vars(hit), "topics": list(hit.topics)} for hit in self.hits],
            "facets": {
                name: [dict(vars(value)) for value in values]
                for name, values in self.facets.items()
            },
        }


def search(catalog: Catalog, request: SearchRequest) -> SearchResult:
    """Run a search on the latest generation of the index."""
    started = time.perf_counter()
    generation = catalog.current()
    result = generation.cached(request, lambda: _search(generation, request))
    return dataclasses.replace(result, took_ms=round((time.perf_counter() - started) * 1000, 2))


def _search(generation: Generation, request: SearchRequest) -> SearchResult:
    parsed = query.parse(request.q)
    found = matching.build(parsed, generation.vocabulary, prefix_last=request.as_you_type)
    if found is None:
        # Nothing to search for (an empty query, or only symbols): list the articles.
        return _collect(generation, request, q.Every(), None)
    result = _collect(generation, request, found.required, found)
    if result.total < NEARLY_BELOW and found.nearly is not None:
        result = _collect(generation, request, found.nearly, found, first=found.required)
    if result.total == 0:
        result = _collect(generation, request, found.loose, found)
    suggestion = None
    if found.changed or result.total < FEW_RESULTS:
        suggestion = _with_marks(generation, found.understood)
        if suggestion == request.q.strip().lower():
            suggestion = None
    return dataclasses.replace(result, suggestion=suggestion)


def _with_marks(generation: Generation, text: str) -> str:
    """`text` as the articles spell it: marks restored from a title that holds it whole,
    else word by word from the most frequent spelling."""
    syllables = tuple(fold(s) for s in text.split())
    if len(syllables) > 1:
        spelled = _title_spelling(generation, syllables)
        if spelled:
            return spelled
    vocabulary = generation.vocabulary
    return " ".join(
        word if word != fold(word) else vocabulary.restore(word) for word in text.split()
    )


def _title_spelling(generation: Generation, syllables: tuple[str, ...]) -> str | None:
    """The folded `syllables` as the first title holding them together spells them."""
    engine = generation.engine
    holding, _ = engine.evaluate(q.And([q.Term("title", s) for s in syllables]))
    together = f" {' '.join(syllables)} "
    titles = engine.title_keys
    for n in np.flatnonzero(holding).tolist():
        if together in f" {titles[n]} ":
            title = generation.searcher.stored_fields(n)["title"]
            spans = find_phrase(title, syllables)
            if spans:
                return title[spans[0][0] : spans[-1][1]].lower()
    return None


def _collect(
    generation: Generation,
    request: SearchRequest,
    matches: q.Query,
    found: matching.Matching | None,
    first: q.Query | None = None,
) -> SearchResult:
    """Evaluate the query over the whole index at once (engine), then filter, count the
    facets, and order only what the page shows: by relevance, the matches of `first` (when
    given) before the others."""
    columns = generation.columns
    ranked = found is not None and request.sort == "relevance"
    engine = generation.engine
    in_match, scores = engine.evaluate(found.ranked(matches) if ranked else matches)
    in_match &= _base_mask(generation, request)
    facets, kept = columns.count(in_match, request.sectors, request.topics)
    candidates = np.flatnonzero(kept)
    start = (request.page - 1) * request.limit
    wanted = start + request.limit
    if ranked:
        tiers = [candidates]
        if first is not None:
            ahead = engine.evaluate(first, kept)[0][candidates]
            tiers = [candidates[ahead], candidates[~ahead]]
        order = np.zeros(0, dtype=np.int64)
        for tier in tiers:
            if len(order) < wanted:
                best = _best(tier, scores, wanted - len(order) + TITLE_PHRASE_POOL)
                best = _title_phrase_first(generation, best, scores, found.phrase)
                order = np.concatenate([order, best[: wanted - len(order)]])
        order = order[start:wanted]
    else:
        # Without words to rank by, relevance means nothing: newest first.
        dates = columns.date[candidates]
        newest = request.sort != "oldest"
        keys = np.where(dates < 0, np.int64(-1 if newest else 2**62), dates)
        order = candidates[np.argsort(-keys if newest else keys, kind="stable")][start:wanted]
    marks = found.marks if found else matching.Marks()
    stored = generation.searcher.stored_fields
    hits = [_hit(stored(int(n)), float(scores[n]) if ranked else None, marks) for n in order]
    return SearchResult(
        query=request.q,
        total=len(candidates),
        page=request.page,
        limit=request.limit,
        took_ms=0.0,
        hits=hits,
        facets=facets,
        suggestion=None,
    )


def _best(candidates: np.ndarray, scores: np.ndarray, count: int) -> np.ndarray:
    """The `count` best-scored candidates, best first."""
    if len(candidates) > count:
        candidates = candidates[np.argpartition(-scores[candidates], count)[:count]]
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def _title_phrase_first(
    generation: Generation,
    order: np.ndarray,
    scores: np.ndarray,
    phrase: tuple[tuple[str, ...], ...],
) -> np.ndarray:
    """Among the best, lift the articles whose title holds the query's words as one phrase
    (any reading of each word): a reader who types words of a title means that article."""
    if len(phrase) < 2:
        return order
    titles = generation.engine.title_keys
    pattern = re.compile(
        r"(?:^| )"
        + " ".join("(?:" + "|".join(map(re.escape, r)) + ")" for r in phrase)
        + r"(?: |$)"
    )
    for n in order:
        if pattern.search(titles[n]):
            scores[n] *= TITLE_PHRASE_FACTOR
    return order[np.argsort(-scores[order], kind="stable")]


def _base_mask(generation: Generation, request: SearchRequest) -> np.ndarray:
    """Filters that facets count within: dates and the related-to article."""
    columns = generation.columns
    mask = np.ones(len(columns.sector), dtype=bool)
    if request.date_from or request.date_to:
        start = datetime.datetime.combine(
            request.date_from or datetime.date(1, 1, 1), datetime.time.min
        )
        end = datetime.datetime.combine(
            request.date_to or datetime.date(9999, 12, 31), datetime.time.max
        )
        mask &= columns.mask_dates(datetime_to_long(start), datetime_to_long(end))
    if request.related_to:
        related = np.zeros_like(mask)
        searcher = generation.searcher
        for linked in linked_ids(searcher, request.related_to):
            number = searcher.document_number(id=linked)
            if number is not None:
                related[number] = True
        mask &= related
    return mask


def related_articles(catalog: Catalog, article_id: str, limit: int = 10) -> list[Hit]:
    """Articles related to `article_id`: its explicit links (both directions) first, then
    the most similar by content; never the article itself. ArticleNotFound if unknown."""
    typed, article_id = article_id, normalize_line(article_id)  # as ids are stored
    generation = catalog.current()

    def compute() -> list[Hit]:
        searcher = generation.searcher
        if searcher.document(id=article_id) is None:
            raise ArticleNotFound(f"no article with id {typed!r}")
        ids = linked_ids(searcher, article_id)[:limit]
        ids += [i for i in similar_ids(searcher, article_id, limit) if i not in ids]
        stored = (searcher.document(id=i) for i in ids[:limit])
        return [_hit(document, None, matching.Marks()) for document in stored if document]

    return generation.cached(("related", article_id, limit), compute)


def _hit(stored: dict, score: float | None, marks: matching.Marks) -> Hit:
    given = list(stored.get("topics") or [])
    return Hit(
        id=stored["id"],
        title=mark(stored["title"], marks),
        url=stored.get("url"),
        date=stored.get("published"),
        sector=stored.get("sector"),
        topics=given or list(stored.get("derived_topics") or []),
        topics_derived=not given,
        score=round(score, 3) if score is not None else None,
        snippet=snippet(stored.get("body") or "", marks),
    )


def _day(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        parsed = dates.parse_date(value)
    except ValueError as error:
        raise BadQuery(f"{name}: {error}") from None
    return parsed.date() if isinstance(parsed, datetime.datetime) else parsed


def parse_number(value: str, name: str) -> int:
    """A parameter typed as a whole number: ASCII digits, perhaps a minus (`int()` would
    also take `1_000`, ` +3` and Arabic-Indic digits). Its range is for the caller to check."""
    if not _WHOLE_NUMBER.fullmatch(value):
        raise BadQuery(f"{name} must be a whole number, not {value[:20]!r}")
    digits = value.lstrip("-").lstrip("0") or "0"
    # Past this many digits a number is out of every range; int() would refuse past 4,300.
    number = int(digits) if len(digits) <= 18 else 10**18
    return -number if value.startswith("-") else number


def _several(values: list[str] | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values or ():
        # As the index stores them: NFC, and nothing a terminal or URL can smuggle in (a
        # lone surrogate from undecodable command-line bytes cannot be encoded to look up).
        value = normalize_line(value)
        if value:
            seen.setdefault(value, None)
    return tuple(seen)
