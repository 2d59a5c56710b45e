"""Meeting providers behind one small interface: create, update and delete a meeting.

- ``BuiltinProvider`` needs no account: a room is an unguessable path
  (``secrets.token_urlsafe``) on the meeting host of ``CONFERENCING_MEETING_HOST`` (a Jitsi
  server, say), where a room exists while someone is in it; updating or deleting has nothing
  to tell the host.
- ``GoogleMeetProvider`` makes the meeting a Google Calendar event with a Meet conference
  (``events.insert`` with ``conferenceData.createRequest`` and ``conferenceDataVersion=1``;
  ``events.patch`` on a reschedule or a participant change; ``events.delete`` on removal) with
  the business's OAuth client and refresh token; the access token is refreshed at the OAuth
  token endpoint when it is missing, expired or refused (401). The event id is derived from our
  event and the meeting's generation, so an insert repeated after a lost worker answers 409 and
  the existing meeting is read instead of making a second one.

Every call goes through the one retry policy (``calendar_app.sync.retry``): 429, 5xx, timeouts
and refused connections are tried again, honouring ``Retry-After``, with jittered backoff (every
call is safe to repeat: the insert's event id is ours). Errors: ``ProviderUnavailable``
(unreachable, 429, 5xx after the retries, a conference still being made) is worth retrying
later; ``ProviderRefused`` (bad credentials, 4xx) is not. Neither message carries a secret.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from django.conf import settings
from django.utils import timezone

from calendar_app.conferencing.models import GoogleCredentials, Provider
from calendar_app.sync.egress import EgressTransport
from calendar_app.sync.retry import RetryPolicy

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RETRY = RetryPolicy(attempts=3, backoff=0.5, max_backoff=4.0, max_retry_after=10.0)


@dataclass(frozen=True)
class MeetingRequest:
    """What a meeting is made from: the event's title, instants, zone and attendees."""

    event_id: str
    generation: int
    title: str
    start: datetime
    end: datetime
    time_zone: str
    attendees: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        """Changes whenever the provider's meeting would have to change."""
        parts = (self.title, self.start.isoformat(), self.end.isoformat(), self.time_zone)
        text = "|".join((*parts, *sorted(self.attendees)))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class MeetingDetails:
    host_url: str
    guest_url: str
    external_id: str


class ProviderError(Exception):
    """A provider call that did not do what was asked; the message is safe to show."""


class ProviderUnavailable(ProviderError):
    """Worth retrying later: unreachable, rate-limited, failing, or not ready yet."""


class ProviderRefused(ProviderError):
    """Retrying will not help: credentials refused, a request the provider rejects."""


class MeetingProvider(Protocol):
    def create_meeting(self, *, request: MeetingRequest) -> MeetingDetails: ...

    def update_meeting(self, *, external_id: str, request: MeetingRequest) -> MeetingDetails: ...

    def delete_meeting(self, *, external_id: str) -> None: ...


class BuiltinProvider:
    """Rooms on a meeting host that needs no account: the room's name is the secret."""

    def __init__(self, *, host: str | None = None):
        self.host = (host or settings.CONFERENCING_MEETING_HOST).rstrip("/")

    def _details(self, room: str) -> MeetingDetails:
        url = f"{self.host}/{room}"
        return MeetingDetails(host_url=url, guest_url=url, external_id=room)

    def create_meeting(self, *, request: MeetingRequest) -> MeetingDetails:
        return self._details(secrets.token_urlsafe(24))

    def update_meeting(self, *, external_id: str, request: MeetingRequest) -> MeetingDetails:
        return self._details(external_id)

    def delete_meeting(self, *, external_id: str) -> None:
        """Nothing to delete: a room exists only while someone is in it."""


class GoogleMeetProvider:
    """Google Meet through the Google Calendar API v3 over httpx."""

    def __init__(
        self,
        *,
        credentials: GoogleCredentials,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.credentials = credentials
        self.api_url = settings.GOOGLE_CALENDAR_API_URL.rstrip("/")
        self.token_url = settings.GOOGLE_OAUTH_TOKEN_URL
        self.http = http or httpx.Client(timeout=TIMEOUT, transport=EgressTransport())
        self.sleep = sleep

    def _send(self, method: str, url: str, what: str, **options) -> httpx.Response:
        """One request through the retry policy; the last answer, or the last transport
        error raised."""
        return RETRY.send(
            lambda: self.http.request(method, url, **options),
            sleep=self.sleep,
            what=f"Google {what}",
        )

    # OAuth

    def _access_token(self, *, force: bool = False) -> str:
        creds = self.credentials
        fresh = creds.access_token_expires and creds.access_token_expires > timezone.now()
        if creds.access_token and fresh and not force:
            return creds.access_token
        try:
            response = self._send(
                "POST",
                self.token_url,
                "token refresh",
                data={
                    "client_id": creds.client_id,
                    "client_secret": creds.client_secret,
                    "refresh_token": creds.refresh_token,
                    "grant_type": "refresh_token",
                },
            )
        except httpx.HTTPError as error:
            raise ProviderUnavailable(
                f"Google's sign-in service is not reachable ({type(error).__name__})."
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"Google's sign-in service answered {response.status_code}.")
        body = _json(response)
        if response.status_code != 200 or not body.get("access_token"):
            reason = body.get("error") or f"HTTP {response.status_code}"
            raise ProviderRefused(
                f"Google refused the stored credentials ({reason}); enter them again in the "
                "conferencing settings."
            )
        lifetime = int(body.get("expires_in") or 3600)
        creds.access_token = body["access_token"]
        creds.access_token_expires = timezone.now() + timedelta(seconds=max(lifetime - 60, 0))
        GoogleCredentials.objects.filter(pk=creds.pk).update(
            access_token=creds.access_token, access_token_expires=creds.access_token_expires
        )
        return creds.access_token

    def _call(self, method: str, path: str, *, json: dict | None = None, params=None):
        """One API call; a 401 refreshes the token once and repeats the call."""
        url = f"{self.api_url}/calendars/{self.credentials.calendar_id}/events{path}"
        for attempt in (1, 2):
            token = self._access_token(force=attempt == 2)
            try:
                response = self._send(
                    method,
                    url,
                    f"{method} event",
                    json=json,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError as error:
                raise ProviderUnavailable(
                    f"Google Calendar is not reachable ({type(error).__name__})."
                ) from None
            if response.status_code != 401:
                return response
        raise ProviderRefused(
            "Google Calendar refused the access token even after a refresh; check the "
            "credentials' calendar permission."
        )

    # Meetings

    @staticmethod
    def event_id(request: MeetingRequest) -> str:
        """Our id for the Google event (base32hex characters, as Google asks), stable per
        event and meeting generation."""
        digest = hashlib.sha256(f"{request.event_id}:{request.generation}".encode()).hexdigest()
        return f"dash{digest}"

    @staticmethod
    def _body(request: MeetingRequest) -> dict:
        return {
            "summary": request.title,
            "start": {"dateTime": request.start.isoformat(), "timeZone": request.time_zone},
            "end": {"dateTime": request.end.isoformat(), "timeZone": request.time_zone},
            "attendees": [{"email": email} for email in sorted(request.attendees)],
        }

    def create_meeting(self, *, request: MeetingRequest) -> MeetingDetails:
        google_id = self.event_id(request)
        body = {
            **self._body(request),
            "id": google_id,
            "conferenceData": {
                "createRequest": {
                    "requestId": google_id,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            },
        }
        response = self._call(
            "POST", "", json=body, params={"conferenceDataVersion": 1, "sendUpdates": "none"}
        )
        if response.status_code == 409:  # made before (a repeated task): read it
            response = self._call("GET", f"/{google_id}", params={"conferenceDataVersion": 1})
        return self._details(response)

    def update_meeting(self, *, external_id: str, request: MeetingRequest) -> MeetingDetails:
        response = self._call(
            "PATCH",
            f"/{external_id}",
            json=self._body(request),
            params={"conferenceDataVersion": 1, "sendUpdates": "none"},
        )
        return self._details(response)

    def delete_meeting(self, *, external_id: str) -> None:
        response = self._call("DELETE", f"/{external_id}", params={"sendUpdates": "none"})
        if response.status_code in (200, 204, 404, 410):  # gone already is gone
            return
        _raise_for(response)

    def _details(self, response: httpx.Response) -> MeetingDetails:
        _raise_for(response)
        body = _json(response)
        conference = body.get("conferenceData") or {}
        status = ((conference.get("createRequest") or {}).get("status") or {}).get("statusCode")
        if status == "failure":
            raise ProviderRefused("Google could not add a Meet conference to the meeting.")
        video = next(
            (
                point.get("uri")
                for point in conference.get("entryPoints") or []
                if point.get("entryPointType") == "video" and point.get("uri")
            ),
            body.get("hangoutLink"),
        )
        if not video:
            raise ProviderUnavailable("Google is still creating the Meet conference.")
        return MeetingDetails(host_url=video, guest_url=video, external_id=body["id"])


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    if status < 300:
        return
    if status == 429 or status >= 500:
        raise ProviderUnavailable(f"Google Calendar answered {status}; trying again later.")
    error = _json(response).get("error")
    message = str((error.get("message") if isinstance(error, dict) else error) or "").strip()
    raise ProviderRefused(
        f"Google Calendar refused the meeting (HTTP {status}{': ' + message if message else ''})."
    )


def provider_for(*, business, provider: str) -> MeetingProvider:
    """The provider a meeting uses; Google Meet needs the business's credentials."""
    if provider == Provider.GOOGLE_MEET:
        credentials = GoogleCredentials.objects.filter(business=business).first()
        if credentials is None:
            raise ProviderRefused(
                "Google Meet is chosen but no Google credentials are stored; enter them in the "
                "conferencing settings."
            )
        return GoogleMeetProvider(credentials=credentials)
    return BuiltinProvider()
