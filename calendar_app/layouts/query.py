"""What a calendar page shows (view, anchor date, filters) and how it links to its variations:
the previous and next period, the other views, the same page with other filters."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from calendar_app.models import Event
from calendar_app.tenancy.navigation import cached_reverse

VIEWS = {"month": "Month", "week": "Week", "day": "Day", "agenda": "Agenda"}
AGENDA_DAYS = 30
BY_RESOURCE_VIEWS = ("day", "week")  # the views with a "By resource" switch
VISIBLE_STATUSES = [Event.Status.CONFIRMED, Event.Status.PENDING_CONFIRMATION]
DASH = "\u2013"  # en dash between times and dates


@dataclass(frozen=True)
class CalendarQuery:
    """What the page shows: view, anchor date and filters, and how to link to variations."""

    view: str
    day: date
    schedule_id: str = ""
    resource_id: str = ""
    show_cancelled: bool = False
    # By resource (day and week): one column per resource, those of ``shown`` (all when
    # empty); on a phone only the ``pick``ed resource's column (the first when empty).
    by_resource: bool = False
    shown: tuple[str, ...] = ()
    pick: str = ""

    def url(self, **changes) -> str:
        query = replace(self, **changes)
        params: list[tuple[str, str]] = [("date", query.day.isoformat())]
        if query.schedule_id:
            params.append(("schedule", query.schedule_id))
        if query.resource_id:
            params.append(("resource", query.resource_id))
        if query.show_cancelled:
            params.append(("cancelled", "1"))
        if query.by_resource and query.view in BY_RESOURCE_VIEWS:
            params.append(("by", "resource"))
            params.extend(("show", resource_id) for resource_id in query.shown)
            if query.pick:
                params.append(("pick", query.pick))
        path = cached_reverse("calendar_app:calendar", query.view)
        return f"{path}?{urlencode(params)}"

    @property
    def event_filter(self) -> dict:
        spec: dict = {}
        if self.schedule_id:
            spec["scheduleId"] = {"$eq": self.schedule_id}
        if self.resource_id:
            spec["resources.id"] = {"$hasSome": [self.resource_id]}
        if not self.show_cancelled:
            spec["status"] = {"$in": list(VISIBLE_STATUSES)}
        return spec


def navigation(query: CalendarQuery) -> dict:
    """Title and previous/next links of the page."""
    day = query.day
    if query.view == "month":
        first = day.replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        title = f"{first:%B %Y}"
    elif query.view == "week":
        monday = day - timedelta(days=day.weekday())
        previous, following = monday - timedelta(days=7), monday + timedelta(days=7)
        sunday = monday + timedelta(days=6)
        title = f"{monday.day} {monday:%b} {DASH} {sunday.day} {sunday:%b %Y}"
    elif query.view == "day":
        previous, following = day - timedelta(days=1), day + timedelta(days=1)
        title = f"{day:%A} {day.day} {day:%B %Y}"
    else:
        previous = day - timedelta(days=AGENDA_DAYS)
        following = day + timedelta(days=AGENDA_DAYS)
        last = day + timedelta(days=AGENDA_DAYS - 1)
        title = f"{day.day} {day:%b} {DASH} {last.day} {last:%b %Y}"
    return {
        "title": title,
        "prev_url": query.url(day=previous),
        "next_url": query.url(day=following),
    }
