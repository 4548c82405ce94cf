"""HTML article pages of a news site, as records.

lxml's HTML parser copes with broken markup, but libxml2 stops at 256 levels of nesting and
silently drops the rest of the page; such a page is parsed again with its too-deep tags
removed (their text kept), so one pathological block cannot hide the article. Everything
here walks the tree with lxml's iterators, never by Python recursion.
"""

import codecs
import collections
import re
from pathlib import Path
from typing import TypeAlias

import lxml.html
from lxml import etree

from ..errors import BadRecord
from ..text.dates import find_date, parse_date

# lxml ships no types: to mypy this is Any, and the alias names what it stands for.
Element: TypeAlias = lxml.html.HtmlElement


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NEVER_TEXT = _words("script style noscript template svg object embed")
# Boxes that never hold the article; not <form>: ASP.NET pages wrap the whole page in one.
OUTSIDE_TAGS = frozenset(_words("nav header footer aside"))
BOILERPLATE_TAGS = OUTSIDE_TAGS | set(_words("form iframe button select textarea"))
# Parts of class or id values that mark boxes around the article, in English and Vietnamese.
BOILERPLATE_WORDS = _words(
    "share social comment related breadcrumb menu footer sidebar banner advert"
    " binh-luan binhluan lien-quan lienquan"
)
# Short words match only as whole parts (`ads`, `main-nav`), not inside `uploads`, `canvas`.
# `nav[^\W_]*`, not `nav\w*`, which ran on through `_` to the end of a long value at each part.
_BOILERPLATE_PARTS = re.compile(r"(?:^|[\s_-])(?:nav[^\W_]*|ads?|adsbygoogle)(?:$|[\s_-])")
RELATED_WORDS = _words("related lien-quan lienquan cung-chu-de")
LEAD_WORDS = _words("sapo lead summary excerpt chapeau description")
MAIN_WORDS = _words("article-body articlebody content detail entry")
BLOCK_TAGS = frozenset(
    _words(
        "p div section article main h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table tr td"
        " th figure figcaption address hr"
    )
)
VOID_TAGS = frozenset(_words("area base br col embed hr img input link meta source track wbr"))
HOME_CRUMBS = frozenset({"trang chủ", "trang nhất", "home", "trang chu"})
MAX_DEPTH = 200  # below libxml2's 256, so a flattened page always parses whole

_SPACES = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# A start or end tag, quoted attribute values may hold `>`; for flattening only. Possessive,
# and no `<` inside a tag: each attempt stops at the next `<`, so that a page of unclosed
# tags is read in linear time (backtracking over a long unclosed tag was quadratic).
_TAG = re.compile(r"""<(/?)([a-zA-Z][\w:-]*+)(?:"[^"<]*+"|'[^'<]*+'|[^'"<>]++)*+>""")
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title)[\s>/]", re.IGNORECASE)
_BR_PARAGRAPH = re.compile(r"\r(?: *\r)+")
# Over text whose spaces are single (`_text`): ` ?`, where `\s*` scanned a long run of spaces
# from each of its positions.
_CRUMB_SEPARATORS = re.compile(r" ?[»›>|/] ?")
_AUTHOR_PREFIX = re.compile(r"^(?:tác giả|bài|bài và ảnh|by)\s*:\s*", re.IGNORECASE)


def looks_like_html(head: bytes) -> bool:
    """Whether the first bytes of a file look like an HTML document."""
    head = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and _HTML_START.search(head) is not None


def parse_html_page(data: bytes, source: str) -> dict:
    """Parse one HTML article page into a record dict."""
    doc = _parse(_decode(data, source), source)
    etree.strip_elements(doc, *NEVER_TEXT, with_tail=False)
    meta = _meta(doc)
    # Not the site's logo, which some sites mark up as a heading too.
    h1 = next((_text(e) for e in doc.iter("h1") if not _outside(e) and _text(e)), "")
    title = meta.get("og:title") or h1 or _strip_site_name(_text(doc.find(".//title")), meta)
    if not title:
        raise BadRecord("no title found in the HTML page", source=source)
    scope, main = _main_element(doc)
    record = {
        "id": Path(source).stem,
        "title": title,
        "date": _meta_date(doc, meta)
        or _date_near(_text(doc.find("body")), h1 or title)
        or _date_near(_text(main), ""),  # the lead of a page whose title is not in its text
        "sector": meta.get("article:section") or _breadcrumb_sector(doc, title),
        "author": meta.get("author") or _author(doc),
        "summary": meta.get("description") or meta.get("og:description"),
        "url": _canonical(doc) or meta.get("og:url"),
        "topics": _tags(doc),
        "related_titles": _related_titles(doc),
    }
    _drop_boxes(scope)
    captions = _take_captions(scope)
    body = [p for p in _paragraphs(*_lead(scope, main), main) if p != title]
    if not body:
        raise BadRecord("no article text found in the HTML page", source=source)
    record.update(body="\n\n".join(body), captions=captions)
    return {name: value for name, value in record.items() if value}


def _drop_boxes(scope: Element) -> None:
    """Drop what is not article text from inside `scope`."""
    # The heading is the title and the author line is the author: neither is body text.
    for e in list(scope.iterdescendants()):
        if _is_boilerplate(e) or e.tag == "h1" or "author" in _names(e, "class"):
            e.drop_tree()


def _take_captions(scope: Element) -> list[str]:
    """Take the photo captions out of `scope`, each once."""
    captions: list[str] = []
    for element in [e for e in scope.iter() if _is_caption(e)]:
        caption = _text(element)
        if caption and caption not in captions:
            captions.append(caption)
        element.drop_tree()  # a caption is not body text
    return captions


def _lead(scope: Element, main: Element) -> list[Element]:
    """The lead (sapo), which most Vietnamese sites set between the title and the body."""
    around = {main, *main.iterancestors(), *main.iterdescendants()}
    leads = (e for e in scope.iter() if e not in around and _has_word(e, LEAD_WORDS, "class"))
    return [lead] if (lead := next(leads, None)) is not None else []


def _decode(data: bytes, source: str) -> str:
    match = _CHARSET.search(data[:4096])
    charset = match.group(1).decode("ascii").lower() if match else "utf-8"
    if data.startswith(codecs.BOM_UTF8):  # a byte-order mark outranks the declaration
        charset = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        charset = "utf-16"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"  # an unknown label is a typo more often than a rare charset
    try:
        return data.decode(charset)
    except UnicodeDecodeError as error:
        reason = f"cannot decode the page as {charset} ({error.reason} at byte {error.start})"
        raise BadRecord(reason, source=source) from None


def _parse(text: str, source: str) -> Element:
    text = _XML_DECLARATION.sub("", text)  # lxml refuses str input that declares a charset
    for flatten in (False, True):
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
        try:
            doc = lxml.html.document_fromstring(_flatten(text) if flatten else text, parser)
        except (etree.ParserError, ValueError):
            raise BadRecord("the HTML page is empty", source=source) from None
        if not any("Excessive depth" in error.message for error in parser.error_log):
            return doc
    raise BadRecord("the HTML page is nested too deeply", source=source)


def _flatten(text: str) -> str:
    """The page without the tags nested deeper than MAX_DEPTH; their text stays (the text of
    scripts and styles does not: they are kept, to be removed whole)."""
    depth, dropped = 0, collections.Counter[str]()

    def keep_or_drop(match: re.Match) -> str:
        nonlocal depth
        closing, name = match[1], match[2].lower()
        # A script dropped here would leave its code behind as text: keep it at any depth,
        # and it goes with the others (a script is a leaf: it cannot nest the page deeper).
        if name in VOID_TAGS or name in NEVER_TEXT or match[0].endswith("/>"):
            return match[0]
        if closing and dropped[name]:
            dropped[name] -= 1
        elif not closing and depth >= MAX_DEPTH:
            dropped[name] += 1
        else:
            depth = max(0, depth - 1) if closing else depth + 1
            return match[0]
        return "<hr>" if name in BLOCK_TAGS else ""  # keep paragraphs apart

    return _TAG.sub(keep_or_drop, text)


def _text(element: Element | None) -> str:
    return _SPACES.sub(" ", " ".join(element.itertext())).strip() if element is not None else ""


def _meta(doc: Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in doc.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = _SPACES.sub(" ", element.get("content") or "").strip()
        if key and content:
            found.setdefault(key.strip().lower(), content)
    return found


def _strip_site_name(title: str, meta: dict[str, str]) -> str:
    site = meta.get("og:site_name")
    for separator in (" - ", " | ", " – ", " — "):
        head, found, tail = title.rpartition(separator)
        if found and head and (site is None or tail.strip() == site):
            return head.strip()
    return title


def _meta_date(doc: Element, meta: dict[str, str]) -> str | None:
    values = [meta.get(key) for key in ("article:published_time", "datepublished", "pubdate")]
    for element in doc.iter():
        if element.tag == "time" or element.get("itemprop") == "datePublished":
            values.append(element.get("content") or element.get("datetime"))
    for value in filter(None, values):
        value = value.strip()
        # .NET and Java pages publish seven-digit fractions or odd offsets: keep the day.
        for candidate in (value, value[:10]):
            try:
                return parse_date(candidate).isoformat()
            except ValueError:
                continue
    return None


def _date_near(text: str, title: str) -> str | None:
    # Site headers show today's date, so only look right after the title, then just before.
    at = text.find(title)
    if at < 0:
        return None
    end = at + len(title)
    found = find_date(text[end : end + 600]) or find_date(text[max(0, at - 200) : at])
    return found.isoformat() if found else None


def _breadcrumb_sector(doc: Element, title: str) -> str | None:
    for element in doc.iter():
        if "breadcrumb" not in _names(element, "class", "id", "aria-label"):
            continue
        items = [_text(li) for li in element.iter("li")] or [_text(e) for e in element]
        if len(items) <= 1:
            items = _CRUMB_SEPARATORS.split(_text(element))
        items = [i.strip(" »›>|/") for i in items]
        items = [i for i in items if i and i.casefold() not in HOME_CRUMBS and i != title]
        if items:
            return items[-1]
    return None


def _author(doc: Element) -> str | None:
    for element in doc.iter():
        # Not the author of a comment or of a related article.
        if "author" in _names(element, "class") and not any(
            _is_boilerplate(e, frozenset()) for e in (element, *element.iterancestors())
        ):
            author = _AUTHOR_PREFIX.sub("", _text(element))
            if 0 < len(author) <= 80:
                return author
    return None


def _related_titles(doc: Element) -> list[str]:
    titles: list[str] = []
    for box in doc.iter():
        if _has_word(box, RELATED_WORDS):
            for title in map(_text, box.iter("a")):
                if title and title not in titles:
                    titles.append(title)
    return titles


def _tags(doc: Element) -> list[str]:
    tags = (e for e in doc.iter("meta") if e.get("property") == "article:tag")
    return [e.get("content").strip() for e in tags if e.get("content")]


def _canonical(doc: Element) -> str | None:
    links = (e for e in doc.iter("link") if "canonical" in (e.get("rel") or "").lower().split())
    return next((e.get("href").strip() for e in links if e.get("href")), None)


def _names(element: Element, *attributes: str) -> str:
    if not isinstance(element.tag, str):
        return ""
    return " ".join(element.get(a) or "" for a in attributes or ("class", "id")).lower()


def _has_word(element: Element, words: tuple[str, ...], *attributes: str) -> bool:
    names = _names(element, *attributes)
    return any(word in names for word in words)


def _is_boilerplate(element: Element, tags: frozenset = BOILERPLATE_TAGS) -> bool:
    names = _names(element)
    if element.tag in tags or _BOILERPLATE_PARTS.search(names):
        return True
    return any(word in names for word in BOILERPLATE_WORDS)


def _may_hold_article(element: Element) -> bool:
    if element.tag != "article" and not _has_word(element, MAIN_WORDS):
        return False
    return not _is_boilerplate(element) and not _outside(element)


def _outside(element: Element) -> bool:
    return any(a.tag in OUTSIDE_TAGS for a in element.iterancestors())


def _is_caption(element: Element, nested: bool = True) -> bool:
    if element.tag != "figcaption" and "caption" not in _names(element, "class"):
        return False
    # A caption inside a caption is part of the outer one.
    return not nested or not any(_is_caption(a, False) for a in element.iterancestors())


def _main_element(doc: Element) -> tuple[Element, Element]:
    """The box around the article and, inside it, the box that holds only its text."""
    candidates = [e for e in doc.iter() if _may_hold_article(e)]
    body = doc.find("body")
    if not candidates:
        return (doc, doc) if body is None else (body, body)
    # Measured in C: Python-side text joins cost seconds on thousands of nested boxes.
    sizes: dict[Element, float] = {
        e: e.xpath("string-length(normalize-space())") for e in candidates
    }
    paragraphs: dict[Element, float] = {e: e.xpath("count(.//p)") for e in candidates}
    by_size = sorted(candidates, key=sizes.__getitem__, reverse=True)
    scope = best = by_size[0]
    # An outer box also holds the title, date, lead, comments: step into the box that holds
    # most of its text or of its paragraphs, which is the article's body.
    for inner in by_size[1:]:
        most = sizes[inner] >= 0.6 * sizes[best] or paragraphs[inner] >= 0.6 * paragraphs[best] > 0
        if most and best in inner.iterancestors():
            best = inner
    return scope, best


def _paragraphs(*roots: Element) -> list[str]:
    """The text of the blocks under `roots`, each once, spaces collapsed."""
    parts = []
    for root in roots:
        parts.append("\n")
        for event, element in etree.iterwalk(root, events=("start", "end")):
            if element.tag in BLOCK_TAGS:
                parts.append("\n")
            elif element.tag == "br" and event == "start":
                parts.append("\r")
            text = element.text if event == "start" else None if element is root else element.tail
            parts.append(_SPACES.sub(" ", text or ""))
    # Old CMSs separate paragraphs with <br><br>; a single <br> only breaks a line.
    text = _BR_PARAGRAPH.sub("\n", "".join(parts)).replace("\r", " ")
    paragraphs: list[str] = []
    for chunk in text.split("\n"):
        chunk = chunk.strip()
        if chunk and chunk not in paragraphs:
            paragraphs.append(chunk)
    return paragraphs
