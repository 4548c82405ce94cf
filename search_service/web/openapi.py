"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Written by hand, as the contract; the tests validate real responses of every endpoint
against these schemas, so the document cannot drift from what the service answers.
"""

from ..query import MAX_QUERY_LENGTH
from ..search import MAX_LIMIT, SORTS
from ..suggest import MAX_SUGGESTIONS


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
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        "type": "string",
                        "description": "bad_parameter, article_not_found, not_found, "
                        "request_too_large, index_missing, schema_mismatch, index_damaged, …",
                    },
                    "message": {"type": "string", "description": "in English"},
                    "message_vi": {"type": "string", "description": "in Vietnamese"},
                }
            )
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
                "description": "the query as the articles spell it (Có phải bạn muốn tìm)",
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
    "QueryCount": _object(
        {
            "query": _STRING,
            "searches": {"type": "integer", "minimum": 1},
            "results": {"type": "integer", "minimum": 0},
        }
    ),
}

_PATHS = {
    "/api/search": {
        "get": {
            "summary": "Search the articles",
            "parameters": _SEARCH_PARAMETERS,
            "responses": {"200": _json(_ref("SearchResult"), "A page of hits"), **_ERRORS},
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
        }
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
            "summary": "The most frequent searches, and those that found nothing",
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
    for _status in ("400", "413"):
        _path["get"]["responses"].setdefault(_status, _ERRORS[_status])

_RESPONSES = {
    name: _json(_ref("Error"), description)
    for name, description in (
        ("BadParameter", "A parameter that cannot be understood"),
        ("NotFound", "No article with this id"),
        ("TooLarge", "The request is too large"),
        ("NoIndex", "No index yet, one that is damaged, or one that is being rebuilt"),
    )
}

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
    "components": {"schemas": SCHEMAS, "responses": _RESPONSES},
}
