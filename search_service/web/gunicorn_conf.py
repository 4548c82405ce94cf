"""gunicorn settings of the search service: `gunicorn -c python:search_service.web.gunicorn_conf`.

A module of the package, so that gunicorn finds it wherever the package is installed, from
any working directory. `search-service serve` runs gunicorn with it; the environment
variables with the SEARCH_SERVICE_ prefix set what the command's options set (the app reads
the rest of its settings from the environment itself, see the README). gunicorn imports it
once: a HUP starts new workers with the same settings.
"""

import gc
import os
import tempfile

# The app, built by its factory once, in the arbiter (see preload_app below).
wsgi_app = "search_service.web:create_app()"

# Loopback by default: the service is meant to sit behind the site's reverse proxy, which
# terminates TLS and faces the network. SEARCH_SERVICE_BIND=0.0.0.0:8000 opens it wider.
bind = os.environ.get("SEARCH_SERVICE_BIND") or "127.0.0.1:8000"

# A search is CPU work in Python (parsing, Whoosh scoring, facets, snippets), so the
# processes that can run at once are one a core; one more keeps the cores busy while a
# worker waits on disk or streams a long CSV export to a slow client. More than that
# only adds memory: each worker holds its own searcher and per-generation caches.
workers = int(os.environ.get("SEARCH_SERVICE_WORKERS") or (os.cpu_count() or 1) + 1)

# gevent workers: each connection is a greenlet, so a connection that sends nothing, or
# sends its headers a byte a second, holds no worker. With sync workers three idle
# connections held all three workers until the 120 s timeout, and 50 slow clients kept the
# service from answering for minutes; with gthread (threads reading a request block until
# its headers end, without a deadline) as many slow clients as threads did the same. A
# gevent worker gives every request's headers `keepalive` seconds to arrive (below), then
# closes the connection, and holds up to `worker_connections` at once. Searches are CPU
# work and run one after the other in a worker, between greenlet switches (Whoosh's file
# reads and SQLite do not switch), so the searcher is never used by two at once. The
# figures are in the README ("Deployment").
worker_class = "gevent"
worker_connections = 1000

# The app is built once, in the arbiter, which then prepares what every worker needs
# (`when_ready` below): it applies the writes a previous run left queued (answered 202, then
# stopped or killed), and reads the index ahead (field lengths, columns, term statistics
# and the most frequent postings, for up to SEARCH_SERVICE_WARM_SECONDS), closing its files
# before forking. Every worker starts with that data, shared copy-on-write, instead of each
# reading it again on its first searches
# (on the vntc corpus: first searches take 20-50 ms, and one copy of the data serves
# every worker). Each worker opens its own index files after the fork (Whoosh readers
# and SQLite connections must not be shared by processes). The cost: a HUP reloads neither
# these settings nor changed code; restart the service after an upgrade. With the write
# API on, the arbiter then starts the writer process, which alone commits the writes (and
# loads pyvi's model to analyze them), and starts it again if it dies.
preload_app = True


def when_ready(server):
    """Prepare the workers' index in the arbiter, before the first one is forked; start the
    writer process."""
    from search_service.web import serve

    serve.before_workers(server.app.wsgi(), server.log)


def on_exit(server):
    """Stop the writer process with the service."""
    from search_service.web import serve

    serve.stop_writer()
    gc.unfreeze()


def worker_exit(server, worker):
    """Let a worker's exit collect what the read-ahead kept from the garbage collector (see
    `Catalog.warm`) as any garbage: left to the interpreter's last teardown, logging's
    handlers are finalized after gevent's module, and each exit printed a traceback."""
    gc.unfreeze()


# A worker that has not answered in this time is killed and replaced. The longest
# legitimate request is a CSV export of 10,000 rows (100 searches of 100 hits with
# snippets), which takes well under this on the full corpus; searches take milliseconds.
timeout = 120

# On a restart or shutdown, requests in flight (an export) get this long to finish.
graceful_timeout = 30

# Seconds a connection may wait for its next request, and a request's headers may take to
# arrive (the gevent worker's deadline for reading them): then it is closed.
keepalive = 5

# Workers keep their searcher and caches for their whole life: a restart costs the
# first request a cold index (vocabulary and facet columns read again). Memory is bounded
# by the caches' own limits, so workers are not recycled after a count of requests.
max_requests = 0

# Up to 8 KiB request lines, gunicorn's maximum: a long query then reaches the app, which
# answers 413 in its JSON error shape (its own limit is SEARCH_SERVICE_MAX_REQUEST_BYTES).
limit_request_line = 8190

# The heartbeat file each worker touches; in memory where available, so that a slow or
# full disk cannot make the arbiter think a worker hangs.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()

# Access log on standard output, for the process manager to collect. Without the client
# address and user agent: the service keeps no personal data about its readers. Each line
# has the time, the request line, the status, the size and the time taken in ms. The
# request line has the path only, not the query string (what a reader typed, or a token
# sent in a URL), unless SEARCH_SERVICE_ACCESS_LOG_QUERIES is on (see access_log).
accesslog = os.environ.get("SEARCH_SERVICE_ACCESS_LOG") or "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(B)s %(M)sms'
logger_class = "search_service.web.access_log.AccessLog"
errorlog = "-"
loglevel = os.environ.get("SEARCH_SERVICE_LOG_LEVEL") or "info"

# The name in `ps` and `top`.
proc_name = "search-service"

# gunicorn's control socket lives at one path per user ($HOME/.gunicorn/gunicorn.ctl), so
# two instances on a machine (the service, a test run, a benchmark) would take it from each
# other. The service is managed by signals (HUP reloads, TERM stops) instead.
control_socket_disable = True
