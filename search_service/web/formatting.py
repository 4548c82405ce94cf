"""How the pages write dates and numbers: the Vietnamese way, day first, dot thousands."""

import re

from flask import Flask

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


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


def paragraphs(text: str) -> list[str]:
    """The paragraphs of an article body (separated by a blank line)."""
    return [p for p in text.split("\n\n") if p.strip()]


def init_app(app: Flask) -> None:
    """Register the filters with the templates."""
    app.add_template_filter(vi_date)
    app.add_template_filter(iso_day)
    app.add_template_filter(vi_number)
    app.add_template_filter(paragraphs)
