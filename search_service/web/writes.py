"""The write API: POST /api/articles, PUT and DELETE /api/articles/<id>, for the site's CMS.

    bearer token -> body (size, JSON) -> publish (validate, queue) -> JSON

Every write needs `Authorization: Bearer <SEARCH_SERVICE_WRITE_TOKEN>`; without a configured
token the write API is off. The token is checked before the body is read, so that nobody
without it can make the service read a large body. A write is answered 202 once its
articles are in the queue (durable: kept through any crash), and the writer process
commits them within a second. With `?refresh=wait_for` it is answered once committed (200:
searchable on the next request to any worker), or, when that did not happen within
WRITE_WAIT seconds (the CLI's ingest holds the index), with 202: it stays queued. Waiting
holds the worker, which then answers no reader: for a CMS that must read its own writes.
"""

import hashlib
import hmac
from urllib.parse import unquote_to_bytes

from flask import Blueprint, current_app, jsonify, request

from ..errors import ArticleNotFound, BadQuery, BadRecord, Unauthorized, WritesOff, WriteTooLarge
from ..ingest import publish
from ..ingest.article import checked_id
from ..ingest.outcomes import Status
from ..sources.reader import Unit, parse_unit
from . import resources
from .errors import error_object

bp = Blueprint("writes", __name__)


@bp.before_request
def authorize() -> None:
    token = current_app.config["WRITE_TOKEN"]
    if not token:
        raise WritesOff("the write API is off: set SEARCH_SERVICE_WRITE_TOKEN to turn it on")
    given = request.authorization
    if given is None or given.type != "bearer" or not given.token:
        raise Unauthorized(
            "a write needs the header Authorization: Bearer <token>", token_given=False
        )
    # Digests of equal length, compared in constant time: the time taken tells nothing
    # about the token, not even its length.
    if not hmac.compare_digest(_digest(given.token), _digest(token)):
        raise Unauthorized("the bearer token is not the write token", token_given=True)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


@bp.post("/api/articles")
def add_articles():
    body = _json_body()
    records = body if isinstance(body, list) else [body]
    most = current_app.config["MAX_WRITE_ARTICLES"]
    if len(records) > most:
        raise WriteTooLarge(
            f"a write holds at most {most:,} articles, this one {len(records):,}: "
            "send them in several writes"
        )
    report = publish.publish(resources.write_queue(), records, _wait())
    if not isinstance(body, list):
        _raise_rejected(report)
    return _respond(report)


@bp.put("/api/articles/<article_id:article_id>")
def put_article(article_id: str):
    _check_path_id()
    record = _json_body()
    if isinstance(record, dict):
        given = record.get("id")
        if given not in (None, "") and checked_id(given) != checked_id(article_id):
            raise BadRecord(f"the id in the body ({given!r}) is not the one in the URL")
        record = record | {"id": article_id}
    report = publish.publish(resources.write_queue(), [record], _wait())
    _raise_rejected(report)
    return _respond(report)


@bp.delete("/api/articles/<article_id:article_id>")
def delete_article(article_id: str):
    _check_path_id()
    report = publish.delete(resources.write_queue(), resources.catalog(), article_id, _wait())
    if report.outcomes[0].status == Status.NOT_FOUND:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    return _respond(report)


def _check_path_id() -> None:
    """Refuse an id in the address whose bytes are not UTF-8 (werkzeug would read them as
    replacement characters, and store an id nobody sent)."""
    # The address as sent (gunicorn and werkzeug both keep it), before any decoding.
    sent = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    try:
        unquote_to_bytes(sent.partition("?")[0]).decode("utf-8")
    except UnicodeError:
        raise BadRecord(
            "the id in the address is not UTF-8: percent-encode the id's UTF-8 bytes"
        ) from None


def _wait() -> float:
    """How long the write waits to be committed: not at all, unless asked to."""
    refresh = request.args.get("refresh", "false")
    if refresh not in ("false", "wait_for"):
        raise BadQuery(f"refresh must be false or wait_for, not {refresh!r}")
    return current_app.config["WRITE_WAIT"] if refresh == "wait_for" else 0.0


def _json_body():
    """The request's body as JSON, within the write API's size limit."""
    limit = current_app.config["MAX_WRITE_BYTES"]
    # A body sent without a length (chunked) is cut where reading stops, without an error:
    # reading one byte more than the limit tells one that is too large from one that fits.
    request.max_content_length = limit + 1
    if (request.content_length or 0) > limit or len(request.get_data()) > limit:
        raise WriteTooLarge(
            f"the body is larger than {limit:,} bytes: send fewer articles in each write"
        )
    payload = request.get_data()
    if not payload.strip():
        raise BadRecord("the body is empty: send an article, or a list of them, as JSON")
    # Read as the CLI reads a line of JSON Lines: the same errors, in the same words.
    return parse_unit(Unit("request body", None, "jsonl", payload))


def _raise_rejected(report: publish.Report) -> None:
    """A write of one article that was rejected is a 400, with the article's error."""
    for outcome in report.outcomes:
        if outcome.error is not None:
            raise outcome.error


def _respond(report: publish.Report):
    body = {
        "status": "queued" if report.queued else "applied",
        "counts": report.counts(),
        "results": [_result(outcome) for outcome in report.outcomes],
    }
    return jsonify(body), 202 if report.queued else 200


def _result(outcome: publish.Outcome) -> dict:
    result: dict[str, object] = {
        "position": outcome.position,
        "id": outcome.id,
        "status": outcome.status,
    }
    if outcome.error:
        result["error"] = error_object(outcome.error.code, outcome.error.message)
    return result
