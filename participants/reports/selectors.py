"""The reports' numbers, aggregated in the database: four GROUP BY queries for any range.

What counts, for occurrences starting in the range (in the business's zone) that are neither
cancelled nor removed, nor blocked time, nor a series' MASTER (its occurrences count instead):

- **Fill rate**: booked seats over capacity, over the occurrences that have a capacity (an
  unlimited one has no rate). Seats are places as ``calendar_app.capacity`` counts them: every
  active (not cancelled) participation, times its party size.
- **No-show rate**: no-shows over the participants whose attendance was recorded (checked in
  or no-show); "not recorded" is shown beside it and left out of the rate.
- **Waitlist demand**: people (party sizes) who waited and never got a place: waitlist
  entries never promoted, on occurrences that have started (a future class may still place
  them).
- **Busiest hours**: booked seats by the weekday and hour an occurrence starts.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from calendar_app.models import Event, Schedule
from calendar_app.tenancy.models import Business
from participants.models import Participation, WaitlistEntry

Attendance = Participation.Attendance
NO_VALUE = "\u2013"  # an en dash: no rate (nothing to divide by)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def percent(rate: float | None) -> str:
    """A rate as the page shows it: ``75%``, or a dash when there is none."""
    return NO_VALUE if rate is None else f"{rate * 100:.0f}%"


@dataclass
class Figures:
    """One row of a report: a week or a schedule (or the whole range)."""

    label: str
    occurrences: int = 0
    capacity: int = 0  # places over the occurrences that have a capacity
    booked: int = 0  # seats taken on those occurrences
    seats: int = 0  # seats taken on all occurrences (unlimited ones too)
    checked_in: int = 0
    no_shows: int = 0
    not_recorded: int = 0
    waited_unplaced: int = 0  # people who waited and never got a place
    start: date | None = None  # a week's Monday

    def add(self, other: "Figures") -> None:
        for name in (
            "occurrences",
            "capacity",
            "booked",
            "seats",
            "checked_in",
            "no_shows",
            "not_recorded",
            "waited_unplaced",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def fill_rate(self) -> float | None:
        """Booked seats over capacity (0-1, above 1 when overbooked); None without capacity."""
        return self.booked / self.capacity if self.capacity else None

    @property
    def fill_text(self) -> str:
        return percent(self.fill_rate)

    @property
    def no_show_text(self) -> str:
        return percent(self.no_show_rate)

    @property
    def no_show_rate(self) -> float | None:
        """No-shows over recorded attendance; None when nobody's attendance was recorded."""
        recorded = self.checked_in + self.no_shows
        return self.no_shows / recorded if recorded else None


@dataclass
class Report:
    """The reports of one range: per week (every week of the range, empty ones too), per
    schedule (those with occurrences), the totals, and booked seats by weekday x hour."""

    first_day: date
    last_day: date
    weeks: list[Figures]
    schedules: list[Figures]
    total: Figures
    # hours[weekday 0-6 (Monday first)][hour 0-23]: booked seats
    hours: list[list[int]] = field(default_factory=list)

    @property
    def busiest(self) -> list[tuple[str, int, int]]:
        """The five busiest (weekday, hour, seats), busiest first (empty slots left out)."""
        slots = [
            (WEEKDAYS[day], hour, seats)
            for day, row in enumerate(self.hours)
            for hour, seats in enumerate(row)
            if seats
        ]
        return sorted(slots, key=lambda slot: (-slot[2], WEEKDAYS.index(slot[0]), slot[1]))[:5]


def occurrences_in(
    business: Business,
    *,
    first_day: date,
    last_day: date,
    schedule_ids: list[str],
    prefix: str = "",
) -> Q:
    """The occurrences a report counts, as a filter (on ``prefix``, e.g. ``event__``, from a
    participation): starting between ``first_day`` and ``last_day`` (both in the business's
    zone, inclusive), confirmed, not removed, no MASTER, of the schedules ``schedule_ids``
    (the business's that are not blocked time, or the one filtered on). The schedules are
    given as ids rather than joined, so that each aggregate joins only the events, once."""
    zone = business.zone
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return Q(
        **{
            f"{prefix}business": business,
            f"{prefix}start__gte": start,
            f"{prefix}start__lt": end,
            f"{prefix}status": Event.Status.CONFIRMED,
            f"{prefix}removed_date__isnull": True,
            f"{prefix}schedule_id__in": schedule_ids,
        }
    ) & ~Q(**{f"{prefix}recurrence_type": Event.RecurrenceType.MASTER})


def _week(start: str, zone) -> TruncDate:
    """The Monday of the week of ``start`` (a field path), in ``zone``."""
    return TruncDate(TruncWeek(start, tzinfo=zone))


def attendance_report(
    *, business: Business, first_day: date, last_day: date, schedule: Schedule | None = None
) -> Report:
    """Fill rate, no-show rate and waitlist demand per week and per schedule, and booked seats
    by weekday x hour, for the occurrences of ``occurrences_in``; four queries (the schedules,
    then three aggregates), however many occurrences the range holds.

    The events are aggregated by schedule and week, the participations once by schedule and
    the time their class starts (at most one row per occurrence, far fewer for weekly
    series): the week, weekday and hour of each row are read off that time here, so the
    database converts no time per participation (three conversions a row were a third of
    the query). The per-week, per-schedule and busiest-hours figures are sums of those
    rows."""
    zone = business.zone
    schedules = report_schedules(business)
    if schedule is not None:
        schedules = schedules.filter(pk=schedule.pk)
    names = dict(schedules.values_list("pk", "name"))
    scope = {"first_day": first_day, "last_day": last_day, "schedule_ids": list(names)}
    cells: dict[tuple[str, date], Figures] = defaultdict(lambda: Figures(label=""))
    hours = [[0] * 24 for _ in WEEKDAYS]
    if not names:
        return _report(first_day, last_day, cells, hours, names)

    for row in (
        Event.objects.filter(occurrences_in(business, **scope))
        .annotate(week=_week("start", zone))
        .values("schedule_id", "week")
        .annotate(occurrences=Count("pk"), capacity=Sum("total_capacity", default=0))
    ):
        cell = cells[row["schedule_id"], row["week"]]
        cell.occurrences, cell.capacity = row["occurrences"], row["capacity"]

    limited = Q(event__total_capacity__isnull=False)
    for row in (
        Participation.objects.filter(
            occurrences_in(business, prefix="event__", **scope), cancelled_date__isnull=True
        )
        .values("event__schedule_id", "event__start")
        .annotate(
            booked=Sum("party_size", filter=limited, default=0),
            seats=Sum("party_size", default=0),
            checked_in=Count("pk", filter=Q(attendance=Attendance.CHECKED_IN)),
            no_shows=Count("pk", filter=Q(attendance=Attendance.NO_SHOW)),
            not_recorded=Count("pk", filter=Q(attendance=Attendance.NOT_RECORDED)),
        )
    ):
        start = row["event__start"].astimezone(zone)
        day = start.weekday()
        cell = cells[row["event__schedule_id"], start.date() - timedelta(days=day)]
        cell.booked += row["booked"]
        cell.seats += row["seats"]
        cell.checked_in += row["checked_in"]
        cell.no_shows += row["no_shows"]
        cell.not_recorded += row["not_recorded"]
        hours[day][start.hour] += row["seats"]

    unplaced = WaitlistEntry.objects.filter(
        occurrences_in(business, prefix="event__", **scope),
        event__start__lte=timezone.now(),
        promoted_date__isnull=True,
    )
    for row in (
        unplaced.annotate(week=_week("event__start", zone))
        .values("event__schedule_id", "week")
        .annotate(people=Sum("party_size", default=0))
    ):
        cells[row["event__schedule_id"], row["week"]].waited_unplaced = row["people"]

    return _report(first_day, last_day, cells, hours, names)


def _report(first_day, last_day, cells, hours, names) -> Report:
    monday = first_day - timedelta(days=first_day.weekday())
    weeks: dict[date, Figures] = {}
    while monday <= last_day:
        weeks[monday] = Figures(label=f"{monday:%-d %b %Y}", start=monday)
        monday += timedelta(days=7)
    per_schedule: dict[str, Figures] = {}
    total = Figures(label="All")
    for (schedule_id, week_start), cell in cells.items():
        weeks[week_start].add(cell)
        per_schedule.setdefault(schedule_id, Figures(label=names[schedule_id])).add(cell)
        total.add(cell)
    return Report(
        first_day=first_day,
        last_day=last_day,
        weeks=list(weeks.values()),
        schedules=sorted(per_schedule.values(), key=lambda f: f.label.lower()),
        total=total,
        hours=hours,
    )


def report_schedules(business: Business):
    """The schedules the filter offers (not blocked time), by name."""
    return Schedule.objects.filter(business=business, is_blocked_time=False).order_by("name")
