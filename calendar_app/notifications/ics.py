"""The iCalendar part of a notice (RFC 5545), with the iTIP method calendar apps act on (RFC
5546): REQUEST adds or updates the entry, CANCEL removes it.

The UID is stable per event occurrence (an occurrence is its own event row, so its id names
it; an appointment is named by its booking), and SEQUENCE grows with the event's revision, so
a calendar app updates the entry it has instead of adding a second one. Times are written with
the business's zone (``TZID``) and a ``VTIMEZONE`` built from the zone's own transitions around
the event, so they stay right across a daylight-saving change.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import MIMEPart
from email.utils import parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

REQUEST = "REQUEST"
CANCEL = "CANCEL"
LINE_OCTETS = 75  # RFC 5545 §3.1: longer content lines are folded


@dataclass(frozen=True)
class IcsEvent:
    """What the calendar entry says; ``start`` and ``end`` are aware instants."""

    uid: str
    sequence: int
    summary: str
    start: datetime
    end: datetime
    time_zone: str
    location: str = ""
    description: str = ""


class CalendarEmail(EmailMultiAlternatives):
    """An email that carries a calendar entry twice, as mail apps look for it: a
    ``text/calendar; method=…`` alternative part (iTIP) and an ``invite.ics`` attachment."""

    calendar_text = ""
    calendar_method = ""

    def attach_calendar(self, *, text: str, method: str) -> None:
        """Carry ``text`` (``calendar_text``) with ``method``; nothing when it is empty."""
        if not text:
            return
        self.calendar_text, self.calendar_method = text, method
        attachment = MIMEPart()
        attachment.set_content(
            text.encode(),
            maintype="application",
            subtype="ics",
            disposition="attachment",
            filename="invite.ics",
        )
        self.attach(attachment)

    def _add_bodies(self, msg):
        msg = super()._add_bodies(msg)
        if self.calendar_text:
            msg.add_alternative(
                self.calendar_text,
                subtype="calendar",
                charset="utf-8",
                params={"method": self.calendar_method},
            )
        return msg


def uid_for(key: str) -> str:
    """A UID of ours for an event occurrence or booking (``key``), the same in every notice:
    ``<key>@<the sender's domain>``."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "dashboard"
    return f"{key}@{domain}"


def calendar_text(
    *,
    method: str,
    event: IcsEvent,
    organizer_name: str,
    attendee_name: str,
    attendee_email: str,
    stamp: datetime | None = None,
) -> str:
    """The VCALENDAR text (CRLF lines, folded) of one notice to one attendee."""
    calendar = CalendarTemplate.of(
        method=method, event=event, organizer_name=organizer_name, stamp=stamp
    )
    return calendar.text(attendee_name=attendee_name, attendee_email=attendee_email)


@dataclass(frozen=True)
class CalendarTemplate:
    """One notice's VCALENDAR text but its ATTENDEE line, built once for all its attendees
    (the zone's transitions and the folding are the same for each): ``text`` adds the line."""

    method: str
    head: str
    tail: str

    @classmethod
    def of(
        cls,
        *,
        method: str,
        event: IcsEvent,
        organizer_name: str,
        stamp: datetime | None = None,
    ) -> "CalendarTemplate":
        """The text around the attendee of ``calendar_text`` with these arguments."""
        zone = ZoneInfo(event.time_zone)
        organizer = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "notifications@localhost"
        head = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Studio Dashboard//Notices//EN",
            "CALSCALE:GREGORIAN",
            f"METHOD:{method}",
            *timezone_lines(event.time_zone, event.start, event.end),
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"SEQUENCE:{event.sequence}",
            f"DTSTAMP:{_utc(stamp or datetime.now(UTC))}",
            f"DTSTART;TZID={event.time_zone}:{_local(event.start, zone)}",
            f"DTEND;TZID={event.time_zone}:{_local(event.end, zone)}",
            f"SUMMARY:{_text(event.summary)}",
            f"STATUS:{'CANCELLED' if method == CANCEL else 'CONFIRMED'}",
            f"ORGANIZER;CN={_param(organizer_name)}:mailto:{organizer}",
        ]
        tail = []
        if event.location:
            tail.append(f"LOCATION:{_text(event.location)}")
        if event.description:
            tail.append(f"DESCRIPTION:{_text(event.description)}")
        tail += ["END:VEVENT", "END:VCALENDAR"]
        return cls(method=method, head=_lines(head), tail=_lines(tail))

    def text(self, *, attendee_name: str, attendee_email: str) -> str:
        """The whole text for this attendee."""
        attendee = f"ATTENDEE;CN={_param(attendee_name or attendee_email)};ROLE=REQ-PARTICIPANT;"
        attendee += f"PARTSTAT={'DECLINED' if self.method == CANCEL else 'ACCEPTED'};RSVP=FALSE:"
        return self.head + _lines([attendee + f"mailto:{attendee_email}"]) + self.tail


def _lines(lines: list[str]) -> str:
    return "".join(_fold(line) + "\r\n" for line in lines)


def timezone_lines(time_zone: str, start: datetime, end: datetime) -> list[str]:
    """A VTIMEZONE for ``time_zone`` with every offset change from the year before ``start``
    to the year after ``end`` (one STANDARD component when the zone has none)."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{time_zone}"]
    changes = [
        change
        for year in range(start.year - 1, end.year + 2)
        for change in _transitions(time_zone, year)
    ]
    if not changes:
        offset = start.astimezone(ZoneInfo(time_zone)).utcoffset() or timedelta(0)
        changes = [("STANDARD", "19700101T000000", offset, offset, time_zone)]
    for kind, onset, before, after, name in changes:
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{onset}",
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after)}",
            f"TZNAME:{_text(name)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


@lru_cache(maxsize=256)
def _transitions(time_zone: str, year: int) -> tuple[tuple[str, str, timedelta, timedelta, str]]:
    """The zone's offset changes in ``year``: (STANDARD or DAYLIGHT, local onset before the
    change, offset before, offset after, name after), each found to the second."""
    zone = ZoneInfo(time_zone)
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    offset = day.astimezone(zone).utcoffset()
    while day.year == year:
        following = day + timedelta(days=1)
        if following.astimezone(zone).utcoffset() != offset:
            low, high = day, following  # the change is in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            after = high.astimezone(zone)
            onset = (high + offset).replace(tzinfo=None)
            kind = "DAYLIGHT" if after.dst() else "STANDARD"
            found.append(
                (kind, f"{onset:%Y%m%dT%H%M%S}", offset, after.utcoffset(), after.tzname())
            )
            offset = after.utcoffset()
        day = following
    return tuple(found)


def _local(instant: datetime, zone: ZoneInfo) -> str:
    return f"{instant.astimezone(zone):%Y%m%dT%H%M%S}"


def _utc(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 §3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _param(value: str) -> str:
    """A parameter value: quoted, without the characters a quoted value cannot hold."""
    return '"' + "".join(c for c in value if c not in '"\r\n') + '"'


def _fold(line: str) -> str:
    """The line folded at 75 octets, never inside a UTF-8 character."""
    if line.isascii():  # a character an octet: 75 of them, then a space and 74 a line
        rest = [
            " " + line[at : at + LINE_OCTETS - 1]
            for at in range(LINE_OCTETS, len(line), LINE_OCTETS - 1)
        ]
        return "\r\n".join([line[:LINE_OCTETS], *rest])
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > LINE_OCTETS:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)
