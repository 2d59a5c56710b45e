"""The Wix Calendar V3 contract (``specs/wix-calendar-v3.md``) as pydantic models, one per shape.

Each model carries the contract's fields under their REST names (``scheduleId``,
``localDate``, …: the attribute is its snake_case twin, the alias is the wire name). Parsing is
tolerant where the contract is open and strict where the store needs it:

- every enum is an open set (the SDK adds ``UNKNOWN_*`` members, Wix adds values): enum fields
  are plain strings, any value accepted;
- unknown fields are ignored — except in the objects stored whole as JSON (location,
  recurrence rule, conferencing details, extended fields), which keep them (``Kept``), so a
  mirrored object loses nothing the upstream sent;
- a field the payload leaves out stays unset (``model_fields_set``): the PI fields are absent
  unless requested, and absence does not mean empty;
- what every object of its kind has (an ``id``, a numeric ``revision``), instants, wall-clock
  dates, IANA zones and the few numeric ranges the store relies on are checked, and a
  violation is a ``ValidationError`` whose location names the wire field (``start.localDate``).

Serialized with ``model_dump(mode="json", exclude_none=True)`` a model is the spec's JSON:
revisions as numeric strings, instants as ``YYYY-MM-DDThh:mm:ss.sssZ``.
"""

import json
import zoneinfo
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from calendar_app.models import format_local_date, parse_local_date

IANA_ZONES = frozenset(zoneinfo.available_timezones() | {"UTC"})


def format_instant(value: datetime) -> str:
    """A UTC instant in the spec's ``YYYY-MM-DDThh:mm:ss.sssZ`` form."""
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def _refused(kind: str, what: str, value: Any) -> PydanticCustomError:
    """A violation whose message shows the value it refuses: ``'abc' is not …``."""
    return PydanticCustomError(kind, "{value} " + what, {"value": repr(value)})


def _revision(value: Any) -> int:
    """An int64 sent as a numeric string (an int is accepted too); compared as a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise _refused("revision", "is not a revision number (an integer as a string)", value)


def _blank_is_absent(value: Any) -> Any:
    return None if value == "" else value


def _utc(value: datetime | None) -> datetime | None:
    """An instant as aware UTC; one without an offset is read as UTC (the spec's times are)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _local_date(value: Any) -> datetime:
    """A wall-clock ``localDate`` (no offset, no ``Z``); anything after the seconds is ignored."""
    if isinstance(value, datetime):
        return value
    try:
        return parse_local_date(value[:19])
    except (TypeError, ValueError):
        raise _refused(
            "local_date", "is not a local date-time (YYYY-MM-DDThh:mm:ss)", value
        ) from None


def _time_zone(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in IANA_ZONES:
        raise _refused("time_zone", "is not an IANA time zone", value)
    return value


Revision = Annotated[int, BeforeValidator(_revision), PlainSerializer(str, when_used="json")]
Instant = Annotated[
    datetime | None,
    BeforeValidator(_blank_is_absent),
    AfterValidator(_utc),
    PlainSerializer(lambda v: v and format_instant(v), when_used="json"),
]
LocalDate = Annotated[
    datetime,
    BeforeValidator(_local_date),
    PlainSerializer(format_local_date, when_used="json"),
]


def _address(value: Any) -> Any:
    if value is None or isinstance(value, str | dict):
        return value
    raise _refused("address", "is neither an address string nor an address object", value)


TimeZone = Annotated[str | None, BeforeValidator(_time_zone)]
Id = Annotated[str, Field(min_length=1)]
Count = Annotated[int, Field(ge=0)]


class Shape(BaseModel):
    """A contract object: wire names as aliases, unknown fields ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
        frozen=True,
    )


class Kept(Shape):
    """A contract object stored whole as JSON: unknown fields are kept, not dropped."""

    model_config = ConfigDict(extra="allow")


# §2.1, §2.2: the parts of an Event


class ZonedDate(Kept):
    local_date: LocalDate
    time_zone: TimeZone = None
    utc_date: Instant = None


class RecurrenceRule(Kept):
    frequency: str | None = None
    interval: int | None = None
    days: list[str] | None = None
    until: ZonedDate | None = None
    adjusted_until: ZonedDate | None = None


class Location(Kept):
    """Where an event is; ``address`` is a formatted string or, in the wild, an object."""

    id: str | None = None
    type: str | None = None
    name: str | None = None
    address: Annotated[Any, BeforeValidator(_address)] = None


class EventResource(Shape):
    """A resource as embedded on an event (``event.resources[]``)."""

    id: Id
    name: str | None = None
    type: str | None = None
    schedule_id: str | None = None
    transparency: str | None = None
    permission_role: str | None = None


class Participant(Shape):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    contact_id: str | None = None


class Participants(Shape):
    """The participants summary on an event (PI; read-only)."""

    total: Count | None = None
    entries: list[Participant] | None = Field(default=None, alias="list")
    has_more: bool | None = None
    status: str | None = None


class ConferencingDetails(Kept):
    type: str | None = None
    host_url: str | None = None
    guest_url: str | None = None
    password: str | None = None
    description: str | None = None
    external_id: str | None = None


class Identity(Shape):
    wix_user_id: str | None = None


class Permission(Shape):
    identity: Identity | None = None
    role: str | None = None


class ExtendedFields(Kept):
    namespaces: dict[str, Any] | None = None


class Event(Shape):
    """An Event (Events V3, §2.2)."""

    id: Id
    schedule_id: str | None = None
    external_schedule_id: str | None = None
    schedule_name: str | None = None
    type: str | None = None
    status: str | None = None
    title: str | None = None
    start: ZonedDate | None = None
    end: ZonedDate | None = None
    adjusted_start: ZonedDate | None = None
    adjusted_end: ZonedDate | None = None
    all_day: bool | None = None
    time_zone: TimeZone = None
    recurrence_type: str | None = None
    recurrence_rule: RecurrenceRule | None = None
    recurring_event_id: str | None = None
    transparency: str | None = None
    location: Location | None = None
    resources: list[EventResource] | None = None
    total_capacity: Count | None = None
    remaining_capacity: int | None = None
    participants: Participants | None = None
    conferencing_details: ConferencingDetails | None = None
    notes: str | None = None
    inherited_fields: list[str] | None = None
    app_id: str | None = None
    permissions: list[Permission] | None = None
    extended_fields: ExtendedFields | None = None
    revision: Revision
    created_date: Instant = None
    updated_date: Instant = None


# §2.4, §2.5, §2.7


class Schedule(Shape):
    """A Schedule (Schedules V3, §2.4)."""

    id: Id
    external_id: str | None = None
    name: str | None = None
    status: str | None = None
    time_zone: TimeZone = None
    business_time_zone_enabled: bool | None = None
    default_title: str | None = None
    default_location: Location | None = None
    default_capacity: Count | None = None
    default_conferencing_details: ConferencingDetails | None = None
    app_id: str | None = None
    permissions: list[Permission] | None = None
    extended_fields: ExtendedFields | None = None
    revision: Revision
    created_date: Instant = None
    updated_date: Instant = None


class Participation(Shape):
    """A Participation (Participations V3, §2.5): for exactly one of an event or a schedule."""

    id: Id
    external_id: str | None = None
    participant: Participant | None = None
    schedule_id: str | None = None
    event_id: str | None = None
    party_size: Annotated[int, Field(strict=True, ge=1, le=1000)] | None = None
    status: str | None = None
    app_id: str | None = None
    extended_fields: ExtendedFields | None = None
    revision: Revision
    created_date: Instant = None
    updated_date: Instant = None


class EventsSchedule(Shape):
    id: str | None = None


class Resource(Shape):
    """A resource (Bookings Resources V2, §2.7). ``type`` is not a V2 field (V2 names a
    ``typeId``), but the embedded shape and older payloads carry it, so it is read when sent;
    a resource without a ``revision`` counts as revision 1."""

    id: Id
    revision: Revision = 1
    created_date: Instant = None
    updated_date: Instant = None
    name: str | None = None
    type: str | None = None
    type_id: str | None = None
    working_hours_schedules: dict[str, Any] | None = None
    location_options: dict[str, Any] | None = None
    events_schedule: EventsSchedule | None = None
    extended_fields: ExtendedFields | None = None


# §5: webhooks. The JWT's ``data`` claim is the envelope; its ``data`` the domain event.


def _json_object(value: Any) -> Any:
    """A JSON object that Wix sends stringified (an already-parsed one is accepted too)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise PydanticCustomError("json_object", "not valid JSON") from None
    return value


class WebhookIdentity(Shape):
    """Who caused the change (``envelope.identity``)."""

    identity_type: str | None = None
    anonymous_visitor_id: str | None = None
    member_id: str | None = None
    wix_user_id: str | None = None
    app_id: str | None = None


class RestoreInfo(Shape):
    deleted_date: Instant = None


class CreatedEvent[EntityT](Shape):
    entity: EntityT
    restore_info: RestoreInfo | None = None


class UpdatedEvent[EntityT](Shape):
    current_entity: EntityT


def _empty_is_absent(value: Any) -> Any:
    return None if value == {} else value


class DeletedEvent[EntityT](Shape):
    """``{"deletedEntity": …}``, or ``{}`` (or an empty entity) when the upstream sends none."""

    deleted_entity: Annotated[EntityT | None, BeforeValidator(_empty_is_absent)] = None


class ActionEvent[BodyT](Shape):
    body: BodyT


class DomainEvent[EntityT, BodyT](Shape):
    """The domain event (§5.3) with exactly one body; ``id`` is the webhook event's id (the
    dedup key), never the calendar object's."""

    id: Id
    entity_fqdn: str = ""
    slug: str = ""
    entity_id: str | None = None
    event_time: Instant = None
    triggered_by_anonymize_request: bool | None = None
    originated_from: str | None = None
    entity_event_sequence: str | None = None
    created_event: CreatedEvent[EntityT] | None = None
    updated_event: UpdatedEvent[EntityT] | None = None
    deleted_event: DeletedEvent[EntityT] | None = None
    action_event: ActionEvent[BodyT] | None = None


class Envelope(Shape):
    """The JWT's ``data`` claim: which site (``instanceId``) and the domain event, both of
    whose JSON objects come stringified. The domain event is kept as a JSON object here: its
    model depends on its kind (``DOMAIN_EVENTS``)."""

    instance_id: Id
    event_type: str | None = None
    data: Annotated[dict[str, Any], BeforeValidator(_json_object)]
    identity: Annotated[WebhookIdentity | None, BeforeValidator(_json_object)] = None


# §5.4: the action bodies


class EventAddedOrUpdated(Shape):
    """``previousEvent`` (the Event before) is kept as JSON: nothing reads it, parsing it would
    double a delivery's cost, and a delivery is not refused for it."""

    event: Event
    previous_event: dict[str, Any] | None = None


class EventRemoved(Shape):
    event: Event


class ProjectionUpdated(Shape):
    """Events View Projection Updated: one of ``eventAddedOrUpdated`` / ``eventRemoved``."""

    event_added_or_updated: EventAddedOrUpdated | None = None
    event_removed: EventRemoved | None = None
    app_id: str | None = None


class ViewExtended(Shape):
    extended_end_date: Instant


class EventCancelled(Shape):
    event: Event


class NoBody(Shape):
    """The body of a kind that carries its object as an entity, not as an action."""


EVENTS_VIEW = "wix.calendar.v3.events_view"
EVENT = "wix.calendar.v3.event"
SCHEDULE = "wix.calendar.v3.schedule"
PARTICIPATION = "wix.calendar.v3.participation"

# The domain events this app mirrors, by (entityFqdn, slug): the model of each.
DOMAIN_EVENTS: dict[tuple[str, str], type[DomainEvent]] = {
    (EVENTS_VIEW, "projection_updated"): DomainEvent[NoBody, ProjectionUpdated],
    (EVENTS_VIEW, "extended"): DomainEvent[NoBody, ViewExtended],
    (EVENT, "created"): DomainEvent[Event, NoBody],
    (EVENT, "updated"): DomainEvent[Event, NoBody],
    (EVENT, "cancelled"): DomainEvent[Event, EventCancelled],
    **{
        (SCHEDULE, slug): DomainEvent[Schedule, NoBody]
        for slug in ("created", "updated", "cancelled")
    },
    **{
        (PARTICIPATION, slug): DomainEvent[Participation, NoBody]
        for slug in ("created", "updated", "deleted")
    },
}
