"""A fake Google Calendar API v3 and OAuth token endpoint on loopback, in memory.

Start it as ``with FakeGoogleCalendar() as fake:`` and point the settings at it
(``GOOGLE_CALENDAR_API_URL = fake.api_url``, ``GOOGLE_OAUTH_TOKEN_URL = fake.token_url``).

- ``POST /token`` (form-encoded ``grant_type=refresh_token``, ``client_id``,
  ``client_secret``, ``refresh_token``) answers ``{access_token, expires_in, token_type}`` for
  the fake's own client and refresh token, else 400 ``{"error": "invalid_grant", …}``.
- ``/calendar/v3/calendars/{calendarId}/events`` and ``…/events/{eventId}``: insert (POST,
  a client-chosen ``id`` taken, 409 when it exists; with ``conferenceDataVersion=1`` a
  ``conferenceData.createRequest`` of type ``hangoutsMeet`` gets a Meet conference with a
  ``video`` entry point and ``hangoutLink``), get, patch (the sequence goes up) and delete
  (status ``cancelled``; 410 when already deleted). A missing or stale bearer token is a 401 in
  Google's error shape (``{"error": {"code", "message", "status"}}``).
- ``fake.expire_tokens()`` makes every issued access token stale; ``fake.script(...)`` answers
  the next requests with the given statuses (429 with ``Retry-After: 0``) first.
"""

import copy
import json
import random
import string
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from tests.fakes.loopback import LoopbackServer

STATUS_TEXT = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "GONE",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class GoogleError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)

    def body(self) -> dict:
        return {
            "error": {
                "code": self.status,
                "message": self.message,
                "errors": [{"message": self.message, "domain": "global"}],
                "status": STATUS_TEXT.get(self.status, "UNKNOWN"),
            }
        }


def meet_code(rng: random.Random) -> str:
    letters = string.ascii_lowercase
    return "-".join("".join(rng.choice(letters) for _ in range(n)) for n in (3, 4, 3))


class FakeGoogleCalendar(LoopbackServer):
    def __init__(
        self,
        *,
        client_id: str = "fake-client.apps.googleusercontent.com",
        client_secret: str = "GOCSPX-fake-client-secret",
        refresh_token: str = "1//fake-refresh-token",
    ):
        self.client_id, self.client_secret, self.refresh_token = (
            client_id,
            client_secret,
            refresh_token,
        )
        self.events: dict[str, dict] = {}  # (calendar id, event id) flattened as "cal/id"
        self.requests: list[tuple[str, str, dict, dict]] = []  # method, path, query, body
        self.token_requests: list[dict] = []
        self.valid_tokens: set[str] = set()
        self._script: list[int] = []
        self._rng = random.Random(7)
        self._lock = threading.RLock()

    # Lifecycle

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/calendar/v3"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def start(self) -> "FakeGoogleCalendar":
        return self.serve(_Handler, state=self)

    # Test controls

    def expire_tokens(self) -> None:
        with self._lock:
            self.valid_tokens.clear()

    def script(self, *statuses: int) -> None:
        with self._lock:
            self._script.extend(statuses)

    def live_events(self) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(e) for e in self.events.values() if e["status"] != "cancelled"]

    def api_calls(self, method: str) -> list[tuple[str, dict, dict]]:
        return [(path, query, body) for m, path, query, body in self.requests if m == method]

    # Behaviour

    def issue_token(self, form: dict) -> tuple[int, dict]:
        with self._lock:
            self.token_requests.append(form)
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type"}
            if (form.get("client_id"), form.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ):
                return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
            if form.get("refresh_token") != self.refresh_token:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            token = "ya29.fake-" + uuid.uuid4().hex
            self.valid_tokens.add(token)
            return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def insert(self, calendar_id: str, body: dict, query: dict) -> dict:
        with self._lock:
            event_id = body.get("id") or uuid.uuid4().hex
            key = f"{calendar_id}/{event_id}"
            if key in self.events:
                raise GoogleError(409, "The requested identifier already exists.")
            for side in ("start", "end"):
                if not (body.get(side) or {}).get("dateTime"):
                    raise GoogleError(400, f"Missing {side} time.")
            event = {
                "kind": "calendar#event",
                "id": event_id,
                "status": "confirmed",
                "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
                "summary": body.get("summary", ""),
                "start": body["start"],
                "end": body["end"],
                "attendees": [
                    {**a, "responseStatus": "needsAction"} for a in body.get("attendees") or []
                ],
                "sequence": 0,
                "etag": f'"{uuid.uuid4().int % 10**16}"',
            }
            request = (body.get("conferenceData") or {}).get("createRequest")
            if request and query.get("conferenceDataVersion") == "1":
                kind = (request.get("conferenceSolutionKey") or {}).get("type")
                if kind != "hangoutsMeet":
                    raise GoogleError(400, "Invalid conference type value.")
                code = meet_code(self._rng)
                uri = f"https://meet.google.com/{code}"
                event["conferenceData"] = {
                    "createRequest": {**request, "status": {"statusCode": "success"}},
                    "entryPoints": [
                        {"entryPointType": "video", "uri": uri, "label": uri[8:]},
                    ],
                    "conferenceSolution": {
                        "key": {"type": "hangoutsMeet"},
                        "name": "Google Meet",
                    },
                    "conferenceId": code,
                }
                event["hangoutLink"] = uri
            self.events[key] = event
            return copy.deepcopy(event)

    def _stored(self, calendar_id: str, event_id: str) -> dict:
        event = self.events.get(f"{calendar_id}/{event_id}")
        if event is None:
            raise GoogleError(404, "Not Found")
        return event

    def get(self, calendar_id: str, event_id: str) -> dict:
        with self._lock:
            return copy.deepcopy(self._stored(calendar_id, event_id))

    def patch(self, calendar_id: str, event_id: str, body: dict) -> dict:
        with self._lock:
            event = self._stored(calendar_id, event_id)
            if event["status"] == "cancelled":
                raise GoogleError(410, "Resource has been deleted")
            for name in ("summary", "start", "end", "description"):
                if name in body:
                    event[name] = body[name]
            if "attendees" in body:
                event["attendees"] = [
                    {**a, "responseStatus": "needsAction"} for a in body["attendees"] or []
                ]
            event["sequence"] += 1
            return copy.deepcopy(event)

    def delete(self, calendar_id: str, event_id: str) -> None:
        with self._lock:
            event = self._stored(calendar_id, event_id)
            if event["status"] == "cancelled":
                raise GoogleError(410, "Resource has been deleted")
            event["status"] = "cancelled"


class _Handler(BaseHTTPRequestHandler):
    state: FakeGoogleCalendar
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        return

    def _send(self, status: int, body: dict | None, headers: dict | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        fake = self.state
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path == "/token" and method == "POST":
            form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            status, body = fake.issue_token(form)
            self._send(status, body)
            return
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            self._send(400, GoogleError(400, "Parse Error").body())
            return
        with fake._lock:
            fake.requests.append((method, url.path, query, body))
            scripted = fake._script.pop(0) if fake._script else None
        if scripted is not None:
            headers = {"Retry-After": "0"} if scripted == 429 else None
            self._send(scripted, GoogleError(scripted, f"Scripted {scripted}").body(), headers)
            return
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in fake.valid_tokens:
            error = GoogleError(401, "Request had invalid authentication credentials.")
            self._send(401, error.body())
            return
        try:
            status, answer = self._route(method, url.path, query, body)
        except GoogleError as error:
            self._send(error.status, error.body())
            return
        self._send(status, answer)

    def _route(self, method: str, path: str, query: dict, body: dict):
        fake = self.state
        parts = path.strip("/").split("/")
        if parts[:3] != ["calendar", "v3", "calendars"] or len(parts) < 5 or parts[4] != "events":
            raise GoogleError(404, "Not Found")
        calendar_id = parts[3]
        if len(parts) == 5 and method == "POST":
            return 200, fake.insert(calendar_id, body, query)
        if len(parts) == 6:
            event_id = parts[5]
            if method == "GET":
                return 200, fake.get(calendar_id, event_id)
            if method == "PATCH":
                return 200, fake.patch(calendar_id, event_id, body)
            if method == "DELETE":
                fake.delete(calendar_id, event_id)
                return 204, None
        raise GoogleError(404, "Not Found")

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")
