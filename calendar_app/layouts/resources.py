"""Day and week by resource: one time-grid column per resource (per day in the week), with the
events, appointment bookings and blocked time that hold it and its hours outside work shaded."""

from dataclasses import replace
from datetime import date, datetime, timedelta

from calendar_app.layouts.entries import JUST_BEFORE, ONE_DAY, Day, Entry, event_links
from calendar_app.layouts.query import CalendarQuery
from calendar_app.models import Resource
from calendar_app.selectors import NOTHING_KNOWN, CalendarEvent, Known, query_events
from calendar_app.selectors.resources import off_hours
from calendar_app.tenancy.models import Business


def resource_columns(
    business: Business,
    query: CalendarQuery,
    now: datetime,
    *,
    first_day: date,
    count: int,
    resources: list[Resource],
    limit: int,
    known: Known = NOTHING_KNOWN,
) -> tuple[list[Day], bool]:
    """The columns of a by-resource grid (day by day, each day's resources in the business's
    order) with their entries, and whether the window had more events than ``limit``.

    An event is placed in the column of every shown resource it holds (blocked time holding
    three rooms is in three columns); an event holding none of them is not shown here. Three
    queries for the events (events, schedules, resources) and two for the working hours.
    """
    today = now.date()
    day_view = replace(query, view="day", by_resource=False, shown=(), pick="")
    dates = [first_day + timedelta(days=i) for i in range(count)]
    picked = query.pick if any(r.pk == query.pick for r in resources) else ""
    picked = picked or (resources[0].pk if resources else "")
    columns = {
        (d, r.pk): Day(
            date=d,
            url=day_view.url(day=d),
            is_today=d == today,
            resource_id=r.pk,
            resource_name=r.name,
            picked=r.pk == picked,
        )
        for d in dates
        for r in resources
    }
    if not resources:
        return [], False
    ids = [r.pk for r in resources]
    spec = {**query.event_filter, "resources.id": {"$hasSome": ids}}
    page = query_events(
        business,
        from_local_date=datetime.combine(first_day, datetime.min.time()),
        to_local_date=datetime.combine(first_day + timedelta(days=count), datetime.min.time()),
        time_zone=business.time_zone,
        filter=spec,
        limit=limit,
        known=known,
    )
    place_by_resource(page.events, columns, business, dates[0], dates[-1])
    for (rid, day), spans in off_hours(
        business, resource_ids=ids, first_day=first_day, days=count
    ).items():
        columns[(day, rid)].off_hours = [
            (start.isoformat("T", "minutes"), end.isoformat("T", "minutes")) for start, end in spans
        ]
    return list(columns.values()), page.has_next


def place_by_resource(
    events: list[CalendarEvent],
    columns: dict[tuple[date, str], Day],
    business: Business,
    first: date,
    last: date,
) -> None:
    """Put each event in the column of each shown resource it holds, on every day it covers."""
    zone = business.zone
    link = event_links()
    for event in events:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        begins = max(start.date(), first)
        ends = min((end - JUST_BEFORE).date() if end > start else begins, last)
        for ref in event.resource_refs:
            current = begins
            while current <= ends:
                if column := columns.get((current, ref.id)):
                    column.entries.append(Entry(event, start, end, current, link))
                current += ONE_DAY
