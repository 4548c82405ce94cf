import datetime
import unicodedata

import pytest

from search_service.text.dates import find_date, parse_date

UTC = datetime.UTC
HANOI = datetime.timezone(datetime.timedelta(hours=7))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-10-06", datetime.date(2021, 10, 6)),
        ("06/10/2021", datetime.date(2021, 10, 6)),
        ("6/10/2021", datetime.date(2021, 10, 6)),
        ("06-10-2021", datetime.date(2021, 10, 6)),
        ("06.10.2021", datetime.date(2021, 10, 6)),
        (" 05/12/2011 ", datetime.date(2011, 12, 5)),
        ("2021-10-06T14:30:00", datetime.datetime(2021, 10, 6, 14, 30)),
        ("2021-10-06T14:30:00Z", datetime.datetime(2021, 10, 6, 14, 30, tzinfo=UTC)),
        ("2021-10-06T14:30:00+07:00", datetime.datetime(2021, 10, 6, 14, 30, tzinfo=HANOI)),
        ("2021-10-06T14:30+0700", datetime.datetime(2021, 10, 6, 14, 30, tzinfo=HANOI)),
    ],
)
def test_parse_date_accepts(value, expected):
    parsed = parse_date(value)
    assert parsed == expected
    assert type(parsed) is type(expected)


def test_parse_date_keeps_the_offset():
    assert parse_date("2021-10-06T14:30:00+07:00").utcoffset() == datetime.timedelta(hours=7)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2021-02-30", "impossible date '2021-02-30'"),
        ("31/04/2021", "impossible date '31/04/2021'"),
        ("29/02/2021", "impossible date '29/02/2021'"),
        ("2021-10-06T25:00:00", "impossible date-time '2021-10-06T25:00:00'"),
        ("01/01/1899", "year 1899 in '01/01/1899' is outside 1900..2100"),
        ("2101-01-01", "year 2101 in '2101-01-01' is outside 1900..2100"),
        ("ngày 06/10/2021", "not a date: 'ngày 06/10/2021'"),
        ("06/10-2021", "not a date: '06/10-2021'"),
        ("10/2021", "not a date: '10/2021'"),
        ("06/10/21", "not a date: '06/10/21'"),
        ("", "not a date: ''"),
    ],
)
def test_parse_date_rejects(value, message):
    with pytest.raises(ValueError, match="^" + message.replace(".", r"\.")):
        parse_date(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chiều ngày 06/10/2021, Ban Tuyên giáo Tỉnh ủy tổ chức", datetime.date(2021, 10, 6)),
        ("theo Chỉ thị ngày 5 tháng 12 năm 2011 của Bộ Chính trị", datetime.date(2011, 12, 5)),
        ("NGÀY 05 THÁNG 12 NĂM 2011", datetime.date(2011, 12, 5)),
        ("Thứ Năm, 16/03/2023 - 09:15", datetime.date(2023, 3, 16)),
        ("Cập nhật lúc 09:15 ngày 16.03.2023.", datetime.date(2023, 3, 16)),
        ("Đăng ngày 2023-03-16T09:15:00+07:00", datetime.date(2023, 3, 16)),
        # Quarters, months alone and document codes are not dates; the later date is.
        ("Quý 3/2021, tháng 10/2021, Chỉ thị 10-CT/TW ngày 05/12/2011", datetime.date(2011, 12, 5)),
        # An impossible date is skipped, the next one is found.
        ("ngày 31/04/2021 hoặc ngày 30/04/2021", datetime.date(2021, 4, 30)),
        ("ngày 01/01/1800 và 01/01/2000", datetime.date(2000, 1, 1)),
    ],
)
def test_find_date(text, expected):
    assert find_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hội nghị giao ban công tác Khoa giáo Quý 3/2021",
        "kết quả quý III/2021 và tháng 10/2021",
        "Chỉ thị số 10-CT/TW, Quyết định số 238-QĐ/TW",
        "Văn bản số 01/10/2021/QĐ-UBND",
        "trong 5 tháng năm 2021",
        "ngày 31/04/2021",
        "",
    ],
)
def test_find_date_finds_nothing(text):
    assert find_date(text) is None


def test_find_date_reads_decomposed_text():
    # Regression: text pasted from macOS arrives as NFD, where `ngày` is five code points.
    assert find_date(unicodedata.normalize("NFD", "ngày 5 tháng 12 năm 2011")) == datetime.date(
        2011, 12, 5
    )
