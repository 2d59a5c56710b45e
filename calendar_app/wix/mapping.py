"""Calendar V3 JSON ⇄ the local model, through the contract's pydantic models.

``*_from_wire`` parse a spec payload with its model (``calendar_app.wix.contract``) and turn it
into model attribute values; ``*_to_wire`` build the spec's REST shapes from rows through the
same models (``id``, ``revision`` as a numeric string, ZonedDates ``{localDate, timeZone,
utcDate}``, ``resources[]``, ``conferencingDetails``, …). Unknown enum strings are kept as they
come, unknown fields are ignored (the JSON objects stored whole keep theirs), and a field the
payload leaves out is left out of the result (the PI fields ``conferencingDetails`` and
``notes`` are absent unless requested: absence does not mean empty, so the stored value must
stay). A payload that is not the contract's shape raises ``MappingError`` naming the field.
The client, the apply path, the backfill and the export command use these functions.
"""

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from calendar_app import recurrence
from calendar_app.backends import ParticipantNotification
from calendar_app.models import Event, Schedule, format_local_date
from calendar_app.wix import contract
from participants.models import Participation

WIX_BOOKINGS_APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"
ENUM_MAX_LENGTH = 40
PROBLEMS_SHOWN = 3


class MappingError(ValueError):
    """A payload that is not the contract's shape; the message names the field and why."""


def parse[ShapeT: contract.Shape](shape: type[ShapeT], data: Any, what: str) -> ShapeT:
    """``data`` read as the contract's ``shape`` (``what`` names it in the error: "event"); a
    model already parsed is returned as it is."""
    try:
        return shape.model_validate(data)
    except ValidationError as error:
        raise MappingError(_problems(error, what)) from error


def _problems(error: ValidationError, what: str) -> str:
    """The first few violations as sentences naming the wire field: ``The event has no id.``,
    ``The event's start.localDate is not valid: 'yesterday' is not a local date-time …``."""
    sentences = []
    for problem in error.errors(include_url=False)[:PROBLEMS_SHOWN]:
        path = ".".join(str(part) for part in problem["loc"])
        if not path:
            sentences.append(f"The {what} is not valid: {problem['msg']}.")
        elif problem["type"] == "missing":
            sentences.append(f"The {what} has no {path}.")
        else:
            sentences.append(f"The {what}'s {path} is not valid: {problem['msg']}.")
    return " ".join(sentences)


_INSTANT: TypeAdapter[datetime | None] = TypeAdapter(contract.Instant)


def parse_instant(value: Any) -> datetime | None:
    """An ISO-8601 date-time (``Z`` or an offset) as an aware UTC datetime; None when absent."""
    try:
        return _INSTANT.validate_python(value)
    except ValidationError as error:
        raise MappingError(f"{value!r} is not a date-time.") from error


def _enum(value: str | None, max_length: int = ENUM_MAX_LENGTH) -> str:
    """An enum string as it comes (unknown values included), bounded to the column's width."""
    return "" if value is None else value[:max_length]


def _kept(shape: contract.Kept | None) -> dict | None:
    """A JSON object stored whole, as the upstream sent it (unknown fields included)."""
    return None if shape is None else shape.model_dump(mode="json", exclude_unset=True)


def _dates(shape: contract.Shape, fields: dict) -> dict:
    """``created_date``/``updated_date`` of the payload, when it carries them."""
    for attribute in ("created_date", "updated_date"):
        if (instant := getattr(shape, attribute)) is not None:
            fields[attribute] = instant
    return fields


# Events

# Stored under the same attribute name, a null stored as this value.
_EVENT_COPIED = {
    "schedule_id": None,
    "external_schedule_id": "",
    "title": "",
    "all_day": False,
    "recurring_event_id": "",
    "total_capacity": None,
    "remaining_capacity": None,
    "notes": "",
    "app_id": "",
}
_EVENT_ENUMS = ("type", "status", "recurrence_type", "transparency")
_EVENT_KEPT = ("recurrence_rule", "location", "conferencing_details", "extended_fields")
_EVENT_WRITABLE = {*_EVENT_COPIED, *_EVENT_ENUMS, *_EVENT_KEPT, "inherited_fields"}


def event_from_wire(data: Any) -> dict:
    """Model attribute values of a spec Event (see ``event_fields``)."""
    return event_fields(parse(contract.Event, data, "event"))


def event_fields(event: contract.Event) -> dict:
    """Model attribute values of a parsed Event (only what the payload carries).

    Always present: ``id`` and ``revision`` (an int). ``start``/``end`` give ``start_local_date``
    (seconds set to ``:00``), ``start`` (UTC: ``utcDate``, or ``localDate`` read in the zone)
    and the same for the end; ``resources`` is a list of ``{id, name, type, schedule_id,
    transparency}`` when the payload has ``resources``.
    """
    sent = event.model_fields_set
    fields: dict = {"id": event.id, "revision": event.revision}
    for attribute, null in _EVENT_COPIED.items():
        if attribute in sent:
            value = getattr(event, attribute)
            fields[attribute] = null if value is None else value
    for attribute in _EVENT_ENUMS:
        if attribute in sent:
            fields[attribute] = _enum(getattr(event, attribute))
    for attribute in _EVENT_KEPT:
        if attribute in sent:
            fields[attribute] = _kept(getattr(event, attribute))
    if "inherited_fields" in sent:
        fields["inherited_fields"] = list(event.inherited_fields or [])
    if "title" in fields:
        fields["title"] = fields["title"][:200]
    time_zone = event.time_zone or (event.start and event.start.time_zone) or "UTC"
    if "time_zone" in sent or event.start is not None:
        fields["time_zone"] = time_zone
    for side in ("start", "end"):
        zoned: contract.ZonedDate | None = getattr(event, side)
        if zoned is not None:
            local = zoned.local_date.replace(second=0, microsecond=0)
            fields[f"{side}_local_date"] = format_local_date(local)
            fields[side] = zoned.utc_date or recurrence.to_utc(local, zoned.time_zone or time_zone)
    if "resources" in sent:
        fields["resources"] = [
            {
                "id": item.id,
                "name": item.name or "",
                "type": item.type or "",
                "schedule_id": item.schedule_id or None,
                "transparency": _enum(item.transparency or Event.Transparency.OPAQUE, 20),
            }
            for item in event.resources or []
        ]
    return _dates(event, fields)


def _zoned(local_date: str, time_zone: str, utc: datetime | None = None) -> dict:
    return {"local_date": local_date, "time_zone": time_zone, "utc_date": utc}


def _rule_with_zone(rule: dict | None, time_zone: str) -> dict | None:
    """A stored rule whose ``until`` names the event's zone (the stored one may not)."""
    if not rule or not isinstance(rule.get("until"), dict):
        return rule or None
    return {**rule, "until": {"timeZone": time_zone, **rule["until"]}}


def event_to_wire(event: Event) -> dict:
    """An Event row in the spec's Event shape; a soft-deleted row also carries ``removedDate``
    (this app's tombstone, not a field of the contract).

    Reads ``event.event_resources`` with their resources and ``event.schedule``: prefetch them
    (``select_related("schedule")``, ``prefetch_related("event_resources__resource")``) for lists.
    """
    time_zone = event.time_zone
    wire = contract.Event(
        id=event.pk,
        schedule_id=event.schedule_id,
        external_schedule_id=event.external_schedule_id or None,
        schedule_name=event.schedule.name,
        type=event.type,
        status=event.status,
        title=event.title,
        start=_zoned(event.start_local_date, time_zone, event.start),
        end=_zoned(event.end_local_date, time_zone, event.end),
        all_day=event.all_day,
        time_zone=time_zone,
        recurrence_type=event.recurrence_type,
        recurrence_rule=_rule_with_zone(event.recurrence_rule, time_zone),
        recurring_event_id=event.recurring_event_id or None,
        transparency=event.transparency,
        location=event.location,
        resources=[
            {
                "id": link.resource.pk,
                "name": link.resource.name,
                "type": link.resource.type,
                "schedule_id": link.resource.schedule_id,
                "transparency": link.transparency,
            }
            for link in event.event_resources.all()
        ],
        total_capacity=event.total_capacity,
        remaining_capacity=event.remaining_capacity,
        conferencing_details=event.conferencing_details,
        notes=event.notes or None,
        inherited_fields=list(event.inherited_fields or []),
        app_id=event.app_id or None,
        extended_fields=event.extended_fields,
        revision=event.revision,
        created_date=event.created_date,
        updated_date=event.updated_date,
    ).model_dump(mode="json", exclude_none=True)
    if event.removed_date is not None:
        wire["removedDate"] = contract.format_instant(event.removed_date)
    return wire


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
        elif attribute in _EVENT_WRITABLE:
            patch[contract.Event.model_fields[attribute].alias] = value
        else:
            raise MappingError(f"{attribute} is not an event field.")
    return patch


# Schedules

# Stored under the same attribute name, a null stored as this value.
_SCHEDULE_COPIED = {
    "external_id": "",
    "name": "",
    "business_time_zone_enabled": True,
    "default_title": "",
    "default_capacity": None,
    "app_id": "",
    "time_zone": "",
}
_SCHEDULE_KEPT = ("default_location", "default_conferencing_details")


def schedule_from_wire(data: Any) -> dict:
    """Model attribute values of a spec Schedule (only what the payload carries)."""
    schedule = parse(contract.Schedule, data, "schedule")
    sent = schedule.model_fields_set
    fields: dict = {"id": schedule.id, "revision": schedule.revision}
    for attribute, null in _SCHEDULE_COPIED.items():
        if attribute in sent:
            value = getattr(schedule, attribute)
            fields[attribute] = null if value is None else value
    for attribute in _SCHEDULE_KEPT:
        if attribute in sent:
            fields[attribute] = _kept(getattr(schedule, attribute))
    if "status" in sent:
        fields["status"] = _enum(schedule.status, 20)
    return _dates(schedule, fields)


# What Create Schedule takes from a new schedule; the upstream assigns the rest.
_SCHEDULE_CREATED = {"name", "default_title", "default_capacity", "default_location", "time_zone"}


def schedule_to_wire(schedule: Schedule, *, for_create: bool = False) -> dict:
    """A Schedule row in the spec's Schedule shape; ``for_create``: only what Create Schedule
    takes (a schedule not created upstream yet has no id, revision or status there)."""
    return contract.Schedule(
        id=schedule.pk,
        external_id=schedule.external_id or None,
        name=schedule.name,
        status=schedule.status,
        time_zone=schedule.time_zone or None,
        business_time_zone_enabled=schedule.business_time_zone_enabled,
        default_title=schedule.default_title or None,
        default_location=schedule.default_location,
        default_capacity=schedule.default_capacity,
        default_conferencing_details=schedule.default_conferencing_details,
        app_id=schedule.app_id or None,
        revision=schedule.revision,
        created_date=schedule.created_date,
        updated_date=schedule.updated_date,
    ).model_dump(mode="json", exclude_none=True, include=_SCHEDULE_CREATED if for_create else None)


# Resources (Bookings Resources V2)


def resource_from_wire(data: Any) -> dict:
    """Model attribute values of a Resources V2 resource (``typeId`` is a GUID, not kept)."""
    resource = parse(contract.Resource, data, "resource")
    fields: dict = {"id": resource.id, "revision": resource.revision}
    if "name" in resource.model_fields_set:
        fields["name"] = resource.name or ""
    if resource.type:
        fields["type"] = _enum(resource.type)
    if resource.events_schedule is not None and resource.events_schedule.id:
        fields["schedule_id"] = resource.events_schedule.id
    return _dates(resource, fields)


# Participations


def participation_to_wire(participation: Participation) -> dict:
    """A Participation row in the spec's shape (exactly one of ``eventId`` / ``scheduleId``)."""
    return contract.Participation(
        id=participation.pk,
        external_id=participation.external_id or None,
        participant={
            "name": participation.name,
            "phone": participation.phone or None,
            "email": participation.email or None,
            "contact_id": participation.contact_id or None,
        },
        event_id=participation.event_id,
        schedule_id=participation.schedule_id if participation.event_id is None else None,
        party_size=participation.party_size,
        status=participation.status,
        app_id=participation.app_id or None,
        revision=participation.revision,
        created_date=participation.created_date,
        updated_date=participation.updated_date,
    ).model_dump(mode="json", exclude_none=True)


_PARTICIPANT_FIELDS = ("name", "phone", "email", "contact_id")


def participation_from_wire(data: Any) -> dict:
    """Model attribute values of a spec Participation (only what the payload carries)."""
    participation = parse(contract.Participation, data, "participation")
    sent = participation.model_fields_set
    fields: dict = {"id": participation.id, "revision": participation.revision}
    if "external_id" in sent:
        fields["external_id"] = participation.external_id or ""
    if (participant := participation.participant) is not None:
        for attribute in _PARTICIPANT_FIELDS:
            if attribute in participant.model_fields_set:
                fields[attribute] = getattr(participant, attribute) or ""
    if participation.event_id:
        fields["event_id"] = participation.event_id
    elif participation.schedule_id:
        fields["schedule_id"] = participation.schedule_id
    if participation.party_size is not None:
        fields["party_size"] = participation.party_size
    if "status" in sent:
        fields["status"] = _enum(participation.status, 30)
    if "app_id" in sent:
        fields["app_id"] = participation.app_id or ""
    return _dates(participation, fields)


def participant_notification(notification: ParticipantNotification | None) -> dict | None:
    """The spec's ``participantNotification`` (``{notifyParticipants, message}``; the message,
    1 to 5000 characters, only when the owner wrote one), None when the write has no choice."""
    if notification is None:
        return None
    wire: dict = {"notifyParticipants": notification.notify}
    if notification.notify and notification.message:
        wire["message"] = notification.message
    return wire
