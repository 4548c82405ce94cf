"""How the pages write dates, numbers and links: the Vietnamese way, day first, dot
thousands; an article's address as a link only when it is a web address."""

import re

from flask import Flask

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# http(s), a host, and nothing a browser would trim or read as the end of the attribute.
_WEB_URL = re.compile(r"https?://[^\s/?#\\<>\"'`][^\s\\<>\"'`]*", re.IGNORECASE)


def vi_date(value: str | None) -> str:
    """`2021-10-06` or `2021-10-06T09:00:00+07:00` → `06/10/2021`."""
    found = _ISO_DAY.match(value or "")
    return f"{found[3]}/{found[2]}/{found[1]}" if found else (value or "")


def iso_day(value: str | None) -> str:
    """The day of an ISO date or date-time, for `<time datetime>`."""
    found = _ISO_DAY.match(value or "")
    return found[0] if found else ""


def vi_number(value: int) -> str:
    """`12345` → `12.345`."""
    return f"{value:,}".replace(",", ".")


def web_url(value: str | None) -> str | None:
    """`value` if a link may point to it (an http or https address), else None: a
    `javascript:` or `data:` address in an article's url field must never become a link."""
    return value if value and _WEB_URL.fullmatch(value) else None


def paragraphs(text: str) -> list[str]:
    """The paragraphs of an article body (separated by a blank line)."""
    return [p for p in text.split("\n\n") if p.strip()]


def init_app(app: Flask) -> None:
    """Register the filters with the templates."""
    app.add_template_filter(vi_date)
    app.add_template_filter(iso_day)
    app.add_template_filter(vi_number)
    app.add_template_filter(paragraphs)
    app.add_template_filter(web_url)
