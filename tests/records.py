"""Small article records in real Vietnamese, and a JSON Lines writer, for tests."""

import json
from pathlib import Path


def write_jsonl(path: Path, records: list) -> Path:
    """Write records (dicts, or raw strings for broken lines) as JSON Lines."""
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            line = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
            out.write(line + "\n")
    return path


def article(number: int, **fields) -> dict:
    """A small real-Vietnamese article record."""
    return {
        "id": f"a{number}",
        "title": f"Hội nghị giao ban công tác tuyên giáo số {number}",
        "body": "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban công tác Khoa giáo. "
        f"Đồng chí Lê Hữu Thọ chủ trì hội nghị lần thứ {number}.",
        "date": f"2021-10-{number % 28 + 1:02d}",
        "sector": "Khoa giáo",
        **fields,
    }
