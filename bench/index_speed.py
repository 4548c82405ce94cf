"""Indexing speed: this service's ingest beside its two irreducible parts.

Indexes the first N articles of a corpus (default: all of ../shared/corpus/vntc.jsonl.gz) and
prints, in one run, on the same articles and with all cores:

  P  pyvi segmentation alone (normalize + segment title and body), in a process pool;
  W  plain Whoosh: StandardAnalyzer, one text field, Whoosh's own multiprocess writer;
  limit = 1 / (1/P + 1/W): segmenting once and indexing once cannot go faster;
  R  this service's ingest into a new index, its share of the limit, peak memory, index size;
  R2 a second ingest of the same unchanged articles, and how many times faster it is.

    python bench/index_speed.py [CORPUS] [N]
"""

import gzip
import itertools
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from whoosh import fields, index
from whoosh.analysis import StandardAnalyzer

from search_service.index import writing
from search_service.ingest.pipeline import ingest
from search_service.text.normalize import normalize
from search_service.text.segmentation import segment

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "vntc.jsonl.gz"


def _segment(line: bytes) -> int:
    record = json.loads(line)
    return len(segment(normalize(record["title"])) + segment(normalize(record["body"])))


def pyvi_rate(lines: list[bytes]) -> float:
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
        pool.map(_segment, lines[:50], chunksize=8)  # load pyvi in every worker first
        started = time.perf_counter()
        pool.map(_segment, lines, chunksize=8)
        return len(lines) / (time.perf_counter() - started)


def whoosh_rate(lines: list[bytes], folder: Path) -> float:
    schema = fields.Schema(
        id=fields.ID(stored=True), body=fields.TEXT(analyzer=StandardAnalyzer(), stored=True)
    )
    started = time.perf_counter()
    ix = index.create_in(str(folder), schema)
    writer = ix.writer(procs=os.cpu_count(), limitmb=256)
    for line in lines:
        record = json.loads(line)
        writer.add_document(id=record["id"], body=record["title"] + "\n" + record["body"])
    writer.commit()
    return len(lines) / (time.perf_counter() - started)


def _time_commits() -> list[float]:
    """The duration of each commit of the service's writer from now on (a list it fills)."""
    durations: list[float] = []
    commit = writing.Writer.commit

    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return commit(self, *args, **kwargs)
        finally:
            durations.append(time.perf_counter() - started)

    writing.Writer.commit = timed
    return durations


def segment_count(folder: Path) -> int:
    with index.open_dir(str(folder)).reader() as reader:
        return len(list(reader.leaf_readers()))


def size_of(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main(corpus: Path, count: int | None) -> None:
    with gzip.open(corpus, "rb") as stream:
        lines = list(itertools.islice(stream, count))
    work = Path(tempfile.mkdtemp(prefix="index-speed-"))
    try:
        source = work / "articles.jsonl"
        source.write_bytes(b"".join(lines))
        syllables = sum(len(json.loads(line)["body"].split()) for line in lines) / len(lines)
        print(
            f"{len(lines):,} articles of {corpus.name}, {syllables:.0f} syllables each on "
            f"average, {os.cpu_count()} cores"
        )

        p = pyvi_rate(lines)
        print(f"P  pyvi segmentation alone      {p:8.1f} articles/s")
        (work / "plain").mkdir()
        w = whoosh_rate(lines, work / "plain")
        print(
            f"W  plain Whoosh, one field      {w:8.1f} articles/s  "
            f"(index {size_of(work / 'plain') / 2**20:.0f} MiB)"
        )
        limit = 1 / (1 / p + 1 / w)
        print(f"   limit 1/(1/P + 1/W)          {limit:8.1f} articles/s")

        commits = _time_commits()
        started = time.perf_counter()
        summary = ingest([source], work / "index")
        r = summary.added / (time.perf_counter() - started)
        segments = segment_count(work / "index")
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"R  this ingest                  {r:8.1f} articles/s  = {r / limit:.0%} of the "
            f"limit (goal: 70%)"
        )
        print(
            f"   added {summary.added:,}, skipped {summary.skipped}; index "
            f"{size_of(work / 'index') / 2**20:.0f} MiB in {segments} segments; peak resident "
            f"memory: writer {peak_self:.0f} MiB, largest worker {peak_worker:.0f} MiB"
        )
        print(
            f"   the writer spent {sum(commits):.0f} s in {len(commits)} commits (merges "
            f"included), the longest {max(commits, default=0):.1f} s"
        )

        started = time.perf_counter()
        again = ingest([source], work / "index")
        r2 = again.unchanged / (time.perf_counter() - started)
        print(
            f"R2 second ingest, unchanged     {r2:8.1f} articles/s  = {r2 / r:.1f} times "
            f"faster (goal: 20)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    main(corpus, int(sys.argv[2]) if len(sys.argv) > 2 else None)
