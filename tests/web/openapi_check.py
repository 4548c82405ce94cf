"""Checking real responses against the OpenAPI document the service serves."""

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from search_service.web.openapi import DOCUMENT

BASE = "urn:search-service:openapi"
_REGISTRY = Registry().with_resource(
    BASE, Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def response_spec(path: str, status: int, method: str = "get") -> tuple[str, dict]:
    """The pointer and description of the documented response of `method` `path` with
    `status`."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    pointer = _pointer("paths", path, method, "responses", str(status))
    spec = responses[str(status)]
    if "$ref" in spec:
        pointer = spec["$ref"].removeprefix("#")
        spec = DOCUMENT["components"]["responses"][pointer.rsplit("/", 1)[1]]
    return pointer, spec


def check(path: str, response, method: str = "get") -> None:
    """Assert that `response` to `method` `path` (a documented path template) is as
    documented."""
    pointer, spec = response_spec(path, response.status_code, method)
    content_type = response.mimetype
    assert content_type in spec["content"], f"{path} {response.status_code}: {content_type}"
    schema_pointer = pointer + _pointer("content", content_type, "schema")
    validator = Draft202012Validator({"$ref": BASE + "#" + schema_pointer}, registry=_REGISTRY)
    errors = sorted(validator.iter_errors(response.get_json()), key=str)
    assert not errors, "\n".join(f"{path}: {e.json_path}: {e.message}" for e in errors)
