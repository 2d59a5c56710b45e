"""Weekly recurrence as the Calendar V3 spec allows it, expanded in local wall-clock time."""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dateutil import rrule

from calendar_app.models import format_local_date, parse_local_date

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
RRULE_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
# The end of an occurrence id the local backend made: ``{master}_{YYYYMMDDTHHMM}``.
OCCURRENCE_SUFFIX = re.compile(r"_(\d{4})(\d{2})(\d{2})T\d{4}\Z")


class RecurrenceRuleError(ValueError):
    """The rule is not one the spec accepts (weekly, interval 1-4, exactly one day)."""


@dataclass(frozen=True)
class Occurrence:
    start_local: datetime
    end_local: datetime


def weekly_rule(*, day: str, interval: int = 1, until_local: datetime | None = None) -> dict:
    """A ``recurrenceRule`` payload in the spec's shape."""
    rule: dict = {"frequency": "WEEKLY", "interval": interval, "days": [day]}
    if until_local is not None:
        rule["until"] = {"localDate": format_local_date(until_local)}
    validate_rule(rule)
    return rule


def validate_rule(rule: dict) -> None:
    if rule.get("frequency") != "WEEKLY":
        raise RecurrenceRuleError("Only weekly recurrence is supported.")
    interval = rule.get("interval", 1)
    if not isinstance(interval, int) or not 1 <= interval <= 4:
        raise RecurrenceRuleError("Repeat every 1 to 4 weeks.")
    days = rule.get("days") or []
    if len(days) != 1 or days[0] not in DAYS:
        raise RecurrenceRuleError("A recurring event repeats on exactly one weekday.")


def to_utc(local: datetime, time_zone: str) -> datetime:
    """The UTC instant of a wall-clock time in an IANA zone (a gap time moves forward)."""
    return local.replace(tzinfo=zoneinfo.ZoneInfo(time_zone)).astimezone(UTC)


def to_local(instant: datetime, time_zone: str) -> datetime:
    """The naive wall-clock time of a UTC instant in an IANA zone."""
    return instant.astimezone(zoneinfo.ZoneInfo(time_zone)).replace(tzinfo=None)


def to_utc_span(
    start_local: datetime, end_local: datetime, time_zone: str
) -> tuple[datetime, datetime]:
    """The UTC instants of a wall-clock span.

    A start in a DST gap moves forward and its end with it, so the span keeps its length (as
    RFC 5545 keeps a recurrence's duration) instead of shrinking to nothing.
    """
    start = to_utc(start_local, time_zone)
    if to_local(start, time_zone) != start_local:
        return start, start + (end_local - start_local)
    return start, to_utc(end_local, time_zone)


def occurrences(
    *,
    rule: dict,
    first_start_local: datetime,
    first_end_local: datetime,
    until_utc: datetime,
    time_zone: str,
) -> list[Occurrence]:
    """Occurrences of a MASTER from its first start up to ``until_utc`` (and the rule's until).

    The series is expanded in wall-clock time, so a 09:00 class stays at 09:00 across DST.
    """
    validate_rule(rule)
    duration = first_end_local - first_start_local
    until_local = until_utc.astimezone(zoneinfo.ZoneInfo(time_zone)).replace(tzinfo=None)
    if rule.get("until"):
        until_local = min(until_local, parse_local_date(rule["until"]["localDate"]))
    weekday = RRULE_WEEKDAYS[DAYS.index(rule["days"][0])]
    starts = rrule.rrule(
        rrule.WEEKLY,
        dtstart=first_start_local,
        interval=rule.get("interval", 1),
        byweekday=weekday,
        until=until_local,
    )
    return [Occurrence(start, start + duration) for start in starts]


def weekday_of(local: datetime) -> str:
    return DAYS[local.weekday()]


def occurrence_day(event_id: str, start_local_date: str) -> date:
    """The day of its series an occurrence stands for: the local day its id was made for (an
    occurrence moved to another day, or into a series split off, keeps it), else (an
    upstream's opaque id) the day it starts.

    The one reading of an occurrence's day: the local backend keeps one occurrence per day with
    it, and the feed finds the rule's day an occurrence overrides.
    """
    made_for = OCCURRENCE_SUFFIX.search(event_id)
    if made_for:
        return date(*map(int, made_for.groups()))
    return date.fromisoformat(start_local_date[:10])
