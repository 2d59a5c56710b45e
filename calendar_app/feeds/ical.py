"""The feed as iCalendar (RFC 5545), built with the ``icalendar`` library from plain rows.

A series is one VEVENT with an RRULE, starting at its first occurrence inside the feed's window.
The selector hands over only the occurrences that may differ from their rule (see
``selectors.feed_body``); each is compared with what the rule makes of its day: a cancelled,
removed or (for a resource's feed) reassigned occurrence becomes an EXDATE, one that differs
(another time, title, location, participants) an override with RECURRENCE-ID. One-off events and
occurrences whose series is not in the feed are VEVENTs of their own.
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import icalendar

from calendar_app import recurrence
from calendar_app.locations import location_text

PRODID = "-//Owner dashboard//Calendar feed//EN"
# Fields an event row is read with (``values_list`` order, see ``EventRow``).
ROW_FIELDS = (
    "id",
    "recurring_event_id",
    "status",
    "title",
    "start_local_date",
    "end_local_date",
    "start",
    "end",
    "time_zone",
    "all_day",
    "location",
    "transparency",
    "conferencing_details",
    "notes",
    "updated_date",
    "removed_date",
    "recurrence_rule",
    "revision",
)
STATUSES = {"CONFIRMED": "CONFIRMED", "PENDING_CONFIRMATION": "TENTATIVE"}
# VTIMEZONE transitions are written for this long after the window starts.
TIME_ZONE_YEARS = 6


class EventRow(NamedTuple):
    """One event as the feed reads it: a series' master or any other row.

    ``in_scope`` is read only for a resource's feed (does this row still hold the resource?).
    """

    id: str
    recurring_event_id: str
    status: str
    title: str
    start_local_date: str
    end_local_date: str
    start: datetime
    end: datetime
    time_zone: str
    all_day: bool
    location: dict | None
    transparency: str
    conferencing_details: dict | None
    notes: str
    updated_date: datetime
    removed_date: datetime | None
    recurrence_rule: dict | None
    revision: int
    in_scope: bool = True


@dataclass(frozen=True)
class FeedContent:
    """What goes into a feed: the calendar's name, its window and the rows read for it.

    ``participants`` maps an event id to its participants' ``(name, party size)``; it is empty
    unless the owner chose to include personal data.
    """

    name: str
    time_zone: str
    window_start: datetime
    masters: list[EventRow]
    rows: list[EventRow]
    include_personal_data: bool
    participants: dict[str, list[tuple[str, int]]]


def build_calendar(content: FeedContent) -> bytes:
    """The VCALENDAR: its name and refresh hints, the events, and a VTIMEZONE per zone used."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", content.name)
    calendar.add("x-wr-calname", content.name)
    calendar.add("x-wr-timezone", content.time_zone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")

    by_series: dict[str, list[EventRow]] = defaultdict(list)
    masters = {master.id: master for master in content.masters}
    for row in content.rows:
        if row.recurring_event_id in masters:
            by_series[row.recurring_event_id].append(row)
        elif _shows(row):
            calendar.add_component(_vevent(row, content))
    window_day = content.window_start.date()
    for master in content.masters:
        for component in _series(master, by_series[master.id], window_day, content):
            calendar.add_component(component)
    calendar.add_missing_timezones(
        first_date=window_day - timedelta(days=1),
        last_date=window_day.replace(year=window_day.year + TIME_ZONE_YEARS),
    )
    return calendar.to_ical()


def _series(
    master: EventRow, rows: list[EventRow], window_day: date, content: FeedContent
) -> Iterable[icalendar.Event]:
    """The series' VEVENT (RRULE, EXDATEs) and its overrides, or its rows on their own when no
    occurrence of the rule falls inside the window."""
    rule = master.recurrence_rule
    first_local = _local(master.start_local_date)
    step = timedelta(weeks=rule.get("interval", 1))
    until_local = _local(rule["until"]["localDate"]) if rule.get("until") else None
    first_day = _first_rule_day(first_local.date(), step, window_day)
    if until_local is not None and datetime.combine(first_day, first_local.time()) > until_local:
        yield from (_vevent(row, content) for row in rows if _shows(row))
        return

    start_time, duration = first_local.time(), master.end - master.start
    master_shown = _shown(master, content)
    exdates, overrides = [], []
    for row in rows:
        day = recurrence.occurrence_day(row.id, row.start_local_date)
        if (
            day < first_day
            or (day - first_day) % step
            or (until_local is not None and datetime.combine(day, start_time) > until_local)
        ):
            # Not a day the feed's rule makes (moved in from before the window, or off the
            # rule): an event of its own.
            if _shows(row):
                overrides.append(_vevent(row, content))
            continue
        rule_local = datetime.combine(day, start_time)
        if not _shows(row):
            exdates.append(rule_local)
        elif (
            row.start != recurrence.to_utc(rule_local, master.time_zone)
            or row.end - row.start != duration
            or row.all_day != master.all_day
            or _shown(row, content) != master_shown
        ):
            override = _vevent(row, content, uid=master.id)
            override.add("recurrence-id", _moment(rule_local, master.time_zone))
            overrides.append(override)

    series = _vevent(master, content, start_local=datetime.combine(first_day, start_time))
    repeat = {
        "freq": "WEEKLY",
        "interval": rule.get("interval", 1),
        "byday": rule["days"][0][:2],
    }
    if until_local is not None:
        repeat["until"] = recurrence.to_utc(until_local, master.time_zone)
    series.add("rrule", repeat)
    if exdates:
        series.add("exdate", [_moment(local, master.time_zone) for local in sorted(exdates)])
    yield series
    yield from overrides


def _shows(row: EventRow) -> bool:
    """Whether the row is an event of this feed: in its scope, not cancelled, not removed."""
    return row.in_scope and row.removed_date is None and row.status in STATUSES


def _first_rule_day(first_day: date, step: timedelta, window_day: date) -> date:
    """The series' first day on or after the window's first day (weekly, every ``step``)."""
    if first_day >= window_day:
        return first_day
    steps = -(-(window_day - first_day).days // step.days)
    return first_day + steps * step


def _shown(row: EventRow, content: FeedContent) -> tuple:
    return (
        row.title,
        location_text(row.location),
        row.transparency,
        row.status,
        _guest_url(row.conferencing_details),
        _description(row, content),
    )


def _vevent(
    row: EventRow,
    content: FeedContent,
    *,
    uid: str = "",
    start_local: datetime | None = None,
) -> icalendar.Event:
    """One VEVENT of the row; ``start_local`` moves it (keeping its length), as a series starts
    at its first occurrence in the window."""
    event = icalendar.Event()
    event.add("uid", uid or row.id)
    event.add("dtstamp", row.updated_date.astimezone(UTC))
    own_start = _local(row.start_local_date)
    if row.all_day:
        days = _local(row.end_local_date) - own_start
        start_day = (start_local or own_start).date()
        event.add("dtstart", start_day)
        event.add("dtend", start_day + timedelta(days=max(1, days.days + bool(days.seconds))))
    else:
        start_local = start_local or own_start
        zone = zoneinfo.ZoneInfo(row.time_zone)
        start = recurrence.to_utc(start_local, row.time_zone)
        event.add("dtstart", _moment(start_local, row.time_zone))
        event.add("dtend", (start + (row.end - row.start)).astimezone(zone))
    event.add("summary", row.title)
    # RFC 5545's defaults (a confirmed, opaque event) are left implicit: a shorter feed.
    if row.status != "CONFIRMED":
        event.add("status", STATUSES.get(row.status, "CANCELLED"))
    if row.transparency != "OPAQUE":
        event.add("transp", row.transparency)
    location = location_text(row.location)
    if location:
        event.add("location", location)
    guest_url = _guest_url(row.conferencing_details)
    if guest_url:
        event.add("url", guest_url)
    description = _description(row, content)
    if description:
        event.add("description", description)
    return event


def _local(value: str) -> datetime:
    """A stored ``localDate`` as a naive datetime (``fromisoformat`` is the fast parser)."""
    return datetime.fromisoformat(value)


def _moment(local: datetime, time_zone: str) -> datetime:
    return local.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))


def _guest_url(details: dict | None) -> str:
    return (details or {}).get("guestUrl") or ""


def _description(row: EventRow, content: FeedContent) -> str:
    """Notes and participants: personal data, in the feed only when the owner turned it on."""
    if not content.include_personal_data:
        return ""
    lines = [row.notes] if row.notes else []
    participants = content.participants.get(row.id, [])
    if participants:
        lines.append("Participants:")
        lines.extend(
            f"- {name}" + (f" (party of {party})" if party > 1 else "")
            for name, party in participants
        )
    return "\n".join(lines)
