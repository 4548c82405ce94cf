"""Fixtures of the web tests: the app over the sample index, its test client, and the
real service (gunicorn) on a copy of the sample index, for the HTTP and browser tests; the
same over an index of hostile articles (markup, script URLs, formulas in every field)."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from search_service.ingest import pipeline
from search_service.web import create_app, resources

from ..hostile import hostile_records
from ..records import article, write_jsonl

ROOT = Path(__file__).resolve().parents[2]
APP = "search_service.web:create_app()"
# The staff password of the test apps and servers, and the header that carries it.
STAFF_TOKEN = "can-bo-quan-tri-2024"
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}


def app_over(index: Path, log_folder: Path, **settings):
    """The app in testing mode over `index`, its search counts in `log_folder`."""
    config = {
        "TESTING": True,
        "INDEX": str(index),
        "SEARCH_LOG": str(log_folder / "searches.sqlite3"),
        "STAFF_TOKEN": STAFF_TOKEN,
    }
    return create_app(config | settings)


@pytest.fixture(scope="session")
def app(sample_index, tmp_path_factory):
    """The app over the sample index, shared by the tests that only read."""
    made = app_over(sample_index, tmp_path_factory.mktemp("log"))
    yield made
    resources.close(made)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_app(sample_index, tmp_path):
    """A factory of apps with settings of their own (closed after the test)."""
    made = []

    def make(**settings):
        made.append(app_over(sample_index, tmp_path, **settings))
        return made[-1]

    yield make
    for each in made:
        resources.close(each)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_routes(app) -> list[str]:
    """Every GET route of the app, as its rule (`/api/articles/<article_id:article_id>`)."""
    return sorted(rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods)


def fetch(
    url: str,
    method: str = "GET",
    data: bytes | None = None,
    timeout: float = 5.0,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict, bytes]:
    """Ask the real service: status, headers and body, errors included."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class LiveServer:
    """gunicorn serving an index on a free loopback port, and its log file."""

    def __init__(self, index: Path, url: str, log: Path):
        self.index, self.url, self.log = index, url, log


@contextlib.contextmanager
def running_service(index: Path, folder: Path, app: str = APP, **environment: str):
    """gunicorn, started as the README says, serving `index` on a free loopback port;
    yields its URL. Its log is `folder`/gunicorn.log."""
    port = free_port()
    env = os.environ | {
        "SEARCH_SERVICE_INDEX": str(index),
        "SEARCH_SERVICE_SEARCH_LOG": str(folder / "searches.sqlite3"),
        "SEARCH_SERVICE_BIND": f"127.0.0.1:{port}",
        "SEARCH_SERVICE_WORKERS": "2",
        "SEARCH_SERVICE_STAFF_TOKEN": STAFF_TOKEN,
        **environment,
    }
    with (folder / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:search_service.web.gunicorn_conf",
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url + "/health", process)
            yield url
        finally:
            stop(process)


@pytest.fixture(scope="session")
def live_server(sample_index, tmp_path_factory):
    """The real service on its own copy of the sample index (the tests write to it)."""
    folder = tmp_path_factory.mktemp("live")
    index = folder / "index"
    shutil.copytree(sample_index, index)
    with running_service(index, folder) as url:
        yield LiveServer(index, url, folder / "gunicorn.log")


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory) -> Path:
    """An index of hostile articles (tests/hostile.py) beside a few ordinary ones."""
    folder = tmp_path_factory.mktemp("hostile")
    records = hostile_records() + [article(n) for n in range(1, 4)]
    summary = pipeline.ingest([write_jsonl(folder / "hostile.jsonl", records)], folder / "index")
    assert summary.skipped == 0, summary.problems
    return folder / "index"


@pytest.fixture(scope="session")
def hostile_app(hostile_index, tmp_path_factory):
    """The app over the hostile index."""
    made = app_over(hostile_index, tmp_path_factory.mktemp("hostile-log"))
    yield made
    resources.close(made)


@pytest.fixture(scope="session")
def hostile_server(hostile_index, tmp_path_factory):
    """gunicorn over the hostile index, with FLASK_DEBUG=1 left in its environment (it must
    not turn debug mode on) and the app of tests/web/broken_app.py, which fails as a bug
    would on two routes of its own. Its search statistics show what one reader searched."""
    folder = tmp_path_factory.mktemp("hostile-live")
    with running_service(
        hostile_index,
        folder,
        "tests.web.broken_app:create_app()",
        FLASK_DEBUG="1",
        SEARCH_SERVICE_SEARCH_LOG_MIN_VISITORS="1",
    ) as url:
        yield LiveServer(hostile_index, url, folder / "gunicorn.log")
