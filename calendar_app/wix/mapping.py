"""Calendar V3 JSON ⇄ the local model: the one place that knows the wire names.

``*_to_wire`` build the spec's REST shapes (``id``, ``revision`` as a numeric string, ZonedDate
objects ``{localDate, timeZone, utcDate}``, ``resources[]``, ``conferencingDetails``, …) from
model rows; ``*_from_wire`` turn a spec payload into model attribute values. Unknown enum strings
are kept as they come, unknown fields are ignored, and a field the payload leaves out is left out
of the result (the PI fields ``conferencingDetails`` and ``notes`` are absent unless requested:
absence does not mean empty, so the stored value must stay). The client, the webhook handler, the
backfill, the export command and any later API use these functions.
"""

import zoneinfo
from datetime import UTC, datetime

from calendar_app import recurrence
from calendar_app.models import Event, Resource, Schedule, format_local_date, parse_local_date
from participants.models import Participation

WIX_BOOKINGS_APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"
ENUM_MAX_LENGTH = 40
_ZONES = zoneinfo.available_timezones() | {"UTC"}
_EVENT_ENUMS = {"type", "status", "recurrence_type", "transparency"}


class MappingError(ValueError):
    """A payload that lacks what every object of its kind has (an ``id``, a numeric revision)."""


def format_instant(value: datetime | None) -> str | None:
    """A UTC instant in the spec's ``YYYY-MM-DDThh:mm:ss.sssZ`` form."""
    if value is None:
        return None
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def parse_instant(value: str | None) -> datetime | None:
    """An ISO-8601 date-time (``Z`` or an offset) as an aware UTC datetime; None when absent."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise MappingError(f"{value!r} is not a date-time.") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_revision(value) -> int:
    """The spec's revision (an int64 as a string) as an int, compared as a number."""
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise MappingError(f"{value!r} is not a revision number.") from error


def zoned_date(local_date: str, time_zone: str, utc: datetime | None = None) -> dict:
    """A ZonedDate object: wall-clock ``localDate``, its IANA ``timeZone`` and its ``utcDate``."""
    zoned = {"localDate": local_date, "timeZone": time_zone}
    if utc is not None:
        zoned["utcDate"] = format_instant(utc)
    return zoned


def _local_date(zoned: dict) -> str:
    """``localDate`` with seconds set to ``:00`` (the spec ignores them)."""
    try:
        return format_local_date(parse_local_date(zoned["localDate"][:19]))
    except (KeyError, TypeError, ValueError) as error:
        raise MappingError(f"{zoned!r} has no valid localDate.") from error


def _instant(zoned: dict, time_zone: str) -> datetime:
    """The ZonedDate's ``utcDate``, or its ``localDate`` read in the zone when that is absent."""
    if zoned.get("utcDate"):
        return parse_instant(zoned["utcDate"])
    return recurrence.to_utc(parse_local_date(_local_date(zoned)), time_zone)


def _checked_zone(name) -> str:
    """An IANA zone name the store can compute with; anything else is a bad payload."""
    if not isinstance(name, str) or name not in _ZONES:
        raise MappingError(f"{name!r} is not an IANA time zone.")
    return name


def _enum(value, max_length: int = ENUM_MAX_LENGTH) -> str:
    """An enum string as it comes (unknown values included), bounded to the column's width."""
    return str(value)[:max_length] if value is not None else ""


def _drop_none(data: dict) -> dict:
    return {key: value for key, value in data.items() if value is not None}


# Events


def _rule_to_wire(rule: dict | None, time_zone: str) -> dict | None:
    if not rule:
        return None
    wire = dict(rule)
    if isinstance(rule.get("until"), dict):
        wire["until"] = {"timeZone": time_zone, **rule["until"]}
    return wire


def event_resource_to_wire(resource: Resource, transparency: str) -> dict:
    """An entry of ``event.resources[]``."""
    return _drop_none(
        {
            "id": resource.pk,
            "name": resource.name,
            "type": resource.type,
            "scheduleId": resource.schedule_id,
            "transparency": transparency,
        }
    )


def event_to_wire(event: Event) -> dict:
    """An Event row in the spec's Event shape (``removedDate`` only on a soft-deleted row).

    Reads ``event.event_resources`` with their resources and ``event.schedule``: prefetch them
    (``select_related("schedule")``, ``prefetch_related("event_resources__resource")``) for lists.
    """
    time_zone = event.time_zone
    wire = {
        "id": event.pk,
        "scheduleId": event.schedule_id,
        "externalScheduleId": event.external_schedule_id or None,
        "scheduleName": event.schedule.name,
        "type": event.type,
        "status": event.status,
        "title": event.title,
        "start": zoned_date(event.start_local_date, time_zone, event.start),
        "end": zoned_date(event.end_local_date, time_zone, event.end),
        "allDay": event.all_day,
        "timeZone": time_zone,
        "recurrenceType": event.recurrence_type,
        "recurrenceRule": _rule_to_wire(event.recurrence_rule, time_zone),
        "recurringEventId": event.recurring_event_id or None,
        "transparency": event.transparency,
        "location": event.location,
        "resources": [
            event_resource_to_wire(link.resource, link.transparency)
            for link in event.event_resources.all()
        ],
        "totalCapacity": event.total_capacity,
        "remainingCapacity": event.remaining_capacity,
        "conferencingDetails": event.conferencing_details,
        "notes": event.notes or None,
        "inheritedFields": list(event.inherited_fields or []),
        "appId": event.app_id or None,
        "extendedFields": event.extended_fields,
        "revision": str(event.revision),
        "createdDate": format_instant(event.created_date),
        "updatedDate": format_instant(event.updated_date),
        "removedDate": format_instant(event.removed_date),
    }
    return _drop_none(wire)


def event_resources_from_wire(data: dict) -> list[dict]:
    """``resources[]`` as ``{id, name, type, schedule_id, transparency}`` (name/type may be "")."""
    resources = []
    for item in data.get("resources") or []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        resources.append(
            {
                "id": str(item["id"]),
                "name": item.get("name") or "",
                "type": item.get("type") or "",
                "schedule_id": item.get("scheduleId") or None,
                "transparency": _enum(item.get("transparency") or Event.Transparency.OPAQUE, 20),
            }
        )
    return resources


# Wire name → model attribute for the values that need no conversion.
_EVENT_PLAIN_FIELDS = {
    "scheduleId": "schedule_id",
    "externalScheduleId": "external_schedule_id",
    "type": "type",
    "status": "status",
    "title": "title",
    "allDay": "all_day",
    "recurrenceType": "recurrence_type",
    "recurrenceRule": "recurrence_rule",
    "recurringEventId": "recurring_event_id",
    "transparency": "transparency",
    "location": "location",
    "totalCapacity": "total_capacity",
    "remainingCapacity": "remaining_capacity",
    "conferencingDetails": "conferencing_details",
    "notes": "notes",
    "inheritedFields": "inherited_fields",
    "appId": "app_id",
    "extendedFields": "extended_fields",
}
_BLANK_WHEN_NULL = {"external_schedule_id", "recurring_event_id", "notes", "app_id", "title"}


def event_from_wire(data: dict) -> dict:
    """Model attribute values of a spec Event (only what the payload carries).

    Always present: ``id`` and ``revision`` (an int). ``start``/``end`` give ``start_local_date``,
    ``start`` (UTC) and the same for the end; ``resources`` is the list of
    ``event_resources_from_wire`` when the payload has ``resources``.
    """
    if not isinstance(data, dict) or not data.get("id"):
        raise MappingError("The event has no id.")
    fields: dict = {"id": str(data["id"]), "revision": parse_revision(data.get("revision"))}
    for wire_name, attribute in _EVENT_PLAIN_FIELDS.items():
        if wire_name in data:
            value = data[wire_name]
            if value is None and attribute in _BLANK_WHEN_NULL:
                value = ""
            elif attribute in _EVENT_ENUMS:
                value = _enum(value)
            fields[attribute] = value
    if "title" in fields:
        fields["title"] = str(fields["title"])[:200]
    if fields.get("inherited_fields") is None and "inherited_fields" in fields:
        fields["inherited_fields"] = []
    start = data.get("start") if isinstance(data.get("start"), dict) else {}
    time_zone = _checked_zone(data.get("timeZone") or start.get("timeZone") or "UTC")
    if "timeZone" in data or start:
        fields["time_zone"] = time_zone
    for side in ("start", "end"):
        zoned = data.get(side)
        if isinstance(zoned, dict):
            fields[f"{side}_local_date"] = _local_date(zoned)
            fields[side] = _instant(zoned, _checked_zone(zoned.get("timeZone") or time_zone))
    if "resources" in data:
        fields["resources"] = event_resources_from_wire(data)
    for wire_name in ("createdDate", "updatedDate"):
        if data.get(wire_name):
            fields[wire_name.replace("Date", "_date")] = parse_instant(data[wire_name])
    return fields


# Schedules

_SCHEDULE_PLAIN_FIELDS = {
    "externalId": "external_id",
    "name": "name",
    "status": "status",
    "timeZone": "time_zone",
    "businessTimeZoneEnabled": "business_time_zone_enabled",
    "defaultTitle": "default_title",
    "defaultLocation": "default_location",
    "defaultCapacity": "default_capacity",
    "defaultConferencingDetails": "default_conferencing_details",
    "appId": "app_id",
}


def schedule_to_wire(schedule: Schedule) -> dict:
    """A Schedule row in the spec's Schedule shape."""
    return _drop_none(
        {
            "id": schedule.pk,
            "externalId": schedule.external_id or None,
            "name": schedule.name,
            "status": schedule.status,
            "timeZone": schedule.time_zone or None,
            "businessTimeZoneEnabled": schedule.business_time_zone_enabled,
            "defaultTitle": schedule.default_title or None,
            "defaultLocation": schedule.default_location,
            "defaultCapacity": schedule.default_capacity,
            "defaultConferencingDetails": schedule.default_conferencing_details,
            "appId": schedule.app_id or None,
            "revision": str(schedule.revision),
            "createdDate": format_instant(schedule.created_date),
            "updatedDate": format_instant(schedule.updated_date),
        }
    )


def schedule_from_wire(data: dict) -> dict:
    """Model attribute values of a spec Schedule (only what the payload carries)."""
    if not isinstance(data, dict) or not data.get("id"):
        raise MappingError("The schedule has no id.")
    fields: dict = {"id": str(data["id"]), "revision": parse_revision(data.get("revision"))}
    for wire_name, attribute in _SCHEDULE_PLAIN_FIELDS.items():
        if wire_name in data:
            value = data[wire_name]
            if value is None and attribute not in ("default_location", "default_capacity"):
                value = "" if attribute != "business_time_zone_enabled" else True
            fields[attribute] = value
    if "status" in fields:
        fields["status"] = _enum(fields["status"], 20)
    if fields.get("time_zone"):
        _checked_zone(fields["time_zone"])
    for wire_name in ("createdDate", "updatedDate"):
        if data.get(wire_name):
            fields[wire_name.replace("Date", "_date")] = parse_instant(data[wire_name])
    return fields


# Resources (Bookings Resources V2)


def resource_to_wire(resource: Resource) -> dict:
    """A Resource row in the Resources V2 shape (``eventsSchedule.id`` is its own schedule)."""
    return _drop_none(
        {
            "id": resource.pk,
            "name": resource.name,
            "type": resource.type,
            "eventsSchedule": {"id": resource.schedule_id} if resource.schedule_id else None,
            "revision": str(resource.revision),
            "createdDate": format_instant(resource.created_date),
            "updatedDate": format_instant(resource.updated_date),
            "removedDate": format_instant(resource.removed_date),
        }
    )


def resource_from_wire(data: dict) -> dict:
    """Model attribute values of a Resources V2 resource (``typeId`` is a GUID, not kept)."""
    if not isinstance(data, dict) or not data.get("id"):
        raise MappingError("The resource has no id.")
    fields: dict = {"id": str(data["id"]), "revision": parse_revision(data.get("revision", 1))}
    if "name" in data:
        fields["name"] = data["name"] or ""
    if data.get("type"):
        fields["type"] = _enum(data["type"])
    events_schedule = data.get("eventsSchedule")
    if isinstance(events_schedule, dict) and events_schedule.get("id"):
        fields["schedule_id"] = str(events_schedule["id"])
    for wire_name in ("createdDate", "updatedDate"):
        if data.get(wire_name):
            fields[wire_name.replace("Date", "_date")] = parse_instant(data[wire_name])
    return fields


# Participations


def participation_to_wire(participation: Participation) -> dict:
    """A Participation row in the spec's shape (exactly one of ``eventId`` / ``scheduleId``)."""
    participant = _drop_none(
        {
            "name": participation.name,
            "phone": participation.phone or None,
            "email": participation.email or None,
            "contactId": participation.contact_id or None,
        }
    )
    return _drop_none(
        {
            "id": participation.pk,
            "externalId": participation.external_id or None,
            "participant": participant,
            "eventId": participation.event_id,
            "scheduleId": participation.schedule_id if participation.event_id is None else None,
            "partySize": participation.party_size,
            "status": participation.status,
            "appId": participation.app_id or None,
            "revision": str(participation.revision),
            "createdDate": format_instant(participation.created_date),
            "updatedDate": format_instant(participation.updated_date),
        }
    )


def participation_from_wire(data: dict) -> dict:
    """Model attribute values of a spec Participation (only what the payload carries)."""
    if not isinstance(data, dict) or not data.get("id"):
        raise MappingError("The participation has no id.")
    fields: dict = {"id": str(data["id"]), "revision": parse_revision(data.get("revision"))}
    if "externalId" in data:
        fields["external_id"] = data["externalId"] or ""
    participant = data.get("participant")
    if isinstance(participant, dict):
        for wire_name, attribute in (
            ("name", "name"),
            ("phone", "phone"),
            ("email", "email"),
            ("contactId", "contact_id"),
        ):
            if wire_name in participant:
                fields[attribute] = participant[wire_name] or ""
    if data.get("eventId"):
        fields["event_id"] = str(data["eventId"])
    elif data.get("scheduleId"):
        fields["schedule_id"] = str(data["scheduleId"])
    if "partySize" in data:
        size = data["partySize"]
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 1000:
            raise MappingError(f"{size!r} is not a party size (1 to 1000).")
        fields["party_size"] = size
    if "status" in data:
        fields["status"] = _enum(data["status"], 30)
    if "appId" in data:
        fields["app_id"] = data["appId"] or ""
    for wire_name in ("createdDate", "updatedDate"):
        if data.get(wire_name):
            fields[wire_name.replace("Date", "_date")] = parse_instant(data[wire_name])
    return fields


def event_changes_to_wire(changes: dict) -> dict:
    """Dashboard edits (model attribute → value, ``resource_ids``) as an Update Event patch.

    Times are written as ``localDate`` only, as the spec asks; the upstream computes ``utcDate``.
    """
    patch: dict = {}
    for attribute, value in changes.items():
        if attribute in ("start_local_date", "end_local_date"):
            local = value if isinstance(value, str) else format_local_date(value)
            patch[attribute.removesuffix("_local_date")] = {"localDate": local}
        elif attribute == "resource_ids":
            patch["resources"] = [{"id": resource_id} for resource_id in value]
        else:
            wire_name = next(
                (wire for wire, model in _EVENT_PLAIN_FIELDS.items() if model == attribute), None
            )
            if wire_name is None:
                raise MappingError(f"{attribute} is not an event field.")
            patch[wire_name] = value
    return patch
