"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Written by hand, as the contract; the tests validate real responses of every endpoint
against these schemas, so the document cannot drift from what the service answers.
"""

from ..ingest.publish import STATUSES
from ..search.query import MAX_QUERY_LENGTH
from ..search.suggest import MAX_SUGGESTIONS
from ..search.types import MAX_LIMIT, SORTS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": _STRING}
_QUERY_TEXT = {"type": "string", "maxLength": MAX_QUERY_LENGTH}
_ERRORS = {
    status: {"$ref": f"#/components/responses/{name}"}
    for status, name in (("400", "BadParameter"), ("413", "TooLarge"), ("503", "NoIndex"))
}


def _query(name: str, description: str, schema: dict | None = None, **more) -> dict:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": schema or _STRING,
        **more,
    }


_SEARCH_PARAMETERS = [
    _query(
        "q",
        'Words, "phrases", -excluded, a OR b, title:, author:; empty lists all',
        _QUERY_TEXT,
    ),
    _query("from", "First day, inclusive: 2021-10-06 or 06/10/2021"),
    _query("to", "Last day, inclusive"),
    _query("sector", "Sectors (any of them)", _STRINGS, style="form", explode=True),
    _query("topic", "Topics (any of them)", _STRINGS, style="form", explode=True),
    _query("related_to", "Only articles linked to this article id"),
    _query("sort", "Order of the hits", {"type": "string", "enum": list(SORTS)}),
    _query("page", "Page number", {"type": "integer", "minimum": 1, "default": 1}),
    _query(
        "limit",
        "Hits per page",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
    ),
]
_ARTICLE_ID = {"name": "id", "in": "path", "required": True, "schema": _STRING}

SCHEMAS = {
    "Error": _object({"error": _ref("ErrorDetail")}),
    "ErrorDetail": _object(
        {
            "code": {
                "type": "string",
                "description": "bad_parameter, article_not_found, not_found, "
                "request_too_large, index_missing, schema_mismatch, index_damaged, "
                "index_unwritable, bad_record, "
                "unauthorized, write_api_off, write_too_large, queue_full, …",
            },
            "message": {"type": "string", "description": "in English"},
            "message_vi": {"type": "string", "description": "in Vietnamese"},
        }
    ),
    "Facet": _object(
        {"value": _STRING, "count": {"type": "integer"}, "selected": {"type": "boolean"}}
    ),
    "Count": _object({"value": _STRING, "count": {"type": "integer", "minimum": 1}}),
    "Hit": _object(
        {
            "id": _STRING,
            "title": {"type": "string", "description": "HTML: escaped, matches in <mark>"},
            "url": _NULLABLE_STRING,
            "date": {"type": ["string", "null"], "description": "a date or a date-time"},
            "sector": _NULLABLE_STRING,
            "topics": _STRINGS,
            "topics_derived": {"type": "boolean"},
            "score": {"type": ["number", "null"], "description": "null when sorted by date"},
            "snippet": {"type": "string", "description": "HTML: escaped, matches in <mark>"},
            "tier": {
                "type": "string",
                "enum": ["precise", "fallback"],
                "description": "precise: holds every word as read, counted in total; "
                "fallback: a looser match (other readings, a mended word, some words "
                "missing) shown after the precise hits on the first page, never counted",
            },
            "explain": {
                "oneOf": [{"type": "null"}, _ref("Explanation")],
                "description": "with explain=1: the parts of the score",
            },
        }
    ),
    "Explanation": _object(
        {
            "reading": {"type": "string", "description": "the query as searched"},
            "tier": {"type": "string", "enum": ["precise", "fallback"]},
            "score": {"type": ["number", "null"]},
            "matched": {
                "type": "array",
                "items": _object(
                    {
                        "field": {
                            "type": "string",
                            "description": "title, body, author; title_pairs, body_pairs "
                            "(adjacent syllables); title_words, body_words (pyvi's words)",
                        },
                        "term": _STRING,
                        "kind": {
                            "type": "string",
                            "description": "typed, keystrokes, restored, mended, folded: how "
                            "the word's form came to be searched; pair, pyvi word, phrase, "
                            "form (an abbreviation's other side, a feedback term)",
                        },
                        "score": {"type": "number"},
                    }
                ),
            },
            "note": _STRING,
        }
    ),
    "SearchResult": _object(
        {
            "query": _STRING,
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "took_ms": {"type": "number", "minimum": 0},
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": _object(
                {
                    name: {"type": "array", "items": _ref("Facet")}
                    for name in ("sectors", "topics", "years")
                }
            ),
            "suggestion": {
                "type": ["string", "null"],
                "description": "the query with a likely slip mended, offered when it finds "
                "over twice as many articles (Có phải bạn muốn tìm)",
            },
            "reading": {
                "type": ["string", "null"],
                "description": "the query as searched, when read otherwise than typed: marks "
                "restored (hoi nghi: hội nghị), keystrokes decoded (hooij: hội)",
            },
            "missing": {
                "type": "array",
                "items": _STRING,
                "description": "words typed that no article holds: total is then 0",
            },
        }
    ),
    "Article": _object(
        {
            "id": _STRING,
            "title": {"type": "string", "description": "plain text"},
            "body": {"type": "string", "description": "plain text, paragraphs split by \\n\\n"},
            "date": _NULLABLE_STRING,
            "sector": _NULLABLE_STRING,
            "topics": _STRINGS,
            "derived_topics": _STRINGS,
            "author": _NULLABLE_STRING,
            "summary": _NULLABLE_STRING,
            "url": _NULLABLE_STRING,
            "captions": _STRINGS,
            "related": {
                "type": "array",
                "items": _object({"id": _STRING, "title": _STRING}),
            },
            "unresolved_titles": _STRINGS,
        }
    ),
    "Suggestion": _object({"text": _STRING, "id": _STRING}),
    # The JSON Lines record of the README; unknown fields are ignored.
    "ArticleRecord": {
        "type": "object",
        "properties": {
            "id": {"type": ["string", "integer"], "description": "unique; at most 200 characters"},
            "title": _STRING,
            "body": {"type": "string", "description": "paragraphs separated by a blank line"},
            "date": {
                "type": "string",
                "description": "ISO 8601 date or date-time, or day-first 06/10/2021",
            },
            "sector": _STRING,
            "topics": {"type": ["array", "string"], "items": _STRING, "maxItems": 100},
            "related": {"type": ["array", "string"], "items": _STRING, "maxItems": 100},
            "author": _STRING,
            "summary": _STRING,
            "url": _STRING,
            "captions": {"type": ["array", "string"], "items": _STRING, "maxItems": 100},
            "related_titles": {"type": ["array", "string"], "items": _STRING, "maxItems": 100},
        },
        "required": ["id", "title", "body"],
    },
    "WriteResult": _object(
        {
            "status": {
                "enum": ["applied", "queued"],
                "description": "applied: committed and searchable; queued: durable, "
                "committed by the writer process within a second",
            },
            "counts": _object({status: {"type": "integer", "minimum": 0} for status in STATUSES}),
            "results": {
                "type": "array",
                "description": "one per article of the write, in order",
                "items": _object(
                    {
                        "position": {"type": "integer", "minimum": 0},
                        "id": _NULLABLE_STRING,
                        "status": {"enum": list(STATUSES)},
                        "error": _ref("ErrorDetail"),
                    },
                    required=["position", "id", "status"],
                ),
            },
        }
    ),
    "QueryCount": _object(
        {
            "query": _STRING,
            "searches": {"type": "integer", "minimum": 1},
            "results": {"type": "integer", "minimum": 0},
        }
    ),
}

_WRITE_RESPONSES = {
    "200": _json(
        _ref("WriteResult"),
        "With refresh=wait_for: committed, searchable on the next request",
    ),
    "202": _json(
        _ref("WriteResult"),
        "Queued: durable, searchable within a second; with refresh=wait_for, not committed "
        "within SEARCH_SERVICE_WRITE_WAIT (the index is busy), and kept queued",
    ),
    "400": {"$ref": "#/components/responses/BadRecord"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/WritesOff"},
    "413": {"$ref": "#/components/responses/WriteTooLarge"},
    "503": {"$ref": "#/components/responses/WriteUnavailable"},
}

_REFRESH = _query(
    "refresh",
    "wait_for: answer once the write is committed (200), holding a worker meanwhile",
    {"enum": ["false", "wait_for"], "default": "false"},
)

_PATHS: dict[str, dict[str, dict]] = {
    "/api/search": {
        "get": {
            "summary": "Search the articles",
            "parameters": [
                *_SEARCH_PARAMETERS,
                _query(
                    "explain",
                    "1: each hit carries the parts of its score (the reading searched, the "
                    "forms, pairs and words that matched in each field)",
                    {"type": "string", "enum": ["0", "1", "true", "false"]},
                ),
            ],
            "responses": {"200": _json(_ref("SearchResult"), "A page of hits"), **_ERRORS},
        }
    },
    "/api/articles": {
        "post": {
            "summary": "Add or replace articles: one, or a list",
            "description": "A bad article in a list is rejected by its position; the others "
            "are written. A single article that is rejected is a 400.",
            "security": [{"writeToken": []}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                _ref("ArticleRecord"),
                                {"type": "array", "items": _ref("ArticleRecord")},
                            ]
                        }
                    }
                },
            },
            "parameters": [_REFRESH],
            "responses": _WRITE_RESPONSES,
        }
    },
    "/api/articles/{id}": {
        "get": {
            "summary": "One article, with its explicit links",
            "parameters": [_ARTICLE_ID],
            "responses": {
                "200": _json(_ref("Article"), "The article"),
                "404": {"$ref": "#/components/responses/NotFound"},
                **_ERRORS,
            },
        },
        "put": {
            "summary": "Add or replace the article with this id",
            "description": "An id in the body must be the one in the URL.",
            "security": [{"writeToken": []}],
            "parameters": [_ARTICLE_ID, _REFRESH],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ArticleRecord")}},
            },
            "responses": _WRITE_RESPONSES,
        },
        "delete": {
            "summary": "Delete the article with this id",
            "security": [{"writeToken": []}],
            "parameters": [_ARTICLE_ID, _REFRESH],
            "responses": {
                **_WRITE_RESPONSES,
                "404": {"$ref": "#/components/responses/NotFound"},
            },
        },
    },
    "/api/articles/{id}/related": {
        "get": {
            "summary": "Related articles: explicit links first, then the most similar",
            "parameters": [
                _ARTICLE_ID,
                _query("limit", "How many", {"type": "integer", "minimum": 1, "maximum": 100}),
            ],
            "responses": {
                "200": _json(
                    _object({"id": _STRING, "related": {"type": "array", "items": _ref("Hit")}}),
                    "The related articles",
                ),
                "404": {"$ref": "#/components/responses/NotFound"},
                **_ERRORS,
            },
        }
    },
    "/api/suggest": {
        "get": {
            "summary": "Titles for what has been typed so far",
            "parameters": [
                _query("q", "What has been typed", _QUERY_TEXT),
                _query(
                    "format",
                    "json, or the OpenSearch suggestions format",
                    {
                        "type": "string",
                        "enum": ["json", "opensearch"],
                    },
                ),
                _query(
                    "limit",
                    "How many",
                    {"type": "integer", "minimum": 1, "maximum": MAX_SUGGESTIONS, "default": 8},
                ),
            ],
            "responses": {
                "200": {
                    "description": "Suggestions",
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": _ref("Suggestion")}
                        },
                        "application/x-suggestions+json": {
                            "schema": {
                                "type": "array",
                                "prefixItems": [_STRING, _STRINGS],
                                "items": False,
                            }
                        },
                    },
                },
                **_ERRORS,
            },
        }
    },
    "/api/sectors": {
        "get": {
            "summary": "Sectors with their article counts",
            "responses": {
                "200": _json(
                    _object({"sectors": {"type": "array", "items": _ref("Count")}}), "Sectors"
                ),
                "503": _ERRORS["503"],
            },
        }
    },
    "/api/topics": {
        "get": {
            "summary": "The most frequent topics with their article counts",
            "responses": {
                "200": _json(
                    _object({"topics": {"type": "array", "items": _ref("Count")}}), "Topics"
                ),
                "503": _ERRORS["503"],
            },
        }
    },
    "/api/searches": {
        "get": {
            "summary": "The most frequent searches, and those that found nothing (staff only)",
            "description": "Only queries that SEARCH_SERVICE_SEARCH_LOG_MIN_VISITORS "
            "different readers searched on one day are listed.",
            "security": [{"staffToken": []}, {"staffCookie": []}],
            "parameters": [_query("days", "Over the last days", {"type": "integer", "minimum": 1})],
            "responses": {
                "200": _json(
                    _object(
                        {
                            "days": {"type": "integer"},
                            "enabled": {"type": "boolean"},
                            "frequent": {"type": "array", "items": _ref("QueryCount")},
                            "found_nothing": {"type": "array", "items": _ref("QueryCount")},
                        }
                    ),
                    "Search counts (no data about readers is kept)",
                ),
                "400": _ERRORS["400"],
                "401": _json(_ref("Error"), "login_required: no staff token nor login"),
                "403": _json(_ref("Error"), "staff_off: SEARCH_SERVICE_STAFF_TOKEN is not set"),
            },
        }
    },
    "/health": {
        "get": {
            "summary": "What the service serves: articles, index generation, schema version",
            "responses": {
                "200": _json(
                    _object(
                        {
                            "status": {"const": "ok"},
                            "articles": {"type": "integer", "minimum": 0},
                            "generation": {"type": "integer"},
                            "schema_version": {"type": "integer"},
                            "first_date": _NULLABLE_STRING,
                            "last_date": _NULLABLE_STRING,
                        }
                    ),
                    "The service is up and has an index",
                ),
                "503": _ERRORS["503"],
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "summary": "This document",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
        }
    },
}

# Any request may be refused before its endpoint reads it: larger than the service takes
# (413), or with a query string that is not UTF-8 (400).
for _path in _PATHS.values():
    for _operation in _path.values():
        for _status in ("400", "413"):
            _operation["responses"].setdefault(_status, _ERRORS[_status])

_RESPONSES = {
    name: _json(_ref("Error"), description)
    for name, description in (
        ("BadParameter", "A parameter that cannot be understood"),
        ("NotFound", "No article with this id"),
        ("TooLarge", "The request is too large"),
        ("NoIndex", "No index yet, one that is damaged, or one that is being rebuilt"),
        ("BadRecord", "The body is not JSON, or its article is rejected (the CLI's message)"),
        ("WritesOff", "The write API is off: SEARCH_SERVICE_WRITE_TOKEN is not set"),
        ("WriteTooLarge", "Over SEARCH_SERVICE_MAX_WRITE_BYTES or _MAX_WRITE_ARTICLES"),
    )
}
_RESPONSES["Unauthorized"] = _json(_ref("Error"), "No bearer token, or not the write token") | {
    "headers": {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": 'Bearer realm="search-service", with error="invalid_token" if wrong',
        }
    }
}
_RESPONSES["WriteUnavailable"] = _json(
    _ref("Error"),
    "queue_full: too many writes wait (with Retry-After); index_unwritable, index_missing, "
    "schema_mismatch",
) | {"headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "search-service",
        "version": "1",
        "summary": "Vietnamese full-text search of news and bulletin archives",
        "description": "Every error is answered with the Error shape and its HTTP status. "
        "Text is UTF-8 JSON with Vietnamese kept readable (not \\u-escaped).",
    },
    "paths": _PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": _RESPONSES,
        "securitySchemes": {
            "writeToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The token of SEARCH_SERVICE_WRITE_TOKEN (writes only)",
            },
            "staffToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The token of SEARCH_SERVICE_STAFF_TOKEN (search statistics)",
            },
            "staffCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "staff",
                "description": "The session cookie of a login at /login",
            },
        },
    },
}
