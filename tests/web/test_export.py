"""CSV export: every match, not just the page shown, up to a cap that the headers state."""

import csv
import io

from search_service.web import export


def rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_all_matches_are_exported_with_the_page_filters(client):
    response = client.get("/search.csv?q=hoi nghi&sector=Khoa giáo&page=2&limit=3")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tim-kiem-')
    assert (response.headers["X-Total-Count"], response.headers["X-Export-Rows"]) == ("7", "7")
    assert response.headers["X-Export-Truncated"] == "false"
    table = rows(response)
    assert table[0] == ["id", "title", "date", "sector", "topics", "url", "score"]
    assert len(table) == 8
    first = dict(zip(table[0], table[1], strict=True))
    assert first["id"] == "kg-2022-giao-ban-q1"
    # Plain text: the marks of the highlighted title are gone, the entities decoded.
    assert first["title"] == (
        "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban công tác Khoa giáo Quý 1 năm 2022"
    )
    assert first["topics"] == "Hội nghị giao ban; Phòng chống dịch Covid-19; Giáo dục - Đào tạo"
    assert {row[3] for row in table[1:]} == {"Khoa giáo"}


def test_the_cap_is_stated_in_the_headers(make_app):
    client = make_app(CSV_MAX_ROWS=5).test_client()
    response = client.get("/search.csv?sort=oldest")
    assert response.headers["X-Total-Count"] == "48"
    assert response.headers["X-Export-Rows"] == "5"
    assert response.headers["X-Export-Truncated"] == "true"
    assert [row[2] for row in rows(response)[1:]] == [
        "2018-03-22",
        "2018-06-19",
        "2018-07-05",
        "2018-07-27",
        "2018-10-11",
    ]


def test_more_than_one_library_page_is_exported(make_app, monkeypatch):
    # 45 of 48 articles in pages of 20: the export goes through three library pages.
    monkeypatch.setattr(export, "MAX_LIMIT", 20)
    client = make_app(CSV_MAX_ROWS=45).test_client()
    table = rows(client.get("/search.csv?sort=newest"))
    assert len(table) == 46
    assert len({row[0] for row in table[1:]}) == 45
    days = [row[2][:10] for row in table[1:]]
    assert days == sorted(days, reverse=True)


def test_cells_that_a_spreadsheet_would_run_are_defused():
    assert export._defused("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert export._defused("-1") == "'-1"
    assert export._defused("Hội nghị") == "Hội nghị"


def test_a_bad_parameter_is_an_error_not_a_broken_download(client):
    response = client.get("/search.csv?from=31/02/2021")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
