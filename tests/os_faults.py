"""Real faults of the operating system, for tests: a disk that fills, a folder that cannot
be written, a file size limit.

CI runs as root in a container, where permissions block nothing: these are faults the
kernel raises for root too. Each one checks that it took effect and skips the test, saying
why, where the facility is missing (mounting needs CAP_SYS_ADMIN, the immutable attribute
CAP_LINUX_IMMUTABLE and a file system that has it). The file size limit needs nothing.
"""

import contextlib
import errno
import os
import resource
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from search_service.index import store
from search_service.search.catalog import Catalog


def _run(*command: str) -> str | None:
    """Run a command; its error output if it failed, None if it worked."""
    if shutil.which(command[0]) is None:
        return f"no {command[0]} command"
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if result.returncode == 0:
        return None
    return (result.stderr.strip().splitlines() or [f"status {result.returncode}"])[0]


@contextlib.contextmanager
def small_disk(folder: Path, size: int):
    """A tmpfs of `size` bytes mounted at `folder`, which the test can fill."""
    folder.mkdir(parents=True, exist_ok=True)
    failed = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    if failed:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs CAP_SYS_ADMIN): {failed}")
    try:
        yield folder
    finally:
        # Lazily: should a file still be open, the mount goes when it is closed.
        assert _run("umount", "--lazy", str(folder)) is None


def resize(disk: Path, size: int) -> None:
    """Give the tmpfs at `disk` a new size."""
    assert _run("mount", "-o", f"remount,size={size}", str(disk)) is None


def fill(disk: Path) -> Path:
    """Write a file on `disk` until it is full (ENOSPC); the file."""
    filler = disk / "filler"
    block = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        with contextlib.suppress(OSError):
            while True:
                out.write(block)
        # The last partial block: fill to the byte.
        with contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 512)
    assert not _writable(disk), "the disk is not full"
    return filler


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` unwritable for every process, root included: mounted read-only over itself,
    else given the immutable attribute; for a user other than root, without write
    permission."""
    undo = None
    if _run("mount", "--bind", str(folder), str(folder)) is None:
        if _run("mount", "-o", "remount,bind,ro", str(folder)) is None:
            undo = ("umount", "--lazy", str(folder))
        else:
            _run("umount", str(folder))
    if undo is None and _run("chattr", "+i", str(folder)) is None:
        undo = ("chattr", "-i", str(folder))
    if undo is None and os.geteuid() != 0 and _run("chmod", "a-w", str(folder)) is None:
        undo = ("chmod", "u+w", str(folder))
    if undo is None or _writable(folder):
        if undo:
            _run(*undo)
        pytest.skip(
            "cannot make a folder read-only for root here: a read-only bind mount needs "
            "CAP_SYS_ADMIN, the immutable attribute CAP_LINUX_IMMUTABLE"
        )
    try:
        yield folder
    finally:
        assert _run(*undo) is None


def _writable(folder: Path) -> bool:
    probe = folder / ".write-probe"
    try:
        probe.write_bytes(b"x" * 4096)
    except OSError as error:
        assert error.errno in (errno.ENOSPC, errno.EROFS, errno.EPERM, errno.EACCES)
        with contextlib.suppress(OSError):
            probe.unlink()
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def file_size_limit(size: int):
    """No file may grow past `size` bytes in this process and those it forks (RLIMIT_FSIZE):
    such a write fails with EFBIG. SIGXFSZ, which would kill the process, is ignored."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def limit_file_size(size: int):
    """A `preexec_fn` for subprocess: the child's files may not grow past `size` bytes."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def held_by_deleted_files(disk: Path) -> int:
    """Bytes of the tmpfs at `disk` that no file in it accounts for: the space of deleted
    files that a process still holds open."""
    status = os.statvfs(disk)
    used = (status.f_blocks - status.f_bfree) * status.f_frsize
    return used - sum(path.stat().st_blocks * 512 for path in disk.rglob("*") if path.is_file())


def leftovers(index: Path) -> set[str]:
    """The files in the index folder that its last commit does not use: what a killed or
    failed writer left behind."""
    catalog = Catalog(index)
    try:
        used = set(catalog.current().snapshot.files) | {store.LOCK_FILE}
    finally:
        catalog.close()
    return set(os.listdir(index)) - used
