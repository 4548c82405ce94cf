"""A handful of clients cannot stall the service: connections that send nothing, and
slowloris clients that send their headers a byte a second, against gunicorn as
its settings module runs it, and against the real nginx (Debian's) with the configuration
`search-service deploy nginx` prints, in front of it.

Regression (issue 13): with sync workers, 3 idle connections held every worker until the
120 s worker timeout, and 50 slow clients kept a search from being answered for minutes.
"""

import contextlib
import dataclasses
import getpass
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from search_service.web import deploy

from .conftest import STAFF, fetch, free_port, running_service, stop, wait_until_up

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
SEARCH = "/api/search?q=" + quote("hội nghị giao ban")
# A search answers in well under a second here; stalled, it waited 120 s or more.
PROMPTLY = 5.0
DRIP = b"GET /?q=hoi HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"a" * 1000


class Attack:
    """`count` connections to `url`'s address: idle, or dripping headers a byte a second."""

    def __init__(self, url: str, count: int, drip: bool):
        parts = urlsplit(url)
        self.address, self.count, self.drip = (parts.hostname, parts.port), count, drip
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Attack":
        self.sockets = [socket.create_connection(self.address, 5) for _ in range(self.count)]
        self._thread.start()
        time.sleep(1.0)  # accepted, and the slow ones have sent their first bytes
        return self

    def _run(self) -> None:
        for sent in range(len(DRIP)):
            if not self.drip or self._stop.is_set():
                return
            for each in self.sockets:
                with contextlib.suppress(OSError):
                    each.send(DRIP[sent : sent + 1])
            self._stop.wait(1.0)

    def open_connections(self) -> int:
        """How many of the attack's connections the server has not closed."""
        count = 0
        for each in self.sockets:
            each.setblocking(False)
            try:
                count += each.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                count += 1
            except OSError:
                pass
        return count

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        for each in self.sockets:
            each.close()


def timed_search(url: str) -> tuple[int, float]:
    started = time.monotonic()
    status, _, body = fetch(url + SEARCH, timeout=30)
    assert json.loads(body)["total"] > 0
    return status, time.monotonic() - started


@dataclasses.dataclass(frozen=True)
class Front:
    """nginx in front of the service: its URL, and the folder of its logs."""

    url: str
    folder: Path


@pytest.fixture(scope="module")
def service(sample_index, tmp_path_factory):
    """gunicorn as its settings module runs it, behind a proxy on this machine."""
    folder = tmp_path_factory.mktemp("front")
    index = folder / "index"
    shutil.copytree(sample_index, index)
    with running_service(
        index,
        folder,
        SEARCH_SERVICE_PROXY_HOPS="1",
        SEARCH_SERVICE_PUBLIC_URL="https://tim-kiem.example.vn/",
        SEARCH_SERVICE_SEARCH_LOG_MIN_VISITORS="2",
    ) as url:
        yield url


@pytest.fixture(scope="module")
def nginx(service, tmp_path_factory):
    """Debian's nginx with the shipped site configuration (plain HTTP on a loopback port)
    in front of the service."""
    if not NGINX:
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run does, as root)")
    folder = tmp_path_factory.mktemp("nginx")
    listen = f"127.0.0.1:{free_port()}"
    site = deploy.Site(
        server_name="localhost",
        upstream=urlsplit(service).netloc,
        plain_http=listen,
        log_folder=str(folder),
    )
    temp = "\n".join(f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy"))
    (folder / "nginx.conf").write_text(
        f"user {getpass.getuser()};\n"
        f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\n"
        "events { worker_connections 512; }\n"
        f"http {{\n    include /etc/nginx/mime.types;\n{temp}\n" + deploy.nginx_site(site) + "}\n"
    )
    with (folder / "nginx.out").open("w") as out:
        process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
            stdout=out,
            stderr=out,
        )
        try:
            wait_until_up(f"http://{listen}/health", process, seconds=30)
            yield Front(f"http://{listen}", folder)
        finally:
            stop(process)


def test_a_search_answers_through_nginx_with_its_static_files(nginx):
    status, headers, body = fetch(nginx.url + SEARCH)
    assert status == 200
    assert json.loads(body)["hits"][0]["id"] == "dl-2022-an-ninh-tu-tuong-q1"
    assert headers["Server"].startswith("nginx")
    status, headers, body = fetch(nginx.url + "/static/style.css")
    assert status == 200 and headers["Content-Type"] == "text/css"
    assert body == (deploy.static_folder() / "style.css").read_bytes()
    # The absolute URLs are the configured public address, whatever Host came.
    _, _, body = fetch(nginx.url + "/opensearch.xml")
    assert 'template="https://tim-kiem.example.vn/?q={searchTerms}"' in body.decode()


def test_the_access_log_of_nginx_has_no_query_strings(nginx):
    fetch(nginx.url + "/api/search?q=" + quote("số nhà 12 ngõ 5"))
    lines = (nginx.folder / "search-service.access.log").read_text().splitlines()
    searches = [line for line in lines if '"GET /api/search HTTP/1.1" 200' in line]
    assert searches and not [line for line in lines if "?" in line or "127.0.0.1" in line]


def test_readers_are_told_apart_by_the_address_nginx_saw_not_the_one_they_claim(nginx):
    # Two readers (SEARCH_LOG_MIN_VISITORS=2) would show the query; one reader claiming two
    # addresses in X-Forwarded-For is still one, since nginx replaces the header.
    for claimed in ("203.0.113.1", "203.0.113.2"):
        url = nginx.url + "/api/search?q=ong+gia+mao"
        assert fetch(url, headers={"X-Forwarded-For": claimed})[0] == 200
    status, _, body = fetch(nginx.url + "/api/searches?days=1", headers=STAFF)
    assert status == 200
    assert "ong gia mao" not in [row["query"] for row in json.loads(body)["frequent"]]


@pytest.mark.parametrize(("count", "drip"), [(3, False), (50, True)], ids=["idle", "slowloris"])
@pytest.mark.parametrize("front", ["gunicorn", "nginx"])
def test_a_search_answers_promptly_while_attackers_hold_connections(request, front, count, drip):
    url = request.getfixturevalue("service" if front == "gunicorn" else "nginx")
    url = url if front == "gunicorn" else url.url
    with Attack(url, count, drip) as attack:
        status, took = timed_search(url)
        held = attack.open_connections()
    assert status == 200
    assert took < PROMPTLY, f"a search took {took:.1f} s while {count} clients attacked"
    # The search answered while the attack still held its connections.
    assert held == count


def test_the_tls_site_is_one_nginx_accepts(tmp_path):
    if not NGINX or not shutil.which("openssl"):
        pytest.skip("nginx or openssl is not installed (apt-get install nginx openssl)")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=tim-kiem.example.vn", "-keyout", str(tmp_path / "key.pem")),
            *("-out", str(tmp_path / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    site = deploy.Site(
        certificate=str(tmp_path / "cert.pem"),
        certificate_key=str(tmp_path / "key.pem"),
        log_folder=str(tmp_path),
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n{deploy.nginx_site(site)}}}\n"
    )
    tested = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stderr
    assert "listen 443 ssl;" in deploy.nginx_site(site)
    assert "return 301 https://tim-kiem.example.vn$request_uri;" in deploy.nginx_site(site)


def test_the_systemd_unit_runs_this_installation_behind_the_proxy():
    unit = deploy.systemd_unit(deploy.Site(server_name="tin.example.vn"), user="tim-kiem")
    lines = unit.splitlines()
    assert f"ExecStart={sys.executable} -m search_service serve" in lines
    assert "User=tim-kiem" in lines and "WorkingDirectory=/var/lib/tim-kiem" in lines
    assert "Environment=SEARCH_SERVICE_INDEX=/var/lib/tim-kiem/index" in lines
    assert "Environment=SEARCH_SERVICE_BIND=127.0.0.1:8000" in lines
    assert "Environment=SEARCH_SERVICE_PUBLIC_URL=https://tin.example.vn/" in lines
    assert "Environment=SEARCH_SERVICE_PROXY_HOPS=1" in lines
    assert "ExecReload=/bin/kill -HUP $MAINPID" in lines
    assert "EnvironmentFile=-/etc/search-service/secrets.env" in lines


def test_the_deploy_command_prints_the_configuration():
    done = subprocess.run(
        [sys.executable, "-m", "search_service", "deploy", "nginx", "--server-name", "tin.vn"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout == deploy.nginx_site(deploy.Site(server_name="tin.vn"))
