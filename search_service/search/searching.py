"""Search: a request in, one result object out, for the CLI, the JSON API and the pages.

    SearchRequest --parse--> ParsedQuery --matching--> the query's reading, its tiers
        --> precise tier: total, facet counts, hits ranked or by date
        --> fallback tier (labelled), when the precise one finds less than a page
        --> snippets, suggestion --> SearchResult

The precise tier is what the reader typed, as read (`matching`): the total, the facets,
the date sorts and the CSV export count it alone. When it finds less than a page, the
first page is filled with the fallback tier: articles with the words in other readings,
with mended words, or missing some words, ranked by any word with feedback from the best
found (`feedback`), each hit labelled `fallback` and never counted.

`SearchRequest` and `SearchResult` hold no Whoosh types: another engine could serve the
same API behind them. Results are cached per index generation, so repeating a search costs
nothing until the next commit, and a commit is never hidden by the cache.
"""

import dataclasses
import datetime
import re
import time

import numpy as np
from whoosh import query as q
from whoosh.util.times import datetime_to_long

from ..errors import ArticleNotFound
from ..text.normalize import normalize_line
from . import engine as engine_module
from . import feedback, matching, query
from .catalog import Catalog, Generation
from .highlight import mark, snippet
from .related import linked_ids, similar_ids
from .types import FALLBACK, PRECISE, Hit, SearchRequest, SearchResult

# The fallback tier fills the first page up to this many hits at most (a page of the site):
# a reader who asks for a hundred wants the matches, not a hundred guesses.
FALLBACK_HITS = 10
# How many of the best are checked for the query standing whole in their title, and how much
# that multiplies their score (2, better than 1.5 in every typing style of unc known-item
# search, topical ranking unchanged).
TITLE_PHRASE_POOL = 100
TITLE_PHRASE_FACTOR = 2.0


def search(catalog: Catalog, request: SearchRequest) -> SearchResult:
    """Run a search on the latest generation of the index."""
    started = time.perf_counter()
    generation = catalog.current()
    result = generation.cached(request, lambda: _search(generation, request))
    return dataclasses.replace(result, took_ms=round((time.perf_counter() - started) * 1000, 2))


def _search(generation: Generation, request: SearchRequest) -> SearchResult:
    found = matching.build(
        query.parse(request.q), generation.vocabulary, prefix_last=request.as_you_type
    )
    if found is None:
        # Nothing to search for (an empty query, or only symbols): list the articles.
        return _collect(generation, request, None, _base_mask(generation, request))

    def collect() -> tuple[SearchResult, bool]:
        allowed = _base_mask(generation, request)
        corrected = _corrected(generation, found, allowed)
        result = _collect(generation, request, found, allowed, corrected)
        return result, corrected is not None and int(corrected.holding.sum()) > 2 * result.total

    # Other typings of a query already read alike share its results; what explain shows
    # (the kind of each form) is the typing's own.
    alike = (found.key, dataclasses.replace(request, q=""))
    result, better = collect() if request.explain else generation.cached(alike, collect)
    return dataclasses.replace(
        result,
        query=request.q,
        suggestion=found.correction if better else None,
        reading=found.reading if _read_differently(found) else None,
        missing=list(found.missing),
    )


def _read_differently(found: matching.Matching) -> bool:
    """Whether a word was searched in another form than typed (marks restored, keys)."""
    return any(
        word.best != word.typed
        for word in found.words
        if word.forms[0].kind in (matching.Kind.KEYSTROKES, matching.Kind.RESTORED)
    )


@dataclasses.dataclass(frozen=True)
class _Corrected:
    """The query with its likely slips mended: its matching, its precise matches among the
    articles allowed, and their scores."""

    found: matching.Matching
    holding: np.ndarray
    scores: np.ndarray


def _corrected(
    generation: Generation, found: matching.Matching, allowed: np.ndarray
) -> _Corrected | None:
    """The corrected query, evaluated once; None when nothing seems mistyped, or the
    correction holds a word no article holds."""
    if found.correction is None:
        return None
    corrected = matching.build(query.parse(found.correction), generation.vocabulary)
    if corrected is None or corrected.missing:
        return None
    # The bonuses only add to the scores: the matches are the precise tier's.
    in_match, scores = generation.engine.evaluate(corrected.ranked(corrected.precise))
    return _Corrected(corrected, in_match & allowed, scores)


def _collect(
    generation: Generation,
    request: SearchRequest,
    found: matching.Matching | None,
    allowed: np.ndarray,
    corrected: _Corrected | None = None,
) -> SearchResult:
    """Evaluate the precise tier over the whole index at once (engine), then filter, count
    the facets, and order only what the page shows (by relevance or date); then fill the
    first page from the fallback tier if the precise one has less."""
    columns = generation.columns
    ranked = found is not None and request.sort == "relevance"
    engine = generation.engine
    precise = found.precise if found else q.Every()
    in_match, scores = engine.evaluate(found.ranked(precise) if ranked and found else precise)
    in_match &= allowed
    facets, kept = columns.count(in_match, request.sectors, request.topics)
    candidates = np.flatnonzero(kept)
    start = (request.page - 1) * request.limit
    wanted = start + request.limit
    if ranked and found:
        order = _ranked(generation, candidates, scores, found.phrase, wanted)[start:]
    else:
        # Without words to rank by, relevance means nothing: newest first.
        dates = columns.date[candidates]
        newest = request.sort != "oldest"
        keys = np.where(dates < 0, np.int64(-1 if newest else 2**62), dates)
        order = candidates[np.argsort(-keys if newest else keys, kind="stable")][start:wanted]
    stored = generation.searcher.stored_fields
    marks = found.marks if found else matching.Marks()
    hits = [_hit(stored(int(n)), float(scores[n]) if ranked else None, marks) for n in order]
    room = min(request.limit, FALLBACK_HITS) - len(hits)
    if found is not None and request.page == 1 and room > 0:
        selected = allowed & columns.mask_sectors(request.sectors)
        selected &= columns.mask_topics(request.topics)
        hits += [
            _hit(stored(int(n)), score, marks, FALLBACK)
            for n, score, marks in _fallback(generation, found, corrected, selected, kept, room)
        ]
    if request.explain and found is not None:
        hits = [_explained(generation, found, hit) for hit in hits]
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


def _fallback(
    generation: Generation,
    found: matching.Matching,
    corrected: _Corrected | None,
    selected: np.ndarray,
    precise: np.ndarray,
    count: int,
) -> list[tuple[int, float, matching.Marks]]:
    """The `count` best articles of the fallback tier among the `selected` (a mask; the
    `precise` matches left out), with their scores and marks: first those holding every
    word of the corrected query, if a slip was mended; then any word in any reading,
    ranked with feedback from the best articles found, precise ones included."""
    engine = generation.engine
    candidates = selected & ~precise
    found_first: list[tuple[int, float, matching.Marks]] = []
    if corrected is not None:
        mended, scores = corrected.found, corrected.scores
        holding = np.flatnonzero(corrected.holding & candidates)
        first = _ranked(generation, holding, scores, mended.phrase, count)
        found_first = [(int(n), float(scores[n]), mended.marks) for n in first]
        candidates[first] = False
        count -= len(first)
    if count <= 0:
        return found_first
    in_match, scores = engine.evaluate(found.ranked(found.fallback))
    top = _best(np.flatnonzero(in_match & selected), scores, feedback.FEEDBACK_DOCUMENTS)
    in_match &= candidates
    pool = np.flatnonzero(in_match)
    expanded = (
        feedback.expansion(generation, top, scores[top])
        if len(found.words) >= feedback.MIN_WORDS
        else None
    )
    if expanded is not None and len(pool):
        _, extra = engine.evaluate(expanded)
        scores = feedback.rerank(scores, extra, pool).astype(np.float32)
    best = _ranked(generation, pool, scores, found.phrase, count)
    return found_first + [(int(n), float(scores[n]), found.fallback_marks) for n in best]


def _ranked(
    generation: Generation,
    candidates: np.ndarray,
    scores: np.ndarray,
    phrase: tuple[tuple[str, ...], ...],
    count: int,
) -> np.ndarray:
    """The `count` best candidates, best first, those whose title holds the query whole
    lifted among the best TITLE_PHRASE_POOL more."""
    best = _best(candidates, scores, count + TITLE_PHRASE_POOL)
    return _title_phrase_first(generation, best, scores, phrase)[:count]


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
    for excluded in request.exclude:
        number = generation.searcher.document_number(id=excluded)
        if number is not None:
            mask[number] = False
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


def _hit(stored: dict, score: float | None, marks: matching.Marks, tier: str = PRECISE) -> Hit:
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
        tier=tier,
    )


def _explained(generation: Generation, found: matching.Matching, hit: Hit) -> Hit:
    """`hit` with the parts of its score: the reading searched, and each term that matched
    in which field (a word's form and its kind, a pair, a pyvi word, a phrase)."""
    engine = generation.engine
    number = generation.searcher.document_number(id=hit.id)
    tier = found.precise if hit.tier == PRECISE else found.fallback
    parts = []
    for leaf in found.ranked(tier).leaves():
        if isinstance(leaf, q.Term):
            docs, scores = engine.scored_term(leaf)
            at = int(np.searchsorted(docs, number))
            if at < len(docs) and docs[at] == number:
                parts.append(_part(leaf, leaf.text, float(leaf.boost * scores[at])))
        elif isinstance(leaf, q.Phrase):
            within = np.zeros(engine.size, dtype=bool)
            within[number] = True
            held, score = engine.evaluate(leaf, within)
            if held[number]:
                parts.append(_part(leaf, " ".join(leaf.words), float(score[number])))
    parts.sort(key=lambda part: -part["score"])
    kinds = {f.text: f.kind for word in found.words for f in (*word.forms, *word.looser)}
    for part in parts:
        part["kind"] = kinds.get(part["term"], part["kind"])
    return dataclasses.replace(
        hit,
        explain={
            "reading": found.reading,
            "tier": hit.tier,
            "score": hit.score,
            "matched": parts,
            "note": (
                "fallback scores mix the query's terms (0.3) with feedback terms of the "
                "best articles found (0.7), each scaled to its best"
                if hit.tier == FALLBACK
                else "score: the sum of the parts; a title holding the query whole is "
                f"lifted {TITLE_PHRASE_FACTOR}×"
            ),
        },
    )


def _part(leaf: q.Query, text: str, score: float) -> dict:
    field = leaf.fieldname
    if field.endswith("_pairs"):
        kind, text = "pair", text.partition("|")[2]
    elif field.endswith("_words"):
        kind = "pyvi word"
    elif isinstance(leaf, q.Phrase):
        kind = "phrase"
    elif isinstance(leaf, engine_module.Plain):
        kind = "typed"
    else:
        kind = "form"
    return {"field": field, "term": text, "kind": kind, "score": round(score, 3)}
