"""The staff area: the search statistics need the staff token or a login, the login and
logout forms need their CSRF token, and the cookie is one a script or another site cannot
use.

Regression (issue 13): /searches and /api/searches showed every reader's query, verbatim,
to anyone, a single search after it was typed.
"""

import re

import pytest

from .conftest import STAFF, STAFF_TOKEN
from .html import page, texts
from .openapi_check import check

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(response) -> str:
    return CSRF.search(response.get_data(as_text=True))[1]


def log_in(client, password: str = STAFF_TOKEN, next_: str = "/searches?days=1"):
    form = client.get("/login?next=" + next_.replace("?", "%3F").replace("=", "%3D"))
    return client.post("/login", data={"csrf": csrf_of(form), "password": password, "next": next_})


def test_without_a_login_the_page_sends_to_the_login_and_the_json_is_refused(client):
    response = client.get("/searches?days=7")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/searches?days%3D7"
    response = client.get("/api/searches")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="search-service staff"'
    assert response.get_json() == {
        "error": {
            "code": "login_required",
            "message": "the search statistics need staff credentials: the header "
            "Authorization: Bearer <staff token>, or a login at /login",
            "message_vi": "Trang này chỉ dành cho cán bộ quản trị: hãy đăng nhập.",
        }
    }
    check("/api/searches", response)
    wrong = client.get("/api/searches", headers={"Authorization": "Bearer " + "x" * 20})
    assert wrong.status_code == 401


def test_the_login_page_is_vietnamese_and_sets_no_cookie_but_its_csrf(client):
    response = client.get("/login")
    tree = page(response)
    assert texts(tree, "//h1") == ["Đăng nhập dành cho cán bộ quản trị"]
    assert tree.xpath("//main//form/@method") == ["post"]
    assert tree.xpath("//input[@name='password']/@type") == ["password"]
    # A reader's pages never set a cookie.
    assert "Set-Cookie" not in client.get("/?q=hoi nghi").headers


def test_a_login_sets_a_secure_httponly_strict_cookie_and_opens_the_statistics(client):
    response = log_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/searches?days=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("staff=")
    assert {"Secure", "HttpOnly", "SameSite=Strict"} <= {part.strip() for part in cookie.split(";")}
    stats = client.get("/searches?days=1")
    assert stats.status_code == 200
    assert stats.headers["Cache-Control"] == "no-store"
    assert texts(page(stats), "//h1") == ["Thống kê tìm kiếm"]
    json_twin = client.get("/api/searches?days=1")
    assert json_twin.status_code == 200
    check("/api/searches", json_twin)


def test_a_wrong_password_is_refused_on_the_login_page(client):
    response = log_in(client, password="mat-khau-sai-0123456789")
    assert response.status_code == 401
    assert texts(page(response), "//p[@role='alert']") == ["Mật khẩu không đúng. Hãy thử lại."]
    assert client.get("/searches").status_code == 302


@pytest.mark.parametrize("token", ["", "khong-phai-token-cua-trang-nay"])
def test_a_login_without_the_forms_csrf_token_is_refused(client, token):
    client.get("/login")
    response = client.post("/login", data={"csrf": token, "password": STAFF_TOKEN})
    assert response.status_code == 400
    assert texts(page(response), "//h1") == [
        "Biểu mẫu đã hết hạn hoặc không hợp lệ: hãy tải lại trang và gửi lại."
    ]
    assert client.get("/searches").status_code == 302


def test_logout_needs_the_csrf_token_and_ends_the_session(client):
    log_in(client)
    stats = client.get("/searches")
    assert client.post("/logout", data={"csrf": "gia-mao"}).status_code == 400
    assert client.get("/searches").status_code == 200
    response = client.post("/logout", data={"csrf": csrf_of(stats)})
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert client.get("/searches").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["https://ke-gian.example/", "//ke-gian.example/", "/\\x", "/\r\nSet-Cookie: staff=x"],
)
def test_a_login_never_sends_anyone_to_another_site(client, target):
    response = log_in(client, next_=target)
    assert response.headers["Location"] == "/searches"


def test_the_staff_token_opens_the_json_and_checks_its_parameters(client):
    assert client.get("/api/searches?days=1", headers=STAFF).status_code == 200
    response = client.get("/api/searches?days=0", headers=STAFF)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_parameter"


def test_without_a_staff_token_the_statistics_are_shown_to_nobody(make_app):
    client = make_app(STAFF_TOKEN="").test_client()
    response = client.get("/api/searches", headers=STAFF)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "staff_off"
    check("/api/searches", response)
    assert client.get("/searches").status_code == 403
    assert client.get("/login").status_code == 403


def test_a_new_staff_token_ends_the_sessions_of_the_old_one(make_app):
    old = make_app().test_client()
    log_in(old)
    cookie = old.get_cookie("staff")
    new = make_app(STAFF_TOKEN="mot-mat-khau-moi-hoan-toan").test_client()
    new.set_cookie("staff", cookie.value)
    assert new.get("/searches").status_code == 302
