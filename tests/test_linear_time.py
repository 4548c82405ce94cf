"""Every function over article or query text takes time in proportion to its length: a run
of a megabyte of letters, digits, marks or words costs about a hundred times 10 KB of it.

Regression: the topic extractor's pattern was quadratic on a run of letters (10,000
letters 2 s, 40,000 letters 32 s), so a write of a one-word title of a megabyte ended in a
worker timeout.

`segment` is here too: pyvi's own cost is quadratic in the length of what it is given, so
it is given slices (`segment._MAX_CHUNK`); a run of words takes it through pyvi, the runs
without a space show that it is not called where it cannot join anything.
"""

import contextlib
import time

import pytest

from search_service.errors import BadRecord
from search_service.index import analysis
from search_service.search import highlight, query
from search_service.search.types import Marks
from search_service.sources.html_page import parse_html_page
from search_service.sources.page_text import parse_page_text
from search_service.text import dates, keystrokes, normalize, topics
from search_service.text import segmentation as segment
from search_service.text.segmentation import JOINER

# About 15 s: a megabyte through each function.
pytestmark = pytest.mark.slow

SMALL, LARGE = 10_000, 1_000_000
# Linear time makes the large run 100 times the small one; quadratic, 10,000 times.
FACTOR = 100 * 10
RUNS = {
    "letters": "ệ",
    "digits": "7",
    "marks": "\u0301",
    "mixed": f"Hộ1\u0301{JOINER}-nghị/10:",
    "words": "Thuyết phục khuyến khích. ",
}
MARKS = Marks(phrases=frozenset([("hoi", "nghi")]), folded=frozenset(["e"]), exact=frozenset(["ệ"]))
FUNCTIONS = {
    "normalize": normalize.normalize,
    "normalize_line": normalize.normalize_line,
    "fold": normalize.fold.__wrapped__,
    "segment": segment.segment,
    "topics": lambda text: topics.derive_topics(text, text),
    "document_terms": analysis.document_terms,
    "find_date": dates.find_date,
    "keystrokes": keystrokes.decode,
    "query": query.parse,
    "page_text": lambda text: parse_page_text(f"Tiêu đề {text}\n\n{text}\n", "run.txt"),
    "html_page": lambda text: parse_html_page(
        f"<html><title>{text}</title><body><h1>{text}</h1><p>{text}</p><a {text}"
        f"<div class='nav_{text}'></body></html>".encode(),
        "run.html",
    ),
    "highlight": lambda text: (highlight.mark(text, MARKS), highlight.snippet(text, MARKS)),
}


def seconds(function, text: str) -> float:
    started = time.perf_counter()
    # Refusing the text (no title found) is an answer too; its time counts.
    with contextlib.suppress(BadRecord):
        function(text)
    return time.perf_counter() - started


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_megabyte_run_costs_about_a_hundred_times_ten_kilobytes(name, run):
    function, piece = FUNCTIONS[name], RUNS[run]
    small = (piece * SMALL)[:SMALL]
    large = (piece * LARGE)[:LARGE]
    # The best of three small runs: the least disturbed by other work on the machine.
    base = max(min(seconds(function, small) for _ in range(3)), 0.001)
    assert seconds(function, large) < FACTOR * base
