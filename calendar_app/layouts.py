"""Calendar layouts: month, week and day grids and agenda pages, laid out from Query Events.

Each layout asks ``query_events`` for one window (or one agenda page) and places the events on
days and hour slots in the business's time zone, with the links a page needs to move around.
Each event's link is written here too (``Entry.markup``): a week can show a thousand events, and
the template language costs a few hundred µs for each, more than the rest of the page.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from html import escape as html_escape
from urllib.parse import quote, urlencode

from django.urls import reverse
from django.utils import dateformat
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe

from calendar_app.models import Business, Event
from calendar_app.selectors import CalendarEvent, events_per_day, query_events

VIEWS = {"month": "Month", "week": "Week", "day": "Day", "agenda": "Agenda"}
CALENDAR_EVENT_LIMIT = 10_000  # one window query for week/day; more shows a notice
AGENDA_PAGE_SIZE = 50
AGENDA_DAYS = 30
MONTH_DAY_EVENTS = 4  # events listed in a month cell before "+N more"
FIRST_HOUR, LAST_HOUR = 7, 20  # hour range of week and day grids, widened to fit the events
DAY_MINUTES = 24 * 60
MIN_HEIGHT_MINUTES = 20  # a short event is drawn at least this tall, so its title stays readable
VISIBLE_STATUSES = [Event.Status.CONFIRMED, Event.Status.PENDING_CONFIRMATION]
DASH = "\u2013"  # en dash between times and dates
EVENT_ID = "event-id"  # stands for the id in the reversed event link, replaced per event
CLASH_BADGE = (
    '<span class="badge clash" title="A resource of this event is also held by another event at '
    'this time">Clash</span>'
)
CANCELLED_BADGE = '<span class="badge cancelled">Cancelled</span>'
PENDING_BADGE = '<span class="badge pending">Pending</span>'
ID_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what ``reverse`` leaves unquoted in a path
PLAIN_TEXT = re.compile("[^&<>\"']*").fullmatch  # what escaping leaves as it is
PLAIN_ID = re.compile("[A-Za-z0-9_.~:@-]*").fullmatch  # what quoting and escaping leave as is


@dataclass(frozen=True)
class CalendarQuery:
    """What the page shows: view, anchor date and filters, and how to link to variations."""

    view: str
    day: date
    schedule_id: str = ""
    resource_id: str = ""
    show_cancelled: bool = False

    def url(self, **changes) -> str:
        query = replace(self, **changes)
        params = {"date": query.day.isoformat()}
        if query.schedule_id:
            params["schedule"] = query.schedule_id
        if query.resource_id:
            params["resource"] = query.resource_id
        if query.show_cancelled:
            params["cancelled"] = "1"
        path = reverse("calendar_app:calendar", args=[query.view])
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


@dataclass(slots=True)
class Entry:
    """One event as placed on one day, with its times in the business's zone.

    In the week and day grids a timed entry also knows where it sits: ``top`` and ``height`` in
    minutes from the grid's first hour (the part of the event on this day), and its ``lane`` of
    ``lanes`` side by side with the events it overlaps.
    """

    event: CalendarEvent
    start: datetime
    end: datetime
    day: date
    href: str  # the event's page
    top: int = 0
    height: int = 0
    lane: int = 0
    lanes: int = 1
    clash: bool = False  # holds a resource that another event holds at the same time

    @property
    def continues(self) -> bool:
        """The event started on an earlier day (shown at the top of this one)."""
        return self.start.date() < self.day

    @property
    def untimed(self) -> bool:
        """All-day and multi-day events go in the row above the time grid."""
        return self.event.all_day or self.end - self.start >= timedelta(days=1)

    @property
    def time_label(self) -> str:
        if self.event.all_day:
            return "All day"
        if self.continues:
            return f"until {_hm(self.end)}" if self.end.date() == self.day else "all day"
        return f"{_hm(self.start)}{DASH}{_hm(self.end)}"

    @property
    def start_hour_label(self) -> str:
        """The hour row this day's part of the event starts in ("00:00" when it continues)."""
        return "00:00" if self.continues else f"{self.start.hour:02d}:00"

    @property
    def other_zone_label(self) -> str:
        """The event's own wall-clock time when its zone is not the business's."""
        if self.event.time_zone == str(self.start.tzinfo):
            return ""
        return f"{_hm(self.event.start_local)} {self.event.time_zone}"

    def markup(self, *, timed: bool = False, detailed: bool = False) -> str:
        """The entry's link, as the calendar shows it: ``timed`` places it in the time grid,
        ``detailed`` adds schedule, resources, capacity and the event's own zone."""
        event = self.event
        classes = "cal-event"
        if timed:
            classes += " cal-timed"
        if event.is_cancelled:
            classes += " cancelled"
        if event.schedule.is_blocked_time:
            classes += " blocked"
        if self.clash:
            classes += " clash"
        place = ""
        if timed:
            place = (
                f' data-start-hour="{self.start_hour_label}" data-grid-top="{self.top}"'
                f' data-grid-height="{self.height}" data-grid-lane="{self.lane}"'
                f' data-grid-lanes="{self.lanes}"'
            )
        badges = CLASH_BADGE if self.clash else ""
        if event.is_cancelled:
            badges += CANCELLED_BADGE
        elif event.status == Event.Status.PENDING_CONFIRMATION:
            badges += PENDING_BADGE
        meta = ""
        if detailed:
            parts = [event.schedule.name, *(ref.name for ref in event.resource_refs)]
            if event.total_capacity is not None:
                parts.append(f"{event.remaining_capacity}/{event.total_capacity} free")
            if zone_label := self.other_zone_label:
                parts.append(zone_label)
            meta = f' <span class="cal-event-meta muted">{escape(" · ".join(parts))}</span>'
        return (
            f'<a class="{classes}" href="{self.href}" data-event-id="{escape(event.id)}"{place}>'
            f'<span class="cal-event-time">{self.time_label}</span> '
            f'<span class="cal-event-title">{escape(event.title)}</span>{badges}{meta}</a>'
        )

    def minutes_on_day(self) -> tuple[int, int]:
        """Start and end of this day's part of the event, in minutes after midnight."""
        begin = 0 if self.continues else self.start.hour * 60 + self.start.minute
        if self.end.date() > self.day:
            return begin, DAY_MINUTES
        return begin, max(begin, self.end.hour * 60 + self.end.minute)


def _hm(moment: datetime) -> str:
    """``HH:MM`` (a format string costs several times as much, once per event)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


@dataclass
class Slot:
    hour: int
    create_url: str

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"


@dataclass
class Day:
    date: date
    url: str
    entries: list[Entry] = field(default_factory=list)
    is_today: bool = False
    in_month: bool = True
    continued: bool = False  # agenda: the same day as the end of the previous page
    untimed: list[Entry] = field(default_factory=list)
    timed: list[Entry] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    now_top: int | None = None  # minutes from the grid's first hour to now, on today
    total: int = 0  # month: the day's events in all (only the first few are in ``entries``)

    @property
    def month_entries(self) -> list[Entry]:
        return self.entries[:MONTH_DAY_EVENTS]

    @property
    def more_count(self) -> int:
        return max(0, self.total - MONTH_DAY_EVENTS)

    @property
    def month_markup(self) -> SafeString:
        return mark_safe("".join(entry.markup() for entry in self.month_entries))

    @property
    def untimed_markup(self) -> SafeString:
        return mark_safe("".join(entry.markup() for entry in self.untimed))

    @property
    def timed_markup(self) -> SafeString:
        return mark_safe("".join(entry.markup(timed=True, detailed=True) for entry in self.timed))

    @property
    def slots_markup(self) -> SafeString:
        """The empty hours' "New event" links (one string per day: a template loop over them
        costs more than the day's events)."""
        short, long = dateformat.format(self.date, "D j M"), dateformat.format(self.date, "l j F")
        return mark_safe(
            "".join(
                f'<div class="cal-slot" data-hour="{slot.label}"><a class="cal-add"'
                f' href="{escape(slot.create_url)}" title="New event {short} {slot.label}">'
                f'<span class="visually-hidden">New event on {long} at {slot.label}</span>'
                '<span aria-hidden="true">+</span></a></div>'
                for slot in self.slots
            )
        )

    @property
    def agenda_markup(self) -> SafeString:
        return mark_safe(
            "".join(f"<li>{entry.markup(detailed=True)}</li>" for entry in self.entries)
        )


def event_links() -> Callable[[str], str]:
    """The event page's address for an event id, from one ``reverse`` per page: the link of
    each event is the reversed prefix and suffix around its quoted id (as ``reverse`` quotes
    it), escaped for an attribute."""
    prefix, suffix = reverse("calendar_app:event_detail", args=[EVENT_ID]).split(EVENT_ID)
    prefix, suffix = escape(prefix), escape(suffix)

    def link(event_id: str) -> str:
        if PLAIN_ID(event_id):  # ids are GUIDs as a rule
            return f"{prefix}{event_id}{suffix}"
        return f"{prefix}{html_escape(quote(event_id, safe=ID_SAFE))}{suffix}"

    return link


def escape(text: str) -> str:
    """``text`` escaped for HTML as Django escapes it; most text needs nothing, and the test
    costs a fifth of the escaping (it runs several times per event)."""
    return text if PLAIN_TEXT(text) else html_escape(text)


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


def _window(query: CalendarQuery) -> tuple[date, int]:
    """First day and number of days the grid shows."""
    if query.view == "month":
        first = query.day.replace(day=1)
        return first - timedelta(days=first.weekday()), 42
    if query.view == "week":
        return query.day - timedelta(days=query.day.weekday()), 7
    return query.day, 1


def grid(business: Business, query: CalendarQuery, now: datetime) -> dict:
    """Month, week or day: the window's events placed on days (and, for week and day, on a
    time grid), with the links each day and empty hour needs."""
    today = now.date()
    first_day, count = _window(query)
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
        _fill_month(business, query, days)
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
    )
    _place(page.events, days, business, event_links())
    return {
        "days": days,
        "truncated": page.has_next,
        "event_limit": CALENDAR_EVENT_LIMIT,
        "hours": _time_grid(days, query, now),
    }


def _fill_month(business: Business, query: CalendarQuery, days: list[Day]) -> None:
    """Each month day's first events and its count, both from the database (any size)."""
    per_day = events_per_day(
        business,
        first_day=days[0].date,
        days=len(days),
        filter=query.event_filter,
        per_day=MONTH_DAY_EVENTS,
    )
    zone = business.zone
    link = event_links()
    for day, events, total in zip(days, per_day.shown, per_day.counts, strict=True):
        day.entries = [
            Entry(
                event,
                event.start.astimezone(zone),
                event.end.astimezone(zone),
                day.date,
                link(event.id),
            )
            for event in events[:MONTH_DAY_EVENTS]
        ]
        day.total = total


def _place(
    events: list[CalendarEvent], days: list[Day], business: Business, link: Callable[[str], str]
) -> None:
    """Put each event on every grid day it overlaps, in the business's zone."""
    zone = business.zone
    by_date = {day.date: day for day in days}
    for event in events:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        first = start.date()
        last = (end - timedelta(microseconds=1)).date() if end > start else first
        href = link(event.id)
        if first == last:  # most events: one day
            if day := by_date.get(first):
                day.entries.append(Entry(event, start, end, first, href))
            continue
        current = max(first, days[0].date)
        while current <= last and current in by_date:
            by_date[current].entries.append(Entry(event, start, end, current, href))
            current += timedelta(days=1)


def _time_grid(days: list[Day], query: CalendarQuery, now: datetime) -> list[str]:
    """Lay out week/day: untimed entries above, timed ones by minute in side-by-side lanes, an
    hour range that fits every timed event, and a create link per empty hour."""
    for day in days:
        _mark_clashes(day.entries)
        for entry in day.entries:
            (day.untimed if entry.untimed else day.timed).append(entry)
    day_spans = [[(entry, *entry.minutes_on_day()) for entry in day.timed] for day in days]
    spans = [span for each_day in day_spans for span in each_day]
    first = min([FIRST_HOUR, *(begin // 60 for _, begin, _ in spans)])
    last = max([LAST_HOUR, *(-(-finish // 60) for _, _, finish in spans)])
    create_path = reverse("calendar_app:event_create")
    extra = f"&{urlencode({'schedule': query.schedule_id})}" if query.schedule_id else ""
    for day, each_day in zip(days, day_spans, strict=True):
        _lay_out_lanes(day.timed, each_day, offset=first * 60)
        day.slots = [
            Slot(hour, f"{create_path}?start={day.date.isoformat()}T{hour:02d}:00{extra}")
            for hour in range(first, last)
        ]
        if day.is_today:
            minute = now.hour * 60 + now.minute
            if first * 60 <= minute < last * 60:
                day.now_top = minute - first * 60
    return [f"{hour:02d}:00" for hour in range(first, last)]


def _mark_clashes(entries: list[Entry]) -> None:
    """Mark the entries of one day that hold a resource OPAQUE while another entry holds it."""
    holders: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.event.is_cancelled or entry.event.transparency != Event.Transparency.OPAQUE:
            continue
        for ref in entry.event.resource_refs:
            if ref.transparency == Event.Transparency.OPAQUE:
                holders[ref.id].append(entry)
    for held in holders.values():
        held.sort(key=lambda e: e.start)
        latest: Entry | None = None
        for entry in held:
            if latest is not None and entry.start < latest.end:
                entry.clash = latest.clash = True
            if latest is None or entry.end > latest.end:
                latest = entry


def _lay_out_lanes(
    entries: list[Entry], spans: list[tuple[Entry, int, int]], *, offset: int
) -> None:
    """Place one day's timed entries (``spans``: each with its minutes on the day, and
    ``entries`` put in their order): overlapping ones share their group's width in lanes.

    Entries are taken by start; a group ends when the next entry starts after every entry in it
    has ended, and each entry takes the first lane that is free by its start (as calendars do).
    """
    spans = sorted(spans, key=lambda span: (span[1], -span[2]))
    entries[:] = [entry for entry, _, _ in spans]
    group: list[Entry] = []
    lane_ends: list[int] = []
    group_end = -1
    for entry, begin, finish in spans:
        finish = max(finish, begin + MIN_HEIGHT_MINUTES)
        if begin >= group_end:
            _close_group(group, len(lane_ends))
            group, lane_ends = [], []
        lane = next((i for i, end in enumerate(lane_ends) if end <= begin), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(finish)
        else:
            lane_ends[lane] = finish
        entry.top, entry.height, entry.lane = begin - offset, finish - begin, lane
        group.append(entry)
        group_end = max(group_end, finish)
    _close_group(group, len(lane_ends))


def _close_group(group: list[Entry], lanes: int) -> None:
    for entry in group:
        entry.lanes = lanes


def agenda(
    business: Business, query: CalendarQuery, today: date, *, cursor: str | None, after: str
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
    )
    zone = business.zone
    link = event_links()
    groups: list[Day] = []
    for event in page.events:
        start_at, end_at = event.start.astimezone(zone), event.end.astimezone(zone)
        on = max(start_at.date(), query.day)
        if not groups or groups[-1].date != on:
            groups.append(Day(date=on, url=query.url(view="day", day=on), is_today=on == today))
        groups[-1].entries.append(Entry(event, start_at, end_at, on, link(event.id)))
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
