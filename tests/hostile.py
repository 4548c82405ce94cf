"""Hostile input for property-based tests: what a careless or malicious client may send.

Strategies (hypothesis) of text that mixes real Vietnamese with every kind of trouble:
arbitrary Unicode with control characters and lone surrogates, query-syntax fragments,
markup, broken entities, huge repetitions, wrong types for numbers and dates. URL helpers
percent-encode values as UTF-8, so a lone surrogate becomes bytes that are not UTF-8.

The run is derandomized (tests/conftest.py loads the `ci` profile), so a failure found in
CI reproduces everywhere; `HYPOTHESIS_PROFILE=explore` explores with fresh random input.

Also hostile articles (`hostile_records`: markup, event handlers, script URLs, broken
entities, spreadsheet formulas and a climbing id in every field) and the pages that show
them (`PAGES`), for the injection tests in the pages and in Chromium.
"""

from urllib.parse import quote

from hypothesis import strategies as st

# Everything Unicode has, surrogates and unassigned code points included.
ANY_CHARACTER = st.characters(exclude_categories=())

FRAGMENTS = (
    '"',
    "(",
    ")",
    "OR",
    "AND",
    "-",
    "+",
    "|",
    "title:",
    "author:",
    "tieude:",
    "*",
    "?",
    "\\",
    ":",
    "hội nghị",
    "HỘI NGHỊ",
    "hoi nghi",
    "Hội\u0301 nghị\u0323",  # decomposed marks
    "hooij nghij",
    "ho6i5",
    "Tỉnh uỷ",
    "UBND",
    "10-CT/TW",
    "Ủy ban nhân dân",
    "giao ban",
    "khoa giáo",
    "2021",
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "&amp;",
    "tuy&ec",
    "&#x3C;",
    "\x00",
    "\x1b[31m",
    "\u200b",
    "\ufeff",
    "\ue000",
    "\ud800",
    "\udcff",
    "🙂",
    "ﬁ ǅ İ",
    "%",
    "%00",
    "../..",
    "=cmd|' /C calc'!A0",
)


@st.composite
def repeated(draw, piece: st.SearchStrategy[str], most: int = 3000) -> str:
    """`piece` repeated up to `most` characters: huge values, cheap to generate."""
    text = draw(piece)
    return text * draw(st.integers(1, max(1, most // max(1, len(text)))))


def hostile_text(most: int = 3000) -> st.SearchStrategy[str]:
    """Text a client may send: fragments, arbitrary Unicode, or a huge repetition."""
    fragments = st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHARACTER, max_size=8)), max_size=12
    ).map(lambda parts: " ".join(parts) if len(parts) % 2 else "".join(parts))
    return st.one_of(
        fragments,
        st.text(ANY_CHARACTER, max_size=40),
        repeated(st.sampled_from(FRAGMENTS), most),
        repeated(st.text(ANY_CHARACTER, min_size=1, max_size=4), most),
    )


# Values for parameters that want a number or a date, typed every wrong way.
WRONG_TYPES = st.sampled_from(
    (
        "",
        "0",
        "-1",
        "1",
        "2",
        "100",
        "101",
        "abc",
        "1e9",
        "1.5",
        "1_0",
        "+3",
        " 7 ",
        "٣",  # an Arabic-Indic digit: int() takes it
        "0x10",
        "9" * 30,
        "9" * 5000,  # int() refuses past 4,300 digits
        "NaN",
        "null",
        "[]",
        "31/02/2021",
        "2021-13-01",
        "2021-02-29",
        "06/10/2021",
        "2021-10-06",
        "2021-10-06T09:00:00+07:00",
        "0001-01-01",
        "9999-12-31",
        "relevance",
        "newest",
        "oldest",
        "popular",
        "json",
        "opensearch",
    )
)

PARAMETERS = (
    "q",
    "from",
    "to",
    "sector",
    "topic",
    "related_to",
    "sort",
    "page",
    "limit",
    "days",
    "format",
)


def parameters(most: int = 3000) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A query string as (name, value) pairs: known and unknown names, repeated names,
    values of the wrong type, hostile text."""
    name = st.one_of(st.sampled_from(PARAMETERS), st.text(ANY_CHARACTER, max_size=6))
    value = st.one_of(WRONG_TYPES, hostile_text(most))
    return st.lists(st.tuples(name, value), max_size=8)


def encoded(value: str) -> str:
    """`value` percent-encoded as UTF-8; a lone surrogate becomes bytes that are not UTF-8."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def query_string(pairs: list[tuple[str, str]]) -> str:
    """The pairs as a query string, each name and value percent-encoded."""
    return "&".join(f"{encoded(name)}={encoded(value)}" for name, value in pairs)


# Markup that would run if a page put it in as HTML: each sets a flag on `window` or
# changes the page's title, which the browser test looks for.
SCRIPT = "<script>window.__pwned = 1</script>"
IMAGE = '<img src=x onerror="window.__pwned = 1">'
SVG = "<svg onload=\"document.title = 'pwned'\"></svg>"
BREAKOUT = "\"'><script>document.title = 'pwned'</script>"
ENTITIES = "tuy&ec &lt;b&gt; &amp;lt;i&amp;gt; &#x3C;u&#x3E;"
JAVASCRIPT_URL = "javascript:window.__pwned = 1"
PAYLOADS = (SCRIPT, IMAGE, SVG, BREAKOUT, ENTITIES)


def hostile_records() -> list[dict]:
    """Articles with markup, event handlers, script URLs, broken entities and spreadsheet
    formulas in every field a page, the JSON API or the CSV export shows."""
    body = "\n\n".join(
        [
            f"Hội nghị giao ban công tác Khoa giáo {SCRIPT} được tổ chức tại Tỉnh ủy.",
            f"Đồng chí Lê Hữu Thọ chủ trì {IMAGE} hội nghị, nhấn mạnh {SVG} nhiệm vụ.",
            f"Ý kiến bạn đọc {BREAKOUT} được ghi nhận {ENTITIES} đầy đủ.",
        ]
    )
    return [
        {
            "id": "xss-hoi-nghi",
            "title": f"Hội nghị giao ban {SCRIPT} {IMAGE} năm 2021",
            "body": body,
            "date": "2021-10-06",
            "sector": f"Khoa giáo {IMAGE}",
            "topics": [f"Chủ đề {SCRIPT}", f"Giao ban {SVG}", '=HYPERLINK("http://evil")'],
            "author": f"Lâm An {SVG}",
            "summary": f"Tóm tắt {BREAKOUT}",
            "url": JAVASCRIPT_URL,
            "captions": [f"Quang cảnh Hội nghị {IMAGE}", f"Ảnh {ENTITIES}"],
            "related_titles": [f"Tin chưa có {SCRIPT}"],
        },
        {
            "id": "xss-cong-thuc",
            "title": f"=1+1 Hội nghị giao ban tuyên giáo {BREAKOUT}",
            "body": f"Hội nghị giao ban tuyên giáo {ENTITIES} quý III năm 2021.",
            "date": "2021-10-07",
            "sector": "+Tuyên truyền",
            "topics": ["@SUM(A1)", "-2+3"],
            "url": "data:text/html,<script>window.__pwned = 1</script>",
            "related": ["xss-hoi-nghi"],
        },
        {
            # An id that a link built naively would resolve out of /articles/.
            "id": "../../api/search?q=x",
            "title": "Hội nghị giao ban về đường dẫn lạ",
            "body": "Hội nghị giao ban tuyên giáo bàn về đường dẫn.",
            "date": "2021-10-08",
            "sector": "Tuyên truyền",
            "url": "https://tuyengiao.example.vn/tin/duong-dan",
        },
    ]


HOSTILE_QUERY = f"hoi nghi {SCRIPT} {IMAGE}"
# Each page that shows hostile text, and a piece of that text it must show as typed.
PAGES = {
    "/?q=hoi+nghi+giao+ban": SCRIPT,  # titles, snippets, facets
    "/?q=" + quote(HOSTILE_QUERY): HOSTILE_QUERY,  # the query in title, box, heading
    "/?sector=" + quote(f"Khoa giáo {IMAGE}"): f"Khoa giáo {IMAGE}",  # a chosen facet
    "/?q=giao+ban+script+window": "giao ban script window",  # the query, as text
    "/?q=" + quote(BREAKOUT) + "&page=abc": BREAKOUT,  # the error page keeps the query
    "/articles/xss-hoi-nghi": f"Lâm An {SVG}",  # every field of the article
    "/articles/xss-cong-thuc": f"Hội nghị giao ban {SCRIPT} {IMAGE} năm 2021",  # related
    "/searches": HOSTILE_QUERY.lower(),
}
