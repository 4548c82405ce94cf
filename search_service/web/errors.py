"""Errors to responses, in one place.

The library's errors know their HTTP status and code; HTTP errors raised by Flask itself
(an unknown URL, a request too large) get a code from their status. JSON endpoints answer
`{"error": {"code", "message", "message_vi"}}`; pages answer a Vietnamese error page.
An error that escapes from Whoosh while it reads the index is damage to the index, answered
503 like an index that cannot be opened (`Catalog.damaged`). Anything else that escapes is
a bug: it is logged with its traceback and answered 500, without details.
"""

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import SearchServiceError
from . import resources

log = logging.getLogger(__name__)

# What the reader is told, in Vietnamese, for each code.
MESSAGES_VI = {
    "bad_parameter": "Tham số không hợp lệ: hãy kiểm tra ngày tháng, số trang và số kết quả.",
    "bad_request": "Yêu cầu không hợp lệ.",
    "not_found": "Không tìm thấy nội dung này.",
    "article_not_found": "Không có tin bài nào với mã này.",
    "method_not_allowed": "Phương thức này không được hỗ trợ ở địa chỉ này.",
    "request_too_large": "Yêu cầu quá lớn: hãy rút gọn nội dung tìm kiếm.",
    "index_missing": "Chưa có dữ liệu để tìm kiếm. Vui lòng thử lại sau.",
    "schema_mismatch": "Dữ liệu tìm kiếm đang được xây dựng lại. Vui lòng thử lại sau.",
    "index_damaged": "Dữ liệu tìm kiếm bị hỏng và đang chờ được xây dựng lại. "
    "Vui lòng thử lại sau.",
    "index_unwritable": "Không ghi được dữ liệu tìm kiếm vào đĩa; dữ liệu đã có vẫn được "
    "giữ nguyên. Vui lòng thử lại sau.",
    "index_busy": "Dữ liệu tìm kiếm đang được cập nhật. Vui lòng thử lại sau.",
    "bad_record": "Tin bài không hợp lệ: hãy kiểm tra các trường id, title, body và cú pháp JSON.",
    "write_api_off": "Chức năng cập nhật tin bài chưa được bật trên máy chủ này.",
    "unauthorized": "Cần khóa truy cập hợp lệ để cập nhật tin bài.",
    "write_too_large": "Nội dung gửi lên quá lớn: hãy gửi ít tin bài hơn mỗi lần.",
    "queue_full": "Máy chủ đang nhận quá nhiều tin bài. Vui lòng thử lại sau ít phút.",
    "staff_off": "Trang thống kê chưa được bật trên máy chủ này.",
    "login_required": "Trang này chỉ dành cho cán bộ quản trị: hãy đăng nhập.",
    "bad_form": "Biểu mẫu đã hết hạn hoặc không hợp lệ: hãy tải lại trang và gửi lại.",
    "internal_error": "Đã có lỗi ở máy chủ. Vui lòng thử lại sau.",
}
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    414: "request_too_large",
}
# Library codes that are renamed for readers of the API: "not_found" of an article.
_LIBRARY_CODES = {"not_found": "article_not_found"}


def wants_json() -> bool:
    """Whether the request is for a JSON endpoint."""
    return request.path.startswith("/api/") or request.path == "/health"


def error_object(code: str, message: str) -> dict[str, str]:
    """The JSON of an error: its code, the message, and what a reader is told in Vietnamese."""
    message_vi = MESSAGES_VI.get(code, MESSAGES_VI["internal_error"])
    return {"code": code, "message": message, "message_vi": message_vi}


def respond(status: int, code: str, message: str):
    """The error response for the current request."""
    error = error_object(code, message)
    if wants_json():
        return jsonify({"error": error}), status
    page = render_template(
        "error.html",
        status=status,
        code=code,
        message=message,
        message_vi=error["message_vi"],
        query=request.args.get("q", ""),
    )
    return page, status


def init_app(app: Flask) -> None:
    """Register the translations."""

    @app.errorhandler(SearchServiceError)
    def service_error(error: SearchServiceError):
        code = _LIBRARY_CODES.get(error.code, error.code)
        if error.http_status >= 500:
            log.warning("%s: %s", error.code, error.message)
        body, status = respond(error.http_status, code, error.message)
        return body, status, error.headers()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        code = _HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
        return respond(status, code, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        damage = resources.catalog().damaged(error)
        if damage is not None:
            log.exception("the index failed to read on %s", request.path)
            return respond(damage.http_status, damage.code, damage.message)
        log.exception("unexpected error on %s", request.path)
        return respond(500, "internal_error", "internal error")
