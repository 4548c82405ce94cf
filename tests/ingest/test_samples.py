"""The bundled samples, indexed by the real ingest and read back through the library."""

from search_service.index.stats import index_stats
from search_service.ingest import pipeline
from search_service.search.catalog import Catalog
from search_service.search.stored_article import get_article

from ..conftest import SAMPLES
from ..records import write_jsonl

SEED = "article-khoa-giao-q3-2021"


def test_every_sample_is_indexed(sample_index):
    stats = index_stats(sample_index)
    assert stats.articles == 48  # 46 JSON Lines records, the seed page, one HTML page
    assert (stats.first_date, stats.last_date) == ("2018-03-22", "2025-04-10")
    assert stats.sectors["Khoa giáo"] == 8  # the seed page names no sector


def test_seed_page_is_parsed_into_one_clean_article(sample_index):
    seed = get_article(Catalog(sample_index), SEED)
    assert seed.title == (
        "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban công tác Khoa giáo Quý 3 năm 2021"
    )
    assert seed.date == "2021-10-06"
    assert seed.author == "Lâm An"
    assert seed.captions == [
        "Đồng chí Lê Hữu Thọ, Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng ban Tuyên giáo Tỉnh ủy "
        "chủ trì Hội nghị",
        "Đại diện lãnh đạo các đơn vị phát biểu ý kiến tại cuộc họp",
        "Quang cảnh Hội nghị",
    ]
    assert "Gửi bình luận" not in seed.body
    assert "&ec" not in seed.body
    paragraphs = seed.body.split("\n\n")
    assert len(paragraphs) == len(set(paragraphs)) == 6
    assert seed.body.count("Trong quý 3 năm 2021, trước bối cảnh") == 1
    assert seed.title not in seed.body
    assert len(seed.related) + len(seed.unresolved_titles) == 6


def test_related_titles_resolve_to_ids_in_both_directions(sample_index):
    seed = get_article(Catalog(sample_index), SEED)
    assert [link.id for link in seed.related] == [
        "kg-2022-giao-ban-q1",
        "tt-2021-giao-ban-q3",
        "dl-2022-an-ninh-tu-tuong-q1",
        "tt-2022-nang-cao-chat-luong",
    ]
    assert seed.unresolved_titles == [
        "Thị ủy Ninh Hòa tổ chức Hội nghị tổng kết công tác tuyên giáo và hoạt động báo cáo "
        "viên Thị ủy năm 2021",
        "Kiểm tra thực hiện Chỉ thị số 05 gắn với Nghị quyết Trung ương 4 khóa XII về xây dựng "
        "Đảng tại Đảng ủy Khối các cơ quan tỉnh",
    ]
    other = get_article(Catalog(sample_index), "kg-2022-giao-ban-q1")
    assert SEED in [link.id for link in other.related]


def test_a_related_article_that_arrives_later_is_resolved(tmp_path):
    index = tmp_path / "index"
    pipeline.ingest([SAMPLES / "pages" / f"{SEED}.txt"], index, workers=1)
    assert get_article(Catalog(index), SEED).related == []
    later = write_jsonl(
        tmp_path / "later.jsonl",
        [
            {
                "id": "ninh-hoa-2021",
                "body": "Thị ủy Ninh Hòa tổng kết công tác tuyên giáo.",
                "title": "Thị uỷ Ninh Hoà tổ chức Hội nghị tổng kết công tác tuyên giáo và "
                "hoạt động báo cáo viên Thị uỷ năm 2021",
            }
        ],
    )
    pipeline.ingest([later], index, workers=1)
    assert [link.id for link in get_article(Catalog(index), SEED).related] == ["ninh-hoa-2021"]
    assert [link.id for link in get_article(Catalog(index), "ninh-hoa-2021").related] == [SEED]


def test_html_page_is_indexed_with_its_metadata(sample_index):
    page = get_article(Catalog(sample_index), "hoi-thao-chuyen-doi-so-2023")
    assert page.title == "Hội thảo chuyển đổi số trong lĩnh vực y tế, giáo dục"
    assert page.sector == "Khoa giáo"
    assert page.date == "2023-03-16T09:15:00+07:00"
    assert "Gửi bình luận" not in page.body


def test_topics_are_given_or_derived(sample_index):
    given = get_article(Catalog(sample_index), "kg-2022-giao-ban-q1")
    assert given.topics and not given.derived_topics
    derived = get_article(Catalog(sample_index), "kg-2024-giao-duc-nghe-nghiep")
    assert not derived.topics
    assert 1 <= len(derived.derived_topics) <= 5
