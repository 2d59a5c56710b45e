"""HTTP client of the Wix Calendar V3 REST API (httpx), spec §1, §3, §4.

Every call sends the API key in ``Authorization``, the site in ``wix-site-id`` and an explicit
``User-Agent``; it has timeouts, and retries 429, 5xx, timeouts and refused connections through
the one retry policy (``calendar_app.sync.retry``: exponential backoff with full jitter,
``Retry-After`` honoured up to ``max_retry_after``). What still fails comes back as a typed
error. List endpoints are cursor-paged generators that stop on ``hasNext`` false,
a missing cursor or a cursor that repeats. The API key is never logged nor put in a message.
"""

import time
import uuid
from collections.abc import Callable, Iterator

import httpx

from calendar_app.sync.egress import EgressRefused, EgressTransport
from calendar_app.sync.retry import RETRY_STATUSES, RetryPolicy

USER_AGENT = "owner-dashboard-calendar-sync/1.0 (+httpx)"
PI_FIELDS = ["PI_FIELDS"]


class WixError(Exception):
    """A Calendar V3 call that did not succeed; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, *, status: int = 0):
        self.status = status
        super().__init__(message)


class WixBadRequest(WixError):
    """400 (and other 4xx without a meaning of their own): the request was refused as invalid."""


class WixAuthError(WixError):
    """401/403: the API key is wrong, expired or lacks a permission scope."""


class WixNotFound(WixError):
    """404: no such event, schedule or participation."""


class WixRevisionConflict(WixError):
    """409: the revision sent is not the current one (someone changed the object first)."""


class WixUnavailable(WixError):
    """The service did not answer usefully: 429/5xx after the retries, timeouts, no connection."""


def _error_message(response: httpx.Response) -> str:
    """The Wix error body's message (``message`` or the application error's description)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    details = body.get("details") or {}
    application = details.get("applicationError") or {}
    return str(body.get("message") or application.get("description") or response.status_code)


def _error_for(response: httpx.Response) -> WixError:
    status, message = response.status_code, _error_message(response)
    if status in (401, 403):
        return WixAuthError(
            f"The calendar service refused the credentials: {message}", status=status
        )
    if status == 404:
        return WixNotFound(message, status=status)
    if status == 409:
        return WixRevisionConflict(message, status=status)
    if status in RETRY_STATUSES:
        return WixUnavailable(f"The calendar service answered {status}: {message}", status=status)
    return WixBadRequest(message, status=status)


class WixClient:
    """One site's Calendar V3 API. Use as a context manager, or call ``close()``."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        site_id: str,
        timeout: float = 10.0,
        max_attempts: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": api_key,
                "wix-site-id": site_id,
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport or EgressTransport(),
        )
        self.retry = RetryPolicy(
            attempts=max_attempts,
            backoff=backoff,
            max_backoff=max_backoff,
            max_retry_after=max_retry_after,
        )
        self._sleep = sleep

    @classmethod
    def for_connection(cls, connection, **options) -> "WixClient":
        """The client of a ``WixConnection`` (its base URL, API key and site id)."""
        return cls(
            base_url=connection.base_url,
            api_key=connection.api_key,
            site_id=connection.site_id,
            **options,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "WixClient":
        return self

    def __exit__(self, *_exc_info) -> None:
        self.close()

    # Transport: retries (the one policy), typed errors

    def request(self, method: str, path: str, *, json=None, params=None) -> dict:
        """One API call with retries; the decoded JSON body (``{}`` for an empty one)."""
        try:
            response = self.retry.send(
                lambda: self._http.request(method, path, json=json, params=params),
                sleep=lambda seconds: self._sleep(seconds),
                what=f"{method} {path}",
            )
        except EgressRefused as refused:  # an internal address: not retried, the reason kept
            raise WixError(str(refused)) from refused
        except httpx.TransportError as error:  # timeouts and refused connections too
            raise WixUnavailable(
                f"The calendar service did not answer ({type(error).__name__})."
            ) from error
        if response.is_error:
            raise _error_for(response)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as error:
            raise WixUnavailable("The calendar service sent an answer that is not JSON.") from error

    def _pages(self, path: str, body: dict, key: str, *, limit: int) -> Iterator[list[dict]]:
        """Cursor paging (§4): the same top-level fields on every page, the cursor in
        ``query.cursorPaging.cursor``; stops on ``hasNext`` false, no cursor, or a repeat."""
        query = dict(body.get("query") or {})
        query["cursorPaging"] = {"limit": limit}
        seen: set[str] = set()
        while True:
            answer = self.request("POST", path, json={**body, "query": query})
            yield list(answer.get(key) or [])
            paging = answer.get("pagingMetadata") or {}
            cursor = (paging.get("cursors") or {}).get("next")
            if not paging.get("hasNext") or not cursor or cursor in seen:
                return
            seen.add(cursor)
            query = {"cursorPaging": {"limit": limit, "cursor": cursor}}

    # Event Views and Events

    def get_events_view(self) -> dict:
        """``{endDate, futureDurationInDays}``: how far ahead the view is complete."""
        return self.request("GET", "/calendar/v3/events/view").get("eventsView") or {}

    def query_events(
        self,
        *,
        from_local_date: str | None,
        to_local_date: str | None,
        time_zone: str | None = None,
        recurrence_types: list[str] | None = None,
        filter: dict | None = None,
        limit: int = 100,
        fields: list[str] | None = PI_FIELDS,
    ) -> Iterator[list[dict]]:
        """Query Events, page by page (each page a list of Events)."""
        body: dict = {"query": {"sort": [{"fieldName": "start", "order": "ASC"}]}}
        if filter:
            body["query"]["filter"] = filter
        for name, value in (
            ("fromLocalDate", from_local_date),
            ("toLocalDate", to_local_date),
            ("timeZone", time_zone),
            ("recurrenceType", recurrence_types),
            ("fields", fields),
        ):
            if value:
                body[name] = value
        return self._pages("/calendar/v3/events/query", body, "events", limit=limit)

    def get_event(self, event_id: str, *, fields: list[str] | None = PI_FIELDS) -> dict:
        params = {"fields": fields} if fields else None
        return self.request("GET", f"/calendar/v3/events/{event_id}", params=params)["event"]

    def list_events(self, event_ids: list[str], *, fields: list[str] | None = PI_FIELDS) -> list:
        params: dict = {"eventIds": event_ids}
        if fields:
            params["fields"] = fields
        return self.request("GET", "/calendar/v3/events", params=params).get("events") or []

    def create_event(self, event: dict, *, idempotency_key: str | None = None) -> dict:
        body = {"event": event, "idempotencyKey": idempotency_key or str(uuid.uuid4())}
        return self.request("POST", "/calendar/v3/events", json=body)["event"]

    def update_event(
        self, event_id: str, *, revision: int, changes: dict, notification: dict | None = None
    ) -> dict:
        """Update Event (a PATCH of only the changed fields, with the current revision);
        ``notification`` is the spec's ``participantNotification``, when the owner chose."""
        body = _notifying(
            {"event": {**changes, "id": event_id, "revision": str(revision)}}, notification
        )
        return self.request("PATCH", f"/calendar/v3/events/{event_id}", json=body)["event"]

    def cancel_event(self, event_id: str, *, notification: dict | None = None) -> dict:
        body = _notifying({}, notification)
        return self.request("POST", f"/calendar/v3/events/{event_id}/cancel", json=body)["event"]

    def bulk_update_events(
        self, items: list[dict], *, notification: dict | None = None
    ) -> list[dict]:
        """Bulk Update (``items``: ``{id, revision, ...changes}``); every item's result, each
        to be checked (a 200 may carry failed items)."""
        body = _notifying(
            {"events": [{"event": item} for item in items], "returnEntity": True}, notification
        )
        return self.request("POST", "/calendar/v3/bulk/events/update", json=body)["results"]

    def bulk_cancel_events(
        self, event_ids: list[str], *, notification: dict | None = None
    ) -> list[dict]:
        body = _notifying({"eventIds": event_ids, "returnEntity": True}, notification)
        return self.request("POST", "/calendar/v3/bulk/events/cancel", json=body)["results"]

    # Schedules

    def query_schedules(self, *, filter: dict | None = None, limit: int = 100):
        body = {"query": {"filter": filter}} if filter else {"query": {}}
        return self._pages("/calendar/v3/schedules/query", body, "schedules", limit=limit)

    def get_schedule(self, schedule_id: str) -> dict:
        return self.request("GET", f"/calendar/v3/schedules/{schedule_id}")["schedule"]

    def create_schedule(self, schedule: dict, *, idempotency_key: str | None = None) -> dict:
        body = {"schedule": schedule, "idempotencyKey": idempotency_key or str(uuid.uuid4())}
        return self.request("POST", "/calendar/v3/schedules", json=body)["schedule"]

    def update_schedule(
        self, schedule_id: str, *, revision: int, changes: dict, notification: dict | None = None
    ) -> dict:
        body = _notifying(
            {"schedule": {**changes, "id": schedule_id, "revision": str(revision)}}, notification
        )
        path = f"/calendar/v3/schedules/{schedule_id}"
        return self.request("PATCH", path, json=body)["schedule"]

    def cancel_schedule(self, schedule_id: str, *, notification: dict | None = None) -> dict:
        path = f"/calendar/v3/schedules/{schedule_id}/cancel"
        return self.request("POST", path, json=_notifying({}, notification))["schedule"]

    # Resources (Bookings Resources V2)

    def query_resources(self, *, filter: dict | None = None, limit: int = 100):
        body = {"query": {"filter": filter}} if filter else {"query": {}}
        return self._pages("/bookings/v2/resources/query", body, "resources", limit=limit)

    # Participations

    def query_participations(self, *, filter: dict | None = None, limit: int = 100):
        """Query Participations, oldest first (the sort is set: its default is disputed)."""
        query: dict = {"sort": [{"fieldName": "createdDate", "order": "ASC"}]}
        if filter:
            query["filter"] = filter
        return self._pages(
            "/calendar/v3/participations/query", {"query": query}, "participations", limit=limit
        )

    def get_participation(self, participation_id: str) -> dict:
        path = f"/calendar/v3/participations/{participation_id}"
        return self.request("GET", path)["participation"]

    def create_participation(
        self, participation: dict, *, idempotency_key: str | None = None
    ) -> dict:
        body = {
            "participation": participation,
            "idempotencyKey": idempotency_key or str(uuid.uuid4()),
        }
        return self.request("POST", "/calendar/v3/participations", json=body)["participation"]

    def update_participation(self, participation_id: str, *, revision: int, changes: dict) -> dict:
        body = {"participation": {**changes, "revision": str(revision)}}
        path = f"/calendar/v3/participations/{participation_id}"
        return self.request("PATCH", path, json=body)["participation"]

    def delete_participation(self, participation_id: str) -> None:
        self.request("DELETE", f"/calendar/v3/participations/{participation_id}")


def _notifying(body: dict, notification: dict | None) -> dict:
    """``body`` with the spec's ``participantNotification`` (``{notifyParticipants, message}``)
    when there is one."""
    return {**body, "participantNotification": notification} if notification else body
