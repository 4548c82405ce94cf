"""Article records in real Vietnamese, and a JSON Lines writer, for tests."""

import json
from pathlib import Path

from search_service.text.normalize import normalize, normalize_line

SAMPLES = Path(__file__).resolve().parents[1] / "search_service" / "samples"


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


def bulletins(count: int) -> list[dict]:
    """`count` articles made of the bundled samples under new ids: a sample's title, sector
    and date with one paragraph of the samples each, normalized as the index stores them
    (so that stored text can be compared with the record's)."""
    lines = (SAMPLES / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    samples = [json.loads(line) for line in lines]
    paragraphs = [normalize(paragraph) for s in samples for paragraph in s["body"].split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    records = []
    for n in range(count):
        sample = samples[n % len(samples)]
        records.append(
            {
                "id": f"ban-tin-{n:05d}",
                "title": normalize_line(f"{sample['title']} (bản tin số {n})"),
                "body": paragraphs[n % len(paragraphs)],
                "date": sample.get("date"),
                "sector": sample.get("sector"),
            }
        )
    return records
