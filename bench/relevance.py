"""Relevance: this service beside plain Whoosh and SQLite FTS5, on the same articles and queries.

Known-item task, on unc (all articles) and the first N vntc articles: 300 articles with titles
of 5 syllables or more, sampled with a fixed seed; the query is 3 to 5 consecutive title words,
typed in eight styles (as written, without marks, in capitals, decomposed, with the other
tone-mark placement, as lowercase Telex or VNI keystrokes, with one letter missing). Reports
MRR@10 of the source article per style and system.

Topical task: the vims queries (an article's title; relevant: the other reports of the same
event) over vims mixed with the vntc articles. Reports nDCG@10 (binary gains) and recall@10 =
|relevant ∩ top 10| / |relevant|, with the query's own article left out of the ranking.

Peers: Whoosh (StandardAnalyzer, one text field = title + body, QueryParser with all words
required, else any) and SQLite FTS5 (unicode61 remove_diacritics 2, bm25, all words, else any).
A full run takes about 15 minutes on two cores.

    python bench/relevance.py [--corpus-dir DIR] [--queries 300] [--vntc 20000]
                              [--only unc|vntc|topical] [--show-misses 0]
"""

import argparse
import contextlib
import gzip
import itertools
import json
import math
import os
import random
import re
import shutil
import sqlite3
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from unidecode import unidecode
from whoosh import fields, index, qparser
from whoosh.analysis import StandardAnalyzer

from search_service.catalog import Catalog
from search_service.errors import SearchServiceError
from search_service.ingest import ingest
from search_service.search import SearchRequest, related_articles, search

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SYSTEMS = ("service", "whoosh", "fts5")
EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
WHOOSH_SYNTAX = re.compile(r"[+\-&|!(){}\[\]^\"'~*?:\\/<>=]")
WHOOSH_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
TONES = {"\u0301": ("s", "1"), "\u0300": ("f", "2"), "\u0309": ("r", "3")}
TONES |= {"\u0303": ("x", "4"), "\u0323": ("j", "5")}
SHAPES = {"\u0302": (None, "6"), "\u031b": ("w", "7"), "\u0306": ("w", "8")}  # None: doubled


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


# The three systems ---------------------------------------------------------------------------


class Systems:
    """The same articles indexed by this service, plain Whoosh and SQLite FTS5."""

    def __init__(self, work: Path):
        self.work, self.seconds = work, defaultdict(float)
        schema = fields.Schema(id=fields.ID(stored=True), text=fields.TEXT(StandardAnalyzer()))
        (work / "whoosh").mkdir()
        self.whoosh = index.create_in(str(work / "whoosh"), schema)
        self.parsers = [
            qparser.QueryParser("text", schema, group=g)
            for g in (qparser.AndGroup, qparser.OrGroup)
        ]
        self.fts = sqlite3.connect(work / "fts5.db")
        self.fts.execute(
            "CREATE VIRTUAL TABLE docs USING "
            'fts5(id UNINDEXED, title, body, tokenize="unicode61 remove_diacritics 2")'
        )
        self.catalog = Catalog(work / "service")
        self.searcher = None

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
                writer.add_document(id=a["id"], text=a["title"] + "\n" + a["body"])
            writer.commit()
            if self.searcher:
                self.searcher.close()
            self.searcher = self.whoosh.searcher()
        with self.timed("fts5"):
            rows = ((a["id"], a["title"], a["body"]) for a in articles)
            self.fts.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
            self.fts.commit()

    def search(self, system: str, text: str, limit: int) -> list[str]:
        """The ids of the top `limit` articles `system` finds for `text`."""
        with self.timed("q-" + system):
            return getattr(self, "_" + system)(text, limit)

    def _service(self, text: str, limit: int) -> list[str]:
        try:
            return [hit.id for hit in search(self.catalog, SearchRequest(q=text, limit=limit)).hits]
        except SearchServiceError:
            return []

    def _whoosh(self, text: str, limit: int) -> list[str]:
        words = WHOOSH_SYNTAX.sub(" ", text).split()
        text = " ".join(w.lower() if w in WHOOSH_OPERATORS else w for w in words)
        for parser in self.parsers:
            hits = self.searcher.search(parser.parse(text), limit=limit)
            if hits:
                return [hit["id"] for hit in hits]
        return []

    def _fts5(self, text: str, limit: int) -> list[str]:
        words = ['"' + w.replace('"', '""') + '"' for w in text.split() if any(map(str.isalnum, w))]
        for match in (" ".join(words), " OR ".join(words)):
            try:
                rows = self.fts.execute(
                    "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                    (match, limit),
                ).fetchall()
            except sqlite3.OperationalError:
                rows = []
            if rows:
                return [row[0] for row in rows]
        return []

    def close(self) -> None:
        if self.searcher:
            self.searcher.close()
        self.fts.close()


# Tasks ---------------------------------------------------------------------------------------


def print_table(title: str, first: str, rows: dict[str, list[float]], last: str = "") -> None:
    """A title, then one line per row: a label, a figure per system, and any extra."""
    header = "".join(f"{system:>9}" for system in SYSTEMS)
    print(f"\n{title}\n{first:<12}{header}  {last}".rstrip())
    for label, figures in rows.items():
        print(f"{label:<12}" + "".join(f"{x:>9.3f}" for x in figures[:3]), *figures[3:], sep="  ")


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


def topical(systems: Systems, corpus_dir: Path, mixed: int) -> None:
    """nDCG@10 and recall@10 of the vims queries per system; and, for reference, of the
    service's related articles of each query's own article (its whole text as the query)."""
    with open(corpus_dir / "vims-queries.jsonl", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    records = [r for r in records if set(r["relevant"]) - {r["query_doc"]}]
    ndcg, recall = [0.0] * len(SYSTEMS), [0.0] * len(SYSTEMS)
    for record, (column, system) in itertools.product(records, enumerate(SYSTEMS)):
        ranked = systems.search(system, record["query"], 11)
        gain, found = _topical_scores(record, ranked)
        ndcg[column] += gain / len(records)
        recall[column] += found / len(records)
    title = f"topical, vims + {mixed:,} vntc articles, all {len(records):,} vims queries"
    print_table(title, "metric", {"nDCG@10": ndcg, "recall@10": recall})
    print("recall@10 = |relevant ∩ top 10| / |relevant|; the query's own article left out")
    whole = [
        _topical_scores(
            record, [h.id for h in related_articles(systems.catalog, record["query_doc"])]
        )
        for record in records
    ]
    print(
        "reference, the whole query article instead of its title (the service's related "
        f"articles): nDCG@10 {sum(g for g, _ in whole) / len(whole):.3f}, recall@10 "
        f"{sum(f for _, f in whole) / len(whole):.3f}"
    )


def _topical_scores(record: dict, ranked: list[str]) -> tuple[float, float]:
    """(nDCG@10, recall@10) of a ranking for a vims query, its own article left out."""
    relevant = set(record["relevant"]) - {record["query_doc"]}
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    ranked = [found for found in ranked if found != record["query_doc"]][:10]
    gains = sum(1 / math.log2(i + 2) for i, found in enumerate(ranked) if found in relevant)
    return gains / ideal, len(relevant.intersection(ranked)) / len(relevant)


# Running -------------------------------------------------------------------------------------


def build(work: Path, corpus: Path, count: int | None) -> tuple[Systems, list[dict]]:
    """The first `count` articles of `corpus`, and the three systems indexing them."""
    with gzip.open(corpus, "rb") as stream:
        lines = list(itertools.islice(stream, count))
    (work / corpus.stem).mkdir()
    (work / corpus.stem / "articles.jsonl").write_bytes(b"".join(lines))
    systems = Systems(work / corpus.stem)
    articles = [json.loads(line) for line in lines]
    systems.add(work / corpus.stem / "articles.jsonl", articles)
    return systems, articles


def report_seconds(label: str, systems: Systems) -> None:
    built = ", ".join(f"{s} {systems.seconds[s]:.0f}s" for s in SYSTEMS)
    asked = ", ".join(f"{s} {systems.seconds['q-' + s]:.0f}s" for s in SYSTEMS)
    print(f"time, {label}: indexing {built}; querying {asked}")
    systems.seconds.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--vntc", type=int, default=20_000)
    parser.add_argument("--only", choices=("unc", "vntc", "topical"))
    parser.add_argument("--show-misses", type=int, default=0, help="service misses per style")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="relevance-"))
    try:
        if args.only in (None, "unc"):
            systems, articles = build(work, args.corpus_dir / "unc.jsonl.gz", None)
            known_item(systems, articles, args, "unc")
            report_seconds("unc", systems)
            systems.close()
        if args.only in (None, "vntc", "topical"):
            systems, articles = build(work, args.corpus_dir / "vntc.jsonl.gz", args.vntc)
            if args.only != "topical":
                known_item(systems, articles, args, f"first {len(articles):,} of vntc")
                report_seconds("vntc", systems)
            if args.only != "vntc":
                vims = args.corpus_dir / "vims.jsonl.gz"
                with gzip.open(vims, "rt", encoding="utf-8") as lines:
                    systems.add(vims, [json.loads(line) for line in lines])
                topical(systems, args.corpus_dir, len(articles))
                report_seconds("topical (vims added to the vntc index)", systems)
            systems.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
