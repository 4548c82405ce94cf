"""The writer process: commits the write API's queue, so that no web worker ever does.

    web workers: check, append to the queue (durable), answer
    writer process (this module, one per service): every REFRESH_SECONDS, analyze and
        apply every pending operation in one commit (Elasticsearch's refresh); when
        nothing is pending and commits have left small segments, merge them
    Supervisor (a thread of gunicorn's arbiter): starts the writer process, starts it
        again if it dies, stops it with the service

A commit is a new index generation, which every worker then opens: committing once an
interval, whatever the number of writes in it, bounds that cost, and a write is searchable
within REFRESH_SECONDS plus a commit. Commits merge nothing; merges are commits of their
own, made when no write waits, so that a write never waits for one.

The writer process exits when its parent does (the arbiter killed with -9 leaves no writer
behind); a writer killed at any moment leaves the index at its last commit and its
operations in the queue, for the next one.
"""

import argparse
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import IndexBusy, SearchServiceError
from ..index import writing
from ..text import segmentation
from . import write_queue

# How often pending writes are committed, in seconds.
REFRESH_SECONDS = 0.5
# How often the supervisor looks whether the writer process still runs, in seconds.
SUPERVISE_SECONDS = 0.2
# A writer that exits within this time of its start is started again only after it.
RESTART_SECONDS = 1.0


def run(
    index: Path, refresh: float = REFRESH_SECONDS, running: Callable[[], bool] = lambda: True
) -> None:
    """Commit the queue of the index at `index` every `refresh` seconds while `running()`."""
    queue = write_queue.WriteQueue(index)
    merge_due = True
    try:
        while running():
            started = time.monotonic()
            try:
                if queue.pending():
                    merge_due |= write_queue.drain(queue, merge=False) > 0
                elif merge_due:
                    merge_due = writing.merge_small(index)
            except IndexBusy:
                pass  # the CLI's ingest holds the index: it applies the queue itself
            except SearchServiceError as error:
                # A full disk, a damaged index: the writes stay queued; tried again.
                print(f"writer process: {error.message}", file=sys.stderr, flush=True)
                time.sleep(max(refresh, 1.0))
            time.sleep(max(0.0, started + refresh - time.monotonic()))
    finally:
        queue.close()


class Supervisor:
    """Runs the writer process of an index, starting it again whenever it dies."""

    def __init__(self, index: Path, log: Callable[[str], None] = print):
        self.index, self.log = index, log
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="writer", daemon=True)

    def start(self) -> "Supervisor":
        self.process = self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "search_service.ingest.committer", str(self.index)]
        process = subprocess.Popen([*command, "--parent", str(os.getpid())])
        self.log(f"writer process started (pid {process.pid})")
        return process

    def _supervise(self) -> None:
        process, started = self.process, time.monotonic()
        assert process is not None, "start() spawns the process before supervising it"
        while not self._stopping.wait(SUPERVISE_SECONDS):
            # gunicorn's arbiter reaps any child that exits; poll() then reads 0.
            status = process.poll()
            if status is None:
                continue
            self.log(f"writer process {process.pid} exited (status {status}): restarting")
            if self._stopping.wait(max(0.0, started + RESTART_SECONDS - time.monotonic())):
                break
            started = time.monotonic()
            self.process = process = self._spawn()

    def stop(self) -> None:
        """Stop the writer process (its commit in progress is atomic either way)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The writer process of the write API.")
    parser.add_argument("index", type=Path)
    parser.add_argument("--parent", type=int, help="exit when this process is gone")
    args = parser.parse_args(argv)
    segmentation.load_model()
    parent = args.parent
    with contextlib.suppress(KeyboardInterrupt):
        run(args.index, running=lambda: parent is None or os.getppid() == parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
