"""The agenda: one page of the next ``AGENDA_DAYS`` days' events, grouped by day, with a link to
load the next page."""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from calendar_app.layouts.entries import Day, Entry, event_links
from calendar_app.layouts.query import AGENDA_DAYS, CalendarQuery
from calendar_app.selectors import NOTHING_KNOWN, Known, query_events
from calendar_app.tenancy.models import Business

AGENDA_PAGE_SIZE = 50


def agenda(
    business: Business,
    query: CalendarQuery,
    today: date,
    *,
    cursor: str | None,
    after: str,
    known: Known = NOTHING_KNOWN,
) -> dict:
    """One page of the next ``AGENDA_DAYS`` days from the date, grouped by day."""
    start = datetime.combine(query.day, datetime.min.time())
    page = query_events(
        business,
        from_local_date=start,
        to_local_date=start + timedelta(days=AGENDA_DAYS),
        time_zone=business.time_zone,
        filter=query.event_filter,
        limit=AGENDA_PAGE_SIZE,
        cursor=cursor,
        known=known,
    )
    zone = business.zone
    link = event_links()
    groups: list[Day] = []
    for event in page.events:
        start_at, end_at = event.start.astimezone(zone), event.end.astimezone(zone)
        on = max(start_at.date(), query.day)
        if not groups or groups[-1].date != on:
            groups.append(Day(date=on, url=query.url(view="day", day=on), is_today=on == today))
        groups[-1].entries.append(Entry(event, start_at, end_at, on, link))
    if groups and groups[0].date.isoformat() == after:
        groups[0].continued = True  # no second heading for the same day
    more_url = ""
    if page.next_cursor:
        params = {"cursor": page.next_cursor, "after": groups[-1].date.isoformat()}
        more_url = f"{query.url()}&{urlencode(params)}"
    return {
        "agenda_days": groups,
        "agenda_days_count": AGENDA_DAYS,
        "agenda_start_url": query.url(),
        "more_url": more_url,
        "paged": bool(cursor),
    }
