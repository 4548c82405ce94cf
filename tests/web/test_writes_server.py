"""The write API under the real gunicorn: parallel writes through several workers, every
gunicorn process killed (kill -9) right after a write is answered, and the writer process
killed (kill -9) while writes stream in."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

from search_service.index import writing

from ..records import article
from .conftest import APP, ROOT, free_port, stop, wait_until_up
from .test_writes import AUTH, TOKEN

pytestmark = pytest.mark.slow


class Service:
    """gunicorn with the write API on, over `index`; started and killed by the tests."""

    def __init__(self, index: Path, folder: Path, workers: int, **settings):
        self.index, self.folder, self.workers = index, folder, workers
        self.settings = {f"SEARCH_SERVICE_{name}": str(v) for name, v in settings.items()}
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "Service":
        port = free_port()
        env = os.environ | self.settings
        env |= {
            "SEARCH_SERVICE_INDEX": str(self.index),
            "SEARCH_SERVICE_SEARCH_LOG": "off",
            "SEARCH_SERVICE_BIND": f"127.0.0.1:{port}",
            "SEARCH_SERVICE_WORKERS": str(self.workers),
            "SEARCH_SERVICE_WRITE_TOKEN": TOKEN,
        }
        with (self.folder / "gunicorn.log").open("a") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "python:search_service.web.gunicorn_conf",
                    APP,
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        self.url = f"http://127.0.0.1:{port}"
        wait_until_up(self.url + "/health", self.process)
        # The first worker may answer before the arbiter has forked the others.
        deadline = time.monotonic() + 30
        while len(children(self.process.pid)) < self.workers + 1:
            assert time.monotonic() < deadline, "gunicorn did not start all its workers"
            time.sleep(0.05)
        return self

    def kill_everything(self) -> None:
        """kill -9 the arbiter and every worker, at once."""
        pids = [self.process.pid, *children(self.process.pid)]
        assert len(pids) == 1 + self.workers + 1  # the arbiter, its workers, the writer
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.process.wait()
        for pid in pids[1:]:
            while Path(f"/proc/{pid}").exists() and state(pid) != "Z":
                time.sleep(0.01)

    def writer(self) -> int | None:
        """The pid of the writer process, a child of the arbiter."""
        for pid in children(self.process.pid):
            with contextlib.suppress(OSError):
                if b"search_service.ingest.committer" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
        return None

    def request(self, method: str, path: str, body=None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = AUTH | ({"Content-Type": "application/json"} if data else {})
        ask = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(ask, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())


def children(pid: int) -> list[int]:
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and parent(int(entry.name)) == pid
    ]


def parent(pid: int) -> int | None:
    try:
        # The command name in parentheses may hold spaces; the fields after it do not.
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_parallel_writes_through_three_workers_are_all_kept(index, tmp_path):
    service = Service(index, tmp_path, workers=3).start()
    try:

        def write(number: int) -> tuple[int, dict]:
            if number % 3:
                records = [article(number * 10 + k) for k in range(3)]
                return service.request("POST", "/api/articles?refresh=wait_for", records)
            path = f"/api/articles/a{number * 10}?refresh=wait_for"
            return service.request("PUT", path, article(number * 10))

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(write, range(30)))
        assert {status for status, _ in answers} == {200}
        written = {r["id"] for _, body in answers for r in body["results"]}
        assert {r["status"] for _, body in answers for r in body["results"]} == {"added"}
        assert len(written) == 70
        assert service.request("GET", "/health")[1]["articles"] == 48 + 70
        for article_id in sorted(written):
            assert service.request("GET", f"/api/articles/{article_id}")[0] == 200
        query = quote("Hội nghị giao ban công tác tuyên giáo số 170")
        _, found = service.request("GET", f"/api/search?q={query}")
        assert found["hits"][0]["id"] == "a170"
    finally:
        stop(service.process)


def test_an_acknowledged_write_survives_kill_9_of_every_gunicorn_process(index, tmp_path):
    record = article(1, title="Khánh Hòa khai trương bảo tàng yến sào", body="Bảo tàng mới.")
    service = Service(index, tmp_path, workers=2, WRITE_WAIT=0.5).start()
    try:
        # Answered once durable in the queue, before its commit.
        status, _ = service.request("POST", "/api/articles", record)
        service.kill_everything()
    except BaseException:
        stop(service.process)  # no server left behind by a failure
        raise
    assert status == 202

    # A write queued (202) while the CLI holds the index, then everything killed: applied
    # by the next start, before the first write.
    service.start()
    try:
        status, stored = service.request("GET", "/api/articles/a1")
        assert (status, stored["title"]) == (200, record["title"])
        with writing.writer(index):
            status, queued = service.request("DELETE", "/api/articles/a1")
            service.kill_everything()
        assert (status, queued["status"]) == (202, "queued")
    finally:
        stop(service.process)
    service.start()
    try:
        # The first worker applies it as it starts; another may answer a read meanwhile.
        deadline = time.monotonic() + 10
        while service.request("GET", "/api/articles/a1")[0] != 404:
            assert time.monotonic() < deadline, "the queued deletion was not applied at start"
            time.sleep(0.05)
        _, found = service.request("GET", "/api/search?q=bao+tang+yen+sao")
        assert "a1" not in [hit["id"] for hit in found["hits"]]
    finally:
        stop(service.process)
    assert "1 queued write operations applied" in (tmp_path / "gunicorn.log").read_text()


def test_the_writer_process_killed_mid_stream_loses_no_write_and_is_started_again(index, tmp_path):
    service = Service(index, tmp_path, workers=2).start()
    answers: list[tuple[int, dict]] = []
    try:
        first = service.writer()
        assert first is not None

        def stream() -> None:
            for number in range(40):
                answers.append(service.request("POST", "/api/articles", article(number)))
                time.sleep(0.02)

        writing = threading.Thread(target=stream)
        writing.start()
        killed = []
        while writing.is_alive() and len(killed) < 2:
            time.sleep(0.3)
            pid = service.writer()
            if pid is not None and pid not in killed:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        writing.join()
        assert len(killed) == 2 and killed[0] == first
        assert [status for status, _ in answers] == [202] * 40
        deadline = time.monotonic() + 20
        while service.request("GET", "/health")[1]["articles"] != 48 + 40:
            assert time.monotonic() < deadline, "acknowledged writes were not all applied"
            time.sleep(0.1)
        assert [service.request("GET", f"/api/articles/a{n}")[0] for n in range(40)] == [200] * 40
        restarted = service.writer()
        assert restarted is not None and restarted not in killed
    finally:
        stop(service.process)
    log = (tmp_path / "gunicorn.log").read_text()
    assert f"writer process {killed[0]} exited (status " in log
