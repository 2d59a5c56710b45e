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
- connects to public addresses only (``calendar_app.sync.egress``): an internal one raises
  ``MagiclineError`` saying why, not retried;
- keeps each endpoint under the documented 1000 requests/minute (``ratelimit``): a call waits
  for its turn up to ``max_wait`` seconds, else ``MagiclineRateLimited``;
- reads every answer into the contract's tolerant shapes (``answers``): what it returns is
  readable, or the call raises ``MagiclineMalformed`` naming the field;
- follows sliced results to the end (§1.9), keeps date-times as the strings received (§1.10),
  splits long slot windows into the studio's maximum and falls back to smaller windows on a 400
  (§3); the appointment types list is cached for ``TYPES_CACHE_SECONDS`` in Django's cache.
"""

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
from django.core.cache import cache

from bookings import contract
from bookings.contract import ValidationStatus
from bookings.magicline.answers import MagiclineSlot, read_answer
from bookings.magicline.errors import (
    ERRORS_BY_STATUS,
    MagiclineAuthError,
    MagiclineBadRequest,
    MagiclineError,
    MagiclineNetworkError,
    MagiclineNotFound,
    MagiclineRateLimited,
    MagiclineUnavailable,
)
from bookings.magicline.ratelimit import LocalWindow, RedisWindow, shared_window
from calendar_app.sync.egress import EgressRefused, EgressTransport
from calendar_app.sync.retry import RetryPolicy, retry_after_seconds

logger = logging.getLogger(__name__)

TYPES_CACHE_SECONDS = 60
REQUESTS_PER_MINUTE = 1000
SLICE_SIZE = 50
RETRIED_STATUSES = frozenset({429, 503})
SAFE_METHODS = frozenset({"GET", "HEAD"})


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
            transport=EgressTransport(),
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
        except EgressRefused as refused:  # an internal address: not retried, the reason kept
            raise MagiclineError(0, str(refused)) from refused
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
        error_class = ERRORS_BY_STATUS.get(status, MagiclineUnavailable)
        raise error_class(status, message, **fields)

    def _read[T](self, shape: type[T], method: str, path: str, **request) -> T:
        """One call's answer read as ``shape`` (``MagiclineMalformed`` when it cannot be)."""
        response = self._request(method, path, **request)
        try:
            body = response.json()
        except ValueError:
            body = None
        return read_answer(shape, body, what=_endpoint_name(method, path))

    def _sliced[T](self, path: str, shape: type[T]) -> list[T]:
        """Every element of a sliced result, passing each returned ``offset`` on unchanged."""
        items: list[T] = []
        offset = "0"
        while True:
            page = self._read(
                contract.SlicedAnswer[shape],
                "GET",
                path,
                params={"offset": offset, "sliceSize": SLICE_SIZE},
            )
            items.extend(page.result)
            if not page.has_next or page.offset in (None, offset):
                return items
            offset = page.offset

    # --- endpoints -----------------------------------------------------------------------

    def check_key(self) -> bool:
        """The documented side-effect-free key check (§1.3): HEAD answers 200 or 401."""
        try:
            self._request("HEAD", "/v1/appointments/bookable")
        except MagiclineAuthError:
            return False
        return True

    def bookable_appointments(self, *, fresh: bool = False) -> list[contract.BookableAppointment]:
        """The studio's bookable appointment types (§2.1), every slice, cached briefly."""
        cache_key = f"magicline:{self.connection_id}:bookable"
        if not fresh:
            cached = cache.get(cache_key)
            if cached is not None:
                return cached
        items = self._sliced("/v1/appointments/bookable", contract.BookableAppointment)
        cache.set(cache_key, items, TYPES_CACHE_SECONDS)
        return items

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
                answer = self._read(
                    list[contract.SlotAnswer],
                    "GET",
                    f"/v1/appointments/bookable/{appointment_id}/slots",
                    params=params,
                )
            except MagiclineBadRequest:
                if window == 1:
                    raise
                self.max_slot_window_days = max(1, window // 2)
                continue
            for item in answer:
                slot = MagiclineSlot.of(item)
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

    def validate(self, **slot) -> ValidationStatus:
        """The ``validationStatus`` for a customer and a slot (§2.4); AVAILABLE means go (a
        status the contract does not list reads as NOT_AVAILABLE)."""
        body = self._slot_body(**slot)
        return self._read(
            contract.ValidationAnswer, "POST", "/v1/appointments/bookable/validate", json=body
        ).validation_status

    def book(self, **slot) -> contract.BookingAnswer:
        """Book the slot (§2.5): the AppointmentBooking. Never retried here after a network error
        (the caller checks the customer's bookings first, so a timeout never double-books)."""
        body = self._slot_body(**slot)
        return self._read(
            contract.BookingAnswer, "POST", "/v1/appointments/booking/book", json=body
        )

    def booking(self, *, booking_id: int) -> contract.BookingWithCustomerAnswer | None:
        """One booking with its ``customerId`` (§2.6); None when Magicline says 404."""
        try:
            return self._read(
                contract.BookingWithCustomerAnswer, "GET", f"/v1/appointments/booking/{booking_id}"
            )
        except MagiclineNotFound:
            return None

    def customer_bookings(self, *, customer_id: int) -> list[contract.BookingAnswer]:
        """The customer's bookings within ±2 weeks of now (§2.7, a plain array)."""
        return self._read(
            list[contract.BookingAnswer],
            "GET",
            "/v1/appointments/booking",
            params={"customerId": customer_id},
        )

    def cancel(self, *, booking_id: int) -> None:
        """Cancel a booking (§2.8): any 2xx is success."""
        self._request("DELETE", f"/v1/appointments/booking/{booking_id}")

    def customer(
        self, *, customer_id: int, cross_studio: bool = False
    ) -> contract.CustomerAnswer | None:
        """One customer (§2.10), of this studio or (``cross_studio``) of any connected studio."""
        prefix = "/v1/cross-studio/customers" if cross_studio else "/v1/customers"
        try:
            return self._read(contract.CustomerAnswer, "GET", f"{prefix}/{customer_id}")
        except MagiclineNotFound:
            return None

    def search_customers(
        self, *, cross_studio: bool = False, **criteria: str
    ) -> list[contract.CustomerAnswer]:
        """Customers matching ``firstName``/``lastName`` prefixes, ``email``, ``dateOfBirth``."""
        prefix = "/v1/cross-studio/customers" if cross_studio else "/v1/customers"
        body = {name: value for name, value in criteria.items() if value}
        return self._read(list[contract.CustomerAnswer], "POST", f"{prefix}/search", json=body)
