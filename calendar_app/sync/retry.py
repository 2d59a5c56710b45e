"""The one HTTP retry policy of every upstream client (Wix, Magicline, Google), on tenacity.

A call is made again after an answer the upstream documents as worth repeating (429 and 5xx
by default) and, for calls safe to repeat, after a timeout or a dropped connection: at most
``attempts`` times in all. Between attempts it waits the answer's ``Retry-After`` (seconds or
an HTTP date) when given, else exponential backoff with full jitter (uniform between 0 and
``backoff · 2^(n-1)``, at most ``max_backoff``). A ``Retry-After`` longer than
``max_retry_after`` is not waited for: that answer is returned at once, so a request never
hangs and a Celery task retries it later. The client turns the last answer into its own
typed error; the sleep is injected (tests record the waits instead of sleeping).
"""

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx
import tenacity

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The answer's ``Retry-After`` in seconds (0 at least), or None when it names none."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


class _Repeat(Exception):
    """An answer worth another attempt (kept, to be returned when the attempts run out)."""

    def __init__(self, response: httpx.Response, retry_after: float | None):
        self.response, self.retry_after = response, retry_after
        super().__init__(f"HTTP {response.status_code}")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0

    def send(
        self,
        call: Callable[[], httpx.Response],
        *,
        sleep: Callable[[float], None] = time.sleep,
        statuses: Collection[int] = RETRY_STATUSES,
        repeat_on_no_answer: bool = True,
        what: str = "",
    ) -> httpx.Response:
        """``call()`` with retries: the last answer (any status), or the last transport error
        (``httpx.TransportError``: a timeout, a refused or dropped connection) raised."""

        def attempt() -> httpx.Response:
            response = call()
            if response.status_code in statuses:
                retry_after = retry_after_seconds(response)
                if retry_after is None or retry_after <= self.max_retry_after:
                    raise _Repeat(response, retry_after)
            return response

        def worth_repeating(error: BaseException) -> bool:
            return isinstance(error, _Repeat) or (
                repeat_on_no_answer and isinstance(error, httpx.TransportError)
            )

        retrying = tenacity.Retrying(
            sleep=sleep,
            stop=tenacity.stop_after_attempt(max(1, self.attempts)),
            wait=self._wait,
            retry=tenacity.retry_if_exception(worth_repeating),
            before_sleep=lambda state: _log(what, state),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Repeat as last:
            return last.response

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Repeat) and error.retry_after is not None:
            return error.retry_after
        jitter = tenacity.wait_random_exponential(multiplier=self.backoff, max=self.max_backoff)
        return jitter(state)


def _log(what: str, state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    reason = str(error) if isinstance(error, _Repeat) else type(error).__name__
    wait = state.next_action.sleep if state.next_action else 0.0
    logger.info("%s: %s, retry %s in %.1fs", what, reason, state.attempt_number, wait)
