"""A fake Magicline Open API on loopback: in-memory studios speaking the contract's shapes.

One threaded ``http.server`` hosts several studios, each under its own path prefix (its tenant):
``http://127.0.0.1:<port>/<tenant>`` is a studio's base URL and its key must come with calls to it
(``X-API-KEY``; a wrong key is a 401 ErrorResponse). Every request is recorded with the tenant and
the key it used and the exact request body bytes, so a test can prove a call about studio X never
carried studio Y's key, and that validate/book sent back the very date-time strings served.

Scripted behaviour: slots per appointment type (date-times with the bracketed zone, as the real
API sends them; ``date_time_style="java"`` writes them as Java's ``ZonedDateTime.toString()``
does, without zero seconds, ``2022-06-22T08:00+02:00[Europe/Berlin]``), a per-studio maximum
``daysAhead`` (a 3-day studio answers 400 to a 6-day window), queued faults (``fail_next``: 429
with Retry-After, 503, 500), a whole outage (``go_down``: every call answers 503 with
Retry-After until ``come_back``), a book that commits and then drops the connection
(``drop_after_book``) or drops it before booking (``drop_before_book``), cancelled bookings
answered as 404 or CANCELED, and a malformed answer (``garble_next``: the next matching call's
answer rewritten, e.g. a field dropped, or a body that is not JSON at all).
"""

import json
import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from itertools import count
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackServer


def bracketed(moment: datetime, zone_name: str, style: str = "millis") -> str:
    """``2022-06-22T08:00:00.000+02:00[Europe/Berlin]``: the contract's date-time format; the
    ``java`` style leaves zero seconds out (``2022-06-22T08:00+02:00[Europe/Berlin]``)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    if style == "java" and local.second == 0 and local.microsecond == 0:
        text = local.isoformat(timespec="minutes")
    else:
        text = local.isoformat(timespec="milliseconds")
    return f"{text}[{zone_name}]"


def parse_bracketed(value: str) -> datetime:
    return datetime.fromisoformat(value.split("[", 1)[0])


@dataclass
class Recorded:
    tenant: str
    method: str
    path: str
    query: dict
    api_key: str | None
    body: bytes = b""


@dataclass
class Fault:
    method: str
    path_contains: str
    status: int
    retry_after: int | None = None


@dataclass
class Garble:
    method: str
    path_contains: str
    rewrite: Callable[[object], object]


@dataclass
class FakeStudio:
    tenant: str
    api_key: str
    zone: str = "Europe/Berlin"
    max_days_ahead: int = 6
    date_time_style: str = "millis"
    appointment_types: dict[int, dict] = field(default_factory=dict)
    slots: dict[int, list[dict]] = field(default_factory=dict)
    bookings: dict[int, dict] = field(default_factory=dict)
    validation_overrides: dict[int, str] = field(default_factory=dict)
    cancelled_answer: str = "404"  # or "CANCELED": how a cancelled booking reads
    drop_after_book: int = 0  # this many books commit and then drop the connection
    drop_before_book: int = 0  # this many books drop the connection without booking


class FakeMagicline(LoopbackServer):
    """The studios, customers, faults and the request log; start() serves them on loopback."""

    def __init__(self):
        self.studios: dict[str, FakeStudio] = {}
        self.customers: dict[int, dict] = {}
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.garbles: list[Garble] = []
        self.outage: Fault | None = None
        self.lock = threading.Lock()
        self._booking_ids = count(900001)
        self._trace_ids = count(1)

    # --- setup -----------------------------------------------------------------------------

    def start(self) -> "FakeMagicline":
        return self.serve(_Handler, server_fake=self)

    def base_url(self, tenant: str) -> str:
        return f"http://127.0.0.1:{self.port}/{tenant}"

    def add_studio(self, tenant: str, api_key: str, **options) -> FakeStudio:
        studio = FakeStudio(tenant=tenant, api_key=api_key, **options)
        self.studios[tenant] = studio
        return studio

    def add_appointment_type(self, tenant: str, type_id: int, title: str, duration: int) -> dict:
        item = {
            "id": type_id,
            "title": title,
            "duration": duration,
            "category": "Fitness",
            "description": f"{title} with a trainer",
            "imgUrl": f"https://img.example/{type_id}.png",
        }
        self.studios[tenant].appointment_types[type_id] = item
        self.studios[tenant].slots.setdefault(type_id, [])
        return item

    def add_slot(
        self, tenant: str, type_id: int, start: datetime, minutes: int, instructor_ids=(101,)
    ) -> dict:
        studio = self.studios[tenant]
        slot = {
            "startDateTime": bracketed(start, studio.zone, studio.date_time_style),
            "endDateTime": bracketed(
                start + timedelta(minutes=minutes), studio.zone, studio.date_time_style
            ),
            "instructors": [
                {
                    "id": instructor_id,
                    "firstName": f"Coach{instructor_id}",
                    "lastName": "Trainer",
                    "publicName": f"Coach {instructor_id}",
                }
                for instructor_id in instructor_ids
            ],
        }
        studio.slots[type_id].append(slot)
        return slot

    def add_customer(
        self,
        customer_id: int,
        studio_tenant: str,
        *,
        first_name="Mia",
        last_name="Member",
        inclusive_contingent: bool = False,
    ) -> dict:
        customer = {
            "id": customer_id,
            "customerNumber": f"C{customer_id}",
            "firstName": first_name,
            "lastName": last_name,
            "email": f"{first_name.lower()}.{customer_id}@example.org",
            "dateOfBirth": "1990-01-01",
            "status": "MEMBER",
            "studioId": abs(hash(studio_tenant)) % 10_000,
            "accessRefusal": False,
            "someNewField": {"tolerated": True},
        }
        self.customers[customer_id] = {
            "data": customer,
            "tenant": studio_tenant,
            "inclusive": inclusive_contingent,
        }
        return customer

    def add_booking(self, tenant: str, customer_id: int, type_id: int, start: datetime) -> dict:
        """A booking made inside Magicline (it reaches the app by webhook or refresh)."""
        studio = self.studios[tenant]
        kind = studio.appointment_types[type_id]
        booking_id = next(self._booking_ids)
        studio.bookings[booking_id] = self._booking_object(
            studio,
            booking_id=booking_id,
            customer_id=customer_id,
            kind=kind,
            start_raw=bracketed(start, studio.zone, studio.date_time_style),
            end_raw=bracketed(
                start + timedelta(minutes=kind["duration"]), studio.zone, studio.date_time_style
            ),
            instructors=[{"id": 101, "firstName": "Anna", "lastName": "Chodakowska"}],
        )
        return studio.bookings[booking_id]

    def fail_next(
        self, method: str, path_contains: str, status: int, *, retry_after: int | None = None
    ) -> None:
        self.faults.append(Fault(method, path_contains, status, retry_after))

    def garble_next(
        self, method: str, path_contains: str, rewrite: Callable[[object], object]
    ) -> None:
        """The next successful ``method`` call whose path contains ``path_contains`` answers
        ``rewrite(answer)`` instead (a new JSON value, or ``bytes`` sent as they are)."""
        self.garbles.append(Garble(method, path_contains, rewrite))

    def go_down(self, status: int = 503, *, retry_after: int | None = 120) -> None:
        """Every studio answers every call (but HEAD) with ``status`` until ``come_back``."""
        self.outage = Fault("*", "", status, retry_after)

    def come_back(self) -> None:
        self.outage = None

    def keys_used(self, tenant: str) -> set[str | None]:
        return {r.api_key for r in self.requests if r.tenant == tenant}

    # --- behaviour ---------------------------------------------------------------------------

    def _booking_object(
        self, studio, *, booking_id, customer_id, kind, start_raw, end_raw, instructors
    ) -> dict:
        return {
            "bookingId": booking_id,
            "customerId": customer_id,
            "bookingStatus": "BOOKED",
            "startDateTime": start_raw,
            "endDateTime": end_raw,
            "title": kind["title"],
            "duration": kind["duration"],
            "category": kind["category"],
            "description": kind["description"],
            "imgUrl": kind["imgUrl"],
            "instructors": instructors,
            "appointmentStatus": "PLANNED",
            "participantStatus": "UNSET",
        }

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.path_contains in path:
                self.faults.remove(fault)
                return fault
        return None

    def _error(self, status: int, message: str, code: str | None = None, reference=None):
        body = {"errorMessage": message, "traceId": f"trace-{next(self._trace_ids)}"}
        if code:
            body["errorCode"] = code
        if reference:
            body["reference"] = reference
        return status, body, {}

    def _validation(self, studio: FakeStudio, body: dict) -> str:
        customer = self.customers.get(body.get("customerId"))
        if customer is None:
            return "NOT_AVAILABLE"
        if body["customerId"] in studio.validation_overrides:
            return studio.validation_overrides[body["customerId"]]
        if customer["tenant"] != studio.tenant and not customer["inclusive"]:
            return "NO_CONTINGENT"
        start, end = parse_bracketed(body["startDateTime"]), parse_bracketed(body["endDateTime"])
        if end <= start:
            return "END_DATE_TIME_NOT_AFTER_START_DATE_TIME"
        if start < datetime.now(UTC):
            return "PAST_START_DATE_TIME"
        for other in studio.bookings.values():
            if (
                other["customerId"] == body["customerId"]
                and other["bookingStatus"] != "CANCELED"
                and parse_bracketed(other["startDateTime"]) < end
                and start < parse_bracketed(other["endDateTime"])
            ):
                return "CUSTOMER_IN_OTHER_BOOKING"
        if self._matching_slot(studio, body) is None:
            return "PERIOD_DOES_NOT_MATCH"
        return "AVAILABLE"

    def _matching_slot(self, studio: FakeStudio, body: dict) -> dict | None:
        wanted = set(body.get("instructorIds") or [])
        for slot in studio.slots.get(body["bookableAppointmentId"], []):
            if (
                slot["startDateTime"] == body["startDateTime"]
                and slot["endDateTime"] == body["endDateTime"]
                and wanted <= {i["id"] for i in slot["instructors"]}
            ):
                return slot
        return None

    def handle(self, method: str, tenant: str, path: str, query: dict, key, body, raw=b""):
        """Answer one request: (status, JSON body or None, extra headers)."""
        with self.lock:
            self.requests.append(Recorded(tenant, method, path, query, key, raw))
            studio = self.studios.get(tenant)
            if studio is None:
                return self._error(404, "Unknown tenant.")
            if key != studio.api_key:
                return self._error(401, "The API key is missing or invalid.")
            if method == "HEAD":
                return 200, None, {}
            fault = self.outage or self._take_fault(method, path)
            if fault is not None:
                status, error, _ = self._error(fault.status, f"Fault {fault.status} injected.")
                headers = (
                    {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                )
                return status, error, headers
            status, answer, headers = self._route(studio, method, path, query, body)
            garble = self._take_garble(method, path) if status == 200 else None
            if garble is not None:
                answer = garble.rewrite(answer)
            return status, answer, headers

    def _take_garble(self, method: str, path: str) -> Garble | None:
        for garble in self.garbles:
            if garble.method == method and garble.path_contains in path:
                self.garbles.remove(garble)
                return garble
        return None

    def _route(self, studio: FakeStudio, method: str, path: str, query: dict, body):
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "appointments", "bookable"]:
            return self._bookable(studio, method, parts[3:], query, body)
        if parts[:3] == ["v1", "appointments", "booking"]:
            return self._booking(studio, method, parts[3:], query, body)
        if parts[:2] == ["v1", "customers"] or parts[:3] == ["v1", "cross-studio", "customers"]:
            cross = parts[1] == "cross-studio"
            return self._customers(studio, method, parts[3 if cross else 2 :], body, cross)
        return self._error(404, "No such endpoint.")

    def _bookable(self, studio, method, rest, query, body):
        if method == "GET" and not rest:
            size = int(query.get("sliceSize", "10"))
            if size > 50:
                return self._error(
                    400, "value is too large", "errormessage.validation.max", "sliceSize"
                )
            after = int(query.get("offset", "0"))
            ids = sorted(i for i in studio.appointment_types if i > after)
            page = ids[:size]
            return (
                200,
                {
                    "result": [studio.appointment_types[i] for i in page],
                    "offset": str(page[-1]) if page else str(after),
                    "hasNext": len(ids) > size,
                },
                {},
            )
        if method == "POST" and rest == ["validate"]:
            return 200, {"validationStatus": self._validation(studio, body)}, {}
        if method == "GET" and rest and rest[0].isdigit():
            kind = studio.appointment_types.get(int(rest[0]))
            if kind is None:
                return self._error(404, "Bookable appointment not found.")
            if rest[1:] == ["slots"]:
                return self._slots(studio, int(rest[0]), query)
            return 200, kind, {}
        return self._error(404, "No such endpoint.")

    def _slots(self, studio, type_id, query):
        days = int(query.get("daysAhead", "6"))
        if days > studio.max_days_ahead or days < 1:
            return self._error(
                400,
                f"daysAhead must be at most {studio.max_days_ahead}.",
                "errormessage.validation.max",
                "daysAhead",
            )
        zone = zoneinfo.ZoneInfo(studio.zone)
        first = date.fromisoformat(
            query.get("slotWindowStartDate") or datetime.now(zone).date().isoformat()
        )
        last = first + timedelta(days=days)
        taken = {
            (b["startDateTime"], b["endDateTime"])
            for b in studio.bookings.values()
            if b["bookingStatus"] != "CANCELED"
        }
        slots = [
            slot
            for slot in studio.slots[type_id]
            if first <= parse_bracketed(slot["startDateTime"]).astimezone(zone).date() < last
            and (slot["startDateTime"], slot["endDateTime"]) not in taken
        ]
        return 200, slots, {}

    def _booking(self, studio, method, rest, query, body):
        if method == "POST" and rest == ["book"]:
            if studio.drop_before_book:
                studio.drop_before_book -= 1
                return "DROP", None, {}
            status = self._validation(studio, body)
            if status != "AVAILABLE":
                return self._error(400, f"The slot cannot be booked: {status}.", status)
            slot = self._matching_slot(studio, body)
            kind = studio.appointment_types[body["bookableAppointmentId"]]
            booking_id = next(self._booking_ids)
            booking = self._booking_object(
                studio,
                booking_id=booking_id,
                customer_id=body["customerId"],
                kind=kind,
                start_raw=body["startDateTime"],
                end_raw=body["endDateTime"],
                instructors=[
                    i
                    for i in slot["instructors"]
                    if not body.get("instructorIds") or i["id"] in body["instructorIds"]
                ],
            )
            studio.bookings[booking_id] = booking
            answer = {k: v for k, v in booking.items() if k != "customerId"}
            if studio.drop_after_book:
                studio.drop_after_book -= 1
                return "DROP", None, {}
            return 200, answer, {}
        if method == "GET" and not rest:
            customer_id = int(query.get("customerId", "0"))
            now = datetime.now(UTC)
            window = (now - timedelta(weeks=2), now + timedelta(weeks=2))
            found = [
                {k: v for k, v in b.items() if k != "customerId"}
                for b in studio.bookings.values()
                if b["customerId"] == customer_id
                and window[0] <= parse_bracketed(b["startDateTime"])
                and parse_bracketed(b["endDateTime"]) <= window[1]
            ]
            return 200, found, {}
        if rest and rest[0].isdigit():
            booking = studio.bookings.get(int(rest[0]))
            if booking is None:
                return self._error(404, "Appointment booking not found.")
            if method == "GET":
                if booking["bookingStatus"] == "CANCELED" and studio.cancelled_answer == "404":
                    return self._error(404, "Appointment booking not found.")
                return 200, booking, {}
            if method == "DELETE":
                if booking["bookingStatus"] == "CANCELED":
                    return self._error(404, "Appointment booking not found.")
                booking["bookingStatus"] = "CANCELED"
                booking["appointmentStatus"] = "CANCELED"
                return 200, {"success": "true"}, {}
        return self._error(404, "No such endpoint.")

    def _customers(self, studio, method, rest, body, cross):
        visible = {
            cid: entry
            for cid, entry in self.customers.items()
            if cross or entry["tenant"] == studio.tenant
        }
        if method == "GET" and len(rest) == 1 and rest[0].isdigit():
            entry = visible.get(int(rest[0]))
            if entry is None:
                return self._error(404, "Customer not found.")
            return 200, entry["data"], {}
        if method == "POST" and rest == ["search"]:

            def matches(data):
                return all(
                    str(data.get(name, "")).lower().startswith(str(value).lower())
                    for name, value in (body or {}).items()
                    if name in ("firstName", "lastName")
                ) and (not body.get("email") or data["email"] == body["email"])

            return 200, [e["data"] for e in visible.values() if matches(e["data"])], {}
        return self._error(404, "No such endpoint.")


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeMagicline
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        return

    def _serve(self):
        url = urlsplit(self.path)
        tenant, _, rest = url.path.lstrip("/").partition("/")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        status, answer, headers = self.server_fake.handle(
            self.command, tenant, "/" + rest, query, self.headers.get("X-API-KEY"), body, raw
        )
        if status == "DROP":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if isinstance(answer, bytes):
            data = answer
        else:
            data = b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_HEAD = _serve
