"""The exceptions of the service, each knowing its exit status and HTTP status.

The CLI and the web app translate them in one place each; anything else that escapes
is a bug.
"""


class SearchServiceError(Exception):
    """Base of every error the service reports to a user."""

    exit_code = 1
    http_status = 500
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str]:
        """HTTP headers that go with the error response (none by default)."""
        return {}


class BadRecord(SearchServiceError):
    """An article record or file that cannot be indexed; it is skipped, the rest goes on."""

    exit_code = 2
    http_status = 400
    code = "bad_record"

    def __init__(self, message: str, source: str = "", line: int | None = None):
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message
        self.source = source
        self.line = line


class BadSetting(SearchServiceError, ValueError):
    """A SEARCH_SERVICE_* setting whose value cannot be used; the service does not start."""

    exit_code = 2


class BadQuery(SearchServiceError):
    """A request parameter that cannot be understood (a bad date, a limit out of range)."""

    exit_code = 2
    http_status = 400
    code = "bad_parameter"


class IndexMissing(SearchServiceError):
    """No index exists where one was expected."""

    exit_code = 3
    http_status = 503
    code = "index_missing"


class SchemaMismatch(SearchServiceError):
    """The index on disk was built by another schema version."""

    exit_code = 3
    http_status = 503
    code = "schema_mismatch"


class IndexDamaged(SearchServiceError):
    """The index on disk is damaged (a file missing, truncated or unreadable): rebuild it."""

    exit_code = 3
    http_status = 503
    code = "index_damaged"


class IndexUnwritable(SearchServiceError):
    """The index folder refused a write (disk full, read-only, a file size limit); the index
    keeps its last commit and still serves reads."""

    exit_code = 6
    http_status = 503
    code = "index_unwritable"


class IndexBusy(SearchServiceError):
    """Another writer holds the index lock for longer than the timeout."""

    exit_code = 4
    http_status = 503
    code = "index_busy"


class ArticleNotFound(SearchServiceError):
    """No article has the requested id."""

    exit_code = 5
    http_status = 404
    code = "not_found"


class WritesOff(SearchServiceError):
    """The write API is not configured: no write token is set."""

    # 403, not 401 or 404: the route exists and the request is understood, but no token
    # can be right while the service has none; the remedy is the server's configuration.
    http_status = 403
    code = "write_api_off"


class Unauthorized(SearchServiceError):
    """A write without the right bearer token."""

    http_status = 401
    code = "unauthorized"

    def __init__(self, message: str, token_given: bool):
        super().__init__(message)
        self.token_given = token_given

    def headers(self) -> dict[str, str]:
        # RFC 6750: the scheme to use, and whether the token that came was wrong.
        challenge = 'Bearer realm="search-service"'
        if self.token_given:
            challenge += ', error="invalid_token"'
        return {"WWW-Authenticate": challenge}


class StaffOff(SearchServiceError):
    """The staff pages are not configured: no staff token is set."""

    http_status = 403
    code = "staff_off"


class LoginRequired(SearchServiceError):
    """A staff page or its JSON asked without staff credentials."""

    http_status = 401
    code = "login_required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="search-service staff"'}


class BadForm(SearchServiceError):
    """A form sent without the CSRF token of the page it came from, or with a stale one."""

    http_status = 400
    code = "bad_form"


class WriteTooLarge(SearchServiceError):
    """A write over the body size limit or the number of articles a write may hold."""

    http_status = 413
    code = "write_too_large"


class QueueFull(SearchServiceError):
    """More write operations wait to be applied than the queue holds; try again later."""

    exit_code = 4
    http_status = 503
    code = "queue_full"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
