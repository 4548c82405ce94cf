"""Regenerate search_service/text/data/word_frequencies.tsv from the shared news corpus.

Derived topics score an article's words by how often the article uses them against how
many news articles in general use them (tf-idf with a fixed background). The background is
the document frequency of each pyvi word in a sample of ../shared/corpus/vntc.jsonl.gz:
statistics of the corpus, not its text. Run from the repository root:

    python bench/word_frequencies.py ../shared/corpus/vntc.jsonl.gz 20000
"""

import collections
import gzip
import itertools
import json
import multiprocessing
import re
import sys
from pathlib import Path

from search_service.text.normalize import normalize
from search_service.text.segmentation import JOINER, segment

WORD = re.compile(rf"[^\W_]+(?:{JOINER}[^\W_]+)+")
OUTPUT = (
    Path(__file__).resolve().parents[1]
    / "search_service"
    / "text"
    / "data"
    / "word_frequencies.tsv"
)
MIN_DOCUMENTS = 3
MAX_WORDS = 30_000


def article_words(line: str) -> set[str]:
    record = json.loads(line)
    text = segment(normalize(record["title"] + "\n" + record["body"]))
    return {m.group().replace(JOINER, " ").lower() for m in WORD.finditer(text)}


def main(path: str, count: int) -> None:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        sample = list(itertools.islice(lines, count))
    frequencies: collections.Counter[str] = collections.Counter()
    with multiprocessing.Pool() as pool:
        for words in pool.imap_unordered(article_words, sample, chunksize=50):
            frequencies.update(words)
    common = [(w, n) for w, n in frequencies.most_common(MAX_WORDS) if n >= MIN_DOCUMENTS]
    with OUTPUT.open("w", encoding="utf-8") as out:
        out.write(f"# documents\t{len(sample)}\n")
        out.writelines(f"{word}\t{n}\n" for word, n in common)
    print(f"{len(common)} words from {len(sample)} articles -> {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
