"""The service's guards on every route: no debug mode nor traceback outside `--dev`, even
with FLASK_DEBUG in the environment; no request value becomes a path: article ids and
static file names cannot leave their folders (checked by watching every file the app
opens); and no address redirects. The security headers are in test_security.py."""

import socket
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import pytest

import search_service
from search_service.search import searching as search_module
from search_service.web import errors, templates_folder
from search_service.web.security import HEADERS

from ..hostile import PAGES
from .broken_app import SECRET
from .conftest import STAFF, fetch
from .html import page
from .test_security import assert_headers


def test_flask_debug_in_the_environment_does_not_turn_debug_mode_on(make_app, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")

    def broken(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(search_module, "_search", broken)
    app = make_app()
    assert app.debug is False
    response = app.test_client().get("/api/search?q=gỡ lỗi")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and SECRET not in body


@pytest.mark.slow
def test_a_bug_under_gunicorn_answers_the_error_shape_without_details(hostile_server):
    status, headers, body = fetch(hostile_server.url + "/api/broken")
    assert status == 500
    assert headers["Content-Type"] == "application/json"
    text = body.decode()
    assert "Traceback" not in text and SECRET not in text and "RuntimeError" not in text
    assert errors.MESSAGES_VI["internal_error"] in text
    assert headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]
    status, headers, body = fetch(hostile_server.url + "/broken")
    assert status == 500 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert SECRET not in body.decode() and errors.MESSAGES_VI["internal_error"] in body.decode()
    # The details are for the operator: in the log, with the traceback.
    deadline = time.monotonic() + 5
    while SECRET not in hostile_server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = hostile_server.log.read_text()
    assert "Traceback" in log and f"RuntimeError: {SECRET}" in log


class Opened:
    """Records the files this process opens while recording (a Python audit hook)."""

    _installed = False
    _lock = threading.Lock()
    paths: list[str] | None = None

    @classmethod
    def recording(cls) -> "Opened":
        if not cls._installed:
            sys.addaudithook(cls._hook)  # cannot be removed: records only when asked
            cls._installed = True
        return cls()

    @classmethod
    def _hook(cls, event, args):
        if event == "open" and cls.paths is not None and isinstance(args[0], (str, bytes)):
            cls.paths.append(args[0] if isinstance(args[0], str) else args[0].decode())

    def __enter__(self) -> list[str]:
        Opened.paths = []
        return Opened.paths

    def __exit__(self, *exc) -> None:
        Opened.paths = None


TRAVERSALS = [
    "/static/../setup.cfg",
    "/static/..%2Fsetup.cfg",
    "/static/%2e%2e/%2e%2e/setup.cfg",
    "/static/..%5C..%5Csetup.cfg",
    "/static/%2Fetc%2Fpasswd",
    "/static//etc/passwd",
    "/static/style.css%00.html",
    "/articles/..%2F..%2F..%2Fetc%2Fpasswd",
    "/articles/%2Fetc%2Fpasswd",
    "/articles/..%5C..%5Csetup.cfg",
    "/articles/setup.cfg%00",
    "/api/articles/..%2F..%2Fsetup.cfg",
    "/api/articles/%00/related",
    "/?related_to=..%2F..%2Fsetup.cfg",
    "/search.csv?related_to=%2Fetc%2Fpasswd",
]


def test_no_request_value_becomes_a_path_outside_the_service_folders(make_app, sample_index):
    app = make_app()  # its own search log: the hostile queries are not shown to other tests
    client = app.test_client()
    # Opened once, outside the recording: the index, the templates, the modules a search
    # imports (pyvi's model, on the first query), and Python's table of file types
    # (/etc/mime.types, on the first static file). Run alone, the test met them all.
    client.get("/?q=hoi+nghi+giao+ban")
    client.get("/static/style.css").close()
    allowed = [
        sample_index,  # the index
        templates_folder(),  # pages and static files
        Path(search_service.__file__).parent,  # code and data of the package
        Path(app.extensions["search_service.search_log"].path).parent,
        *(Path(p) for p in sysconfig.get_paths().values()),  # Python and its packages
    ]
    allowed = [folder.resolve() for folder in allowed]
    with Opened.recording() as opened:
        for url in TRAVERSALS + list(PAGES):
            with client.get(url, headers=STAFF) as response:
                assert response.status_code in (200, 400, 404), url
                assert b"root:" not in response.data and b"[metadata]" not in response.data
        with client.get("/static/style.css") as response:  # the recording sees files opened
            assert response.status_code == 200
    assert str(templates_folder() / "static" / "style.css") in opened
    for path in map(Path, opened):
        assert any(path.resolve().is_relative_to(folder) for folder in allowed), path


@pytest.mark.slow
def test_traversals_through_gunicorn_find_nothing(live_server):
    host, port = live_server.url.removeprefix("http://").split(":")
    for target in (
        "/static/../setup.cfg",
        "/static/../../../../etc/passwd",
        "/articles/../setup.cfg",
    ):
        # Sent as typed: urllib and browsers would resolve the dots before sending.
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            raw.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := raw.recv(65536):
                answer += chunk
        status = int(answer.split(b" ", 2)[1])
        assert status == 404, (target, answer[:200])
        assert b"root:" not in answer and b"[metadata]" not in answer


@pytest.mark.slow
def test_command_line_ids_are_looked_up_never_opened(sample_index, tmp_path):
    for command in (["show", "../../../etc/passwd"], ["search", "--related-to", "/etc/passwd"]):
        done = subprocess.run(
            [sys.executable, "-m", "search_service", *command, "--index", str(sample_index)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert "root:" not in done.stdout and "Traceback" not in done.stderr
    assert done.returncode == 0 and done.stdout.startswith("0 results")
    assert list(tmp_path.iterdir()) == []


def test_the_pages_of_hostile_articles_keep_their_headers(hostile_app):
    client = hostile_app.test_client()
    for url in PAGES:
        response = client.get(url, headers=STAFF)
        assert_headers(response)
        assert page(response).xpath("//script/@src") == ["/static/searchbox.js"]


# Regression: werkzeug merged `//` in a path and redirected (308) to an address built from
# what the client sent; an id holding `//` was changed on the way.
@pytest.mark.parametrize("url", ["/api/articles//related", "/articles//x", "/static//style.css"])
def test_no_address_redirects(client, url):
    with client.get(url) as response:
        assert response.status_code == 404
        assert "Location" not in response.headers
