"""An index built before the package layout of issue 14 still opens, searches and applies
the writes queued in it (`fixtures/README.md` says how it was built).

Whoosh pickles the schema's field, analyzer and codec classes into the table of contents by
import path, and the write queue pickles queued articles: the modules at those paths must
keep importing the same classes, or the index on disk is unreadable.
"""

import importlib
import re
import shutil
from pathlib import Path

import pytest

from search_service.index.stats import index_stats
from search_service.ingest import write_queue
from search_service.search.catalog import Catalog
from search_service.search.searching import search
from search_service.search.types import PRECISE, SearchRequest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "index-before-layout"
# Every class of this package the fixture's table of contents names, as it names them.
PICKLED = {
    "search_service.analysis.FoldFilter",
    "search_service.analysis.PairFilter",
    "search_service.analysis.SyllableTokenizer",
    "search_service.analysis.WordFilter",
    "search_service.codec.Codec",
    "search_service.schema.PreparedText",
}


@pytest.fixture
def old_index(tmp_path) -> Path:
    return shutil.copytree(FIXTURE, tmp_path / "index")


def _search(index: Path, text: str) -> list[tuple[str, str]]:
    catalog = Catalog(index)
    try:
        return [(hit.id, hit.tier) for hit in search(catalog, SearchRequest(q=text)).hits]
    finally:
        catalog.close()


def test_the_table_of_contents_names_only_importable_classes():
    toc = (FIXTURE / "_MAIN_2.toc").read_bytes()
    named = {
        f"{module.decode()}.{name.decode()}"
        for module, name in re.findall(rb"(search_service[\w.]*)[^\w.]{1,8}(\w+)", toc)
    }
    assert named == PICKLED
    for path in PICKLED:
        module, _, name = path.rpartition(".")
        assert isinstance(getattr(importlib.import_module(module), name), type), path


def test_an_index_built_before_the_layout_opens_and_finds_its_articles(old_index):
    assert index_stats(old_index).articles == 3
    assert _search(old_index, "hoi nghi giao ban")[:2] == [
        ("tt-2021-giao-ban-q3", PRECISE),
        ("kg-2022-giao-ban-q1", PRECISE),
    ]
    assert _search(old_index, "10-CT/TW") == [("kg-2021-tong-ket-chi-thi-10", PRECISE)]


def test_an_article_queued_before_the_layout_is_applied(old_index):
    assert _search(old_index, '"đồng tình"') == []
    assert write_queue.drain_index(old_index) == 1
    assert _search(old_index, '"đồng tình"') == [("dl-2020-covid", PRECISE)]
    assert index_stats(old_index).articles == 4
