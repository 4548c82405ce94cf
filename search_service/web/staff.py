"""The staff area: the search statistics, behind a login.

    STAFF_TOKEN -> /login (a form with a CSRF token) -> a session cookie (Secure, HttpOnly,
    SameSite=Strict, 12 hours) -> /searches and /api/searches; or, for scripts,
    Authorization: Bearer <STAFF_TOKEN> on /api/searches

Without a staff token the statistics are shown to nobody (403 `staff_off`). A page asked
without a login redirects to /login; its JSON answers 401 `login_required`. Every form that
changes state (log in, log out) carries the CSRF token kept in the session. Readers never
get a cookie: the session is opened only by /login.
"""

import dataclasses
import hashlib
import hmac
import secrets
import time

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from ..errors import BadForm, LoginRequired, StaffOff
from . import params, resources
from .errors import wants_json

bp = Blueprint("staff", __name__)
SESSION_SECONDS = 12 * 3600


def init_app(app: Flask) -> None:
    """Sign the session cookie with a key derived from the staff token."""
    token = app.config["STAFF_TOKEN"]
    if token:
        # Every worker derives the same key, and a new token logs every session out.
        app.secret_key = hmac.new(
            token.encode(), b"search-service staff session", hashlib.sha256
        ).digest()
    app.config.update(
        SESSION_COOKIE_NAME="staff",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    app.jinja_env.globals["csrf_token"] = csrf_token


def _same(given: str, expected: str) -> bool:
    # Digests of equal length, compared in constant time (see writes).
    def digest(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    return hmac.compare_digest(digest(given), digest(expected))


def is_staff() -> bool:
    """Whether the request carries the staff token, or the cookie of a recent login."""
    given = request.authorization
    if given is not None and given.type == "bearer" and given.token:
        return _same(given.token, current_app.config["STAFF_TOKEN"])
    since = session.get("staff_since")
    return isinstance(since, float) and 0 <= time.time() - since < SESSION_SECONDS


def csrf_token() -> str:
    """The session's CSRF token, for the forms of staff pages (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    kept = session.get("csrf")
    if not kept or not _same(request.form.get("csrf", ""), kept):
        raise BadForm("the form's CSRF token is missing or stale: reload the page and send it")


@bp.before_request
def require_staff():
    if not current_app.config["STAFF_TOKEN"]:
        raise StaffOff(
            "the search statistics are off: set SEARCH_SERVICE_STAFF_TOKEN to show them to staff"
        )
    if request.endpoint in ("staff.login", "staff.logout") or is_staff():
        return None
    if wants_json():
        raise LoginRequired(
            "the search statistics need staff credentials: the header "
            "Authorization: Bearer <staff token>, or a login at /login"
        )
    return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))


@bp.after_request
def keep_out_of_caches(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _local(target: str) -> str:
    """`target` if it is a path of this service, else the statistics page (a login never
    sends anyone to another site, nor puts a line break into its Location header)."""
    plain = target.isascii() and target.isprintable()
    if plain and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("staff.search_stats")


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = _local(request.values.get("next", ""))
    failed = False
    if request.method == "POST":
        _check_csrf()
        if _same(request.form.get("password", ""), current_app.config["STAFF_TOKEN"]):
            session.clear()
            session["staff_since"] = time.time()
            return redirect(target)
        failed = True
    page = render_template("login.html", next=target, failed=failed)
    return page, 401 if failed else 200


@bp.post("/logout")
def logout():
    _check_csrf()
    session.clear()
    return redirect(url_for("pages.search_page"))


@bp.get("/searches")
def search_stats():
    days = params.stats_days()
    return render_template(
        "searches.html",
        days=days,
        kept_days=current_app.config["SEARCH_LOG_DAYS"],
        min_visitors=current_app.config["SEARCH_LOG_MIN_VISITORS"],
        counts=resources.search_counts(days),
    )


@bp.get("/api/searches")
def search_stats_json():
    days = params.stats_days()
    counts = resources.search_counts(days)
    return jsonify(
        {
            "days": days,
            "enabled": counts is not None,
            **{
                name: [dataclasses.asdict(c) for c in (counts or {}).get(name, [])]
                for name in ("frequent", "found_nothing")
            },
        }
    )
