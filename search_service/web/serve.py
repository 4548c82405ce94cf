"""`search-service serve`: index the bundled samples into an empty index, then serve.

gunicorn runs the app with the settings of the module `gunicorn_conf` (`gunicorn -c
python:search_service.web.gunicorn_conf`). `--dev` runs Flask's development server
instead, which reloads on code changes. Either way, writes that a previous run left queued
are applied as the service starts (`before_workers`), and with the write API on, the writer
process (`ingest.committer`) runs beside the workers, supervised.
"""

import os
import sys
from pathlib import Path

from ..errors import SearchServiceError
from ..index import stats, store
from ..ingest import pipeline, write_queue
from ..ingest.committer import Supervisor
from . import resources, settings

# gunicorn's settings, as gunicorn's `-c` names a module.
CONFIG = "python:search_service.web.gunicorn_conf"
# The writer process's supervisor, in the process that serves (gunicorn's arbiter).
_writer: Supervisor | None = None


def ensure_index(path: Path) -> None:
    """Index the bundled samples into `path` when it holds no article yet."""
    if store.exists(path) and stats.index_stats(path).articles:
        return
    print(f"{path} holds no article: indexing the bundled samples", file=sys.stderr)
    summary = pipeline.ingest([pipeline.SAMPLES], path)
    print(f"{summary.added} sample articles indexed", file=sys.stderr)


def before_workers(app, log) -> None:
    """What gunicorn's arbiter does before it forks its workers (see `gunicorn_conf`):
    apply the writes that a previous run left queued; read the index ahead (the workers
    inherit it); with the write API on, start the writer process."""
    apply_queued_writes(store.index_path(app.config["INDEX"]), log.info)
    resources.warm(app, log)
    if app.config["WRITE_TOKEN"]:
        start_writer(store.index_path(app.config["INDEX"]), log.info)


def start_writer(index: Path, log=print) -> None:
    """Start the writer process of the write API, supervised (see `committer`)."""
    global _writer
    stop_writer()
    _writer = Supervisor(index, log).start()


def stop_writer() -> None:
    """Stop the writer process, if this process started one."""
    global _writer
    if _writer is not None:
        _writer.stop()
        _writer = None


def apply_queued_writes(index: Path | None = None, log=print) -> None:
    """Apply the write API's operations that a previous run left queued (answered 202),
    unless another process holds the index's writer (it drains them)."""
    path = store.index_path(index)
    try:
        applied = write_queue.drain_index(path)
    except SearchServiceError as error:
        log(f"queued writes are not applied yet: {error.message}")
        return
    if applied:
        log(f"{applied} queued write operations applied to {path}")


def serve(index: Path | None, bind: str, dev: bool = False, workers: int | None = None) -> int:
    """Serve the index at `index` on `bind` (HOST:PORT) until stopped."""
    # A bad setting stops the start here, in one line, rather than in gunicorn's traceback.
    settings.load()
    path = store.index_path(index).resolve()
    ensure_index(path)
    # The app reads its index and address from the environment, in this process and in
    # gunicorn's (the address is that of /opensearch.xml when no PUBLIC_URL is set).
    os.environ[store.ENV_INDEX] = str(path)
    os.environ[settings.PREFIX + "BIND"] = bind
    host, _, port = bind.rpartition(":")
    if dev:
        from . import create_app

        # gunicorn's arbiter does this at start (`gunicorn_conf`); the development server
        # has no such hook.
        apply_queued_writes(path)
        app = create_app()
        if app.config["WRITE_TOKEN"]:
            start_writer(path)
        try:
            app.run(host or "127.0.0.1", int(port), debug=True, use_debugger=False)
        finally:
            stop_writer()
        return 0
    command = [sys.executable, "-m", "gunicorn", "-c", CONFIG, "--bind", bind]
    if workers:
        command += ["--workers", str(workers)]
    sys.stdout.flush()
    sys.stderr.flush()
    # gunicorn takes over this process: signals (TERM, HUP, INT) reach its arbiter.
    os.execv(sys.executable, command)
