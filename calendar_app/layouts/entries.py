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
ONE_DAY, JUST_BEFORE = timedelta(days=1), timedelta(microseconds=1)
EVENT_ID = "event-id"  # stands for the id in the reversed event link, replaced per event
# Badges are short: the clash's explanation is the popover's (and the event page's).
CLASH_BADGE = '<mark class="clash">Clash</mark>'
CANCELLED_BADGE = '<mark class="cancelled">Cancelled</mark>'
PENDING_BADGE = '<mark class="pending">Pending</mark>'
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
    # The event pages' address for an id (``event_links``): asked only of the entries drawn,
    # a busy week places thousands and draws hundreds.
    link: Callable[[str], str]
    top: int = 0
    height: int = 0
    lane: int = 0
    lanes: int = 1
    clash: bool = False  # holds a resource that another event holds at the same time

    @property
    def href(self) -> str:
        """The event's page."""
        return self.link(self.event.id)

    @property
    def continues(self) -> bool:
        """The event started on an earlier day (shown at the top of this one)."""
        return self.start.date() < self.day

    @property
    def untimed(self) -> bool:
        """All-day and multi-day events go in the row above the time grid."""
        return self.event.all_day or self.end - self.start >= ONE_DAY

    @property
    def time_label(self) -> str:
        return self._time_label(_hm(self.start), _hm(self.end))

    def _time_label(self, start: str, end: str) -> str:
        """The time shown, given the start's and the end's ``HH:MM``."""
        if self.event.all_day:
            return "All day"
        if self.continues:
            return f"until {end}" if self.end.date() == self.day else "all day"
        return f"{start}{DASH}{end}"

    @property
    def other_zone_label(self) -> str:
        """The event's own wall-clock time when its zone is not the business's."""
        if self.event.time_zone == str(self.start.tzinfo):
            return ""
        return f"{_hm(self.event.start_local)} {self.event.time_zone}"

    def _look(self) -> tuple[str, str]:
        """The link's classes and its badges (clash, cancelled, pending): one rule for the
        agenda's and month's links and the grids' blocks."""
        event = self.event
        classes = "cal-event"
        if event.is_cancelled:
            classes += " cancelled"
        if event.schedule.is_blocked_time:
            classes += " blocked"
        if self.clash:
            classes += " clash"
        badges = CLASH_BADGE if self.clash else ""
        if event.is_cancelled:
            badges += CANCELLED_BADGE
        elif event.status == Event.Status.PENDING_CONFIRMATION:
            badges += PENDING_BADGE
        return classes, badges

    def markup(self, *, detailed: bool = False) -> str:
        """The entry's link, as the month and agenda show it (the grids draw ``block``):
        ``detailed`` adds schedule, resources, capacity and the event's own zone (the agenda;
        the grids show those in the popover, ``…/peek/``)."""
        event = self.event
        classes, badges = self._look()
        meta = ""
        if detailed:
            parts = [event.schedule.name, *(ref.name for ref in event.resource_refs)]
            if event.total_capacity is not None:
                parts.append(f"{event.remaining_capacity}/{event.total_capacity} free")
            if zone_label := self.other_zone_label:
                parts.append(zone_label)
            meta = f' <span class="cal-event-meta muted">{escape(" · ".join(parts))}</span>'
        time = f"<small>{self.time_label}</small>"
        title = f"<b>{escape(event.title)}</b>"
        return (
            f'<a class="{classes}" href="{self.href}" data-event-id="{escape(event.id)}">'
            f"{time} {title}{badges}{meta}</a>"
        )

    def block(self) -> str:
        """The entry as a block of the week and day grids: title first, then its time (below,
        or on the one line of a short block). It carries what moving it needs (id, revision,
        start and end as ISO 8601 in the business's zone); ``static/js/app.js`` places it from
        its start and end on its column's ``data-day`` and the grid's first hour, beside the
        events it overlaps (``data-l``: lane and lanes, left out for "0 1"). Every byte here
        is paid a thousand times in a busy week: the details wait for the popover."""
        event = self.event
        classes, badges = self._look()
        lanes = f' data-l="{self.lane} {self.lanes}"' if self.lanes > 1 else ""
        start, end = self.start.isoformat("T", "minutes"), self.end.isoformat("T", "minutes")
        label = self._time_label(start[11:16], end[11:16])  # YYYY-MM-DDTHH:MM…
        return (
            f'<a class="{classes}" href="{self.href}" data-event-id="{escape(event.id)}"'
            f' data-revision="{event.revision}" data-start="{start}" data-end="{end}"{lanes}>'
            f"<b>{escape(event.title)}</b><small> {label}</small>{badges}</a>"
        )

    def minutes_on_day(self) -> tuple[int, int]:
        """Start and end of this day's part of the event, in minutes after midnight."""
        start, end = self.start, self.end
        begin = 0 if start.date() < self.day else start.hour * 60 + start.minute  # continues
        if end.date() > self.day:
            return begin, DAY_MINUTES
        finish = end.hour * 60 + end.minute
        return begin, finish if finish > begin else begin


def _hm(moment: datetime) -> str:
    """``HH:MM`` (a format string costs several times as much, once per event)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


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
    # Week and day grids: the events not drawn (beyond the column's lanes) by the hour they
    # start in, and where they all are (the plain day, of the column's resource).
    more: dict[int, int] = field(default_factory=dict)
    more_url: str = ""
    now_top: int | None = None  # minutes from the grid's first hour to now, on today
    total: int = 0  # month: the day's events in all (only the first few are in ``entries``)
    # By resource: the column's resource (id and name), the times outside its working hours
    # (ISO start and end pairs, shaded) and whether a phone shows it (one column at a time).
    resource_id: str = ""
    resource_name: str = ""
    off_hours: list[tuple[str, str]] = field(default_factory=list)
    picked: bool = False

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
    def list_markup(self) -> SafeString:
        """All the entries read (a month cell's list opened in place)."""
        return mark_safe("".join(entry.markup() for entry in self.entries))

    @property
    def list_more(self) -> int:
        """Events of the day beyond the list (they are in the day view)."""
        return max(0, self.total - len(self.entries))

    @property
    def untimed_markup(self) -> SafeString:
        return mark_safe("".join(entry.block() for entry in self.untimed))

    @property
    def timed_markup(self) -> SafeString:
        off = "".join(
            f'<div class="cal-off" data-start="{start}" data-end="{end}"></div>'
            for start, end in self.off_hours
        )
        return mark_safe(off + "".join(entry.block() for entry in self.timed))

    @property
    def agenda_markup(self) -> SafeString:
        return mark_safe(
            "".join(f"<li>{entry.markup(detailed=True)}</li>" for entry in self.entries)
        )


def columns_markup(
    days: list[Day], *, view: str, hours: range, create_path: str, extra: str = ""
) -> SafeString:
    """The week and day grids' columns (a day, or a resource on a day), each with its head,
    untimed row, empty ``hours`` (a "New event" link each, to ``create_path`` with the hour's
    start and ``extra``) and blocks: one string for the page, as a template loop over thirty
    resource columns costs more than their events. The day's link heads a column but in the
    day by resource (the page is that day). What depends on the date alone is written once
    per date, not once per column (the day by resource has thirty columns of one date)."""
    heads: dict[tuple[date, str], str] = {}
    slots: dict[date, list[str]] = {}
    labels = [f"{hour:02d}:00" for hour in hours]
    parts = []
    for day in days:
        iso = day.date.isoformat()
        classes = "cal-day" + (" today" if day.is_today else "") + (" picked" if day.picked else "")
        resource = f' data-resource-id="{escape(day.resource_id)}"' if day.resource_id else ""
        head = _day_link(day, heads) if not day.resource_id or view == "week" else ""
        if day.resource_id:
            head += f' <span class="cal-resname">{escape(day.resource_name)}</span>'
        if (links := slots.get(day.date)) is None:
            links = slots[day.date] = _slot_links(day.date, labels, create_path, extra)
        now = ""
        if day.now_top is not None:
            now = (
                f'<div class="cal-now" data-now="{day.now_top}">'
                '<span class="visually-hidden">Now</span></div>'
            )
        parts.append(
            f'<div class="{classes}" data-date="{iso}" data-day="{iso}"{resource}>\n'
            f'<div class="cal-dayhead">{head}</div>\n'
            f'<div class="cal-untimed">{day.untimed_markup}</div>\n'
            f'<div class="cal-timeline">\n{_slots(day, hours, links)}\n{now}{day.timed_markup}\n'
            "</div>\n</div>\n"
        )
    return mark_safe("".join(parts))


def _day_link(day: Day, written: dict[tuple[date, str], str]) -> str:
    """The link heading a day's columns (written once per day, for all of them)."""
    if (link := written.get((day.date, day.url))) is None:
        url = escape(day.url)
        label = escape(dateformat.format(day.date, "D j M"))
        link = written[day.date, day.url] = f'<a href="{url}" hx-get="{url}">{label}</a>'
    return link


def _slot_links(day: date, labels: list[str], create_path: str, extra: str) -> list[str]:
    """Each empty hour's opening and "New event" link on ``day`` (the "+N more" and the
    closing tag follow, per column)."""
    long = dateformat.format(day, "l j F")
    iso = day.isoformat()
    return [
        f'<div class="cal-slot" data-hour="{label}"><a class="cal-add"'
        f' href="{escape(f"{create_path}?start={iso}T{label}{extra}")}"'
        f' aria-label="New event on {long} at {label}">+</a>'
        for label in labels
    ]


def _slots(day: Day, hours: range, links: list[str]) -> str:
    """A column's empty hours, with a "+N more" link in those where events are not drawn."""
    if not day.more:
        return "</div>".join(links) + "</div>" if links else ""
    more_url = escape(day.more_url)
    return "".join(
        link
        + (
            f'<a class="cal-more" href="{more_url}">+{day.more[hour]} more</a>'
            if day.more.get(hour)
            else ""
        )
        + "</div>"
        for hour, link in zip(hours, links, strict=True)
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
