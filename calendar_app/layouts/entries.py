"""Events as the calendar places them: an ``Entry`` per event and day, a ``Day`` of entries, and
their markup.

Each event's link is written here (``Entry.markup``): a week can show a thousand events, and the
template language costs a few hundred µs for each, more than the rest of the page.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape as html_escape
from urllib.parse import quote

from django.urls import reverse
from django.utils import dateformat
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe

from calendar_app.layouts.query import DASH
from calendar_app.models import Event
from calendar_app.selectors import CalendarEvent

MONTH_DAY_EVENTS = 4  # events listed in a month cell before "+N more"
DAY_MINUTES = 24 * 60
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
        """The entry's link, as the calendar shows it: ``timed`` places it in the time grid
        (title before time), ``detailed`` adds schedule, resources, capacity and the event's
        own zone."""
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
                # what static/js/calendar-drag.js moves from: the revision and the span (ISO,
                # the business's wall clock)
                f' data-revision="{event.revision}" data-start="{_iso(self.start)}"'
                f' data-end="{_iso(self.end)}"'
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
        time = f'<span class="cal-event-time">{self.time_label}</span>'
        title = f'<span class="cal-event-title">{escape(event.title)}</span>'
        # A block in the grid reads title, then time (below it, or on the one line of a short
        # block: static/css/app.css spaces them); lists read in time order.
        text = f"{title}{time}" if timed else f"{time} {title}"
        return (
            f'<a class="{classes}" href="{self.href}" data-event-id="{escape(event.id)}"{place}>'
            f"{text}{badges}{meta}</a>"
        )

    def minutes_on_day(self) -> tuple[int, int]:
        """Start and end of this day's part of the event, in minutes after midnight."""
        begin = 0 if self.continues else self.start.hour * 60 + self.start.minute
        if self.end.date() > self.day:
            return begin, DAY_MINUTES
        return begin, max(begin, self.end.hour * 60 + self.end.minute)


def _iso(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM`` of a wall-clock time (cheaper than ``strftime``)."""
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{_hm(moment)}"


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
