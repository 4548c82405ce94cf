"""Fixtures of the web tests: the app over the sample index, its test client, and the
real service (gunicorn) on a copy of the sample index, for the HTTP and browser tests."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from search_service.web import create_app, resources

ROOT = Path(__file__).resolve().parents[2]
APP = "search_service.web:create_app()"


@pytest.fixture(scope="session")
def app(sample_index, tmp_path_factory):
    """The app over the sample index, shared by the tests that only read."""
    made = create_app(
        {
            "TESTING": True,
            "INDEX": str(sample_index),
            "SEARCH_LOG": str(tmp_path_factory.mktemp("log") / "searches.sqlite3"),
        }
    )
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
        config = {
            "TESTING": True,
            "INDEX": str(sample_index),
            "SEARCH_LOG": str(tmp_path / "searches.sqlite3"),
        }
        made.append(create_app(config | settings))
        return made[-1]

    yield make
    for each in made:
        resources.close(each)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    """gunicorn serving a copy of the sample index on a free loopback port."""

    def __init__(self, index: Path, url: str, process: subprocess.Popen):
        self.index, self.url, self.process = index, url, process


@contextlib.contextmanager
def gunicorn(index: Path, folder: Path):
    """The real service, started as the README says, over `index` on a free loopback port
    (its log and search counts in `folder`)."""
    port = free_port()
    env = os.environ | {
        "SEARCH_SERVICE_INDEX": str(index),
        "SEARCH_SERVICE_SEARCH_LOG": str(folder / "searches.sqlite3"),
        "SEARCH_SERVICE_BIND": f"127.0.0.1:{port}",
        "SEARCH_SERVICE_WORKERS": "2",
    }
    with (folder / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", APP],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url + "/health", process)
            yield LiveServer(index, url, process)
        finally:
            stop(process)


@pytest.fixture(scope="session")
def live_server(sample_index, tmp_path_factory):
    """The real service on its own copy of the sample index (the tests write to it)."""
    folder = tmp_path_factory.mktemp("live")
    index = folder / "index"
    shutil.copytree(sample_index, index)
    with gunicorn(index, folder) as server:
        yield server
