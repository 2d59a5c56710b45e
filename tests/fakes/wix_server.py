"""A fake Wix Calendar V3 server on loopback: the spec's paths and JSON shapes, in memory.

Start it with the ``wix_server`` fixture (``tests/fakes/conftest.py`` re-exported by
``tests/conftest.py``) or as ``with FakeWixServer() as fake:``. It checks the API key and
``wix-site-id`` (401 otherwise), answers 409 to a stale revision, can be scripted to answer 429,
500 or slowly (``fake.script(...)``), and can shuffle Query Events results across pages
(``fake.reorder_pages = True``).

Tests seed and change its state through the Python API (``add_schedule``, ``add_event``,
``add_series``, ``update_event``, ``move_event``, ``cancel_event``, ``remove_event``,
``regenerate_instances``, ``add_participation`` …); REST calls change it the same way (Create
Schedule, ``POST /calendar/v3/schedules``, through ``create_schedule``). Every
mutation appends a ``Change`` to ``fake.changes`` with the entity as the webhooks would carry it,
so webhook tests can turn changes into signed deliveries (``Change.domain_event()`` builds the
§5.3 domain event). ``fake.events`` etc. hold the final state to compare the mirror with.
"""

import copy
import itertools
import json
import random
import threading
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from tests.fakes.loopback import LoopbackServer

WIX_BOOKINGS_APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"
LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"
DEFAULT_TYPES = ("NONE", "INSTANCE", "EXCEPTION")
INHERITABLE = ["TITLE", "TIME", "LOCATION", "RESOURCES", "CAPACITY", "CONFERENCING_DETAILS"]
# What Create Schedule takes from its request (§2.4: the fields that are not read-only).
SCHEDULE_WRITABLE = (
    "externalId",
    "name",
    "timeZone",
    "businessTimeZoneEnabled",
    "defaultTitle",
    "defaultLocation",
    "defaultCapacity",
    "defaultConferencingDetails",
    "appId",
    "permissions",
    "extendedFields",
)


def _now_iso() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _local(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value[:19])
    return value.replace(second=0, microsecond=0, tzinfo=None).strftime(LOCAL_FORMAT)


def _utc(local_date: str, time_zone: str) -> datetime:
    local = datetime.strptime(local_date[:19], LOCAL_FORMAT)
    return local.replace(tzinfo=zoneinfo.ZoneInfo(time_zone)).astimezone(UTC)


def _iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _zoned(local_date: str, time_zone: str) -> dict:
    return {
        "localDate": local_date,
        "timeZone": time_zone,
        "utcDate": _iso(_utc(local_date, time_zone)),
    }


def opaque_id() -> str:
    """An instance-like id: long and not a GUID (spec §2.2)."""
    return uuid.uuid4().hex + uuid.uuid4().hex[:20]


@dataclass
class Change:
    """One mutation: ``kind`` event/schedule/participation, ``action`` added/updated/removed
    (``cancelled`` is an update with status CANCELLED), the entity after it, and the entity
    before it (for updates)."""

    kind: str
    action: str
    entity: dict
    previous: dict | None = None
    sequence: int = 0
    webhook_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def revision(self) -> int:
        return int(self.entity["revision"])

    def domain_event(self) -> dict:
        """The §5.3 domain event a webhook would carry for this change (before the JWT)."""
        base = {
            "id": self.webhook_id,
            "entityId": self.entity["id"],
            "eventTime": _now_iso(),
            "triggeredByAnonymizeRequest": False,
            "entityEventSequence": str(self.sequence),
        }
        if self.kind == "event":
            body: dict = {"appId": self.entity.get("appId")}
            if self.action == "removed":
                body["eventRemoved"] = {"event": self.entity}
            else:
                added = {"event": self.entity}
                if self.previous is not None:
                    added["previousEvent"] = self.previous
                body["eventAddedOrUpdated"] = added
            return {
                **base,
                "entityFqdn": "wix.calendar.v3.events_view",
                "slug": "projection_updated",
                "actionEvent": {"body": body},
            }
        fqdn = f"wix.calendar.v3.{self.kind}"
        if self.action == "added":
            return {
                **base,
                "entityFqdn": fqdn,
                "slug": "created",
                "createdEvent": {"entity": self.entity},
            }
        if self.action == "removed":
            return {
                **base,
                "entityFqdn": fqdn,
                "slug": "deleted",
                "deletedEvent": {"deletedEntity": self.entity},
            }
        return {
            **base,
            "entityFqdn": fqdn,
            "slug": "updated",
            "updatedEvent": {"currentEntity": self.entity},
        }


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str = ""):
        self.status, self.message, self.code = status, message, code
        super().__init__(message)

    def body(self) -> dict:
        body: dict = {"message": self.message, "details": {}}
        if self.code:
            body["details"]["applicationError"] = {"code": self.code, "description": self.message}
        return body


class FakeWixServer(LoopbackServer):
    """In-memory Calendar V3 state behind a threaded loopback HTTP server."""

    def __init__(
        self,
        *,
        api_key: str = "IST.fake-api-key-0123456789",
        site_id: str = "fake-site-1",
        time_zone: str = "Europe/Berlin",
        view_days: int = 380,
    ):
        self.api_key, self.site_id, self.time_zone = api_key, site_id, time_zone
        self.view_end = (datetime.now(UTC) + timedelta(days=view_days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.view_days = view_days
        self.events: dict[str, dict] = {}
        self.removed_events: dict[str, dict] = {}
        self.schedules: dict[str, dict] = {}
        self.resources: dict[str, dict] = {}
        self.participations: dict[str, dict] = {}
        self.changes: list[Change] = []
        self.requests: list[tuple[str, str, dict]] = []
        self.reorder_pages = False
        # Answers of Update Event without the PI fields (participants, conferencingDetails, notes),
        # as an answer to a request without ``fields`` may be (spec §2.3).
        self.omit_pi_fields_in_answers = False
        self._script: list[tuple[str | None, object]] = []
        self._cursors: dict[str, tuple[list[str], int, str]] = {}
        self._created_by_key: dict[str, str] = {}  # idempotencyKey → the id it created
        self._sequence = itertools.count(1)
        self._lock = threading.RLock()

    # Lifecycle

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeWixServer":
        return self.serve(_Handler, server_state=self)

    # Scripted answers

    def script(self, *answers, path: str | None = None) -> None:
        """Answer the next matching requests with these, in order, before behaving normally:
        an int status (429 comes with ``Retry-After: 0``), ``("status", retry_after)`` or
        ``("slow", seconds)``. ``path`` limits them to requests whose path starts with it."""
        with self._lock:
            self._script.extend((path, answer) for answer in answers)

    def _next_scripted(self, path: str):
        with self._lock:
            for index, (prefix, answer) in enumerate(self._script):
                if prefix is None or path.startswith(prefix):
                    del self._script[index]
                    return answer
        return None

    # Recording

    def _record(self, kind: str, action: str, entity: dict, previous: dict | None = None):
        self.changes.append(
            Change(
                kind,
                action,
                copy.deepcopy(entity),
                copy.deepcopy(previous),
                sequence=next(self._sequence),
            )
        )

    def _in_view(self, event: dict) -> bool:
        return _utc(event["start"]["localDate"], event["timeZone"]) < self.view_end

    def _record_event(self, action: str, event: dict, previous: dict | None = None) -> None:
        """Events View Projection semantics: MASTERs are never sent; an event outside the
        view is only reported when it leaves it."""
        if event["recurrenceType"] == "MASTER":
            return
        inside = self._in_view(event)
        was_inside = previous is not None and self._in_view(previous)
        if action == "removed":
            if inside or was_inside:
                self._record("event", "removed", event)
        elif inside:
            self._record(
                "event",
                "added" if previous is None or not was_inside else "updated",
                event,
                previous if was_inside else None,
            )
        elif was_inside:
            self._record("event", "removed", event)

    @staticmethod
    def _bump(entity: dict) -> None:
        entity["revision"] = str(int(entity["revision"]) + 1)
        entity["updatedDate"] = _now_iso()

    # Seeding and mutating (also used by the REST handlers)

    def add_schedule(self, *, name: str = "Classes", app_id: str = "", **fields) -> dict:
        with self._lock:
            schedule = {
                "id": str(uuid.uuid4()),
                "externalId": str(uuid.uuid4()),
                "name": name,
                "status": "ACTIVE",
                "timeZone": fields.pop("time_zone", self.time_zone),
                "businessTimeZoneEnabled": True,
                "defaultTitle": name,
                "defaultCapacity": fields.pop("default_capacity", 10),
                "appId": app_id or str(uuid.uuid4()),
                "permissions": [],
                "revision": "1",
                "createdDate": _now_iso(),
                "updatedDate": _now_iso(),
                **fields,
            }
            self.schedules[schedule["id"]] = schedule
            self._record("schedule", "added", schedule)
            return copy.deepcopy(schedule)

    def add_resource(self, *, name: str = "Anna", type: str = "STAFF") -> dict:
        with self._lock:
            resource = {
                "id": str(uuid.uuid4()),
                "name": name,
                "type": type,
                "revision": "1",
                "createdDate": _now_iso(),
                "updatedDate": _now_iso(),
            }
            self.resources[resource["id"]] = resource
            return copy.deepcopy(resource)

    def _new_event(self, schedule: dict, *, start_local, end_local, **fields) -> dict:
        time_zone = fields.pop("time_zone", schedule["timeZone"])
        start, end = _local(start_local), _local(end_local)
        capacity = fields.pop("total_capacity", schedule.get("defaultCapacity"))
        resources = [
            {"id": r["id"], "name": r["name"], "type": r["type"], "transparency": "OPAQUE"}
            for r in fields.pop("resources", [])
        ]
        event = {
            "id": fields.pop("id", None) or str(uuid.uuid4()),
            "scheduleId": schedule["id"],
            "externalScheduleId": schedule.get("externalId"),
            "scheduleName": schedule["name"],
            "type": fields.pop("type", "CLASS"),
            "status": "CONFIRMED",
            "title": fields.pop("title", schedule.get("defaultTitle") or schedule["name"]),
            "start": _zoned(start, time_zone),
            "end": _zoned(end, time_zone),
            "timeZone": time_zone,
            "recurrenceType": "NONE",
            "transparency": "OPAQUE",
            "resources": resources,
            "totalCapacity": capacity,
            "remainingCapacity": capacity,
            "inheritedFields": [],
            "appId": schedule["appId"],
            "revision": "1",
            "createdDate": _now_iso(),
            "updatedDate": _now_iso(),
        }
        event.update(fields)
        return event

    def add_event(self, *, schedule_id: str, start_local, end_local, **fields) -> dict:
        """A one-off (NONE) event."""
        with self._lock:
            schedule = self._schedule(schedule_id)
            event = self._new_event(
                schedule, start_local=start_local, end_local=end_local, **fields
            )
            self.events[event["id"]] = event
            self._record_event("added", event)
            return copy.deepcopy(event)

    def add_series(
        self, *, schedule_id: str, start_local: datetime, duration: timedelta, weeks: int, **fields
    ) -> tuple[dict, list[dict]]:
        """A weekly MASTER and its first ``weeks`` INSTANCEs (opaque ids)."""
        with self._lock:
            schedule = self._schedule(schedule_id)
            day = start_local.strftime("%A").upper()
            master = self._new_event(
                schedule,
                start_local=start_local,
                end_local=start_local + duration,
                recurrenceType="MASTER",
                recurrenceRule={"frequency": "WEEKLY", "interval": 1, "days": [day]},
                **fields,
            )
            self.events[master["id"]] = master
            instances = [self._new_instance(master, week) for week in range(weeks)]
            return copy.deepcopy(master), copy.deepcopy(instances)

    def _new_instance(self, master: dict, week: int) -> dict:
        start = datetime.fromisoformat(master["start"]["localDate"]) + timedelta(weeks=week)
        end = datetime.fromisoformat(master["end"]["localDate"]) + timedelta(weeks=week)
        instance = copy.deepcopy(master)
        time_zone = master["timeZone"]
        instance.update(
            {
                "id": opaque_id(),
                "start": _zoned(_local(start), time_zone),
                "end": _zoned(_local(end), time_zone),
                "recurrenceType": "INSTANCE",
                "recurringEventId": master["id"],
                "inheritedFields": list(INHERITABLE),
                "revision": "1",
                "createdDate": _now_iso(),
                "updatedDate": _now_iso(),
            }
        )
        instance.pop("recurrenceRule", None)
        self.events[instance["id"]] = instance
        self._record_event("added", instance)
        return instance

    def update_event(self, event_id: str, *, revision: int | None = None, **changes) -> dict:
        """Change fields (REST names; ``start``/``end`` may be local date strings). A stale
        ``revision`` is a 409; an INSTANCE becomes an EXCEPTION; a MASTER passes its changes on
        to its future occurrences that inherit them."""
        with self._lock:
            event = self._event(event_id)
            if revision is not None and int(revision) != int(event["revision"]):
                raise ApiError(
                    409, "Revision mismatch: the event was changed.", "REVISION_MISMATCH"
                )
            if event["status"] == "CANCELLED":
                raise ApiError(428, "A cancelled event cannot be updated.", "EVENT_CANCELLED")
            previous = copy.deepcopy(event)
            self._apply_changes(event, changes)
            if event["recurrenceType"] == "INSTANCE":
                event["recurrenceType"] = "EXCEPTION"
                event["inheritedFields"] = [
                    f for f in event["inheritedFields"] if f not in _fields_of(changes)
                ]
            self._bump(event)
            self._record_event("updated", event, previous)
            if event["recurrenceType"] == "MASTER":
                self._propagate(event, changes)
            return copy.deepcopy(event)

    def _apply_changes(self, event: dict, changes: dict) -> None:
        for name, value in changes.items():
            if name in ("start", "end"):
                local = value["localDate"] if isinstance(value, dict) else value
                event[name] = _zoned(_local(local), event["timeZone"])
            elif name == "resources":
                event["resources"] = [
                    {**self.resources.get(r["id"], {"id": r["id"]}), "transparency": "OPAQUE"}
                    for r in value
                ]
                for r in event["resources"]:
                    r.pop("revision", None)
                    r.pop("createdDate", None)
                    r.pop("updatedDate", None)
            elif name in ("id", "revision"):
                continue
            else:
                event[name] = value
        if "totalCapacity" in changes:
            event["remainingCapacity"] = (changes["totalCapacity"] or 0) - self._booked(event["id"])

    def _propagate(self, master: dict, changes: dict) -> None:
        now = datetime.now(UTC)
        for occurrence in list(self.events.values()):
            if occurrence.get("recurringEventId") != master["id"]:
                continue
            if _utc(occurrence["start"]["localDate"], occurrence["timeZone"]) < now:
                continue
            inherited = {
                k: v
                for k, v in changes.items()
                if _field_of(k) in occurrence["inheritedFields"] and k not in ("start", "end")
            }
            if not inherited:
                continue
            previous = copy.deepcopy(occurrence)
            self._apply_changes(occurrence, inherited)
            self._bump(occurrence)
            self._record_event("updated", occurrence, previous)

    def move_event(self, event_id: str, *, start_local, end_local) -> dict:
        """New times (an event may leave the view, or come back into it)."""
        return self.update_event(event_id, start=_local(start_local), end=_local(end_local))

    def cancel_event(self, event_id: str) -> dict:
        """Cancel (status CANCELLED; a MASTER cancels its future occurrences too)."""
        with self._lock:
            event = self._event(event_id)
            if event["status"] == "CANCELLED":
                raise ApiError(428, "The event is already cancelled.", "EVENT_ALREADY_CANCELLED")
            previous = copy.deepcopy(event)
            event["status"] = "CANCELLED"
            self._bump(event)
            self._record_event("updated", event, previous)
            if event["recurrenceType"] == "MASTER":
                now = datetime.now(UTC)
                for occurrence in list(self.events.values()):
                    if (
                        occurrence.get("recurringEventId") == event_id
                        and occurrence["status"] != "CANCELLED"
                        and _utc(occurrence["start"]["localDate"], occurrence["timeZone"]) >= now
                    ):
                        before = copy.deepcopy(occurrence)
                        occurrence["status"] = "CANCELLED"
                        self._bump(occurrence)
                        self._record_event("updated", occurrence, before)
            return copy.deepcopy(event)

    def remove_event(self, event_id: str) -> dict:
        """Delete an event (an ``eventRemoved``; the revision goes up)."""
        with self._lock:
            event = self.events.pop(event_id)
            self._bump(event)
            self.removed_events[event_id] = event
            self._record_event("removed", event)
            return copy.deepcopy(event)

    def regenerate_instances(self, master_id: str) -> list[dict]:
        """Replace the MASTER's INSTANCEs with new ids (as after a rule edit, §6.4)."""
        with self._lock:
            master = self._event(master_id)
            old = [
                e
                for e in self.events.values()
                if e.get("recurringEventId") == master_id and e["recurrenceType"] == "INSTANCE"
            ]
            created = []
            for instance in old:
                week = (
                    datetime.fromisoformat(instance["start"]["localDate"])
                    - datetime.fromisoformat(master["start"]["localDate"])
                ).days // 7
                self.remove_event(instance["id"])
                created.append(self._new_instance(master, week))
            return copy.deepcopy(created)

    def _booked(self, event_id: str) -> int:
        return sum(
            p["partySize"] for p in self.participations.values() if p.get("eventId") == event_id
        )

    def _recount(self, event_id: str) -> None:
        event = self.events.get(event_id)
        if event is None or event.get("totalCapacity") is None:
            return
        previous = copy.deepcopy(event)
        event["remainingCapacity"] = event["totalCapacity"] - self._booked(event_id)
        self._bump(event)
        self._record_event("updated", event, previous)

    def add_participation(
        self, *, event_id: str, name: str = "Jane Doe", party_size: int = 1, **fields
    ) -> dict:
        with self._lock:
            event = self._event(event_id)
            participation = {
                "id": str(uuid.uuid4()),
                "participant": {"name": name, **fields.pop("participant", {})},
                "eventId": event_id,
                "partySize": party_size,
                "status": fields.pop("status", "CONFIRMED"),
                "appId": event["appId"],
                "revision": "1",
                "createdDate": _now_iso(),
                "updatedDate": _now_iso(),
                **fields,
            }
            self.participations[participation["id"]] = participation
            self._record("participation", "added", participation)
            self._recount(event_id)
            return copy.deepcopy(participation)

    def update_participation(self, participation_id: str, *, revision=None, **changes) -> dict:
        with self._lock:
            participation = self._participation(participation_id)
            if revision is not None and int(revision) != int(participation["revision"]):
                raise ApiError(409, "Revision mismatch: the participation was changed.")
            for name, value in changes.items():
                if name == "participant":
                    participation["participant"].update(value)
                elif name not in ("id", "revision"):
                    participation[name] = value
            self._bump(participation)
            self._record("participation", "updated", participation)
            if "partySize" in changes:
                self._recount(participation["eventId"])
            return copy.deepcopy(participation)

    def delete_participation(self, participation_id: str) -> dict:
        with self._lock:
            participation = self.participations.pop(self._participation(participation_id)["id"])
            self._bump(participation)
            self._record("participation", "removed", participation)
            self._recount(participation["eventId"])
            return copy.deepcopy(participation)

    def create_schedule(self, schedule: dict, *, idempotency_key: str | None = None) -> dict:
        """Create Schedule (``POST /calendar/v3/schedules``, §3.3): the request's writable
        fields as sent; ``id``, ``status`` ACTIVE, ``revision`` "1" and the dates assigned;
        ``timeZone`` defaults to the site's zone and ``businessTimeZoneEnabled`` to true. A
        repeated ``idempotency_key`` answers the schedule it created."""
        location = schedule.get("defaultLocation")
        if location is not None and not (isinstance(location, dict) and location.get("type")):
            raise ApiError(400, "schedule.defaultLocation.type must not be empty")
        with self._lock:
            if idempotency_key in self._created_by_key:
                return copy.deepcopy(self.schedules[self._created_by_key[idempotency_key]])
            created = {
                "id": str(uuid.uuid4()),
                "status": "ACTIVE",
                "timeZone": self.time_zone,
                "businessTimeZoneEnabled": True,
                "permissions": [],
                **{k: copy.deepcopy(v) for k, v in schedule.items() if k in SCHEDULE_WRITABLE},
                "revision": "1",
                "createdDate": _now_iso(),
                "updatedDate": _now_iso(),
            }
            self.schedules[created["id"]] = created
            if idempotency_key:
                self._created_by_key[idempotency_key] = created["id"]
            self._record("schedule", "added", created)
            return copy.deepcopy(created)

    def cancel_schedule(self, schedule_id: str) -> dict:
        with self._lock:
            schedule = self._schedule(schedule_id)
            schedule["status"] = "CANCELLED"
            self._bump(schedule)
            self._record("schedule", "updated", schedule)
            now = datetime.now(UTC)
            for event in list(self.events.values()):
                if (
                    event["scheduleId"] == schedule_id
                    and event["status"] != "CANCELLED"
                    and _utc(event["start"]["localDate"], event["timeZone"]) >= now
                ):
                    self.cancel_event(event["id"])
            return copy.deepcopy(schedule)

    # Lookups

    def _event(self, event_id: str) -> dict:
        try:
            return self.events[event_id]
        except KeyError:
            raise ApiError(404, f"Event with {event_id} ID not found", "EVENT_NOT_FOUND") from None

    def _schedule(self, schedule_id: str) -> dict:
        try:
            return self.schedules[schedule_id]
        except KeyError:
            raise ApiError(404, f"Schedule with {schedule_id} ID not found") from None

    def _participation(self, participation_id: str) -> dict:
        try:
            return self.participations[participation_id]
        except KeyError:
            raise ApiError(404, f"Participation with {participation_id} ID not found") from None

    # Query Events (§4)

    def query_events(self, body: dict) -> dict:
        with self._lock:
            query = body.get("query") or {}
            paging = query.get("cursorPaging") or {}
            limit = min(int(paging.get("limit") or 50), 1000)
            cursor = paging.get("cursor")
            if cursor:
                if cursor not in self._cursors:
                    raise ApiError(400, "Unknown cursor.")
                ids, offset, _ = self._cursors.pop(cursor)
            else:
                ids, offset = self._matching(body, query.get("filter") or {}), 0
            page_ids = ids[offset : offset + limit]
            events = [copy.deepcopy(self.events[i]) for i in page_ids if i in self.events]
            has_next = offset + limit < len(ids)
            cursors: dict = {}
            if has_next:
                token = uuid.uuid4().hex
                self._cursors[token] = (ids, offset + limit, "events")
                cursors["next"] = token
            return {
                "events": events,
                "pagingMetadata": {"count": len(events), "cursors": cursors, "hasNext": has_next},
            }

    def _matching(self, body: dict, filter: dict) -> list[str]:
        time_zone = body.get("timeZone") or self.time_zone
        types = body.get("recurrenceType") or list(DEFAULT_TYPES)
        start = _utc(body["fromLocalDate"], time_zone) if body.get("fromLocalDate") else None
        end = _utc(body["toLocalDate"], time_zone) if body.get("toLocalDate") else None
        wanted_types = filter.get("type")
        if isinstance(wanted_types, dict):
            wanted_types = wanted_types.get("$in") or [wanted_types.get("$eq")]
        elif isinstance(wanted_types, str):
            wanted_types = [wanted_types]
        app_filter = filter.get("appId")
        if isinstance(app_filter, dict):
            app_filter = app_filter.get("$in") or [app_filter.get("$eq")]
        elif isinstance(app_filter, str):
            app_filter = [app_filter]
        rows = []
        for event in self.events.values():
            if event["recurrenceType"] not in types:
                continue
            if wanted_types is not None and event["type"] not in wanted_types:
                continue
            if wanted_types is None and event["type"] == "WORKING_HOURS":
                continue
            if app_filter is not None and event["appId"] not in app_filter:
                continue
            event_start = _utc(event["start"]["localDate"], event["timeZone"])
            event_end = _utc(event["end"]["localDate"], event["timeZone"])
            if start is not None and event_end <= start:
                continue
            if end is not None and event_start >= end:
                continue
            rows.append((event_start, event["id"]))
        rows.sort()
        ids = [event_id for _, event_id in rows]
        if self.reorder_pages:
            random.Random(len(ids)).shuffle(ids)
        return ids

    def _query_list(self, items: list[dict], body: dict, key: str) -> dict:
        """Cursor paging over a plain list (schedules, resources, participations)."""
        query = body.get("query") or {}
        paging = query.get("cursorPaging") or {}
        limit = int(paging.get("limit") or 50)
        cursor = paging.get("cursor")
        if cursor:
            if cursor not in self._cursors:
                raise ApiError(400, "Unknown cursor.")
            ids, offset, _ = self._cursors.pop(cursor)
            source = {item["id"]: item for item in items}
            items = [source[i] for i in ids if i in source]
        else:
            items = [item for item in items if _matches(item, query.get("filter") or {})]
            ids, offset = [item["id"] for item in items], 0
        page = items[offset : offset + limit]
        has_next = offset + limit < len(items)
        cursors: dict = {}
        if has_next:
            token = uuid.uuid4().hex
            self._cursors[token] = (ids, offset + limit, key)
            cursors["next"] = token
        return {
            key: copy.deepcopy(page),
            "pagingMetadata": {"count": len(page), "cursors": cursors, "hasNext": has_next},
        }


def _matches(item: dict, filter: dict) -> bool:
    for name, condition in filter.items():
        value = item.get(name)
        if isinstance(condition, dict):
            if "$in" in condition and value not in condition["$in"]:
                return False
            if "$eq" in condition and value != condition["$eq"]:
                return False
        elif value != condition:
            return False
    return True


_FIELD_OF = {
    "title": "TITLE",
    "start": "TIME",
    "end": "TIME",
    "location": "LOCATION",
    "resources": "RESOURCES",
    "totalCapacity": "CAPACITY",
    "conferencingDetails": "CONFERENCING_DETAILS",
}


def _field_of(name: str) -> str | None:
    return _FIELD_OF.get(name)


def _fields_of(changes: dict) -> set[str]:
    return {_FIELD_OF[name] for name in changes if name in _FIELD_OF}


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeWixServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet test output
        return

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        fake = self.server_state
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            self._send(400, {"message": "The body is not JSON."})
            return
        with fake._lock:
            fake.requests.append((method, url.path, body))
        scripted = fake._next_scripted(url.path)
        if scripted is not None:
            if isinstance(scripted, tuple) and scripted[0] == "slow":
                time.sleep(scripted[1])
            else:
                status, retry_after = scripted if isinstance(scripted, tuple) else (scripted, None)
                if status == 429 and retry_after is None:
                    retry_after = "0"
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
                self._send(status, {"message": f"Scripted {status}"}, headers)
                return
        if (
            self.headers.get("Authorization") != fake.api_key
            or self.headers.get("wix-site-id") != fake.site_id
        ):
            self._send(401, {"message": "Invalid or missing API key."})
            return
        try:
            _check_participant_notification(body)
            status, answer = self._route(method, url.path, parse_qs(url.query), body)
        except ApiError as error:
            self._send(error.status, error.body())
            return
        self._send(status, answer)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _route(self, method: str, path: str, params: dict, body: dict) -> tuple[int, dict]:
        fake = self.server_state
        parts = path.strip("/").split("/")
        if path == "/calendar/v3/events/view" and method == "GET":
            days = (fake.view_end - datetime.now(UTC)).days
            return 200, {
                "eventsView": {
                    "endDate": fake.view_end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "futureDurationInDays": days,
                }
            }
        if path == "/calendar/v3/events/query" and method == "POST":
            return 200, fake.query_events(body)
        if path == "/calendar/v3/events" and method == "GET":
            ids = params.get("eventIds") or []
            return 200, {"events": [copy.deepcopy(fake.events[i]) for i in ids if i in fake.events]}
        if path == "/calendar/v3/events" and method == "POST":
            event = body.get("event") or {}
            created = fake.add_event(
                schedule_id=event.get("scheduleId", ""),
                start_local=event["start"]["localDate"],
                end_local=event["end"]["localDate"],
                **{k: v for k, v in event.items() if k not in ("scheduleId", "start", "end")},
            )
            return 200, {"event": created}
        if path == "/calendar/v3/bulk/events/update" and method == "POST":
            return 200, _bulk(
                [item.get("event") or {} for item in body.get("events") or []],
                lambda e: fake.update_event(
                    e.get("id", ""),
                    revision=e.get("revision"),
                    **{k: v for k, v in e.items() if k not in ("id", "revision")},
                ),
            )
        if path == "/calendar/v3/bulk/events/cancel" and method == "POST":
            return 200, _bulk(
                [{"id": i} for i in body.get("eventIds") or []],
                lambda e: fake.cancel_event(e["id"]),
            )
        if parts[:3] == ["calendar", "v3", "events"] and len(parts) == 4:
            event_id = parts[3]
            if method == "GET":
                with fake._lock:
                    return 200, {"event": copy.deepcopy(fake._event(event_id))}
            if method == "PATCH":
                event = body.get("event") or {}
                if "revision" not in event:
                    raise ApiError(400, "revision must not be empty")
                changes = {k: v for k, v in event.items() if k not in ("id", "revision")}
                updated = fake.update_event(event_id, revision=event["revision"], **changes)
                if fake.omit_pi_fields_in_answers:
                    for name in ("participants", "conferencingDetails", "notes"):
                        updated.pop(name, None)
                return 200, {"event": updated}
        if parts[:3] == ["calendar", "v3", "events"] and len(parts) == 5 and parts[4] == "cancel":
            return 200, {"event": fake.cancel_event(parts[3])}
        if path == "/calendar/v3/schedules/query" and method == "POST":
            with fake._lock:
                return 200, fake._query_list(list(fake.schedules.values()), body, "schedules")
        if path == "/calendar/v3/schedules" and method == "POST":
            schedule = fake.create_schedule(
                body.get("schedule") or {}, idempotency_key=body.get("idempotencyKey")
            )
            return 200, {"schedule": schedule}
        if parts[:3] == ["calendar", "v3", "schedules"] and len(parts) == 4 and method == "GET":
            with fake._lock:
                return 200, {"schedule": copy.deepcopy(fake._schedule(parts[3]))}
        if (
            parts[:3] == ["calendar", "v3", "schedules"]
            and len(parts) == 5
            and parts[4] == "cancel"
        ):
            return 200, {"schedule": fake.cancel_schedule(parts[3])}
        if path == "/bookings/v2/resources/query" and method == "POST":
            with fake._lock:
                return 200, fake._query_list(list(fake.resources.values()), body, "resources")
        if path == "/calendar/v3/participations/query" and method == "POST":
            with fake._lock:
                items = sorted(fake.participations.values(), key=lambda p: p["createdDate"])
                return 200, fake._query_list(items, body, "participations")
        if path == "/calendar/v3/participations" and method == "POST":
            participation = body.get("participation") or {}
            participant = dict(participation.get("participant") or {})
            name = participant.pop("name", "")
            if not name:
                raise ApiError(400, "participant.name must not be empty")
            created = fake.add_participation(
                event_id=participation.get("eventId", ""),
                name=name,
                party_size=participation.get("partySize", 1),
                participant=participant,
                **({"status": participation["status"]} if "status" in participation else {}),
            )
            return 200, {"participation": created}
        if parts[:3] == ["calendar", "v3", "participations"] and len(parts) == 4:
            participation_id = parts[3]
            if method == "GET":
                with fake._lock:
                    return 200, {
                        "participation": copy.deepcopy(fake._participation(participation_id))
                    }
            if method == "PATCH":
                changes = dict(body.get("participation") or {})
                revision = changes.pop("revision", None)
                if revision is None:
                    raise ApiError(400, "revision must not be empty")
                return 200, {
                    "participation": fake.update_participation(
                        participation_id, revision=revision, **changes
                    )
                }
            if method == "DELETE":
                fake.delete_participation(participation_id)
                return 200, {}
        raise ApiError(404, f"No such endpoint: {method} {path}")


def _bulk(items: list[dict], operation) -> dict:
    results, successes = [], 0
    for index, item in enumerate(items):
        try:
            entity = operation(item)
        except ApiError as error:
            results.append(
                {
                    "itemMetadata": {
                        "id": item.get("id"),
                        "originalIndex": index,
                        "success": False,
                        "error": {
                            "code": error.code or str(error.status),
                            "description": error.message,
                        },
                    }
                }
            )
            continue
        successes += 1
        results.append(
            {
                "itemMetadata": {"id": entity["id"], "originalIndex": index, "success": True},
                "item": entity,
            }
        )
    return {
        "results": results,
        "bulkActionMetadata": {
            "totalSuccesses": successes,
            "totalFailures": len(items) - successes,
        },
    }


def _check_participant_notification(body: dict) -> None:
    """A 400 for a ``participantNotification`` that is not the spec's ``{notifyParticipants:
    bool, message: string (1-5000)}`` (Update/Cancel Event, the bulk ones, the schedule ones)."""
    if not isinstance(body, dict) or "participantNotification" not in body:
        return
    notification = body["participantNotification"]
    if not isinstance(notification, dict) or set(notification) - {"notifyParticipants", "message"}:
        raise ApiError(400, "participantNotification has unknown fields")
    if not isinstance(notification.get("notifyParticipants", False), bool):
        raise ApiError(400, "participantNotification.notifyParticipants must be a boolean")
    message = notification.get("message")
    if message is not None and not (isinstance(message, str) and 1 <= len(message) <= 5000):
        raise ApiError(400, "participantNotification.message must be 1 to 5000 characters")
