"""httpx client of one studio's Magicline Open API (the appointment endpoints, customer lookup).

One client is one studio: its base URL and its key, nothing else (§1.1, §1.5). What it does for
every caller:
- sends ``X-API-KEY`` and never logs it; errors become typed exceptions built from the
  ErrorResponse (§1.8), logged with their ``traceId``;
- retries through the one retry policy (``calendar_app.sync.retry``): 429 and 503 (the studio
  refused the call, so repeating it is safe), and a timeout or a dropped connection for reads;
  exponential backoff with full jitter, ``Retry-After`` honoured up to ``max_wait`` seconds (a
  longer wait raises ``MagiclineRateLimited`` so a Celery task can retry later); a POST that may
  have reached the studio is never repeated here;
- keeps each endpoint under the documented 1000 requests/minute (``ratelimit``): a call waits
  for its turn up to ``max_wait`` seconds, else ``MagiclineRateLimited``;
- follows sliced results to the end (§1.9), keeps date-times as the strings received (§1.10;
  parsed by ``bookings.mapping``), splits long slot windows into the studio's maximum and falls
  back to smaller windows on a 400 (§3); the appointment types list is cached for
  ``TYPES_CACHE_SECONDS`` in Django's cache.
"""

import functools
import logging
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
from django.core.cache import cache

from bookings.magicline.ratelimit import LocalWindow, RedisWindow, shared_window
from bookings.mapping import parse_date_time
from calendar_app.sync.retry import RetryPolicy, retry_after_seconds

logger = logging.getLogger(__name__)

TYPES_CACHE_SECONDS = 60
REQUESTS_PER_MINUTE = 1000
SLICE_SIZE = 50
RETRIED_STATUSES = frozenset({429, 503})
SAFE_METHODS = frozenset({"GET", "HEAD"})


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


_ERRORS_BY_STATUS = {
    400: MagiclineBadRequest,
    401: MagiclineAuthError,
    403: MagiclineAuthError,
    404: MagiclineNotFound,
    409: MagiclineConflict,
}


@dataclass(frozen=True)
class MagiclineSlot:
    """A slot as received: the raw date-time strings (sent back unchanged) and parsed instants."""

    start_date_time: str
    end_date_time: str
    start: datetime
    end: datetime
    instructors: tuple[dict, ...]

    @property
    def instructor_ids(self) -> list[int]:
        return [item["id"] for item in self.instructors]

    @property
    def identity(self) -> tuple:
        return (self.start_date_time, self.end_date_time, tuple(sorted(self.instructor_ids)))

    @classmethod
    def from_json(cls, item: dict) -> "MagiclineSlot":
        return cls(
            start_date_time=item["startDateTime"],
            end_date_time=item["endDateTime"],
            start=parse_date_time(item["startDateTime"], reference="startDateTime"),
            end=parse_date_time(item["endDateTime"], reference="endDateTime"),
            instructors=tuple(
                i
                for i in item.get("instructors") or []
                if isinstance(i, dict) and isinstance(i.get("id"), int)
            ),
        )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's verifying TLS context, made once per process: loading the CA bundle takes tens of
    milliseconds, and a client is made for every request of a Magicline studio."""
    return httpx.create_ssl_context()


def _endpoint_name(method: str, path: str) -> str:
    """The rate-limited endpoint of a request: its path with ids replaced by ``{id}``."""
    return method + " " + re.sub(r"/\d+", "/{id}", path)


class MagiclineClient:
    """Calls of one studio (``base_url`` + ``api_key``); ``connection_id`` names its caches."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        connection_id: int | str,
        max_slot_window_days: int = 6,
        timeout: float = 10.0,
        max_attempts: int = 4,
        backoff_seconds: float = 0.5,
        max_wait: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        requests_per_minute: int = REQUESTS_PER_MINUTE,
        rate_window: LocalWindow | RedisWindow | None = None,
    ):
        self.connection_id = connection_id
        self.max_slot_window_days = max_slot_window_days
        self.retry = RetryPolicy(
            attempts=max_attempts,
            backoff=backoff_seconds,
            max_backoff=max_wait,
            max_retry_after=max_wait,
        )
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests_per_minute = requests_per_minute
        self.rate_window = rate_window or shared_window()
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"X-API-KEY": api_key, "Accept": "application/json"},
            timeout=timeout,
            verify=_ssl_context(),
        )

    @classmethod
    def for_connection(cls, connection, **options) -> "MagiclineClient":
        return cls(
            base_url=connection.base_url,
            api_key=connection.api_key,
            connection_id=connection.pk,
            max_slot_window_days=connection.max_slot_window_days,
            **options,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "MagiclineClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- transport -----------------------------------------------------------------------

    def _wait_for_token(self, method: str, path: str) -> None:
        """Reserve this call in the endpoint's minute; wait for the reservation, or refuse when
        it is more than ``max_wait`` away (a task retries later)."""
        key = f"{self.connection_id}:{_endpoint_name(method, path)}"
        wait = self.rate_window.reserve(
            key, limit=self.requests_per_minute, window=60.0, max_wait=self.max_wait
        )
        if wait is None:
            raise MagiclineRateLimited(
                429,
                "Too many requests to this endpoint; try again shortly.",
                retry_after=self.max_wait,
            )
        if wait:
            self.sleep(wait)

    def _request(
        self, method: str, path: str, *, params: dict | None = None, json: dict | None = None
    ) -> httpx.Response:
        """One call through the retry policy: 429/503 again, and no answer again for reads."""

        def call() -> httpx.Response:
            self._wait_for_token(method, path)
            return self._http.request(method, path, params=params, json=json)

        try:
            response = self.retry.send(
                call,
                sleep=self.sleep,
                statuses=RETRIED_STATUSES,
                repeat_on_no_answer=method in SAFE_METHODS,
                what=f"Magicline {method} {path}",
            )
        except httpx.TransportError as error:
            logger.warning("Magicline %s %s failed: %s", method, path, type(error).__name__)
            raise MagiclineNetworkError(
                0, "The studio's Magicline did not answer; try again in a moment."
            ) from error
        return self._checked(method, path, response)

    def _checked(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        status = response.status_code
        fields = {
            "error_code": body.get("errorCode"),
            "trace_id": body.get("traceId"),
            "reference": body.get("reference"),
            "retry_after": retry_after_seconds(response),
        }
        message = body.get("errorMessage") or f"HTTP {status}"
        logger.warning(
            "Magicline %s %s -> %s %s (traceId=%s)",
            method,
            path,
            status,
            fields["error_code"] or "",
            fields["trace_id"],
        )
        if status == 429:
            if fields["retry_after"] is None:
                fields["retry_after"] = self.max_wait
            raise MagiclineRateLimited(status, message, **fields)
        error_class = _ERRORS_BY_STATUS.get(status, MagiclineUnavailable)
        raise error_class(status, message, **fields)

    def _sliced(self, path: str, params: dict | None = None) -> list[dict]:
        """Every element of a sliced result, passing each returned ``offset`` on unchanged."""
        items: list[dict] = []
        offset = "0"
        while True:
            page = self._request(
                "GET", path, params={**(params or {}), "offset": offset, "sliceSize": SLICE_SIZE}
            ).json()
            items.extend(page.get("result") or [])
            if not page.get("hasNext") or page.get("offset") in (None, offset):
                return items
            offset = page["offset"]

    # --- endpoints -----------------------------------------------------------------------

    def check_key(self) -> bool:
        """The documented side-effect-free key check (§1.3): HEAD answers 200 or 401."""
        try:
            self._request("HEAD", "/v1/appointments/bookable")
        except MagiclineAuthError:
            return False
        return True

    def bookable_appointments(self, *, fresh: bool = False) -> list[dict]:
        """The studio's bookable appointment types (§2.1), every slice, cached briefly."""
        cache_key = f"magicline:{self.connection_id}:bookable"
        if not fresh:
            cached = cache.get(cache_key)
            if cached is not None:
                return cached
        items = self._sliced("/v1/appointments/bookable")
        cache.set(cache_key, items, TYPES_CACHE_SECONDS)
        return items

    def bookable_appointment(self, *, appointment_id: int) -> dict:
        return self._request("GET", f"/v1/appointments/bookable/{appointment_id}").json()

    def slots(
        self,
        *,
        appointment_id: int,
        start_date: date,
        days: int,
        customer_id: int | None = None,
        now: datetime | None = None,
    ) -> list[MagiclineSlot]:
        """Free slots in ``[start_date, start_date + days)``: windows of the studio's maximum
        (smaller after a 400), merged, de-duplicated, past ones dropped, sorted by start."""
        found: dict[tuple, MagiclineSlot] = {}
        day = start_date
        end_date = start_date + timedelta(days=days)
        while day < end_date:
            window = min(self.max_slot_window_days, (end_date - day).days)
            params = {"slotWindowStartDate": day.isoformat(), "daysAhead": window}
            if customer_id is not None:
                params["customerId"] = customer_id
            try:
                answer = self._request(
                    "GET", f"/v1/appointments/bookable/{appointment_id}/slots", params=params
                ).json()
            except MagiclineBadRequest:
                if window == 1:
                    raise
                self.max_slot_window_days = max(1, window // 2)
                continue
            for item in answer:
                slot = MagiclineSlot.from_json(item)
                found.setdefault(slot.identity, slot)
            day += timedelta(days=window)
        cutoff = now or datetime.now(UTC)
        return sorted(
            (slot for slot in found.values() if slot.start >= cutoff),
            key=lambda slot: (slot.start, slot.identity),
        )

    @staticmethod
    def _slot_body(
        *,
        customer_id: int,
        appointment_id: int,
        start_date_time: str,
        end_date_time: str,
        instructor_ids: list[int] | None,
    ) -> dict:
        body = {
            "customerId": customer_id,
            "bookableAppointmentId": appointment_id,
            "startDateTime": start_date_time,
            "endDateTime": end_date_time,
        }
        if instructor_ids:
            body["instructorIds"] = instructor_ids
        return body

    def validate(self, **slot) -> str:
        """The ``validationStatus`` for a customer and a slot (§2.4); AVAILABLE means go."""
        body = self._slot_body(**slot)
        return self._request("POST", "/v1/appointments/bookable/validate", json=body).json()[
            "validationStatus"
        ]

    def book(self, **slot) -> dict:
        """Book the slot (§2.5): the AppointmentBooking. Never retried here after a network error
        (the caller checks the customer's bookings first, so a timeout never double-books)."""
        body = self._slot_body(**slot)
        return self._request("POST", "/v1/appointments/booking/book", json=body).json()

    def booking(self, *, booking_id: int) -> dict | None:
        """One booking with its ``customerId`` (§2.6); None when Magicline says 404."""
        try:
            return self._request("GET", f"/v1/appointments/booking/{booking_id}").json()
        except MagiclineNotFound:
            return None

    def customer_bookings(self, *, customer_id: int) -> list[dict]:
        """The customer's bookings within ±2 weeks of now (§2.7, a plain array)."""
        return self._request(
            "GET", "/v1/appointments/booking", params={"customerId": customer_id}
        ).json()

    def cancel(self, *, booking_id: int) -> None:
        """Cancel a booking (§2.8): any 2xx is success."""
        self._request("DELETE", f"/v1/appointments/booking/{booking_id}")

    def customer(self, *, customer_id: int, cross_studio: bool = False) -> dict | None:
        """One customer (§2.10), of this studio or (``cross_studio``) of any connected studio."""
        prefix = "/v1/cross-studio/customers" if cross_studio else "/v1/customers"
        try:
            return self._request("GET", f"{prefix}/{customer_id}").json()
        except MagiclineNotFound:
            return None

    def search_customers(self, *, cross_studio: bool = False, **criteria: str) -> list[dict]:
        """Customers matching ``firstName``/``lastName`` prefixes, ``email``, ``dateOfBirth``."""
        prefix = "/v1/cross-studio/customers" if cross_studio else "/v1/customers"
        body = {name: value for name, value in criteria.items() if value}
        return self._request("POST", f"{prefix}/search", json=body).json()
