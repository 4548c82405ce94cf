"""End to end in headless Chromium: a reader types without marks, picks a sector, sees the
matches highlighted, opens an article and follows a related link."""

import pytest

from .conftest import free_port
from .webdriver import CHROMEDRIVER, CHROMIUM, ENTER, Browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
        "chromium-driver; .ci/run installs them)",
    ),
]


@pytest.fixture(scope="module")
def browser():
    opened = Browser(free_port())
    yield opened
    opened.quit()


def test_search_filter_read_and_follow_a_related_article(browser, live_server):
    browser.open(live_server.url + "/")
    box = browser.wait_for("input[name=q]")[0]
    box.type("hoi nghi giao ban")

    # Suggestions appear in a list under the box; the box keeps exactly what was typed.
    suggestions = browser.wait_for(".ss-suggestions [role=option]")
    assert len(suggestions) >= 3
    assert all("giao ban" in s.text.lower() for s in suggestions[:3])
    assert box.property("value") == "hoi nghi giao ban"
    assert box.attribute("aria-expanded") == "true"

    box.type(ENTER)
    browser.wait_for("li.hit")
    assert browser.url == live_server.url + "/?q=hoi+nghi+giao+ban"
    assert browser.find_all("h1")[0].text.startswith("6 kết quả cho")
    assert browser.find_all("p.reading")[0].text == "Tìm theo: hội nghị giao ban"

    sector = next(
        a for a in browser.find_all(".facet a") if a.find_all(".label")[0].text == "Khoa giáo"
    )
    sector.click()
    browser.wait_for(".facet a[aria-current=true]")
    assert browser.url.endswith("?q=hoi+nghi+giao+ban&sector=Khoa+gi%C3%A1o")
    hits = browser.find_all("section.results > ol.hits > li.hit")
    assert len(hits) == 2
    # The labelled fallback fills the page, within the sector chosen too.
    assert browser.find_all("section.fallback h2")[0].text == "Kết quả gần đúng"
    every = browser.find_all("li.hit")
    assert {h.find_all(".sector")[0].text for h in every} == {"Khoa giáo"}
    marked = [m.text for m in hits[0].find_all("mark")]
    assert "Hội nghị giao ban" in marked

    title = hits[0].find_all("h2 a")[0]
    expected = title.text
    title.click()
    browser.wait_for("article h1")
    assert browser.find_all("article h1")[0].text == expected
    assert "/articles/" in browser.url

    related = browser.wait_for(".related-list a")
    target, target_title = related[0].attribute("href"), related[0].text
    related[0].click()
    browser.wait_for("article h1")
    assert browser.url == live_server.url + target
    assert browser.find_all("article h1")[0].text == target_title


def test_the_suggestion_list_works_from_the_keyboard(browser, live_server):
    browser.open(live_server.url + "/?q=")
    box = browser.wait_for("input[name=q]")[0]
    box.type("chuyen doi so")
    options = browser.wait_for(".ss-suggestions [role=option]")
    box.type("\ue015")  # arrow down
    assert options[0].attribute("aria-selected") == "true"
    assert box.attribute("aria-activedescendant") == options[0].attribute("id")
    wanted = options[0].text
    box.type(ENTER)
    browser.wait_for("article h1")
    assert browser.find_all("article h1")[0].text == wanted
