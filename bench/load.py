"""Requests per second and p50/p99 latency of /api/search under concurrent load, beside
/health (the server's own ceiling: routing, JSON, gunicorn, TCP, without a search), and
with `--writes`, while the write API receives a steady stream of articles.

Starts gunicorn with its settings module on a free loopback port over an existing index, and
drives it from one asyncio process (each request a new connection, as sync workers close
them): for each endpoint, a warm-up, then CONCURRENCY clients for SECONDS seconds. The
query mix is the known-item mix of bench/relevance.py (3 to 5 consecutive title words of
sampled articles, in every typing style), shuffled with a fixed seed; each worker caches
results per index generation, so a mix larger than the caches measures searches, not
cache hits.

With `--writes RATE`, a third run reads as the second while one client writes RATE
articles a second for as long: new articles (corpus articles under new ids, POST) and,
one in three, edits of those already written (a new title and paragraph, PUT). The server
then runs on a temporary copy of the index. At the end every acknowledged write (200, or
202 once applied) must be found by id with its last title, and by searching that title.
Reported: the p99 of reads beside the read-only run, write latency, and the resident
memory of each worker (VmRSS, and RssAnon without the mapped index files) at the start
and at the end.

    python bench/load.py --index indexes/vntc --corpus ../shared/corpus/vntc.jsonl.gz
    python bench/load.py --index indexes/vntc --corpus ../shared/corpus/vntc.jsonl.gz \\
        --writes 5 --write-seconds 300    # then five minutes of reads while publishing
    python bench/load.py --index /tmp/samples --corpus search_service/samples/articles.jsonl \\
        --seconds 5 --writes 2            # a smoke run on the bundled samples

Goal on the 2-core machine: 200 searches/s or more, no errors, p99 under 250 ms; with
writes: no error, no lost write, memory flat.
"""

import argparse
import asyncio
import collections
import contextlib
import gzip
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from latency import resident_mib
from relevance import known_item_queries

from search_service.ingest.article import Article

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "vntc.jsonl.gz"
# One in EDIT_EVERY writes edits an article written before; the others add one.
EDIT_EVERY = 3
# Writes in flight at most; a slower server makes the stream fall behind its rate.
MAX_WRITES_IN_FLIGHT = 8
# How long queued writes (202) may take to be applied after the run.
SETTLE_SECONDS = 30


def read_articles(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def query_mix(articles: list[dict], targets: int) -> list[str]:
    queries = [q for _, styled in known_item_queries(articles, targets) for q in styled.values()]
    random.Random(13).shuffle(queries)
    return queries


async def http(
    port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None
) -> tuple[int, bytes, float]:
    """One request on a new connection: (status, response body, seconds)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body:
        head.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    status = int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0
    return status, response.partition(b"\r\n\r\n")[2], time.perf_counter() - started


async def load(port: int, paths: list[str], concurrency: int, seconds: float) -> dict:
    """CONCURRENCY clients requesting `paths` in turn for `seconds` seconds."""
    latencies: list[float] = []
    errors = 0
    turn = iter(range(10**12))
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            path = paths[next(turn) % len(paths)]
            try:
                status, _, took = await http(port, "GET", path)
            except OSError:
                status, took = 0, 0.0
            if status == 200:
                latencies.append(took)
            else:
                errors += 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "ms": latencies,
        # The generator shares the machine's cores with the server: its own share.
        "client_cores": (time.process_time() - cpu) / elapsed,
    }


class WriteStream:
    """New articles and edits of them, written at a steady rate; what was acknowledged."""

    def __init__(self, port: int, token: str, articles: list[dict]):
        self.port, self.headers = (
            port,
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            },
        )
        self.rng = random.Random(7)
        self.source = iter(self.rng.sample(articles, len(articles)))
        self.written = 0
        # The last acknowledged version of each article, and the ids with a write in flight
        # (never two at once for one id: their order would be the server's to choose).
        self.acknowledged: dict[str, dict] = {}
        self.in_flight: set[str] = set()
        self.statuses: collections.Counter = collections.Counter()
        self.latencies: list[float] = []

    def _next(self) -> tuple[str, dict]:
        self.written += 1
        editable = [i for i in self.acknowledged if i not in self.in_flight]
        if self.written % EDIT_EVERY == 0 and editable:
            article_id = self.rng.choice(editable)
            record = dict(self.acknowledged[article_id])
            record["title"] = f"{record['title'].split(' (cập nhật')[0]} (cập nhật {self.written})"
            record["body"] += f"\n\nBài viết được cập nhật lần thứ {self.written}."
            return "PUT", record
        record = dict(next(self.source))
        record["id"] = f"load-{self.written}"
        return "POST", record

    async def write(self, measured: bool) -> None:
        method, record = self._next()
        self.in_flight.add(record["id"])
        path = "/api/articles" + (f"/{quote(record['id'])}" if method == "PUT" else "")
        body = json.dumps(record, ensure_ascii=False).encode()
        try:
            status, _, took = await http(self.port, method, path, body, self.headers)
        except OSError:
            status, took = 0, 0.0
        self.in_flight.discard(record["id"])
        self.statuses[status] += 1
        if status in (200, 202):
            self.acknowledged[record["id"]] = record
            if measured:
                self.latencies.append(took)

    async def run(self, rate: float, seconds: float, measured: bool = True) -> None:
        """Start a write every 1/rate seconds for `seconds` (fewer if the server lags)."""
        started = time.perf_counter()
        tasks: set[asyncio.Task] = set()
        count = 0
        while time.perf_counter() - started < seconds:
            if len(tasks) < MAX_WRITES_IN_FLIGHT:
                task = asyncio.create_task(self.write(measured))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            count += 1
            await asyncio.sleep(max(0.0, started + count / rate - time.perf_counter()))
        await asyncio.gather(*tasks)


async def reads_while_writing(
    port: int, paths: list[str], concurrency: int, seconds: float, stream: WriteStream, rate
) -> dict:
    reads = asyncio.create_task(load(port, paths, concurrency, seconds))
    await stream.run(rate, seconds)
    return await reads


async def unfound(port: int, acknowledged: dict[str, dict]) -> tuple[list[str], list[str]]:
    """The acknowledged articles not found by id with their last title (lost), and those
    that searching that title does not find among the first hundred (the stream copies
    corpus articles, and some titles are shared by dozens of them); queued writes (202) get
    SETTLE_SECONDS to be applied."""
    titles = {i: Article.from_record(record).title for i, record in acknowledged.items()}

    async def by_id(article_id: str) -> bool:
        status, body, _ = await http(port, "GET", f"/api/articles/{quote(article_id)}")
        return status == 200 and json.loads(body)["title"] == titles[article_id]

    async def by_title(article_id: str) -> bool:
        status, body, _ = await http(
            port, "GET", f"/api/search?limit=100&q={quote(titles[article_id])}"
        )
        return status == 200 and article_id in [h["id"] for h in json.loads(body)["hits"]]

    async def failing(check, ids: list[str]) -> list[str]:
        failed = []
        for chunk in range(0, len(ids), 16):
            part = ids[chunk : chunk + 16]
            found = await asyncio.gather(*map(check, part))
            failed += [article_id for article_id, ok in zip(part, found, strict=True) if not ok]
        return failed

    lost = list(titles)
    deadline = time.monotonic() + SETTLE_SECONDS
    while lost:
        lost = await failing(by_id, lost)
        if not lost or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    return lost, await failing(by_title, [i for i in titles if i not in lost])


def latency(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds) or [float("nan")]
    cut = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return f"p50 {cut[49]:6.1f} ms  p99 {cut[98]:6.1f} ms  max {ms[-1]:6.1f} ms"


def report(name: str, result: dict) -> str:
    rate = result["requests"] / result["seconds"]
    return (
        f"{name:<20} {rate:7.1f} req/s  {latency(result['ms'])}  errors {result['errors']}  "
        f"({result['requests']:,} in {result['seconds']:.1f} s; the client used "
        f"{result['client_cores']:.2f} of a core)"
    )


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn workers: the children of the arbiter."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The fields after the parenthesized command name: state, then the parent.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == server.pid:
                found.append(int(entry.name))
    return sorted(found)


def memory(pids: list[int]) -> dict[int, tuple[float, float]]:
    return {pid: (resident_mib("VmRSS", pid), resident_mib("RssAnon", pid)) for pid in pids}


def start_server(index: Path, workers: int | None, token: str) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "SEARCH_SERVICE_INDEX": str(index.resolve()),
        "SEARCH_SERVICE_BIND": f"127.0.0.1:{port}",
        "SEARCH_SERVICE_ACCESS_LOG": "/dev/null",
        "SEARCH_SERVICE_SEARCH_LOG": "off",
        "SEARCH_SERVICE_WRITE_TOKEN": token,
    }
    if workers:
        env["SEARCH_SERVICE_WORKERS"] = str(workers)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:search_service.web.gunicorn_conf"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return server, port
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "vntc")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--targets", type=int, default=300, help="articles in the query mix")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config)")
    parser.add_argument(
        "--writes",
        type=float,
        default=0,
        metavar="RATE",
        help="also run reads while writing RATE articles/s (on a copy of the index)",
    )
    parser.add_argument(
        "--write-seconds", type=float, help="length of the run with writes (default: --seconds)"
    )
    args = parser.parse_args()
    args.write_seconds = args.write_seconds or args.seconds

    corpus = read_articles(args.corpus)
    queries = query_mix(corpus, args.targets)
    searches = [f"/api/search?q={quote(q)}" for q in queries]
    print(f"{len(queries):,} queries ({args.targets} targets x styles), {args.concurrency} clients")
    with contextlib.ExitStack() as cleanup:
        index = args.index
        if args.writes:
            copy = Path(cleanup.enter_context(tempfile.TemporaryDirectory())) / "index"
            shutil.copytree(args.index, copy)
            index = copy
        token = secrets.token_urlsafe(32)
        server, port = start_server(index, args.workers, token)
        try:
            return run(args, port, server, token, corpus, searches)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(args, port: int, server, token: str, corpus: list[dict], searches: list[str]) -> int:
    results = {}
    for name, paths in [("/health", ["/health"]), ("/api/search", searches)]:
        asyncio.run(load(port, paths[::-1], args.concurrency, args.warmup))
        results[name] = asyncio.run(load(port, paths, args.concurrency, args.seconds))
        print(report(name, results[name]), flush=True)
    if not args.writes:
        return 1 if any(r["errors"] for r in results.values()) else 0

    stream = WriteStream(port, token, corpus)
    # Warm-up: pyvi loads in each worker on its first write.
    asyncio.run(stream.run(args.writes, args.warmup, measured=False))
    before = memory(worker_pids(server))
    name = "/api/search + writes"
    results[name] = asyncio.run(
        reads_while_writing(
            port, searches, args.concurrency, args.write_seconds, stream, args.writes
        )
    )
    after = memory(worker_pids(server))
    print(report(name, results[name]))
    print(
        f"{'writes':<20} {len(stream.latencies) / args.write_seconds:7.1f} art/s  "
        f"{latency(stream.latencies)}  statuses {dict(sorted(stream.statuses.items()))}"
    )
    lost, unsearchable = asyncio.run(unfound(port, stream.acknowledged))
    print(
        f"{'check':<20} {len(stream.acknowledged):,} articles acknowledged: {len(lost)} lost "
        f"(not found by id with their last title){': ' + ', '.join(lost[:10]) if lost else ''}; "
        f"{len(unsearchable)} not found by searching their title"
        f"{': ' + ', '.join(unsearchable[:10]) if unsearchable else ''}"
    )
    for pid in sorted(before.keys() | after.keys()):
        shown = [
            f"{m[0]:.0f} MiB ({m[1]:.0f} anonymous)" if m else "-"
            for m in (before.get(pid), after.get(pid))
        ]
        print(f"{'worker ' + str(pid):<20} resident {shown[0]} -> {shown[1]}")
    failed = any(r["errors"] for r in results.values()) or lost or unsearchable
    return 1 if failed or set(stream.statuses) - {200, 202} else 0


if __name__ == "__main__":
    sys.exit(main())
