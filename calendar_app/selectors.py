"""Calendar reads. Every calendar page is rendered from ``query_events``."""

import uuid
import zoneinfo
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from calendar_app import recurrence
from calendar_app.backends import Scope, calendar_backend
from calendar_app.models import (
    BulkOperation,
    Business,
    ChangeRecord,
    Event,
    EventResource,
    Membership,
    Resource,
    Schedule,
    format_local_date,
    parse_local_date,
)
from calendar_app.validation import DATE_RANGE_MESSAGE, has_nul, validate_year_range
from participants.models import Participation

DEFAULT_RECURRENCE_TYPES = ("NONE", "INSTANCE", "EXCEPTION")
DEFAULT_LIMIT = 50
MAX_LIMIT = 10_000  # the calendar's month window; one page never reads more rows
CURSOR_SALT = "calendar_app.query_events"

# Query Events filter keys (the spec's §4 table, plus ``status``) → model field.
SCALAR_FILTERS = {
    "id": "id",
    "appId": "app_id",
    "scheduleId": "schedule_id",
    "externalScheduleId": "external_schedule_id",
    "type": "type",
    "recurringEventId": "recurring_event_id",
    "transparency": "transparency",
    "status": "status",
    "location.type": "location__type",
    "location.id": "location__id",
}
RESOURCE_FILTERS = {
    "resources.id": "resource_id",
    "resources.type": "resource__type",
    "resources.scheduleId": "resource__schedule_id",
    "resources.transparency": "transparency",
}
# Keys compared with $eq/$ne/$gt/$lt/$gte/$lte (and $exists where the spec allows it).
COMPARED_FILTERS = {
    "totalCapacity": ("total_capacity", True),
    "remainingCapacity": ("remaining_capacity", False),
}
EXISTS_FILTERS = {"location": "location", "conferencingDetails": "conferencing_details"}
COMPARISONS = {"$eq": "exact", "$gt": "gt", "$lt": "lt", "$gte": "gte", "$lte": "lte"}
SORTS = {("start", "ASC"), ("end", "DESC")}


class EventQueryError(ValueError):
    """The query cannot be answered as asked; the message says why."""


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
class _Query:
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
) -> EventPage:
    """Calendar V3 Query Events over the local store.

    The window is read in ``time_zone`` (the business's by default) and keeps every event that
    overlaps it. ``filter`` uses the spec's keys and operators; ``WORKING_HOURS`` events come back
    only when the ``type`` filter names them. With a ``cursor`` the original filter, sort and
    window are taken from the cursor, as upstream does.
    """
    after: list | None = None
    if cursor:
        query, after = _decode_cursor(cursor)
    else:
        query = _Query(
            from_local_date=_local(from_local_date),
            to_local_date=_local(to_local_date),
            time_zone=time_zone or business.time_zone,
            recurrence_type=tuple(recurrence_type or DEFAULT_RECURRENCE_TYPES),
            filter=filter or {},
            sort=tuple(sort),
            limit=limit,
        )
        _validate(query)
    sort_field, order = query.sort
    past = "gt" if order == "ASC" else "lt"
    page = Q()
    if after:
        page = Q(**{f"{sort_field}__{past}": after[0]}) | Q(
            **{sort_field: after[0], f"id__{past}": after[1]}
        )
    ordering = (sort_field, "id") if order == "ASC" else (f"-{sort_field}", "-id")
    parts = [
        part.filter(page)
        .annotate(links=RESOURCE_LINKS)
        .order_by()
        .values_list(*ROW_FIELDS, "links")
        for part in _window_parts(business, query)
    ]
    if len(parts) > 1:
        if connection.features.supports_slicing_ordering_in_compound:
            # Each part ordered and cut on its own too (not on SQLite): read in index order,
            # it stops at the page.
            parts = [part.order_by(*ordering)[: query.limit + 1] for part in parts]
        parts = [parts[0].union(*parts[1:], all=True)]
    parts[0] = parts[0].order_by(*ordering)[: query.limit + 1]
    rows = list(parts[0])
    has_next = len(rows) > query.limit
    events = [CalendarEvent(*row[:-1]) for row in rows[: query.limit]]
    _attach_schedules(events)
    _attach_resource_refs(business, events, [row[-1] for row in rows])
    next_cursor = None
    if has_next:
        last = events[-1]
        next_cursor = _encode_cursor(query, [getattr(last, sort_field).isoformat(), last.id])
    return EventPage(
        events=events, next_cursor=next_cursor, has_next=has_next, time_zone=query.time_zone
    )


def _shown(business: Business, query: _Query) -> QuerySet[Event]:
    """The business's events of the query's recurrence types, ``WORKING_HOURS`` only when the
    filter names them, with no window and no filter yet."""
    events = Event.objects.filter(
        business=business,
        removed_date__isnull=True,
        recurrence_type__in=query.recurrence_type,
    )
    if not _names_type(query.filter, "WORKING_HOURS"):
        events = events.exclude(type=Event.Type.WORKING_HOURS)
    return events


def _window_parts(business: Business, query: _Query) -> list[QuerySet[Event]]:
    """The filtered window as parts to read as one union: the events starting in it, on a
    range of the (business, start) index, and those already running at its start.

    Read as one "ends after the start and starts before the end" test, the window costs a
    visit to every earlier (or later) event of the business; the running ones are picked by
    id from the index alone (``event_calendar_day`` holds ``end``) and only they are read.
    """
    shown = _shown(business, query)
    earlier, later = _window_bounds(query)
    events = shown.filter(_filter_q(query.filter))
    if earlier is None:
        return [events.filter(start__lt=later) if later else events]
    starting = events.filter(start__gte=earlier)
    if later:
        starting = starting.filter(start__lt=later)
    running = shown.filter(start__lt=earlier, end__gt=earlier).values("pk")
    return [starting, events.filter(pk__in=running)]


@dataclass(frozen=True)
class DayEvents:
    """A grid of days: each day's first events (by start) and how many it has in all.

    ``shown[i]`` are the events of day ``i`` to list (events spanning several days first, on
    every day they cover), ``counts[i]`` the number of events that day has.
    """

    shown: list[list[CalendarEvent]]
    counts: list[int]


def events_per_day(
    business: Business, *, first_day: date, days: int, filter: dict | None, per_day: int
) -> DayEvents:
    """The first ``per_day`` events of each day and each day's count, from the database.

    For a month grid at any size, and at a cost that does not grow with the events in it:
    each day is read on its own range of the (business, start) index, its first events by
    ``ORDER BY start LIMIT`` (PostgreSQL through a LATERAL join, SQLite, which has none,
    through a correlated ``IN``) and its count from the index alone (``event_calendar_day``
    covers the filter), so the page never loads the whole month and no day goes missing behind
    a cap. Events running into a later day are few; they are read whole and counted on each
    day they cover. Three queries: counts, events, schedules.
    """
    zone = business.time_zone
    start = datetime.combine(first_day, time.min)
    query = _Query(
        from_local_date=format_local_date(start),
        to_local_date=format_local_date(start + timedelta(days=days)),
        time_zone=zone,
        recurrence_type=DEFAULT_RECURRENCE_TYPES,
        filter=filter or {},
    )
    _validate(query)
    bounds = [recurrence.to_utc(start + timedelta(days=i), zone) for i in range(days + 1)]
    events = _shown(business, query).filter(_filter_q(query.filter))
    lo, hi = RawSQL("d.lo", ()), RawSQL("d.hi", ())  # the day's bounds, from the outer query
    on_day = events.filter(start__gte=lo, start__lt=hi).order_by()
    first = on_day.filter(end__lte=hi).order_by("start", "id")[:per_day]
    later = on_day.filter(end__gt=hi)  # runs into a later day
    carried = events.filter(start__lt=bounds[0], end__gt=bounds[0]).order_by()
    adapt = connection.ops.adapt_datetimefield_value
    day_params = [
        value for i in range(days) for value in (i, adapt(bounds[i]), adapt(bounds[i + 1]))
    ]
    with_days = f"WITH d (i, lo, hi) AS (VALUES {', '.join(['(%s, %s, %s)'] * days)}) "
    count_sql, count_params = _sql(on_day.values("business").annotate(n=Count("id")).values("n"))
    # The events running into a later day are found by id on the index alone (a day's events
    # all pass through that test), then read whole.
    later_ids, carried_rows = _sql(later.values_list("id")), _sql(carried.values_list(*ROW_FIELDS))
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(f"e.{connection.ops.quote_name(name)}" for name in ROW_FIELDS)
    if connection.vendor == "postgresql":
        parts = [_sql(first.values_list(*ROW_FIELDS)), later_ids, carried_rows]
        rows_sql = (
            "SELECT d.i, l.* FROM d CROSS JOIN LATERAL (SELECT * FROM ({}) AS f UNION ALL "
            f"SELECT {columns} FROM {table} AS e WHERE e.id IN ({{}})) AS l "
            "UNION ALL SELECT -1, c.* FROM ({}) AS c"
        )
    else:
        parts = [_sql(first.values_list("id")), later_ids, carried_rows]
        rows_sql = (
            f"SELECT d.i, {columns} FROM d JOIN {table} AS e "
            "ON (e.id IN ({}) OR e.id IN ({})) UNION ALL SELECT -1, c.* FROM ({}) AS c"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"{with_days}SELECT d.i, COALESCE(({count_sql}), 0) FROM d ORDER BY d.i",
            [*day_params, *count_params],
        )
        counts = [count for _, count in cursor.fetchall()]
        cursor.execute(
            with_days + rows_sql.format(*(sql for sql, _ in parts)),
            [*day_params, *(param for _, params in parts for param in params)],
        )
        rows = [(day, _from_cursor(row)) for day, *row in cursor.fetchall()]
    _attach_schedules([event for _, event in rows])
    rows.sort(key=lambda row: (row[1].start, row[1].id))
    shown: list[list[CalendarEvent]] = [[] for _ in range(days)]
    spanning = [event for day, event in rows if day < 0 or event.end > bounds[day + 1]]
    for day, event in rows:
        if day >= 0 and event.end <= bounds[day + 1]:
            shown[day].append(event)
    for event in reversed(spanning):  # spanning events first on each day, by start
        starts_on = bisect_right(bounds, event.start) - 1
        ends_on = min(days - 1, bisect_left(bounds, event.end) - 1)
        for day in range(max(starts_on, 0), ends_on + 1):
            shown[day].insert(0, event)
            if day != starts_on:  # the count of its first day has it already
                counts[day] += 1
    return DayEvents(shown=shown, counts=counts)


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    """A queryset's SQL and parameters, to be placed inside a statement Django cannot build."""
    return queryset.query.sql_with_params()


def _from_cursor(row: tuple) -> CalendarEvent:
    """A calendar row read through a raw cursor, typed as the ORM would: SQLite returns naive
    UTC date-times (or text, through a subquery) and integer booleans."""
    event = CalendarEvent(*row)
    event.start, event.end = _aware_utc(event.start), _aware_utc(event.end)
    event.all_day = bool(event.all_day)
    return event


def _aware_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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


def _validate(query: _Query) -> None:
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
    _filter_q(query.filter)  # raises on unsupported keys or operators


def _window_bounds(query: _Query) -> tuple[datetime | None, datetime | None]:
    """The window's ends in UTC; a descending query may name it from its later end."""
    earlier, later = query.from_local_date, query.to_local_date
    if earlier and later and earlier > later:  # only a descending sort gets past _validate
        earlier, later = later, earlier
    return (
        recurrence.to_utc(parse_local_date(earlier), query.time_zone) if earlier else None,
        recurrence.to_utc(parse_local_date(later), query.time_zone) if later else None,
    )


def _attach_schedules(events: list[CalendarEvent]) -> None:
    """Every event's schedule in one query: a business has a few schedules and many events, so
    one instance per schedule, not one per event as a join would build."""
    schedules = Schedule.objects.in_bulk({event.schedule_id for event in events})
    for event in events:
        event.schedule = schedules[event.schedule_id]


# Each event's resources as one text column of the event's own row: "transparency id" pairs
# (control characters apart, which no id or enum holds), so no second query names the events.
LINK, LINKS = "\x1f", "\x1e"
RESOURCE_LINKS = Subquery(
    EventResource.objects.filter(event=OuterRef("pk"))
    .values("event")
    .annotate(links=StringAgg(Concat("transparency", Value(LINK), "resource_id"), Value(LINKS)))
    .values("links")
)


def _attach_resource_refs(
    business: Business, events: list[CalendarEvent], links: list[str | None]
) -> None:
    """Every event's resources, by name, from its ``RESOURCE_LINKS`` and one query of the
    business's resources (a few dozen, where a week holds thousands of links)."""
    resources = {
        pk: (name, type_)
        for pk, name, type_ in Resource.objects.filter(business=business).values_list(
            "id", "name", "type"
        )
    }
    for event, held in zip(events, links, strict=False):
        if not held:
            continue
        refs = []
        for link in held.split(LINKS):
            transparency, resource_id = link.split(LINK, 1)
            refs.append(EventResourceRef(resource_id, *resources[resource_id], transparency))
        event.resource_refs = sorted(refs, key=lambda ref: ref.name)


def _filter_q(spec: dict[str, Any]) -> Q:
    """Translate the spec's query language (``$eq``/``$in``/``$hasSome``/``$hasAll``…) to a Q."""
    if not isinstance(spec, dict):
        raise EventQueryError("A filter is an object of field: condition.")
    q = Q()
    for key, condition in spec.items():
        if key in ("$and", "$or"):
            if not isinstance(condition, list):
                raise EventQueryError(f"'{key}' takes a list of filters.")
            parts = [_filter_q(part) for part in condition]
            combined = Q()
            for part in parts:
                combined = combined & part if key == "$and" else combined | part
            q &= combined
        elif key == "$not":
            q &= ~_filter_q(condition)
        elif key in SCALAR_FILTERS:
            q &= _scalar_q(SCALAR_FILTERS[key], key, condition)
        elif key in RESOURCE_FILTERS:
            q &= _resource_q(RESOURCE_FILTERS[key], key, condition)
        elif key in COMPARED_FILTERS:
            q &= _compared_q(*COMPARED_FILTERS[key], key, condition)
        elif key in EXISTS_FILTERS:
            q &= _exists_q(EXISTS_FILTERS[key], key, condition)
        else:
            raise EventQueryError(f"Filtering by '{key}' is not supported.")
    return q


def _operators(key: str, condition: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(condition, dict):
        condition = {"$eq": condition}
    unknown = set(condition) - allowed
    if unknown:
        raise EventQueryError(f"'{key}' does not support {', '.join(sorted(unknown))}.")
    return condition


def _scalar_q(model_field: str, key: str, condition: Any) -> Q:
    q = Q()
    for operator, value in _operators(key, condition, {"$eq", "$in"}).items():
        if operator == "$eq":
            _require_text(key, [value])
            q &= Q(**{model_field: value})
        else:
            if not isinstance(value, list):
                raise EventQueryError(f"'{key}' $in takes a list.")
            _require_text(key, value)
            q &= Q(**{f"{model_field}__in": value})
    return q


def _require_text(key: str, values: list) -> None:
    if not all(isinstance(value, str) and not has_nul(value) for value in values):
        raise EventQueryError(f"'{key}' compares with text values.")


def _compared_q(model_field: str, may_be_absent: bool, key: str, condition: Any) -> Q:
    allowed = {*COMPARISONS, "$ne"} | ({"$exists"} if may_be_absent else set())
    q = Q()
    for operator, value in _operators(key, condition, allowed).items():
        if operator == "$exists":
            q &= _exists_q(model_field, key, {"$exists": value})
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise EventQueryError(f"'{key}' {operator} takes a whole number.")
        if operator == "$ne":
            q &= ~Q(**{model_field: value}) | Q(**{f"{model_field}__isnull": True})
        else:
            q &= Q(**{f"{model_field}__{COMPARISONS[operator]}": value})
    return q


def _exists_q(model_field: str, key: str, condition: Any) -> Q:
    value = _operators(key, condition, {"$exists"}).get("$exists")
    if not isinstance(value, bool):
        raise EventQueryError(f"'{key}' takes $exists: true or false.")
    return Q(**{f"{model_field}__isnull": not value})


def _resource_q(model_field: str, key: str, condition: Any) -> Q:
    q = Q()
    for operator, values in _operators(key, condition, {"$hasSome", "$hasAll"}).items():
        if not isinstance(values, list) or not values:
            raise EventQueryError(f"'{key}' {operator} takes a non-empty list.")
        _require_text(key, values)
        if operator == "$hasSome":
            q &= Q(
                Exists(
                    EventResource.objects.filter(
                        event=OuterRef("pk"), **{f"{model_field}__in": values}
                    )
                )
            )
        else:
            for value in values:
                q &= Q(
                    Exists(
                        EventResource.objects.filter(event=OuterRef("pk"), **{model_field: value})
                    )
                )
    return q


def _names_type(spec: dict, value: str) -> bool:
    """True when the filter asks for events of this ``type`` anywhere in it."""
    for key, condition in spec.items():
        if key in ("$and", "$or") and any(_names_type(part, value) for part in condition):
            return True
        if key == "$not":
            continue
        if key == "type":
            values = (
                condition
                if not isinstance(condition, dict)
                else (condition.get("$in") or [condition.get("$eq")])
            )
            values = values if isinstance(values, list) else [values]
            if value in values:
                return True
    return False


def _encode_cursor(query: _Query, after: list) -> str:
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


def _decode_cursor(cursor: str) -> tuple[_Query, list]:
    """The query a cursor carries, checked exactly like a fresh query (and its position).

    The signature only proves that this app wrote the cursor once; a cursor from an older
    version, or one signed with a leaked key, must not reach the database unchecked.
    """
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
        query = _Query(
            from_local_date=_local(payload["from"]),
            to_local_date=_local(payload["to"]),
            time_zone=str(payload["tz"]),
            recurrence_type=tuple(payload["rt"]),
            filter=payload["filter"],
            sort=tuple(payload["sort"]),
            limit=int(payload["limit"]),
        )
        _validate(query)
        after = payload["after"]
        sort_value, last_id = after
        datetime.fromisoformat(sort_value)
        if not isinstance(last_id, str):
            raise EventQueryError(STALE_CURSOR)
    except EventQueryError:
        raise
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise EventQueryError(STALE_CURSOR) from error
    return query, after


def busy_times(
    business: Business,
    *,
    resource_ids: list[str],
    from_local_date: datetime,
    to_local_date: datetime,
    excluding_app_id: str = "",
) -> dict[str, list[tuple[datetime, datetime]]]:
    """When each resource is taken, as UTC ``(start, end)`` pairs sorted by start.

    What appointment slots must avoid: every event that holds the resource OPAQUE and is not
    cancelled, classes and blocked time alike (one blocked-time event holds many resources).
    The window is read in the business's zone and keeps what overlaps it, as ``query_events``
    does. ``excluding_app_id`` leaves out the events an app keeps for its own holds (the bookings
    app reads its bookings' holds from its own table). One query of plain rows: the slot engine
    calls this for every window it computes.
    """
    busy: dict[str, list[tuple[datetime, datetime]]] = {rid: [] for rid in resource_ids}
    if not resource_ids:
        return busy
    holds = EventResource.objects.filter(
        resource_id__in=list(resource_ids),
        transparency=Event.Transparency.OPAQUE,
        event__business=business,
        event__removed_date__isnull=True,
        event__recurrence_type__in=DEFAULT_RECURRENCE_TYPES,
        event__transparency=Event.Transparency.OPAQUE,
        event__status__in=[Event.Status.CONFIRMED, Event.Status.PENDING_CONFIRMATION],
        event__end__gt=recurrence.to_utc(from_local_date, business.time_zone),
        event__start__lt=recurrence.to_utc(to_local_date, business.time_zone),
    ).exclude(event__type=Event.Type.WORKING_HOURS)
    if excluding_app_id:
        holds = holds.exclude(event__app_id=excluding_app_id)
    for resource_id, start, end in holds.order_by("event__start", "event_id").values_list(
        "resource_id", "event__start", "event__end"
    ):
        busy[resource_id].append((start, end))
    return busy


def event_with_details(business: Business, event_id: str) -> Event | None:
    """One event of the business with its schedule, resources and (for an occurrence) MASTER.

    Three queries whatever the event; ``None`` for an unknown or another business's id.
    """
    event = (
        Event.objects.select_related("schedule", "business")
        .filter(business=business, pk=event_id, removed_date__isnull=True)
        .first()
    )
    if event is None:
        return None
    prefetch_related_objects(
        [event],
        Prefetch(
            "event_resources",
            queryset=EventResource.objects.select_related("resource").order_by("resource__name"),
        ),
    )
    event.master = None
    if event.recurring_event_id:
        event.master = Event.objects.filter(business=business, pk=event.recurring_event_id).first()
    return event


HISTORY_LIMIT = 100


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change of an event, as the History panel lists it."""

    when: datetime
    who: str
    action: str
    changes: list[tuple[str, Any, Any]]
    revision_before: int | None
    revision_after: int | None


def event_history(business: Business, event: Event) -> list[HistoryEntry]:
    """The event's audit records, newest first (at most ``HISTORY_LIMIT``), in one query."""
    records = (
        ChangeRecord.objects.filter(business=business, object_type="Event", object_id=event.pk)
        .select_related("actor", "upstream_connection")
        .order_by("-created_date", "-id")[:HISTORY_LIMIT]
    )
    return [
        HistoryEntry(
            when=record.created_date,
            who=_actor_label(record),
            action=record.action.replace("_", " "),
            changes=[(field, *values) for field, values in sorted(record.changes.items())],
            revision_before=record.revision_before,
            revision_after=record.revision_after,
        )
        for record in records
    ]


def _actor_label(record: ChangeRecord) -> str:
    if record.actor_kind == ChangeRecord.ActorKind.UPSTREAM:
        via = f" ({record.source})" if record.source else ""
        return f"Upstream {record.upstream_connection or ''}{via}".replace("  ", " ").strip()
    if record.actor_kind == ChangeRecord.ActorKind.USER:
        return record.actor.get_username() if record.actor else "A deleted user"
    return "System"


def can_restore_events(business: Business) -> bool:
    """Whether a cancelled event of the business can be restored (not upstream: Wix has no
    un-cancel)."""
    return calendar_backend(business).can_restore_event


def first_occurrence(event: Event) -> Event:
    """Where to land after creating a series: its first occurrence (the MASTER if none)."""
    if event.recurrence_type != Event.RecurrenceType.MASTER:
        return event
    occurrences = Event.objects.filter(recurring_event_id=event.pk, removed_date__isnull=True)
    return occurrences.order_by("start").first() or event


def occurrence_after_series_edit(occurrence: Event, master: Event) -> Event:
    """The edited occurrence, or its replacement when a new series time regenerated it."""
    same = Event.objects.filter(pk=occurrence.pk, removed_date__isnull=True).first()
    if same is not None:
        return same
    same_day = Event.objects.filter(
        recurring_event_id=master.pk,
        removed_date__isnull=True,
        start_local_date__startswith=occurrence.start_local_date[:10],
    )
    return same_day.order_by("start", "id").first() or master


def active_memberships(user) -> QuerySet[Membership]:
    """The businesses a user may work in (active memberships), for the business switcher."""
    return Membership.objects.filter(user=user, is_active=True).select_related("business")


def schedules_for(business: Business) -> QuerySet[Schedule]:
    return Schedule.objects.filter(business=business).order_by("name")


@dataclass(frozen=True)
class SchedulesPage:
    """The schedules list, whether a cancelled schedule can be restored (not upstream, where
    cancelling is final), and the operations still working on them (their progress bars)."""

    schedules: QuerySet[Schedule]
    can_restore: bool
    operations: QuerySet[BulkOperation]


def schedules_page(business: Business) -> SchedulesPage:
    return SchedulesPage(
        schedules=schedules_for(business),
        can_restore=calendar_backend(business).can_restore_schedule,
        operations=unfinished_operations(business),
    )


def unfinished_operations(business: Business) -> QuerySet[BulkOperation]:
    """The business's bulk operations that are queued or running, oldest first."""
    return (
        BulkOperation.objects.filter(business=business, state__in=BulkOperation.UNFINISHED_STATES)
        .select_related("schedule")
        .order_by("created_date")
    )


def operation_of(business: Business, operation_id: str) -> BulkOperation | None:
    """One bulk operation of the business (another business's id, or no id, finds nothing)."""
    try:
        operation_id = uuid.UUID(operation_id)
    except ValueError:
        return None
    return (
        BulkOperation.objects.filter(business=business, pk=operation_id)
        .select_related("schedule")
        .first()
    )


def resources_for(business: Business) -> QuerySet[Resource]:
    return Resource.objects.filter(business=business, removed_date__isnull=True).order_by(
        "type", "name"
    )


@dataclass(frozen=True)
class Reach:
    """What one cancel choice reaches: how many occurrences and how many booked places."""

    occurrences: int
    participants: int


def cancel_reach(event: Event) -> dict[str, Reach]:
    """For the confirmation before a cancel: what each scope would cancel (two queries).

    Keys are ``Scope`` values; a one-off event has only ``this``. Only occurrences that still
    take place count, and participants are active places (party sizes add up).
    """
    active = Q(cancelled_date__isnull=True)
    if not event.recurring_event_id and event.recurrence_type != Event.RecurrenceType.MASTER:
        places = Participation.objects.filter(active, event=event).aggregate(n=Sum("party_size"))
        return {Scope.THIS: Reach(1, places["n"] or 0)}
    occurrences = Event.objects.filter(
        recurring_event_id=event.series_id, removed_date__isnull=True
    ).exclude(status=Event.Status.CANCELLED)
    following = Q(start__gte=event.start)
    counts = occurrences.aggregate(all=Count("pk"), following=Count("pk", filter=following))
    places = Participation.objects.filter(active, event__in=occurrences).aggregate(
        all=Sum("party_size", default=0),
        following=Sum("party_size", default=0, filter=Q(event__start__gte=event.start)),
        this=Sum("party_size", default=0, filter=Q(event=event)),
    )
    return {
        Scope.THIS: Reach(1, places["this"]),
        Scope.FOLLOWING: Reach(counts["following"], places["following"]),
        Scope.ALL: Reach(counts["all"], places["all"]),
    }


CLASHES_SHOWN = 10


def clashes(
    business: Business,
    *,
    resource_ids: list[str],
    start_local: datetime,
    end_local: datetime,
    excluding: str | None = None,
) -> list[Event]:
    """Events that already hold one of these resources OPAQUE at that time (not cancelled), for
    the warning before an event or a block is put there; the first few by start."""
    if not resource_ids:
        return []
    start = recurrence.to_utc(start_local, business.time_zone)
    end = recurrence.to_utc(end_local, business.time_zone)
    holding = EventResource.objects.filter(
        event=OuterRef("pk"),
        resource_id__in=resource_ids,
        transparency=Event.Transparency.OPAQUE,
    )
    events = (
        Event.objects.filter(
            business=business, removed_date__isnull=True, start__lt=end, end__gt=start
        )
        .exclude(status=Event.Status.CANCELLED)
        .exclude(recurrence_type=Event.RecurrenceType.MASTER)
        .filter(Exists(holding))
        .order_by("start", "id")
    )
    if excluding:
        events = events.exclude(pk=excluding)
    return list(events[:CLASHES_SHOWN])
