"""The Magicline client's failures: one class per kind of refusal (§1.8), built from the
ErrorResponse, and a 2xx answer the app cannot read (``MagiclineMalformed``).

The backend turns them into ``bookings.errors`` in one place; the tasks retry the outages and fail
a delivery on the others, with the error's sentence as the reason.
"""


class MagiclineError(Exception):
    """A refused call: the HTTP status and the ErrorResponse fields (``message`` is translated);
    ``retry_after``: the seconds the answer's ``Retry-After`` asked for (None when it named none).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_code: str | None = None,
        trace_id: str | None = None,
        reference: str | None = None,
        retry_after: float | None = None,
    ):
        self.status = status
        self.message = message
        self.error_code = error_code
        self.trace_id = trace_id
        self.reference = reference
        self.retry_after = retry_after
        super().__init__(f"Magicline answered {status}: {message}")


class MagiclineBadRequest(MagiclineError):
    """400: the request failed validation."""


class MagiclineAuthError(MagiclineError):
    """401/403: the key is missing, wrong, or lacks the scope."""


class MagiclineNotFound(MagiclineError):
    """404: the entity does not exist (a cancelled booking may read like this too)."""


class MagiclineConflict(MagiclineError):
    """409: the entity was changed by another request."""


class MagiclineRateLimited(MagiclineError):
    """429 (or our own bucket is empty): try again after ``retry_after`` seconds."""

    def __init__(self, status: int, message: str, *, retry_after: float, **fields):
        super().__init__(status, message, retry_after=retry_after, **fields)


class MagiclineUnavailable(MagiclineError):
    """500/503 or a network failure: the studio's API is not answering properly right now
    (``retry_after`` when the answer said when to try again)."""


class MagiclineNetworkError(MagiclineUnavailable):
    """The request may or may not have reached Magicline (timeout, dropped connection)."""


# The error of each refusal status; any other status is ``MagiclineUnavailable``.
ERRORS_BY_STATUS = {
    400: MagiclineBadRequest,
    401: MagiclineAuthError,
    403: MagiclineAuthError,
    404: MagiclineNotFound,
    409: MagiclineConflict,
}


class MagiclineMalformed(MagiclineError):
    """A 2xx answer that is not in the contract's shape (``what``: the endpoint); ``message``
    is a sentence naming the wrong field and ``reference`` that field."""

    def __init__(self, message: str, *, what: str, reference: str | None = None):
        self.what = what
        super().__init__(200, message, reference=reference)

    def __str__(self) -> str:
        return f"Magicline answered something we cannot read ({self.what}): {self.message}"
