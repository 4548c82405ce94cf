"""Reading the pages in tests: lxml, with a few names for what the tests look at."""

import lxml.html


def page(response):
    """The parsed HTML of a response."""
    assert response.content_type == "text/html; charset=utf-8"
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(tree, xpath: str) -> list[str]:
    """The text of each element found, whitespace collapsed."""
    return [" ".join(element.text_content().split()) for element in tree.xpath(xpath)]


def links(tree, xpath: str) -> dict[str, str]:
    """Text → href of each link found."""
    return {" ".join(a.text_content().split()): a.get("href") for a in tree.xpath(xpath)}


def by_class(name: str) -> str:
    """An XPath test for an element that has the class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def assert_no_markup_injected(tree) -> None:
    """Nothing in a page runs but the service's own script file."""
    assert tree.xpath("//script[not(@src)]") == []
    assert tree.xpath("//@*[starts-with(name(), 'on')]") == []
    assert tree.xpath("//img[@src='x'] | //svg") == []
    assert tree.xpath("//a[starts-with(normalize-space(@href), 'javascript:')]") == []
