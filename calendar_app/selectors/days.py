"""A grid of days (the month page): each day's first events and its count, at a cost that does
not grow with the events in the month."""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL

from calendar_app import recurrence
from calendar_app.models import Event, format_local_date
from calendar_app.selectors.query import (
    DEFAULT_RECURRENCE_TYPES,
    NOTHING_KNOWN,
    ROW_FIELDS,
    CalendarEvent,
    Known,
    Query,
    attach_schedules,
    calendar_events,
    shown_events,
    validate_query,
)
from calendar_app.selectors.rows import where_clause
from calendar_app.tenancy.models import Business


@dataclass(frozen=True)
class DayEvents:
    """A grid of days: each day's first events (by start) and how many it has in all.

    ``shown[i]`` are the events of day ``i`` to list (events spanning several days first, on
    every day they cover), ``counts[i]`` the number of events that day has.
    """

    shown: list[list[CalendarEvent]]
    counts: list[int]


def events_per_day(
    business: Business,
    *,
    first_day: date,
    days: int,
    filter: dict | None,
    per_day: int,
    known: Known = NOTHING_KNOWN,
) -> DayEvents:
    """The first ``per_day`` events of each day and each day's count, from the database.

    For a month grid at any size, and at a cost that does not grow with the events in it:
    each day is read on its own range of the (business, start) index, its first events by
    ``ORDER BY start LIMIT`` (PostgreSQL through a LATERAL join, SQLite, which has none,
    through a correlated ``IN``) and its count from the index alone (``event_calendar_day``
    covers the filter), so the page never loads the whole month and no day goes missing behind
    a cap. Events running into a later day are few; they are read whole and counted on each
    day they cover (PostgreSQL finds their ids in the counts' pass over each day). Three
    queries: counts, events, schedules (two when ``known`` holds the events' schedules).
    """
    zone = business.time_zone
    start = datetime.combine(first_day, time.min)
    query = Query(
        from_local_date=format_local_date(start),
        to_local_date=format_local_date(start + timedelta(days=days)),
        time_zone=zone,
        recurrence_type=DEFAULT_RECURRENCE_TYPES,
        filter=filter or {},
    )
    wanted = validate_query(query)
    bounds = [recurrence.to_utc(start + timedelta(days=i), zone) for i in range(days + 1)]
    events = shown_events(business, query).filter(wanted)
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
    carried_rows = _sql(carried.values_list(*ROW_FIELDS))
    quote = connection.ops.quote_name
    table = quote(Event._meta.db_table)
    columns = ", ".join(f"e.{quote(name)}" for name in ROW_FIELDS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Each day's count and the ids of its events running into a later day, in one
            # pass over its part of the index: a second pass to find those cost as much as
            # the count in a busy month. They are read by id with the spanning ones (-1).
            where, where_params = where_clause(on_day)
            cursor.execute(
                f"{with_days}SELECT d.i, c.n, c.later FROM d CROSS JOIN LATERAL (SELECT "
                f"COUNT(*) AS n, ARRAY_AGG({table}.{quote('id')}) FILTER (WHERE "
                f"{table}.{quote('end')} > d.hi) AS later FROM {table}{where}) AS c ORDER BY d.i",
                [*day_params, *where_params],
            )
            counted = cursor.fetchall()
            counts = [count for _, count, _ in counted]
            running_on = [pk for _, _, ids in counted for pk in ids or ()]
            parts = [_sql(first.values_list(*ROW_FIELDS)), carried_rows]
            rows_sql = "SELECT d.i, f.* FROM d CROSS JOIN LATERAL ({}) AS f"
            if running_on:
                rows_sql += (
                    f" UNION ALL SELECT -1, {columns} FROM {table} AS e WHERE e.id IN ({{}})"
                )
                parts.insert(1, (", ".join(["%s"] * len(running_on)), running_on))
            rows_sql += " UNION ALL SELECT -1, c.* FROM ({}) AS c"
        else:
            count_sql, count_params = _sql(
                on_day.values("business").annotate(n=Count("id")).values("n")
            )
            cursor.execute(
                f"{with_days}SELECT d.i, COALESCE(({count_sql}), 0) FROM d ORDER BY d.i",
                [*day_params, *count_params],
            )
            counts = [count for _, count in cursor.fetchall()]
            # The events running into a later day are found by id on the index alone (a
            # day's events all pass through that test), then read whole.
            parts = [_sql(first.values_list("id")), _sql(later.values_list("id")), carried_rows]
            rows_sql = (
                f"SELECT d.i, {columns} FROM d JOIN {table} AS e "
                "ON (e.id IN ({}) OR e.id IN ({})) UNION ALL SELECT -1, c.* FROM ({}) AS c"
            )
        cursor.execute(
            with_days + rows_sql.format(*(sql for sql, _ in parts)),
            [*day_params, *(param for _, params in parts for param in params)],
        )
        fetched = cursor.fetchall()
    events = calendar_events(row[1:] for row in fetched)
    rows = [(row[0], event) for row, event in zip(fetched, events, strict=True)]
    attach_schedules([event for _, event in rows], known=known.schedules)
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
