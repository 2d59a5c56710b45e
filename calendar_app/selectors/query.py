"""Query Events over the local store: one window (or one page) of events as plain rows.

Every calendar page is rendered from ``query_events``; a page's cursor carries its query, signed.
"""

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import NamedTuple

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet

from calendar_app import recurrence
from calendar_app.models import (
    Event,
    Resource,
    Schedule,
    format_local_date,
    parse_local_date,
)
from calendar_app.selectors.filters import EventQueryError, filter_q, names_type
from calendar_app.selectors.rows import LINK, LINKS, read_window
from calendar_app.tenancy.models import Business
from calendar_app.validation import DATE_RANGE_MESSAGE, validate_year_range

DEFAULT_RECURRENCE_TYPES = ("NONE", "INSTANCE", "EXCEPTION")
DEFAULT_LIMIT = 50
MAX_LIMIT = 10_000  # the calendar's month window; one page never reads more rows
CURSOR_SALT = "calendar_app.query_events"
SORTS = {("start", "ASC"), ("end", "DESC")}


class EventResourceRef(NamedTuple):
    """An event's resource as Query Events returns it (the spec's ``event.resources[]``)."""

    id: str
    name: str
    type: str
    transparency: str


# The columns a calendar page shows of an event, in ``CalendarEvent``'s order.
ROW_FIELDS = (
    "id",
    "title",
    "status",
    "type",
    "schedule_id",
    "start",
    "end",
    "start_local_date",
    "time_zone",
    "all_day",
    "recurrence_type",
    "recurring_event_id",
    "transparency",
    "total_capacity",
    "remaining_capacity",
    "revision",
)


@dataclass(slots=True)
class CalendarEvent:
    """An event as the calendar pages show it: a plain row, not a model instance.

    A week can hold thousands of events; building a model instance for each cost more than
    the rest of the page. ``schedule`` is shared by the events of a schedule.
    """

    id: str
    title: str
    status: str
    type: str
    schedule_id: str
    start: datetime
    end: datetime
    start_local_date: str
    time_zone: str
    all_day: bool
    recurrence_type: str
    recurring_event_id: str
    transparency: str
    total_capacity: int | None
    remaining_capacity: int | None
    revision: int
    schedule: Schedule | None = None
    resource_refs: list[EventResourceRef] = field(default_factory=list)

    @property
    def pk(self) -> str:
        return self.id

    @property
    def is_cancelled(self) -> bool:
        return self.status == Event.Status.CANCELLED

    @property
    def start_local(self) -> datetime:
        return parse_local_date(self.start_local_date)


def calendar_events(rows: Iterable[tuple]) -> list[CalendarEvent]:
    """``ROW_FIELDS`` rows read through a cursor as events, typed as the ORM would type them:
    SQLite gives date-times as naive UTC (text through a subquery) and booleans as integers."""
    if connection.vendor == "postgresql":
        return [CalendarEvent(*row) for row in rows]
    events = [CalendarEvent(*row) for row in rows]
    for event in events:
        event.start, event.end = _aware_utc(event.start), _aware_utc(event.end)
        event.all_day = bool(event.all_day)
    return events


def _aware_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class EventPage:
    """One page of events; each has ``schedule`` loaded and ``resource_refs`` attached."""

    events: list[CalendarEvent]
    next_cursor: str | None
    has_next: bool
    time_zone: str

    @property
    def count(self) -> int:
        return len(self.events)


@dataclass(frozen=True)
class Known:
    """What the caller has read of the business already: its schedules and resources (a
    calendar page lists them for its filters). Query Events takes the events' schedules and
    resources from them and reads only those missing (a removed resource, say)."""

    schedules: Sequence[Schedule] = ()
    resources: Sequence[Resource] = ()


NOTHING_KNOWN = Known()


@dataclass(frozen=True)
class Query:
    from_local_date: str | None
    to_local_date: str | None
    time_zone: str
    recurrence_type: tuple[str, ...]
    filter: dict = field(default_factory=dict)
    sort: tuple[str, str] = ("start", "ASC")
    limit: int = DEFAULT_LIMIT


def query_events(
    business: Business,
    *,
    from_local_date: datetime | str | None = None,
    to_local_date: datetime | str | None = None,
    time_zone: str | None = None,
    recurrence_type: list[str] | tuple[str, ...] | None = None,
    filter: dict | None = None,
    sort: tuple[str, str] = ("start", "ASC"),
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    known: Known = NOTHING_KNOWN,
) -> EventPage:
    """Calendar V3 Query Events over the local store.

    The window is read in ``time_zone`` (the business's by default) and keeps every event that
    overlaps it. ``filter`` uses the spec's keys and operators; ``WORKING_HOURS`` events come back
    only when the ``type`` filter names them. With a ``cursor`` the original filter, sort and
    window are taken from the cursor, as upstream does. ``known``: the business's schedules and
    resources the caller has read already (their queries are then left out).
    """
    after: list | None = None
    if cursor:
        query, after, wanted = _decode_cursor(cursor)
    else:
        query = Query(
            from_local_date=_local(from_local_date),
            to_local_date=_local(to_local_date),
            time_zone=time_zone or business.time_zone,
            recurrence_type=tuple(recurrence_type or DEFAULT_RECURRENCE_TYPES),
            filter=filter or {},
            sort=tuple(sort),
            limit=limit,
        )
        wanted = validate_query(query)
    sort_field, order = query.sort
    past = "gt" if order == "ASC" else "lt"
    page = Q()
    if after:
        page = Q(**{f"{sort_field}__{past}": after[0]}) | Q(
            **{sort_field: after[0], f"id__{past}": after[1]}
        )
    rows = read_window(
        _window_parts(business, query, wanted & page),
        fields=ROW_FIELDS,
        sort=query.sort,
        limit=query.limit + 1,
    )
    has_next = len(rows) > query.limit
    events = calendar_events(row[:-1] for row in rows[: query.limit])
    attach_schedules(events, known=known.schedules)
    _attach_resource_refs(business, events, [row[-1] for row in rows], known=known.resources)
    next_cursor = None
    if has_next:
        last = events[-1]
        next_cursor = _encode_cursor(query, [getattr(last, sort_field).isoformat(), last.id])
    return EventPage(
        events=events, next_cursor=next_cursor, has_next=has_next, time_zone=query.time_zone
    )


def shown_events(business: Business, query: Query) -> QuerySet[Event]:
    """The business's events of the query's recurrence types, ``WORKING_HOURS`` only when the
    filter names them, with no window and no filter yet."""
    return Event.objects.filter(_shown(business, query))


def _shown(business: Business, query: Query) -> Q:
    """``shown_events`` as a condition, to join with others in one ``filter`` (each call of
    ``filter`` copies the query built so far)."""
    shown = Q(
        business=business, removed_date__isnull=True, recurrence_type__in=query.recurrence_type
    )
    if not names_type(query.filter, "WORKING_HOURS"):
        shown &= ~Q(type=Event.Type.WORKING_HOURS)
    return shown


def _window_parts(business: Business, query: Query, wanted: Q) -> list[QuerySet[Event]]:
    """The ``wanted`` events of the window as parts to read as one union: those starting in
    it, on a range of the (business, start) index, and those already running at its start.

    Read as one "ends after the start and starts before the end" test, the window costs a
    visit to every earlier (or later) event of the business; the running ones are picked by
    id from the index alone (``event_calendar_day`` holds ``end``) and only they are read.
    """
    shown = _shown(business, query)
    earlier, later = _window_bounds(query)
    events = shown & wanted
    before = Q(start__lt=later) if later else Q()
    if earlier is None:
        return [Event.objects.filter(events & before)]
    running = Event.objects.filter(shown, start__lt=earlier, end__gt=earlier).values("pk")
    return [
        Event.objects.filter(events & Q(start__gte=earlier) & before),
        Event.objects.filter(events, pk__in=running),
    ]


def _local(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as error:
            raise EventQueryError(
                f"'{value}' is not a local date-time (YYYY-MM-DDThh:mm:ss)."
            ) from error
    if value.tzinfo is not None:
        raise EventQueryError("fromLocalDate/toLocalDate are local times without an offset.")
    try:
        validate_year_range(value)
    except ValidationError as error:
        raise EventQueryError(DATE_RANGE_MESSAGE) from error
    return format_local_date(value)


def validate_query(query: Query) -> Q:
    """Raise ``EventQueryError`` for a query that cannot be answered; return its filter as a
    condition on events (``filters.filter_q``)."""
    try:
        zoneinfo.ZoneInfo(query.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise EventQueryError(f"Unknown time zone '{query.time_zone}'.") from error
    if query.sort not in SORTS:
        raise EventQueryError("Sort by start ascending or by end descending.")
    if not 1 <= len(query.recurrence_type) <= 5 or not set(query.recurrence_type) <= set(
        Event.RecurrenceType.values
    ):
        raise EventQueryError("recurrenceType takes 1 to 5 of NONE, MASTER, INSTANCE, EXCEPTION.")
    if not 1 <= query.limit <= MAX_LIMIT:
        raise EventQueryError(f"The page size must be 1 to {MAX_LIMIT}.")
    if (
        query.from_local_date
        and query.to_local_date
        and query.from_local_date >= query.to_local_date
        and query.sort[1] == "ASC"
    ):
        raise EventQueryError("fromLocalDate must be earlier than toLocalDate.")
    return filter_q(query.filter)  # raises on unsupported keys or operators


def _window_bounds(query: Query) -> tuple[datetime | None, datetime | None]:
    """The window's ends in UTC; a descending query may name it from its later end."""
    earlier, later = query.from_local_date, query.to_local_date
    if earlier and later and earlier > later:  # only a descending sort gets past validate_query
        earlier, later = later, earlier
    return (
        recurrence.to_utc(parse_local_date(earlier), query.time_zone) if earlier else None,
        recurrence.to_utc(parse_local_date(later), query.time_zone) if later else None,
    )


def attach_schedules(events: list[CalendarEvent], *, known: Iterable[Schedule] = ()) -> None:
    """Every event's schedule: from ``known`` (the business's schedules the caller has read),
    the others in one query. A business has a few schedules and many events, so one instance
    per schedule, not one per event as a join would build."""
    schedules = {schedule.pk: schedule for schedule in known}
    if missing := {event.schedule_id for event in events} - schedules.keys():
        schedules.update(Schedule.objects.in_bulk(missing))
    for event in events:
        event.schedule = schedules[event.schedule_id]


def _attach_resource_refs(
    business: Business,
    events: list[CalendarEvent],
    links: list[str | None],
    *,
    known: Iterable[Resource] = (),
) -> None:
    """Every event's resources, by name, from its ``rows.LINKS`` and the business's
    resources: ``known`` (those the caller has read), else one query of them all (a few
    dozen, where a week holds thousands of links)."""
    resources = {resource.pk: (resource.name, resource.type) for resource in known}
    # The same few links recur on many events: each is read once.
    read = {
        held: [link.split(LINK, 1) for link in held.split(LINKS)] for held in set(links) if held
    }
    if any(pk not in resources for pairs in read.values() for _, pk in pairs):
        resources.update(
            (pk, (name, type_))
            for pk, name, type_ in Resource.objects.filter(business=business).values_list(
                "id", "name", "type"
            )
        )
    refs_of = {
        held: sorted(
            (EventResourceRef(pk, *resources[pk], transparency) for transparency, pk in pairs),
            key=attrgetter("name"),
        )
        for held, pairs in read.items()
    }
    for event, held in zip(events, links, strict=False):
        if held:
            event.resource_refs = refs_of[held].copy()


def _encode_cursor(query: Query, after: list) -> str:
    payload = {
        "from": query.from_local_date,
        "to": query.to_local_date,
        "tz": query.time_zone,
        "rt": list(query.recurrence_type),
        "filter": query.filter,
        "sort": list(query.sort),
        "limit": query.limit,
        "after": after,
    }
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


STALE_CURSOR = "This page link is not valid any more; start from the first page."


def _decode_cursor(cursor: str) -> tuple[Query, list, Q]:
    """The query a cursor carries, checked exactly like a fresh query, its position and its
    filter as a condition (``validate_query``).

    The signature only proves that this app wrote the cursor once; a cursor from an older
    version, or one signed with a leaked key, must not reach the database unchecked.
    """
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
        query = Query(
            from_local_date=_local(payload["from"]),
            to_local_date=_local(payload["to"]),
            time_zone=str(payload["tz"]),
            recurrence_type=tuple(payload["rt"]),
            filter=payload["filter"],
            sort=tuple(payload["sort"]),
            limit=int(payload["limit"]),
        )
        wanted = validate_query(query)
        after = payload["after"]
        sort_value, last_id = after
        datetime.fromisoformat(sort_value)
        if not isinstance(last_id, str):
            raise EventQueryError(STALE_CURSOR)
    except EventQueryError:
        raise
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise EventQueryError(STALE_CURSOR) from error
    return query, after, wanted
