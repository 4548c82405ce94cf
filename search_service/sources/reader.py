"""Finding source files and cutting them into units of work, lazily.

A path is a file or a folder (walked recursively, in name order). Each file's format is
detected from its name and first bytes (`--format` overrides). A JSON Lines file yields one
unit a line; a page file (site text or HTML) yields one unit. Units carry bytes, not
records: decoding and parsing happen in the worker processes, in `parse_unit`.

Nothing a file holds can make the reader hold much of it in memory or read it for ever:
a unit is at most `MAX_RECORD_BYTES` (a longer line is skipped by reading on to its end in
bounded pieces); a file with NUL bytes among its first bytes is binary data, refused whole
rather than line by line; gzip files are inflated as they are read, and refused as a
"zip bomb" once they have inflated past `BOMB_FLOOR` to more than `BOMB_RATIO` times the
compressed bytes read (text inflates 3 to 5 times; a bomb of zeros, a thousand).
"""

import codecs
import dataclasses
import gzip
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import BadRecord
from .html_page import looks_like_html, parse_html_page
from .page_text import parse_page_text

FORMATS = ("jsonl", "page", "html")
MAX_RECORD_BYTES = 16 * 1024 * 1024
BOMB_RATIO = 100
BOMB_FLOOR = 16 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_HEAD_BYTES = 8192
_BUFFER_BYTES = 1024 * 1024
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
            except BadRecord as error:
                yield Problem(error)
            except OSError as error:
                yield Problem(BadRecord(f"cannot read: {error.strerror or error}", str(file)))
            except (EOFError, gzip.BadGzipFile) as error:
                yield Problem(BadRecord(f"broken gzip file: {error}", str(file)))


def _open(file: Path):
    with file.open("rb") as raw:
        magic = raw.read(2)
    if magic == _GZIP_MAGIC:
        return io.BufferedReader(_Inflating(file), _BUFFER_BYTES)
    return file.open("rb", buffering=_BUFFER_BYTES)


class _Inflating(io.RawIOBase):
    """A gzip file's inflated bytes, refused once they outgrow the compressed bytes read."""

    def __init__(self, file: Path):
        self.file = file
        self.compressed = file.open("rb")
        self.inflated = gzip.GzipFile(fileobj=self.compressed, mode="rb")
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self.inflated.readinto(buffer)
        self.count += size
        if self.count > BOMB_FLOOR and self.count > BOMB_RATIO * self.compressed.tell():
            raise BadRecord(
                f"refused: inflates to more than {BOMB_RATIO} times its compressed size "
                f"({self.count // 2**20} MiB from {self.compressed.tell() // 2**10} KiB so far)",
                str(self.file),
            )
        return size

    def close(self) -> None:
        if not self.closed:
            self.inflated.close()
            self.compressed.close()
        super().close()


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
        head = stream.peek(_HEAD_BYTES)[:_HEAD_BYTES]
        source = str(file)
        if _is_binary(head):
            yield Problem(BadRecord("binary data, not text: skipped whole", source))
            return
        kind = format or _detect(file, head)
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


def _is_binary(head: bytes) -> bool:
    # Text in UTF-16 (HTML pages may be) is full of NULs; it starts with its byte-order mark.
    return b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _read_lines(stream, source: str) -> Iterator[Unit | Problem]:
    number = 0
    found = False
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        number += 1
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            _skip_line(stream)
            yield Problem(
                BadRecord(f"line longer than {MAX_RECORD_BYTES // 2**20} MiB", source, number)
            )
            found = True
        elif line.strip():
            yield Unit(source, number, "jsonl", line)
            found = True
    if not found:
        yield Problem(BadRecord("empty file", source))


def _skip_line(stream: io.BufferedReader) -> None:
    """Read on past the end of the current line, a buffer at a time, keeping none of it
    (a cached 1 GiB line takes 0.2 s, an order of magnitude less than `readline` in 16 MiB
    pieces)."""
    while chunk := stream.peek(_BUFFER_BYTES):
        end = chunk.find(b"\n")
        if end >= 0:
            stream.read(end + 1)
            return
        stream.read(len(chunk))


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
