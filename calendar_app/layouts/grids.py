"""Month, week and day grids: the window's events placed on days and, for week and day, on an
hour grid in side-by-side lanes, with a create link per empty hour."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from operator import attrgetter, itemgetter
from urllib.parse import urlencode

from django.urls import reverse

from calendar_app.layouts.entries import (
    JUST_BEFORE,
    MONTH_DAY_EVENTS,
    ONE_DAY,
    Day,
    Entry,
    columns_markup,
    event_links,
)
from calendar_app.layouts.lanes import lay_out_lanes
from calendar_app.layouts.query import BY_RESOURCE_VIEWS, CalendarQuery
from calendar_app.layouts.resources import resource_columns
from calendar_app.models import Event, Resource
from calendar_app.selectors import NOTHING_KNOWN, CalendarEvent, Known, events_per_day, query_events
from calendar_app.tenancy.models import Business

MAX_LANES = 3  # events side by side in a narrow column (week, by resource) before "+N more"
DAY_LIST_EVENTS = 100  # a month cell's list opened in place; the day view has the rest
CALENDAR_EVENT_LIMIT = 10_000  # one window query for week/day; more shows a notice
FIRST_HOUR, LAST_HOUR = 7, 20  # hour range of week and day grids, widened to fit the events
OPAQUE = Event.Transparency.OPAQUE


def _window(query: CalendarQuery) -> tuple[date, int]:
    """First day and number of days the grid shows."""
    if query.view == "month":
        first = query.day.replace(day=1)
        return first - timedelta(days=first.weekday()), 42
    if query.view == "week":
        return query.day - timedelta(days=query.day.weekday()), 7
    return query.day, 1


def grid(
    business: Business,
    query: CalendarQuery,
    now: datetime,
    *,
    resources: list[Resource],
    known: Known = NOTHING_KNOWN,
) -> dict:
    """Month, week or day: the window's events placed on days (and, for week and day, on a
    time grid), with the links each day and empty hour needs. By resource, the columns are
    the shown ``resources`` on each day (``resources.resource_columns``). ``known``: the
    business's schedules and resources the page has read (``query_events``)."""
    today = now.date()
    first_day, count = _window(query)
    if query.by_resource and query.view in BY_RESOURCE_VIEWS:
        columns, truncated = resource_columns(
            business,
            query,
            now,
            first_day=first_day,
            count=count,
            resources=resources,
            limit=CALENDAR_EVENT_LIMIT,
            known=known,
        )
        return {
            "days": columns,
            "truncated": truncated,
            "event_limit": CALENDAR_EVENT_LIMIT,
            **_time_grid(columns, query, now),
        }
    day_view = replace(query, view="day")
    days = [
        Day(
            date=d,
            url=day_view.url(day=d),
            is_today=d == today,
            in_month=query.view != "month" or d.month == query.day.month,
        )
        for d in (first_day + timedelta(days=i) for i in range(count))
    ]
    if query.view == "month":
        _fill_month(business, query, days, known=known)
        return {
            "days": days,
            "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
            "weekday_names": [f"{d.date:%a}" for d in days[:7]],
        }
    page = query_events(
        business,
        from_local_date=datetime.combine(first_day, datetime.min.time()),
        to_local_date=datetime.combine(first_day + timedelta(days=count), datetime.min.time()),
        time_zone=business.time_zone,
        filter=query.event_filter,
        limit=CALENDAR_EVENT_LIMIT,
        known=known,
    )
    _place(page.events, days, business, event_links())
    return {
        "days": days,
        "truncated": page.has_next,
        "event_limit": CALENDAR_EVENT_LIMIT,
        **_time_grid(days, query, now),
    }


def day_list(
    business: Business, query: CalendarQuery, now: datetime, *, known: Known = NOTHING_KNOWN
) -> Day:
    """One day's list for its month cell ("+N more" opened in place): its first
    ``DAY_LIST_EVENTS`` events in the month's order, and its count (more go to the day view)."""
    day = Day(
        date=query.day,
        url=replace(query, view="day").url(),
        is_today=query.day == now.date(),
    )
    _fill_month(business, query, [day], per_day=DAY_LIST_EVENTS, known=known)
    return day


def _fill_month(
    business: Business,
    query: CalendarQuery,
    days: list[Day],
    *,
    per_day: int = MONTH_DAY_EVENTS,
    known: Known,
) -> None:
    """Each day's first ``per_day`` events and its count, both from the database (any size)."""
    first = events_per_day(
        business,
        first_day=days[0].date,
        days=len(days),
        filter=query.event_filter,
        per_day=per_day,
        known=known,
    )
    zone = business.zone
    link = event_links()
    for day, events, total in zip(days, first.shown, first.counts, strict=True):
        day.entries = [
            Entry(
                event,
                event.start.astimezone(zone),
                event.end.astimezone(zone),
                day.date,
                link,
            )
            for event in events[:per_day]
        ]
        day.total = total


def _place(
    events: list[CalendarEvent], days: list[Day], business: Business, link: Callable[[str], str]
) -> None:
    """Put each event on every grid day it overlaps, in the business's zone."""
    zone = business.zone
    by_date = {day.date: day.entries for day in days}
    first_day = days[0].date
    for event in events:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        first = start.date()
        last = (end - JUST_BEFORE).date() if end > start else first
        if first == last:  # most events: one day
            if (entries := by_date.get(first)) is not None:
                entries.append(Entry(event, start, end, first, link))
            continue
        current = max(first, first_day)
        while current <= last and current in by_date:
            by_date[current].append(Entry(event, start, end, current, link))
            current += ONE_DAY


def _time_grid(days: list[Day], query: CalendarQuery, now: datetime) -> dict:
    """Lay out week/day: untimed entries above, timed ones by minute in side-by-side lanes, an
    hour range that fits every timed event, and a create link per empty hour. Returns the hour
    labels and the grid's first and last hour (the browser places blocks from them)."""
    day_spans = []
    first, last = FIRST_HOUR, LAST_HOUR
    earliest, latest = first * 60, last * 60
    for day in days:
        _mark_clashes(day.entries)
        untimed, timed, spans = day.untimed, day.timed, []
        for entry in day.entries:
            if entry.untimed:
                untimed.append(entry)
                continue
            timed.append(entry)
            spans.append(span := entry.minutes_on_day())
            begin, finish = span
            if begin < earliest:
                earliest = begin
            if finish > latest:
                latest = finish
        day_spans.append(spans)
    first, last = earliest // 60, -(-latest // 60)
    # One wide column (the plain day) draws every event; narrow ones cap their lanes.
    max_lanes = None if query.view == "day" and not query.by_resource else MAX_LANES
    plain_day = replace(query, view="day", by_resource=False, shown=(), pick="")
    for day, spans in zip(days, day_spans, strict=True):
        hidden = _lay_out_lanes(day.timed, spans, offset=first * 60, max_lanes=max_lanes)
        if hidden:  # the plain day (of the column's resource) draws them all
            day.more = hidden
            day.more_url = plain_day.url(
                day=day.date, resource_id=day.resource_id or query.resource_id
            )
        if day.is_today:
            minute = now.hour * 60 + now.minute
            if first * 60 <= minute < last * 60:
                day.now_top = minute - first * 60
    extra = f"&{urlencode({'schedule': query.schedule_id})}" if query.schedule_id else ""
    hours = range(first, last)
    return {
        "columns": columns_markup(
            days,
            view=query.view,
            hours=hours,
            create_path=reverse("calendar_app:event_create"),
            extra=extra,
        ),
        "hours": [f"{hour:02d}:00" for hour in hours],
        "first_hour": first,
        "last_hour": last,
    }


def _mark_clashes(entries: list[Entry]) -> None:
    """Mark the entries of one day that hold a resource OPAQUE while another entry holds it."""
    holders: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        event = entry.event
        if event.transparency != OPAQUE or event.is_cancelled:
            continue
        for ref in event.resource_refs:
            if ref.transparency == OPAQUE:
                holders[ref.id].append(entry)
    for held in holders.values():
        held.sort(key=attrgetter("start"))
        latest: Entry | None = None
        for entry in held:
            if latest is not None and entry.start < latest.end:
                entry.clash = latest.clash = True
            if latest is None or entry.end > latest.end:
                latest = entry


def _lay_out_lanes(
    entries: list[Entry],
    spans: list[tuple[int, int]],
    *,
    offset: int,
    max_lanes: int | None,
) -> dict[int, int]:
    """Place one column's timed entries (``spans``: their minutes on the day, in the same
    order) in side-by-side lanes (``lanes.lay_out_lanes``) and keep in ``entries``, in start
    order, those drawn. Returns how many are not drawn (beyond ``max_lanes``), by the hour they
    start in."""
    placements = lay_out_lanes(spans, offset=offset, max_lanes=max_lanes)
    hidden: dict[int, int] = defaultdict(int)
    shown = []
    for entry, (begin, finish), place in zip(entries, spans, placements, strict=True):
        if not place.shown:
            hidden[begin // 60] += 1
            continue
        entry.top, entry.height, entry.lane, entry.lanes = place
        shown.append((begin, -finish, entry))
    shown.sort(key=itemgetter(0, 1))
    entries[:] = [entry for _, _, entry in shown]
    return hidden
