"""The `search-service` command: a thin shell over the library.

Each command parses its arguments, calls one library function and prints the result.
Every error a user can cause is one line on stderr and a non-zero exit status.
"""

import argparse
import dataclasses
import html
import json
import os
import signal
import sys
import time
from pathlib import Path

from .errors import SearchServiceError
from .index import stats, store, writing
from .ingest import batches, outcomes, pipeline
from .search import searching, stored_article, suggest, types
from .search.catalog import Catalog
from .sources.reader import FORMATS

EXIT_SKIPPED = 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    # Past a file size limit (ulimit -f) a write then fails with EFBIG, reported like a full
    # disk, instead of the kernel killing the process with SIGXFSZ in the middle of a commit.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        status = args.command(args)
        if sys.stdout:  # None when started with stdout closed
            sys.stdout.flush()  # a broken pipe shows here, not in Python's flush at exit
        return status
    except SearchServiceError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted: the index holds every article of the last commit", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # What reads the output stopped reading (`| head`): nothing to report, as with any
        # other command; stdout goes nowhere so that Python's flush at exit stays quiet.
        nowhere = os.open(os.devnull, os.O_WRONLY)
        os.dup2(nowhere, sys.stdout.fileno())
        os.close(nowhere)
        return 128 + signal.SIGPIPE
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"error: {error.strerror or error}{where}", file=sys.stderr)
        return 1
    except Exception as error:
        # Garbage inside a segment surfaces only when a command reads it (`search`, `show`):
        # damage, said as the service says it; anything else is a bug and shows as one.
        damage = Catalog(store.index_path(getattr(args, "index", None))).damaged(error)
        if damage is None:
            raise
        print(f"error: {damage.message}", file=sys.stderr)
        return damage.exit_code


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--index",
        type=Path,
        default=None,
        help=f"index folder (default: ${store.ENV_INDEX} or {store.DEFAULT_INDEX})",
    )
    waiting = argparse.ArgumentParser(add_help=False)
    waiting.add_argument(
        "--wait",
        type=float,
        default=writing.LOCK_TIMEOUT,
        metavar="SECONDS",
        help="how long to wait for another writer (default: %(default)g)",
    )
    parser = argparse.ArgumentParser(
        prog="search-service", description="Vietnamese full-text search for news archives."
    )
    commands = parser.add_subparsers(title="commands", required=True)

    index = commands.add_parser("index", parents=[common, waiting], help="index article files")
    index.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders (JSON Lines, site page text, HTML; .gz read "
        "too); without any, the bundled sample articles",
    )
    index.add_argument("--rebuild", action="store_true", help="start from an empty index")
    index.add_argument("--format", choices=FORMATS, help="override format detection")
    index.add_argument("--sector", help="sector of articles whose files name none")
    index.add_argument("--workers", type=_positive, help="worker processes (default: cores)")
    index.add_argument(
        "--commit-every",
        type=_positive,
        default=batches.COMMIT_EVERY,
        metavar="N",
        help="commit after N articles at first; batches grow with the run (default: %(default)s)",
    )
    index.set_defaults(command=_index)

    delete = commands.add_parser("delete", parents=[common, waiting], help="delete articles by id")
    delete.add_argument("ids", nargs="+", metavar="ID")
    delete.set_defaults(command=_delete)

    merge = commands.add_parser(
        "optimize",
        parents=[common, waiting],
        help="merge the index into one segment (after a bulk import: faster searches)",
    )
    merge.set_defaults(command=_optimize)

    show = commands.add_parser("stats", parents=[common], help="what the index holds")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(command=_stats)

    show_article = commands.add_parser(
        "show", parents=[common], help="one article, with its related articles"
    )
    show_article.add_argument("id")
    show_article.add_argument("--json", action="store_true", help="print JSON")
    show_article.set_defaults(command=_show)

    find = commands.add_parser("search", parents=[common], help="search the index")
    find.add_argument(
        "query",
        nargs="?",
        default="",
        help='words, "phrases", -excluded, OR, title:, author: (empty: list articles newest first)',
    )
    find.add_argument(
        "--from", dest="date_from", metavar="DATE", help="from this day (2021-10-06 or 06/10/2021)"
    )
    find.add_argument("--to", dest="date_to", metavar="DATE", help="up to this day")
    find.add_argument("--sector", action="append", default=[], help="repeatable")
    find.add_argument("--topic", action="append", default=[], help="repeatable")
    find.add_argument("--related-to", metavar="ID", help="articles linked to this one")
    find.add_argument("--sort", choices=types.SORTS, default="relevance")
    find.add_argument("--page", default="1")
    find.add_argument("--limit", default="10")
    find.add_argument("--json", action="store_true", help="print the result as JSON")
    find.add_argument(
        "--explain", action="store_true", help="show the reading and the parts of each score"
    )
    find.set_defaults(command=_search)

    complete = commands.add_parser(
        "suggest", parents=[common], help="titles for a beginning, as a search box offers"
    )
    complete.add_argument("prefix")
    complete.add_argument("--json", action="store_true", help="print JSON")
    complete.set_defaults(command=_suggest)

    web = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the search pages and the JSON API (indexes the samples into an empty index)",
    )
    web.add_argument(
        "--bind",
        type=_address,
        default=os.environ.get("SEARCH_SERVICE_BIND") or "127.0.0.1:8000",
        metavar="HOST:PORT",
        help="address to listen on (default: $SEARCH_SERVICE_BIND or %(default)s)",
    )
    web.add_argument(
        "--workers",
        type=_positive,
        help="gunicorn worker processes (default: $SEARCH_SERVICE_WORKERS or cores + 1)",
    )
    web.add_argument(
        "--dev", action="store_true", help="run Flask's development server, reloading on changes"
    )
    web.set_defaults(command=_serve)

    deploy = commands.add_parser(
        "deploy",
        help="print the production configuration: the systemd unit, or nginx's site",
        description="Print a filled-in configuration for production (see the README's "
        "Deployment section): `systemd` for /etc/systemd/system/search-service.service, "
        "`nginx` for /etc/nginx/sites-available/search-service.",
    )
    deploy.add_argument("target", choices=("systemd", "nginx"))
    deploy.add_argument(
        "--server-name",
        default="tim-kiem.example.vn",
        metavar="NAME",
        help="the site's host name, readers' address (default: %(default)s)",
    )
    deploy.add_argument(
        "--upstream",
        type=_address,
        default="127.0.0.1:8000",
        metavar="HOST:PORT",
        help="where the service listens (default: %(default)s)",
    )
    deploy.add_argument(
        "--user", default="search-service", help="the service's user (default: %(default)s)"
    )
    deploy.add_argument("--certificate", default="", help="TLS certificate (default: certbot's)")
    deploy.add_argument("--certificate-key", default="", help="its key (default: certbot's)")
    deploy.add_argument(
        "--plain-http",
        type=_address,
        metavar="HOST:PORT",
        help="listen without TLS on HOST:PORT (for a test on this machine, never public)",
    )
    deploy.add_argument(
        "--log-folder", default="/var/log/nginx", help="nginx's logs (default: %(default)s)"
    )
    deploy.set_defaults(command=_deploy)
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _address(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"not HOST:PORT: {value!r}")
    return value


def _index(args) -> int:
    path = store.index_path(args.index)
    show_progress = _Progress() if sys.stderr.isatty() else _Commits()
    summary = pipeline.ingest(
        args.paths or [pipeline.SAMPLES],
        path,
        format=args.format,
        sector=args.sector,
        rebuild=args.rebuild,
        workers=args.workers,
        progress=show_progress,
        commit_every=args.commit_every,
        wait=args.wait,
    )
    show_progress.finish()
    for problem in summary.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if summary.unlisted:
        print(f"skipped: {summary.unlisted:,} more, not listed", file=sys.stderr)
    rate = summary.processed / summary.seconds if summary.seconds else 0.0
    print(
        f"{summary.added} added, {summary.replaced} replaced, {summary.unchanged} unchanged, "
        f"{summary.skipped} skipped in {summary.seconds:.1f} s ({rate:.0f} articles/s) "
        f"-> {path}"
    )
    return EXIT_SKIPPED if summary.skipped else 0


class _Progress:
    """A one-line progress display on a terminal, redrawn at most twice a second."""

    def __init__(self):
        self.started = self.shown = time.monotonic()

    def __call__(self, summary: outcomes.Summary) -> None:
        now = time.monotonic()
        if now - self.shown < 0.5:
            return
        self.shown = now
        rate = summary.processed / (now - self.started)
        print(
            f"\r{summary.processed:,} articles  {rate:,.0f}/s  "
            f"({summary.added:,} added, {summary.unchanged:,} unchanged, "
            f"{summary.skipped:,} skipped; {summary.committed:,} committed)",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def finish(self) -> None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)


class _Commits:
    """A line on stderr at each commit of a long ingest, for logs: the first N records read
    are in the index, whatever happens to the run afterwards."""

    def __init__(self):
        self.committed = 0

    def __call__(self, summary: outcomes.Summary) -> None:
        if summary.committed == self.committed:
            return
        self.committed = summary.committed
        print(
            f"committed {summary.committed:,} records ({summary.added:,} added, "
            f"{summary.replaced:,} replaced, {summary.unchanged:,} unchanged, "
            f"{summary.skipped:,} skipped)",
            file=sys.stderr,
            flush=True,
        )

    def finish(self) -> None:
        pass


def _delete(args) -> int:
    missing = pipeline.delete(args.ids, store.index_path(args.index), args.wait)
    deleted = len(args.ids) - len(missing)
    print(f"{deleted} deleted")
    for article_id in missing:
        print(f"not found: {article_id}", file=sys.stderr)
    return 5 if missing else 0


def _optimize(args) -> int:
    path = store.index_path(args.index)
    started = time.monotonic()
    before = writing.optimize(path, args.wait)
    print(f"{before} segments merged into one in {time.monotonic() - started:.0f} s -> {path}")
    return 0


def _stats(args) -> int:
    result = stats.index_stats(store.index_path(args.index))
    if args.json:
        print(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
        return 0
    print(f"index           {result.path}")
    print(f"articles        {result.articles:,}")
    print(f"dates           {result.first_date or '-'} .. {result.last_date or '-'}")
    print(f"size            {result.size_bytes / 2**20:.1f} MiB")
    print(f"schema version  {result.schema_version} (generation {result.generation})")
    print("sectors")
    for sector, count in result.sectors.items():
        print(f"  {count:>8,}  {sector}")
    return 0


def _catalog(args) -> Catalog:
    return Catalog(store.index_path(args.index))


def _show(args) -> int:
    catalog = _catalog(args)
    article = stored_article.get_article(catalog, args.id)
    related = searching.related_articles(catalog, args.id)
    if args.json:
        shown = article.to_dict()
        shown["related_articles"] = [dataclasses.asdict(hit) for hit in related]
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return 0
    print(article.title)
    print(
        f"{article.id} · {article.date or 'no date'} · {article.sector or 'no sector'}"
        f" · {article.author or 'no author'}"
    )
    topics = article.topics or [f"{t} (derived)" for t in article.derived_topics]
    if topics:
        print("topics: " + ", ".join(topics))
    print()
    print(article.body)
    if related:
        print("\nrelated:")
        for hit in related:
            print(f"  {hit.id}  {html.unescape(hit.title)}")
    return 0


def _search(args) -> int:
    params = {
        "q": [args.query],
        "from": [args.date_from or ""],
        "to": [args.date_to or ""],
        "sector": args.sector,
        "topic": args.topic,
        "related_to": [args.related_to or ""],
        "sort": [args.sort],
        "page": [args.page],
        "limit": [args.limit],
        "explain": ["1" if args.explain else ""],
    }
    result = searching.search(_catalog(args), types.SearchRequest.from_params(params))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if result.suggestion:
        print(f"Có phải bạn muốn tìm: {result.suggestion}")
    if result.reading:
        print(f"searched as: {result.reading}")
    if result.missing:
        print(f"not found in any article: {', '.join(result.missing)}")
    first = (result.page - 1) * result.limit + 1
    shown = sum(hit.tier == types.PRECISE for hit in result.hits)
    print(
        f"{result.total} results for {result.query!r} ({result.took_ms:.0f} ms)"
        + (f", {first}-{first + shown - 1}:" if shown else "")
    )
    tier = types.PRECISE
    for rank, hit in enumerate(result.hits, first):
        if hit.tier != tier:
            tier = hit.tier
            print("close matches, not counted (other readings, a mended word, words missing):")
        print(f"{rank:>3}. {_plain(hit.title)}")
        print(
            f"     {hit.id} · {(hit.date or 'no date')[:10]} · {hit.sector or 'no sector'}"
            + (f" · score {hit.score:.2f}" if hit.score is not None else "")
        )
        print(f"     {_plain(hit.snippet)}")
        for part in hit.explain["matched"] if hit.explain else ():
            print(
                f"       {part['score']:8.3f}  {part['field']:<12} {part['term']} ({part['kind']})"
            )
    return 0


def _plain(marked: str) -> str:
    """HTML with <mark> to terminal text: matches in bold where the terminal shows it."""
    bold, normal = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")
    return html.unescape(marked.replace("<mark>", bold).replace("</mark>", normal))


def _serve(args) -> int:
    # Imported here: Flask is needed by this command only.
    from .web import serve

    return serve.serve(args.index, args.bind, dev=args.dev, workers=args.workers)


def _deploy(args) -> int:
    from .web import deploy

    site = deploy.Site(
        server_name=args.server_name,
        upstream=args.upstream,
        plain_http=args.plain_http or "",
        certificate=args.certificate,
        certificate_key=args.certificate_key,
        log_folder=args.log_folder,
    )
    if args.target == "systemd":
        print(deploy.systemd_unit(site, args.user), end="")
    else:
        print(deploy.nginx_site(site), end="")
    return 0


def _suggest(args) -> int:
    suggestions = suggest.suggest(_catalog(args), args.prefix)
    if args.json:
        print(
            json.dumps([dataclasses.asdict(s) for s in suggestions], ensure_ascii=False, indent=2)
        )
    for suggestion in suggestions if not args.json else []:
        print(suggestion.text)
    return 0
