"""The scraped text of one article page of the provincial board's site, as a record.

The scrape keeps the page's parts in reading order but without markup: a lead sentence with
the date, the title twice (heading, then the same text as the first photo's caption), photo
captions as short lines, body paragraphs, the author right-aligned with spaces, the summary
again cut off mid-word, `Tin khác cùng chủ đề` with related titles, and the comment form.
"""

import itertools
import re
import unicodedata
from pathlib import Path

from ..errors import BadRecord
from ..text.dates import find_date

# Headings after which each line is the title of a related article.
RELATED_HEADINGS = frozenset(
    {
        "tin khác cùng chủ đề",
        "tin cùng chủ đề",
        "tin khác",
        "tin liên quan",
        "các tin khác",
        "tin cùng chuyên mục",
        "bài viết liên quan",
    }
)
# Lines of the page's furniture, never article text.
BOILERPLATE = frozenset(
    {
        "gửi bình luận của bạn",
        "gửi bình luận",
        "bình luận",
        "ý kiến bạn đọc",
        "in bài viết",
        "gửi bài viết",
        "chia sẻ",
        "về đầu trang",
        "quay lại",
        "trở về",
        "xem thêm",
    }
)

# A caption or title is a short line; body sentences end with punctuation.
MAX_CAPTION_WORDS = 30
MAX_AUTHOR_WORDS = 6
# How much of the page's start a repeated summary is looked for in.
MAX_REPEAT_WINDOW = 64 * 1024
# The author line is pushed to the right with spaces (or no-break spaces).
MIN_AUTHOR_INDENT = 10

_FINAL_PUNCTUATION = tuple('.!?…;:"”)»')
_SPACES = re.compile(r"\s+")
# The summary repeated at the foot of the page is cut off, often inside an HTML entity.
_TRUNCATED_TAIL = re.compile(r"\s*(?:&#?\w*;?|…|\.\.\.)$")


def parse_page_text(text: str, source: str) -> dict:
    """Parse the scraped text of one article page into a record dict."""
    # Repeated lines are found by comparing text, which must not depend on NFC or NFD.
    text = unicodedata.normalize("NFC", text).lstrip("\ufeff")
    lines = [_line(raw) for raw in text.splitlines()]
    title = _find_title(lines)
    if title is None:
        raise BadRecord("no title found in the page text", source=source)

    paragraphs: list[str] = []
    captions: list[str] = []
    related: list[str] = []
    author = None
    kept: set[str] = set()
    # The text so far, to drop a paragraph that repeats it (the summary at the foot of the
    # page repeats the start of the article). Bounded, so a huge page costs linear time.
    seen = ""
    pending: list[str] = []  # consecutive caption lines: one caption broken over lines
    in_related = False

    def flush_caption() -> None:
        if pending:
            caption = " ".join(pending)
            if caption != title and caption not in captions:
                captions.append(caption)
            pending.clear()

    for indent, line in lines:
        if not line:
            continue
        key = line.casefold().rstrip(":")
        if key in BOILERPLATE:
            flush_caption()
            in_related = False
            continue
        if key in RELATED_HEADINGS:
            flush_caption()
            in_related = True
            continue
        if in_related:
            if line not in related:
                related.append(line)
            continue
        if line == title:
            flush_caption()  # the heading and its repeat as the first photo's caption
        elif author is None and indent >= MIN_AUTHOR_INDENT and _is_author(line):
            flush_caption()
            author = line
        elif _is_short_line(line):
            pending.append(line)
        else:
            flush_caption()
            core = _TRUNCATED_TAIL.sub("", line)
            if line not in kept and core not in seen:
                paragraphs.append(line)
                kept.add(line)
        if len(seen) < MAX_REPEAT_WINDOW:
            seen += line + " "
    flush_caption()

    if not paragraphs:
        raise BadRecord("no body text in the page text", source=source)
    record = {
        "id": Path(source).stem,
        "title": title,
        "body": "\n\n".join(paragraphs),
        "date": _lead_date(paragraphs[0]),
        "author": author,
        "captions": captions,
        "related_titles": related,
    }
    return {name: value for name, value in record.items() if value}


def _line(raw: str) -> tuple[int, str]:
    """The indentation of a line (no-break spaces count) and its text, spaces collapsed."""
    stripped = raw.lstrip()
    return len(raw) - len(stripped), _SPACES.sub(" ", stripped).strip()


def _find_title(lines: list[tuple[int, str]]) -> str | None:
    """The first short line that appears twice in a row (blank lines aside), else the first
    short line without final punctuation."""
    texts = [text for _, text in lines if text]
    for first, second in itertools.pairwise(texts):
        # A title may end with `?` or `!`; only its length tells it from a repeated paragraph.
        if first == second and len(first.split()) <= MAX_CAPTION_WORDS:
            return first
    for text in texts:
        key = text.casefold().rstrip(":")
        if key in RELATED_HEADINGS:
            break  # what follows are other articles' titles
        if key not in BOILERPLATE and _is_short_line(text):
            return text
    return None


def _is_short_line(line: str) -> bool:
    return len(line.split()) <= MAX_CAPTION_WORDS and not line.endswith(_FINAL_PUNCTUATION)


def _is_author(line: str) -> bool:
    return len(line.split()) <= MAX_AUTHOR_WORDS and not line.endswith(_FINAL_PUNCTUATION)


def _lead_date(lead: str) -> str | None:
    found = find_date(lead)
    return found.isoformat() if found else None
