"""Requests per second and p50/p99 latency of /api/search under concurrent load, beside
/health (the server's own ceiling: routing, JSON, gunicorn, TCP, without a search).

Starts gunicorn with gunicorn.conf.py on a free loopback port over an existing index, and
drives it from one asyncio process (each request a new connection, as sync workers close
them): for each endpoint, a warm-up, then CONCURRENCY clients for SECONDS seconds. The
query mix is the known-item mix of bench/relevance.py (3 to 5 consecutive title words of
sampled articles, in every typing style), shuffled with a fixed seed; each worker caches
results per index generation, so a mix larger than the caches measures searches, not
cache hits.

    python bench/load.py --index indexes/vntc --corpus ../shared/corpus/vntc.jsonl.gz
    python bench/load.py --index /tmp/samples --corpus search_service/samples/articles.jsonl \
        --seconds 5          # a smoke run on the bundled samples

Goal on the 2-core machine: 200 searches/s or more, no errors, p99 under 250 ms.
"""

import argparse
import asyncio
import gzip
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from relevance import known_item_queries

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "vntc.jsonl.gz"


def read_articles(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def query_mix(articles: list[dict], targets: int) -> list[str]:
    queries = [q for _, styled in known_item_queries(articles, targets) for q in styled.values()]
    random.Random(13).shuffle(queries)
    return queries


async def fetch(port: int, path: str) -> tuple[int, float]:
    """GET `path` on a new connection; (status, seconds)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    status = int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - started


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
                status, took = await fetch(port, path)
            except OSError:
                status, took = 0, 0.0
            if status == 200:
                latencies.append(took)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors, "seconds": elapsed, "ms": latencies}


def report(name: str, result: dict) -> str:
    ms = sorted(s * 1000 for s in result["ms"]) or [float("nan")]
    cut = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    rate = result["requests"] / result["seconds"]
    return (
        f"{name:<12} {rate:7.1f} req/s  p50 {cut[49]:6.1f} ms  p99 {cut[98]:6.1f} ms  "
        f"max {ms[-1]:6.1f} ms  errors {result['errors']}  ({result['requests']:,} in "
        f"{result['seconds']:.1f} s)"
    )


def start_server(index: Path, workers: int | None) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "SEARCH_SERVICE_INDEX": str(index.resolve()),
        "SEARCH_SERVICE_BIND": f"127.0.0.1:{port}",
        "SEARCH_SERVICE_ACCESS_LOG": "/dev/null",
        "SEARCH_SERVICE_SEARCH_LOG": "off",
    }
    if workers:
        env["SEARCH_SERVICE_WORKERS"] = str(workers)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env
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
    args = parser.parse_args()

    queries = query_mix(read_articles(args.corpus), args.targets)
    searches = [f"/api/search?q={quote(q)}" for q in queries]
    print(f"{len(queries):,} queries ({args.targets} targets x styles), {args.concurrency} clients")
    server, port = start_server(args.index, args.workers)
    try:
        results = {}
        for name, paths in [("/health", ["/health"]), ("/api/search", searches)]:
            asyncio.run(load(port, paths[::-1], args.concurrency, args.warmup))
            results[name] = asyncio.run(load(port, paths, args.concurrency, args.seconds))
            print(report(name, results[name]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 1 if any(r["errors"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
