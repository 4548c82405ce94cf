"""Finding source files and cutting them into units of work, lazily.

A path is a file or a folder (walked recursively, in name order). Each file's format is
detected from its name and first bytes (`--format` overrides); gzip files are read through
transparently, with a bound on how much any one record may inflate to. A JSON Lines file
yields one unit a line; a page file (site text or HTML) yields one unit. Units carry bytes,
not records: decoding and parsing happen in the worker processes, in `parse_unit`.
"""

import dataclasses
import gzip
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import BadRecord
from .html_page import looks_like_html, parse_html_page
from .page_text import parse_page_text

FORMATS = ("jsonl", "page", "html")
MAX_RECORD_BYTES = 16 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".txt": "page",
}


@dataclasses.dataclass
class Unit:
    """One record's worth of a source file: where it came from and its raw bytes."""

    source: str
    line: int | None
    format: str
    payload: bytes
    digest: str = ""


@dataclasses.dataclass(frozen=True)
class Problem:
    """A part of a source that could not be read at all (a missing file, a huge line)."""

    error: BadRecord


def read_paths(
    paths: Iterable[str | os.PathLike], format: str | None = None
) -> Iterator[Unit | Problem]:
    """Yield the units of every file under `paths`, and a Problem for what cannot be read."""
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            files = [path]
        else:
            yield Problem(BadRecord("no such file or folder", str(path)))
            continue
        for file in files:
            try:
                yield from _read_file(file, format)
            except OSError as error:
                yield Problem(BadRecord(f"cannot read: {error.strerror or error}", str(file)))
            except (EOFError, gzip.BadGzipFile) as error:
                yield Problem(BadRecord(f"broken gzip file: {error}", str(file)))


def _open(file: Path):
    with file.open("rb") as raw:
        magic = raw.read(2)
    return gzip.open(file, "rb") if magic == _GZIP_MAGIC else file.open("rb")


def _detect(file: Path, head: bytes) -> str:
    name = file.name.lower().removesuffix(".gz")
    suffix = os.path.splitext(name)[1]
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "jsonl"
    if looks_like_html(head):
        return "html"
    return "page"


def _read_file(file: Path, format: str | None) -> Iterator[Unit | Problem]:
    with _open(file) as stream:
        head = stream.peek(512)[:512] if hasattr(stream, "peek") else b""
        kind = format or _detect(file, head)
        source = str(file)
        if kind == "jsonl":
            yield from _read_lines(stream, source)
            return
        payload = stream.read(MAX_RECORD_BYTES + 1)
        if len(payload) > MAX_RECORD_BYTES:
            yield Problem(BadRecord(f"larger than {MAX_RECORD_BYTES // 2**20} MiB", source))
        elif payload.strip():
            yield Unit(source, None, kind, payload)
        else:
            yield Problem(BadRecord("empty file", source))


def _read_lines(stream, source: str) -> Iterator[Unit | Problem]:
    number = 0
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        number += 1
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            # Skip the rest of an oversized line without holding it in memory.
            while (rest := stream.readline(MAX_RECORD_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield Problem(
                BadRecord(f"line longer than {MAX_RECORD_BYTES // 2**20} MiB", source, number)
            )
        elif line.strip():
            yield Unit(source, number, "jsonl", line)


def parse_unit(unit: Unit) -> dict:
    """The record held by a unit; BadRecord (with file and line) when it holds none."""
    try:
        if unit.format == "jsonl":
            return json.loads(unit.payload.decode("utf-8").rstrip())
        if unit.format == "html":
            return parse_html_page(unit.payload, unit.source)
        return parse_page_text(unit.payload.decode("utf-8-sig"), unit.source)
    except UnicodeDecodeError as error:
        raise BadRecord(
            f"undecodable bytes at byte {error.start} (not UTF-8)", unit.source, unit.line
        ) from None
    except json.JSONDecodeError as error:
        # A line of JSON Lines is one line; a body of the write API may be several.
        where = f"line {error.lineno} column" if error.lineno > 1 else "column"
        raise BadRecord(
            f"invalid JSON: {error.msg} at {where} {error.colno}", unit.source, unit.line
        ) from None
    except ValueError:
        if unit.format != "jsonl":
            raise
        # Python refuses to convert integers of more than 4,300 digits (a denial of service).
        raise BadRecord("invalid JSON: a number too long to read", unit.source, unit.line) from None
    except RecursionError:
        raise BadRecord("nested too deeply", unit.source, unit.line) from None
    except BadRecord as error:
        raise BadRecord(error.reason, unit.source, unit.line) from None
