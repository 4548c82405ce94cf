"""What a commit costs the readers: the first searches of a generation beside the same
searches just before the commit.

In process, on a temporary copy of an index: the index is read ahead as the server does
(`Catalog.warm`), the query mix of bench/load.py is run once, and then, for each round,
every query of the mix is timed on the warm generation (its result cache emptied, so that
the search runs), one article is committed (an ingest of one corpus article under a new
id), and every query is timed as the first search of it in the new generation, then again
at once. The very first search also pays for opening the generation (a new searcher, what
the new segment holds, the arrays over all documents). The sum of first less again is
what each generation builds for the mix. Times are CPU times of this process, so that other
work on the machine disturbs them less.

    python bench/after_commit.py --index indexes/unc --corpus ../shared/corpus/unc.jsonl.gz
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from load import query_mix, read_articles

from search_service.ingest.pipeline import ingest
from search_service.search.catalog import Catalog
from search_service.search.searching import search
from search_service.search.types import SearchRequest
from search_service.text import segmentation

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(catalog: Catalog, text: str) -> float:
    """CPU seconds of one search (on a shared machine, steadier than the time that passes)."""
    started = time.process_time()
    search(catalog, SearchRequest(q=text, limit=10))
    return time.process_time() - started


def timed(catalog: Catalog, queries: list[str]) -> tuple[list[float], list[float]]:
    """CPU seconds of each search as the first of the query in this generation, and of the
    same search again right after it (its result cache emptied): pairs taken a moment
    apart, so that the difference is what the generation built for the query."""
    first, again = [], []
    for text in queries:
        first.append(cpu_seconds(catalog, text))
        catalog.current().results.clear()
        again.append(cpu_seconds(catalog, text))
    return first, again


def summary(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    cut = statistics.quantiles(ms, n=100, method="inclusive")
    return (
        f"total {sum(ms):7.0f} ms  mean {statistics.mean(ms):5.2f}  p50 {cut[49]:5.2f}  "
        f"p99 {cut[98]:6.2f}  max {ms[-1]:6.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "unc")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/unc.jsonl.gz")
    parser.add_argument("--targets", type=int, default=25, help="articles in the query mix")
    parser.add_argument("--rounds", type=int, default=5, help="commits of one article")
    args = parser.parse_args()

    corpus = read_articles(args.corpus)
    queries = query_mix(corpus, args.targets)
    # Loaded here, so that the ingest's forked worker does not load it at each commit.
    segmentation.load_model()
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index"
        shutil.copytree(args.index, index)
        catalog = Catalog(index)
        catalog.warm()
        timed(catalog, queries)
        print(f"{len(queries)} queries ({args.targets} targets x styles), {args.rounds} rounds")
        before: list[float] = []
        first: list[float] = []
        again: list[float] = []
        for round in range(args.rounds):
            before += timed(catalog, queries)[1]
            record = dict(corpus[round], id=f"after-commit-{round}")
            line = Path(folder) / "article.jsonl"
            line.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
            ingest([line], index, workers=1)
            seconds = timed(catalog, queries)
            first += seconds[0]
            again += seconds[1]
        catalog.close()
    print(f"before the commit               {summary(before)}")
    print(f"first searches after the commit {summary(first)}")
    print(f"the same searches again         {summary(again)}")
    opening, reopened = first[:: len(queries)], again[:: len(queries)]
    print(
        f"the first search of a generation (opens it): {statistics.mean(opening) * 1000:.1f} ms "
        f"(mean of {len(opening)}), the same again {statistics.mean(reopened) * 1000:.1f} ms"
    )
    rebuilt = (sum(first) - sum(again)) / args.rounds
    print(f"what each generation built for the mix (first less again): {rebuilt * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
