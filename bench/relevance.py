"""Relevance and precision: this service beside four peers, on the same articles and queries.

Known-item task (`--only unc`, `--only vntc`), on unc (all articles) and the first N vntc
articles: 300 articles with titles of 5 syllables or more, sampled with a fixed seed; the query
is 3 to 5 consecutive title words, typed in eight styles (as written, without marks, in
capitals, decomposed, with the other tone-mark placement, as lowercase Telex or VNI
keystrokes, with one letter missing). Reports MRR@10 of the source article per style.

Topical tasks report nDCG@10 (binary gains) and recall@10 = |relevant ∩ top 10| / |relevant|:
- vims (`--only topical`): the vims queries (an article's title; relevant: the other reports
  of the same event) over vims mixed with the first N vntc articles; the query's own article
  is left out of the ranking, and out of any feedback (the service is asked to exclude it).
- VMDS dev (`--only vmds`): the 100 human-written topic titles over the 318 VMDS dev
  articles mixed with the first 5,000 vntc articles; relevant: the topic's reports.

Precision task (`--only precision`), on unc: 200 queries of 2 or 3 consecutive title words,
typed with marks, sorted newest first. Reports the share of the first 50 hits that hold every
word as typed (whole syllables, marks kept), the reported total against the true count, and
what the same queries find with a made-up word added (nothing should be a match).

Peers: Whoosh (StandardAnalyzer, one text field = title + body, QueryParser with all words
required, then any word to fill the list); SQLite FTS5 (unicode61 remove_diacritics 2,
bm25, the same);
bm25pairs, a plain BM25 over syllables and adjacent-syllable pairs written below (any word);
and bm25pairs+rm3, the same with RM3 pseudo-relevance feedback. For the precision task every
peer requires all words and sorts its matches by date. A full run takes roughly 25 minutes
on two cores.

    python bench/relevance.py [--corpus-dir DIR] [--queries 300] [--vntc 20000]
                              [--only TASK]... [--show-misses 0]

TASK: unc, vntc, topical, vmds or precision; vntc and topical share one index.
"""

import argparse
import contextlib
import gzip
import heapq
import itertools
import json
import math
import os
import random
import re
import shutil
import sqlite3
import string
import tempfile
import time
import unicodedata
from array import array
from collections import Counter, defaultdict
from pathlib import Path

from unidecode import unidecode
from whoosh import fields, index, qparser
from whoosh.analysis import StandardAnalyzer

from search_service.errors import SearchServiceError
from search_service.ingest.pipeline import ingest
from search_service.search.catalog import Catalog
from search_service.search.searching import related_articles, search
from search_service.search.types import SearchRequest
from search_service.text.normalize import fold, normalize_letters

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SYSTEMS = ("service", "whoosh", "fts5", "bm25pairs", "bm25pairs+rm3")
# Sorted by date, RM3 changes nothing: its matches are those of bm25pairs.
DATE_SORTED_SYSTEMS = ("service", "whoosh", "fts5", "bm25pairs")
EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
WHOOSH_SYNTAX = re.compile(r"[+\-&|!(){}\[\]^\"'~*?:\\/<>=]")
WHOOSH_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
TONES = {"\u0301": ("s", "1"), "\u0300": ("f", "2"), "\u0309": ("r", "3")}
TONES |= {"\u0303": ("x", "4"), "\u0323": ("j", "5")}
SHAPES = {"\u0302": (None, "6"), "\u031b": ("w", "7"), "\u0306": ("w", "8")}  # None: doubled
VMDS_DISTRACTORS = 5_000
PRECISION_QUERIES, PRECISION_DEPTH = 200, 50


# Query styles -------------------------------------------------------------------------------


def _letters(word: str) -> list[list[str]]:
    """The word as [base, shape marks, tone mark] per letter."""
    letters: list[list[str]] = []
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.combining(char) and letters:
            letters[-1][2 if char in TONES else 1] += char
        else:
            letters.append([char, "", ""])
    return letters


def other_tone_place(word: str) -> str:
    """Old-style `hòa` ↔ new-style `hoà` for open syllables in oa/oe/uy (not qu-)."""
    letters = _letters(word)
    bases = "".join(base for base, _, _ in letters).lower()
    if bases[-2:] in ("oa", "oe", "uy") and bases[-3:-2] != "q" and not letters[-2][1]:
        letters[-2][2], letters[-1][2] = letters[-1][2], letters[-2][2]
    return unicodedata.normalize("NFC", "".join("".join(letter) for letter in letters))


def keystrokes(word: str, vni: bool) -> str:
    """The lowercase keys typed for `word` in Telex (hội → hooij) or VNI (hội → ho6i5)."""
    keys, tone = [], ""
    for base, shapes, mark in _letters(word.lower()):
        if base == "đ":
            keys.append("d9" if vni else "dd")
            continue
        keys.append(base)
        for shape in shapes:
            telex, digit = SHAPES.get(shape, ("", ""))
            keys.append(digit if vni else (telex or base))
        tone = TONES[mark][vni] if mark else tone
    return "".join(keys) + tone


def drop_letter(words: list[str], rng: random.Random) -> str:
    """One random letter gone from the longest word, if it has 3 letters or more."""
    words = list(words)
    longest = words.index(max(words, key=len))
    places = [i for i, char in enumerate(words[longest]) if char.isalpha()]
    if len(places) >= 3:
        cut = rng.choice(places)
        words[longest] = words[longest][:cut] + words[longest][cut + 1 :]
    return " ".join(words)


STYLES = {
    "marks": lambda words: " ".join(words),
    "folded": lambda words: " ".join(unidecode(w).lower() for w in words),
    "capitals": lambda words: " ".join(words).upper(),
    "nfd": lambda words: unicodedata.normalize("NFD", " ".join(words)),
    "tone_style": lambda words: " ".join(other_tone_place(w) for w in words),
    "telex": lambda words: " ".join(keystrokes(w, vni=False) for w in words),
    "vni": lambda words: " ".join(keystrokes(w, vni=True) for w in words),
}


def title_words(title: str) -> list[str]:
    """The title's words, without punctuation around them."""
    words = (EDGE_PUNCTUATION.sub("", w) for w in unicodedata.normalize("NFC", title).split())
    return [w for w in words if w]


def known_item_queries(articles: list[dict], count: int) -> list[tuple[str, dict[str, str]]]:
    """(target id, {style: query}) for `count` articles sampled with seed 13."""
    rng = random.Random(13)
    candidates = [a for a in articles if len(title_words(a["title"])) >= 5]
    queries = []
    for article in rng.sample(candidates, min(count, len(candidates))):
        words = title_words(article["title"])
        length = rng.randint(3, 5)
        start = rng.randint(0, len(words) - length)
        chosen = words[start : start + length]
        styled = {style: make(chosen) for style, make in STYLES.items()}
        styled["typo"] = drop_letter(chosen, rng)
        queries.append((article["id"], styled))
    return queries


# bm25pairs: a plain BM25 over syllables and pairs ------------------------------------------

SYLLABLE = re.compile(r"[^\W_]+")
FEEDBACK_DOCS, FEEDBACK_TERMS, QUERY_SHARE = 5, 20, 0.5
# Terms found in more than this share of the articles stay out of the feedback model, as in
# Anserini's RM3: otherwise the function words of the first articles (của, và, là) lead it.
FEEDBACK_MAX_DF = 0.1


def syllables(text: str) -> list[str]:
    """The lowercase syllables of `text` read as the service reads it (NFC, one tone-mark
    placement), marks kept: runs of letters and digits."""
    return SYLLABLE.findall(normalize_letters(text).lower())


def with_pairs(tokens: list[str]) -> list[str]:
    """The syllables, then each two adjacent syllables joined by a space."""
    return tokens + [f"{first} {second}" for first, second in itertools.pairwise(tokens)]


class BM25Pairs:
    """BM25 (k1 1.2, b 0.75) over syllables and adjacent-syllable pairs, the title counted
    twice. A query matches on any of its terms and scores the sum of their BM25; `rm3`
    expands it with the best terms of its first results. Postings are two arrays a term
    (article numbers, counts): a dict a posting would take gigabytes for 20,000 articles."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.postings: dict[str, tuple[array, array]] = {}
        self.ids: list[str] = []
        self.numbers: dict[str, int] = {}
        self.dates: list[str] = []
        self.texts: list[str] = []  # for the feedback: the first results' terms
        self.lengths: list[int] = []
        self._norms: list[float] | None = None

    def add(self, article: dict) -> None:
        """Index one article (`id`, `title`, `body`, perhaps `date`)."""
        number = len(self.ids)
        text = f"{article['title']}\n{article['title']}\n{article['body']}"
        tokens = syllables(text)
        for term, count in Counter(with_pairs(tokens)).items():
            entry = self.postings.get(term)
            if entry is None:
                entry = self.postings[term] = (array("i"), array("i"))
            entry[0].append(number)
            entry[1].append(count)
        self.ids.append(article["id"])
        self.numbers[article["id"]] = number
        self.dates.append(article.get("date") or "")
        self.texts.append(text)
        self.lengths.append(len(tokens))
        self._norms = None

    def query(self, text: str) -> dict[str, float]:
        """The query's syllables and pairs, weighed by their share of its terms."""
        counts = Counter(with_pairs(syllables(text)))
        return {term: count / counts.total() for term, count in counts.items()}

    def top(
        self, weights: dict[str, float], limit: int, exclude: tuple[str, ...] = ()
    ) -> list[tuple[int, float]]:
        """The `limit` best (article number, score) for weighed terms, best first."""
        if self._norms is None:
            average = sum(self.lengths) / len(self.lengths)
            k1, b = self.k1, self.b
            self._norms = [k1 * (1 - b + b * length / average) for length in self.lengths]
        norms, articles = self._norms, len(self.ids)
        scores: dict[int, float] = defaultdict(float)
        for term, weight in weights.items():
            numbers, counts = self.postings.get(term, ((), ()))
            idf = math.log(1 + (articles - len(numbers) + 0.5) / (len(numbers) + 0.5))
            factor = weight * idf * (self.k1 + 1)
            for number, count in zip(numbers, counts, strict=True):
                scores[number] += factor * count / (count + norms[number])
        for article_id in exclude:
            scores.pop(self.numbers.get(article_id, -1), None)
        return heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))

    def search(self, text: str, limit: int, exclude: tuple[str, ...] = ()) -> list[str]:
        """The ids of the `limit` best articles for `text`, any of its terms matching."""
        return [self.ids[number] for number, _ in self.top(self.query(text), limit, exclude)]

    def rm3(self, text: str, limit: int, exclude: tuple[str, ...] = ()) -> list[str]:
        """Search again with the query half, and half the FEEDBACK_TERMS best terms of its
        first FEEDBACK_DOCS articles (each article's term shares weighed by its score)."""
        query = self.query(text)
        model: Counter[str] = Counter()
        most = FEEDBACK_MAX_DF * len(self.ids)
        for number, score in self.top(query, FEEDBACK_DOCS, exclude):
            terms = Counter(with_pairs(syllables(self.texts[number])))
            kept = {t: n for t, n in terms.items() if len(self.postings[t][0]) <= most}
            length = sum(kept.values()) or 1
            for term, count in kept.items():
                model[term] += score * count / length
        best = model.most_common(FEEDBACK_TERMS)
        total = sum(weight for _, weight in best)
        weights = {term: QUERY_SHARE * weight for term, weight in query.items()}
        for term, weight in best:
            weights[term] = weights.get(term, 0.0) + (1 - QUERY_SHARE) * weight / total
        return [self.ids[number] for number, _ in self.top(weights, limit, exclude)]

    def newest(self, text: str, limit: int) -> tuple[list[str], int]:
        """The `limit` newest articles holding every syllable of `text`, and their count."""
        matches: set[int] | None = None
        for syllable in set(syllables(text)):
            holding = set(self.postings.get(syllable, ((), ()))[0])
            matches = holding if matches is None else matches & holding
        ordered = sorted(matches or (), key=self.dates.__getitem__, reverse=True)
        return [self.ids[number] for number in ordered[:limit]], len(ordered)


# The five systems ----------------------------------------------------------------------------


class Systems:
    """The same articles indexed by this service, plain Whoosh, SQLite FTS5 and bm25pairs."""

    def __init__(self, work: Path):
        self.work, self.seconds = work, defaultdict(float)
        schema = fields.Schema(
            id=fields.ID(stored=True),
            date=fields.ID(sortable=True),
            text=fields.TEXT(StandardAnalyzer()),
        )
        (work / "whoosh").mkdir()
        self.whoosh = index.create_in(str(work / "whoosh"), schema)
        self.parsers = [
            qparser.QueryParser("text", schema, group=g)
            for g in (qparser.AndGroup, qparser.OrGroup)
        ]
        self.fts = sqlite3.connect(work / "fts5.db")
        self.fts.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, date UNINDEXED, title, body, "
            'tokenize="unicode61 remove_diacritics 2")'
        )
        self.bm25 = BM25Pairs()
        self.catalog = Catalog(work / "service")
        self.searcher = None
        self.titles: dict[str, str] = {}

    @contextlib.contextmanager
    def timed(self, key: str):
        started = time.perf_counter()
        yield
        self.seconds[key] += time.perf_counter() - started

    def add(self, path: Path, articles: list[dict]) -> None:
        """Index the articles of `path` (already read into `articles`) in every system."""
        with self.timed("service"):
            ingest([path], self.work / "service")
        with self.timed("whoosh"):
            writer = self.whoosh.writer(procs=os.cpu_count() or 1, limitmb=256)
            for a in articles:
                dated = {"date": a["date"]} if a.get("date") else {}
                writer.add_document(id=a["id"], text=a["title"] + "\n" + a["body"], **dated)
            writer.commit()
            if self.searcher:
                self.searcher.close()
            self.searcher = self.whoosh.searcher()
        with self.timed("fts5"):
            rows = ((a["id"], a.get("date") or "", a["title"], a["body"]) for a in articles)
            self.fts.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
            self.fts.commit()
        with self.timed("bm25pairs"):
            for a in articles:
                self.bm25.add(a)
        self.titles.update((a["id"], a["title"]) for a in articles)

    def search(
        self, system: str, text: str, limit: int, exclude: tuple[str, ...] = ()
    ) -> list[str]:
        """The ids of the top `limit` articles `system` finds for `text`, none of `exclude`."""
        with self.timed("q-" + system):
            if system == "service":
                return self._service(text, limit, exclude)
            if system == "bm25pairs":
                return self.bm25.search(text, limit, exclude)
            if system == "bm25pairs+rm3":
                return self.bm25.rm3(text, limit, exclude)
            found = getattr(self, "_" + system)(text, limit + len(exclude))
            return [i for i in found if i not in exclude][:limit]

    def newest(self, system: str, text: str, limit: int) -> tuple[list[str], int, int]:
        """The newest `limit` articles `system` counts as matches of `text` (all its words),
        the number of them it reports, and how many hits it showed as a labelled fallback."""
        with self.timed("q-" + system):
            if system == "service":
                return self._service_newest(text, limit)
            if system == "bm25pairs":
                return (*self.bm25.newest(text, limit), 0)
            return (*getattr(self, f"_{system}_newest")(text, limit), 0)

    def _service(self, text: str, limit: int, exclude: tuple[str, ...]) -> list[str]:
        request = SearchRequest(q=text, limit=limit, exclude=exclude)
        try:
            return [hit.id for hit in search(self.catalog, request).hits]
        except SearchServiceError:
            return []

    def _service_newest(self, text: str, limit: int) -> tuple[list[str], int, int]:
        try:
            result = search(self.catalog, SearchRequest(q=text, sort="newest", limit=limit))
        except SearchServiceError:
            return [], 0, 0
        precise = [hit.id for hit in result.hits if hit.tier == "precise"]
        return precise, result.total, len(result.hits) - len(precise)

    def _whoosh_text(self, text: str) -> str:
        words = WHOOSH_SYNTAX.sub(" ", text).split()
        return " ".join(w.lower() if w in WHOOSH_OPERATORS else w for w in words)

    def _whoosh(self, text: str, limit: int) -> list[str]:
        # All words, then any word to fill the list, as a plain Whoosh site would.
        found: list[str] = []
        for parser in self.parsers:
            hits = self.searcher.search(parser.parse(self._whoosh_text(text)), limit=limit)
            found += [hit["id"] for hit in hits if hit["id"] not in found]
        return found[:limit]

    def _whoosh_newest(self, text: str, limit: int) -> tuple[list[str], int]:
        every = self.parsers[0].parse(self._whoosh_text(text))
        hits = self.searcher.search(every, limit=limit, sortedby="date", reverse=True)
        return [hit["id"] for hit in hits], len(hits)

    def _fts5_words(self, text: str) -> list[str]:
        return ['"' + w.replace('"', '""') + '"' for w in text.split() if any(map(str.isalnum, w))]

    def _fts5(self, text: str, limit: int) -> list[str]:
        # All words, then any word to fill the list.
        words = self._fts5_words(text)
        found: list[str] = []
        for match in (" ".join(words), " OR ".join(words)):
            rows = self._fts5_rows("ORDER BY bm25(docs) LIMIT ?", match, limit)
            found += [row[0] for row in rows if row[0] not in found]
        return found[:limit]

    def _fts5_newest(self, text: str, limit: int) -> tuple[list[str], int]:
        every = " ".join(self._fts5_words(text))
        rows = self._fts5_rows("ORDER BY date DESC", every)
        return [row[0] for row in rows[:limit]], len(rows)

    def _fts5_rows(self, then: str, match: str, *values) -> list[tuple]:
        try:
            return self.fts.execute(
                f"SELECT id FROM docs WHERE docs MATCH ? {then}", (match, *values)
            ).fetchall()
        except sqlite3.OperationalError:
            return []

    def close(self) -> None:
        if self.searcher:
            self.searcher.close()
        self.fts.close()


# Tasks ---------------------------------------------------------------------------------------


def print_table(
    title: str, first: str, rows: dict[str, list], last: str = "", width: int = 12
) -> None:
    """A title, then one line per row: a label, a figure per system (None: not measured),
    and any extra after them."""
    header = "".join(f"{system:>15}" for system in SYSTEMS)
    print(f"\n{title}\n{first:<{width}}{header}  {last}".rstrip())
    for label, figures in rows.items():
        cells = "".join(_cell(x) for x in figures[: len(SYSTEMS)])
        print(f"{label:<{width}}{cells}", *figures[len(SYSTEMS) :], sep="  ")


def _cell(figure: float | int | None) -> str:
    if figure is None:
        return f"{'-':>15}"
    return f"{figure:>15}" if isinstance(figure, int) else f"{figure:>15.3f}"


def known_item(systems: Systems, articles: list[dict], args, name: str) -> None:
    """MRR@10 of the source article per query style and system."""
    queries = known_item_queries(articles, args.queries)
    titles = {a["id"]: a["title"] for a in articles}
    mrr = {style: [0.0] * len(SYSTEMS) for style in [*STYLES, "typo"]}
    misses = defaultdict(list)
    for (target, styled), style in itertools.product(queries, mrr):
        for column, system in enumerate(SYSTEMS):
            ranked = systems.search(system, styled[style], 10)
            if target in ranked:
                mrr[style][column] += 1 / (ranked.index(target) + 1) / len(queries)
            elif system == "service":
                first = titles[ranked[0]][:70] if ranked else "(nothing)"
                misses[style].append(f"  {styled[style]!r}: {titles[target][:70]!r} ≠ {first!r}")
    for figures in mrr.values():
        figures.append(f"{figures[0] / mrr['marks'][0]:.2f}" if mrr["marks"][0] else "-")
    title = f"known-item MRR@10, {name} ({len(articles):,} articles, {len(queries)} queries)"
    print_table(title, "style", mrr, "service/marks")
    for style in mrr if args.show_misses else ():
        print(f"{style}: {len(misses[style])} missed by the service; query: target ≠ first hit")
        for line in misses[style][: args.show_misses]:
            print(line)


def topical(systems: Systems, records: list[dict], title: str, show_misses: int) -> None:
    """nDCG@10 and recall@10 per system of topical queries (`query`, `relevant`, perhaps
    `query_doc`: an article kept out of the ranking, and out of any feedback)."""
    ndcg, recall = [0.0] * len(SYSTEMS), [0.0] * len(SYSTEMS)
    worst = []
    for record, (column, system) in itertools.product(records, enumerate(SYSTEMS)):
        own = (record["query_doc"],) if record.get("query_doc") else ()
        ranked = systems.search(system, record["query"], 10, exclude=own)
        gain, found = topical_scores(record, ranked)
        ndcg[column] += gain / len(records)
        recall[column] += found / len(records)
        if system == "service":
            worst.append((gain, record["qid"], record, ranked))
    print_table(title, "metric", {"nDCG@10": ndcg, "recall@10": recall})
    print("recall@10 = |relevant ∩ top 10| / |relevant|")
    if show_misses:
        print(f"the service's {show_misses} worst queries: query → first hit; a relevant article")
    for gain, _, record, ranked in sorted(worst)[:show_misses]:
        relevant = sorted(set(record["relevant"]) - {record.get("query_doc")})
        first = systems.titles[ranked[0]][:60] if ranked else "(nothing)"
        found = sum(r in relevant for r in ranked)
        print(f"  nDCG {gain:.2f}, {found}/{len(relevant)} found: {record['query']!r}")
        print(f"    → {first!r}; relevant: {systems.titles[relevant[0]][:60]!r}")


def topical_scores(record: dict, ranked: list[str]) -> tuple[float, float]:
    """(nDCG@10, recall@10) of a ranking, the query's own article (if any) left out."""
    own = record.get("query_doc")
    relevant = set(record["relevant"]) - {own}
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    ranked = [found for found in ranked if found != own][:10]
    gains = sum(1 / math.log2(i + 2) for i, found in enumerate(ranked) if found in relevant)
    return gains / ideal, len(relevant.intersection(ranked)) / len(relevant)


def vims(systems: Systems, corpus_dir: Path, mixed: int, show_misses: int) -> None:
    """The vims topical task; and, for reference, the service's related articles of each
    query's own article (its whole text as the query)."""
    with open(corpus_dir / "vims-queries.jsonl", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    records = [r for r in records if set(r["relevant"]) - {r["query_doc"]}]
    title = f"topical, vims + {mixed:,} vntc articles, all {len(records):,} vims queries"
    topical(systems, records, title, show_misses)
    print("the query's own article is left out of every ranking and of the RM3 feedback")
    whole = [
        topical_scores(
            record, [h.id for h in related_articles(systems.catalog, record["query_doc"])]
        )
        for record in records
    ]
    print(
        "reference, the whole query article instead of its title (the service's related "
        f"articles): nDCG@10 {sum(g for g, _ in whole) / len(whole):.3f}, recall@10 "
        f"{sum(f for _, f in whole) / len(whole):.3f}"
    )


def vmds(systems: Systems, corpus_dir: Path, mixed: int, show_misses: int) -> None:
    """The VMDS dev topical task: human-written topic titles, the cluster's reports relevant."""
    with open(corpus_dir / "vmds-dev-queries.jsonl", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    title = f"topical, VMDS dev + {mixed:,} vntc articles, {len(records)} topic queries"
    topical(systems, records, title, show_misses)


def precision_queries(articles: list[dict], stopwords: set[str]) -> list[str]:
    """PRECISION_QUERIES queries of 2 or 3 consecutive title words sampled with seed 17,
    each a single syllable with a letter, at least one with marks, not all stopwords
    (a multi-syllable stopword such as `có thể` covers its syllables); half lowercased."""
    rng = random.Random(17)
    queries: dict[str, None] = {}
    for article in rng.sample(articles, len(articles)):
        words = title_words(article["title"])
        length = rng.choice((2, 3))
        if len(words) < length:
            continue
        start = rng.randint(0, len(words) - length)
        chosen = [normalize_letters(w) for w in words[start : start + length]]
        lowered = [w.lower() for w in chosen]
        if not all(SYLLABLE.fullmatch(w) and any(map(str.isalpha, w)) for w in chosen):
            continue
        if all(fold(w) == w for w in lowered) or _all_stopwords(lowered, stopwords):
            continue
        queries.setdefault(" ".join(lowered if rng.random() < 0.5 else chosen))
        if len(queries) == PRECISION_QUERIES:
            break
    return list(queries)


def _all_stopwords(words: list[str], stopwords: set[str]) -> bool:
    covered = [w in stopwords for w in words]
    for size in (2, 3):
        for start in range(len(words) - size + 1):
            if "_".join(words[start : start + size]) in stopwords:
                covered[start : start + size] = [True] * size
    return all(covered)


def precision(systems: Systems, articles: list[dict], corpus_dir: Path, show_misses: int):
    """Newest first, the share of the first hits that hold every query word as typed, the
    reported total against the true count; then what a made-up word added finds."""
    stopwords = set((corpus_dir / "stopwords-core.txt").read_text(encoding="utf-8").split())
    queries = precision_queries(articles, stopwords)
    holds = {a["id"]: frozenset(syllables(a["title"] + "\n" + a["body"])) for a in articles}
    rng = random.Random(23)
    made_up = ["".join(rng.choices(string.ascii_lowercase, k=6)) for _ in queries]
    columns = list(DATE_SORTED_SYSTEMS)
    shares, ratios = defaultdict(list), defaultdict(list)
    matched, counted, fallback_queries, fallback_hits = (Counter() for _ in range(4))
    worst = []
    for query, extra in zip(queries, made_up, strict=True):
        wanted = set(syllables(query))
        true = sum(wanted <= words for words in holds.values())
        for system in columns:
            hits, total, _ = systems.newest(system, query, PRECISION_DEPTH)
            share = sum(wanted <= holds[h] for h in hits) / len(hits) if hits else None
            if share is not None:
                shares[system].append(share)
            ratios[system].append(total / true)
            if system == "service":
                worst.append((share if share is not None else -1, query, hits, total, true))
            hits, total, fallback = systems.newest(system, f"{query} {extra}", PRECISION_DEPTH)
            matched[system] += bool(hits)
            counted[system] += total > 0
            fallback_queries[system] += fallback > 0
            fallback_hits[system] += fallback

    def row(figure) -> list:
        return [figure(s) if s in columns else None for s in SYSTEMS]

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else float("nan")

    n = len(queries)
    rows = {
        "precision": [*row(lambda s: mean(shares[s])), "≥ 0.98"],
        "queries with hits": [*row(lambda s: len(shares[s])), f"of {n}"],
        "total / true": [*row(lambda s: mean(ratios[s])), "1.00"],
        "|total/true - 1|": [*row(lambda s: mean([abs(r - 1) for r in ratios[s]])), "≤ 0.10"],
        "+made-up: matched": [*row(lambda s: matched[s]), f"0 of {n} (queries with a hit)"],
        "+made-up: total>0": [*row(lambda s: counted[s]), f"0 of {n} (queries counting any)"],
        "+made-up: fallback": [
            *row(lambda s: fallback_queries[s]),
            f"allowed (queries with labelled fallback hits; {fallback_hits['service']} hits)",
        ],
    }
    title = (
        f"precision, unc ({len(articles):,} articles), {n} queries of 2-3 title words typed "
        f"with marks, newest first, first {PRECISION_DEPTH} hits"
    )
    print_table(title, "measure", rows, "goal", width=20)
    print(
        "precision: share of the hits holding every query word as typed (whole syllables, "
        "marks kept), mean over the queries with hits; true: articles holding every word; "
        "+made-up: the same queries with a made-up word such as "
        f"{made_up[0]!r} added; bm25pairs+rm3 sorts as bm25pairs"
    )
    if show_misses:
        print(f"the service's {show_misses} least precise queries: query → first wrong hit")
    for share, query, hits, total, true in sorted(worst)[:show_misses]:
        wanted = set(syllables(query))
        wrong = next((h for h in hits if not wanted <= holds[h]), None)
        right = next((a["id"] for a in articles if wanted <= holds[a["id"]]), None)
        shown = systems.titles[wrong][:60] if wrong else "(none wrong)"
        measured = f"precision {share:.2f}" if share >= 0 else "no hits"
        print(f"  {measured}, total {total} for {true} true: {query!r}")
        print(f"    → {shown!r}; holding every word: {systems.titles[right][:60]!r}")


# Running -------------------------------------------------------------------------------------


def build(work: Path, corpus: Path, count: int | None, name: str) -> tuple[Systems, list[dict]]:
    """The first `count` articles of `corpus`, and the systems indexing them in `work/name`."""
    with gzip.open(corpus, "rb") as stream:
        lines = list(itertools.islice(stream, count))
    (work / name).mkdir()
    (work / name / "articles.jsonl").write_bytes(b"".join(lines))
    systems = Systems(work / name)
    articles = [json.loads(line) for line in lines]
    systems.add(work / name / "articles.jsonl", articles)
    return systems, articles


def add_file(systems: Systems, path: Path) -> None:
    """Index every article of the gzipped JSON Lines file `path` in the systems."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        systems.add(path, [json.loads(line) for line in lines])


def report_seconds(label: str, systems: Systems) -> None:
    built = ", ".join(f"{s} {systems.seconds[s]:.0f}s" for s in SYSTEMS if s in systems.seconds)
    asked = ", ".join(
        f"{s} {systems.seconds['q-' + s]:.0f}s" for s in SYSTEMS if "q-" + s in systems.seconds
    )
    print(f"time, {label}: indexing {built}; querying {asked}")
    systems.seconds.clear()


TASKS = ("unc", "precision", "vntc", "topical", "vmds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--vntc", type=int, default=20_000)
    parser.add_argument(
        "--only",
        action="append",
        choices=TASKS,
        help="repeatable: the tasks to run (all by default); vntc and topical share an index",
    )
    parser.add_argument(
        "--show-misses",
        type=int,
        default=0,
        help="the service's misses per style, worst topical queries, least precise queries",
    )
    args = parser.parse_args()
    corpus, only = args.corpus_dir, set(args.only or TASKS)
    work = Path(tempfile.mkdtemp(prefix="relevance-"))
    try:
        if only & {"unc", "precision"}:
            systems, articles = build(work, corpus / "unc.jsonl.gz", None, "unc")
            if "unc" in only:
                known_item(systems, articles, args, "unc")
                report_seconds("unc", systems)
            if "precision" in only:
                precision(systems, articles, corpus, args.show_misses)
                report_seconds("precision", systems)
            systems.close()
        if only & {"vntc", "topical"}:
            systems, articles = build(work, corpus / "vntc.jsonl.gz", args.vntc, "vntc")
            if "vntc" in only:
                known_item(systems, articles, args, f"first {len(articles):,} of vntc")
                report_seconds("vntc", systems)
            if "topical" in only:
                add_file(systems, corpus / "vims.jsonl.gz")
                vims(systems, corpus, len(articles), args.show_misses)
                report_seconds("topical (vims added to the vntc index)", systems)
            systems.close()
        if "vmds" in only:
            systems, articles = build(work, corpus / "vntc.jsonl.gz", VMDS_DISTRACTORS, "vmds")
            add_file(systems, corpus / "vmds-dev.jsonl.gz")
            vmds(systems, corpus, len(articles), args.show_misses)
            report_seconds("VMDS dev", systems)
            systems.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
