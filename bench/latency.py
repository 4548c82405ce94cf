"""Search latency and memory on the whole vntc corpus, beside plain Whoosh.

Runs the known-item query mix of bench/relevance.py (3 to 5 consecutive title words of 300
articles, in every typing style) in process against this service's full search (ranking,
facet counts, snippets, suggestion) and against plain Whoosh (StandardAnalyzer, one field,
top 10 with the stored id) on the same articles, and prints p50/p95/p99 per style and
overall, then the resident memory of this process with the index open and the mix served.

The indexes are built once into indexes/vntc and indexes/vntc-plain (git-ignored) and
reused on later runs:

    python bench/latency.py [--corpus ../shared/corpus/vntc.jsonl.gz] [--queries 300] [--warm 0]

The index is first read ahead as gunicorn's arbiter does before forking its workers
(`Catalog.warm`, up to 30 s); `--warm 0` measures a process that starts cold.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

from relevance import known_item_queries
from whoosh import fields, index, qparser
from whoosh.analysis import StandardAnalyzer

from search_service.index import store
from search_service.ingest.pipeline import ingest
from search_service.search.catalog import WARM_SECONDS, Catalog
from search_service.search.searching import search
from search_service.search.types import SearchRequest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "vntc.jsonl.gz"


def build(corpus: Path, articles: list[dict], service: Path, plain: Path) -> None:
    if not store.exists(service):
        started = time.perf_counter()
        summary = ingest([corpus], service)
        print(
            f"built {service.name}: {summary.added:,} articles in "
            f"{time.perf_counter() - started:.0f} s"
        )
    if not index.exists_in(str(plain)):
        plain.mkdir(parents=True, exist_ok=True)
        schema = fields.Schema(id=fields.ID(stored=True), text=fields.TEXT(StandardAnalyzer()))
        writer = index.create_in(str(plain), schema).writer(procs=os.cpu_count(), limitmb=256)
        for a in articles:
            writer.add_document(id=a["id"], text=a["title"] + "\n" + a["body"])
        writer.commit()


def percentiles(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    cut = statistics.quantiles(ms, n=100, method="inclusive")
    return f"p50 {cut[49]:7.1f}  p95 {cut[94]:7.1f}  p99 {cut[98]:7.1f}  max {ms[-1]:7.1f} ms"


def resident_mib(kind: str = "VmRSS", pid: int | str = "self") -> float:
    """Resident memory of a process (this one by default): VmRSS (all), or RssAnon (its own,
    without the pages of the index files that Whoosh maps into memory and the kernel can
    drop)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "vntc")
    parser.add_argument(
        "--warm",
        type=float,
        default=WARM_SECONDS,
        help="seconds of reading ahead before the mix, as the server does (0: start cold)",
    )
    args = parser.parse_args()
    with gzip.open(args.corpus, "rt", encoding="utf-8") as lines:
        articles = [json.loads(line) for line in lines]
    plain_path = args.index.with_name(args.index.name + "-plain")
    build(args.corpus, articles, args.index, plain_path)
    mix = known_item_queries(articles, args.queries)
    styles = list(mix[0][1])
    print(
        f"{len(articles):,} articles, {len(mix)} targets x {len(styles)} styles "
        f"= {len(mix) * len(styles):,} queries; resident before: {resident_mib():.0f} MiB"
    )

    catalog = Catalog(args.index)
    started = time.perf_counter()
    if args.warm:
        # As gunicorn's arbiter does before forking its workers (see gunicorn_conf).
        read = catalog.warm(args.warm)
        print(f"read ahead as the server does: {read:,} postings lists", end=", ")
    catalog.current().vocabulary.restore("a")  # open, and read what a first query reads
    facet_columns = catalog.current().columns
    documents = len(facet_columns.sector)
    opened_ms = (time.perf_counter() - started) * 1000
    print(
        f"opening the index and its per-generation data of {documents:,} documents: "
        f"{opened_ms:.0f} ms"
    )
    plain = index.open_dir(str(plain_path)).searcher()
    parse = qparser.QueryParser("text", plain.schema).parse

    by_style: dict[str, list[float]] = {style: [] for style in styles}
    baseline: list[float] = []
    for _, queries in mix:
        for style, text in queries.items():
            started = time.perf_counter()
            search(catalog, SearchRequest(q=text, limit=10))
            by_style[style].append(time.perf_counter() - started)
            started = time.perf_counter()
            [hit["id"] for hit in plain.search(parse(text), limit=10)]
            baseline.append(time.perf_counter() - started)
    print("\nthis service: ranking, facets, snippets, suggestion (first run of each query)")
    for style, seconds in by_style.items():
        print(f"  {style:<11} {percentiles(seconds)}")
    print(f"  {'all':<11} {percentiles([s for v in by_style.values() for s in v])}")
    print(f"plain Whoosh, top 10 ids\n  {'all':<11} {percentiles(baseline)}")
    print(
        f"\nresident memory after the mix: {resident_mib():.0f} MiB, of which "
        f"{resident_mib('RssAnon'):.0f} MiB anonymous (the rest is mapped index files); "
        f"the articles this script loaded to make the queries take part of it"
    )


if __name__ == "__main__":
    sys.exit(main())
