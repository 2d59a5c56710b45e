"""The reports' numbers on factory data: fill rate, no-show rate, waitlist demand and busiest
hours, per week and per schedule, in the business's zone; a constant query count."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app.models import Event
from participants.models import Participation
from participants.reports.charts import report_charts
from participants.reports.selectors import attendance_report
from tests.factories import (
    EventFactory,
    ParticipationFactory,
    ScheduleFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db

Attendance = Participation.Attendance
FIRST, LAST = date(2026, 6, 1), date(2026, 6, 14)  # two weeks, Monday to Sunday


@pytest.fixture
def studio(business):
    """Yoga: Mon 1 Jun 09:00 (10 places) and Wed 3 Jun 18:00 (4 places), Mon 8 Jun 09:00
    (unlimited); Pilates: Mon 8 Jun 09:00 (5 places); and what must not count."""
    yoga = ScheduleFactory(business=business, name="Yoga")
    pilates = ScheduleFactory(business=business, name="Pilates")
    monday = EventFactory(schedule=yoga, start_local=datetime(2026, 6, 1, 9), total_capacity=10)
    ParticipationFactory(event=monday, party_size=2, attendance=Attendance.CHECKED_IN)
    ParticipationFactory(event=monday, attendance=Attendance.NO_SHOW)
    ParticipationFactory(event=monday, attendance=Attendance.NOT_RECORDED)
    ParticipationFactory(event=monday)
    ParticipationFactory(event=monday, party_size=3, cancelled_date=timezone.now())
    wednesday = EventFactory(schedule=yoga, start_local=datetime(2026, 6, 3, 18), total_capacity=4)
    ParticipationFactory.create_batch(4, event=wednesday, attendance=Attendance.CHECKED_IN)
    WaitlistEntryFactory(event=wednesday, party_size=2)  # never got a place
    WaitlistEntryFactory(event=wednesday, promoted_date=timezone.now())  # got one
    WaitlistEntryFactory(event=wednesday, removed_date=timezone.now())  # gave up
    unlimited = EventFactory(
        schedule=yoga, start_local=datetime(2026, 6, 8, 9), total_capacity=None
    )
    ParticipationFactory.create_batch(3, event=unlimited)
    pilates_class = EventFactory(
        schedule=pilates, start_local=datetime(2026, 6, 8, 9), total_capacity=5
    )
    ParticipationFactory(event=pilates_class, attendance=Attendance.NO_SHOW)
    # Not counted: cancelled, after the range, blocked time, a series' MASTER, removed.
    for fields in (
        {"start_local": datetime(2026, 6, 9, 9), "status": Event.Status.CANCELLED},
        {"start_local": datetime(2026, 6, 15, 9)},
        {"start_local": datetime(2026, 5, 31, 23, 30)},
        {
            "start_local": datetime(2026, 6, 2, 9),
            "schedule": ScheduleFactory(business=business, is_blocked_time=True),
        },
        {"start_local": datetime(2026, 6, 2, 9), "recurrence_type": "MASTER"},
        {"start_local": datetime(2026, 6, 2, 9), "removed_date": timezone.now()},
    ):
        ParticipationFactory(event=EventFactory(**{"schedule": yoga, **fields}), party_size=7)
    return yoga, pilates


def report(business, **kwargs):
    return attendance_report(business=business, first_day=FIRST, last_day=LAST, **kwargs)


def test_the_figures_per_week(business, studio):
    first, second = report(business).weeks

    assert (first.start, second.start) == (date(2026, 6, 1), date(2026, 6, 8))
    assert (first.occurrences, first.capacity, first.booked) == (2, 14, 9)
    assert first.fill_text == "64%"  # 9 of 14
    assert (first.checked_in, first.no_shows, first.not_recorded) == (5, 1, 1)
    assert first.no_show_rate == pytest.approx(1 / 6)
    assert first.waited_unplaced == 3  # the party of 2 and the one who gave up
    assert (second.occurrences, second.capacity, second.booked, second.seats) == (2, 5, 1, 4)
    assert second.fill_rate == pytest.approx(0.2)
    assert second.no_show_rate == 1
    assert second.waited_unplaced == 0


def test_the_figures_per_schedule_and_in_all(business, studio):
    result = report(business)

    pilates, yoga = result.schedules
    assert (pilates.label, pilates.occurrences, pilates.capacity, pilates.booked) == (
        "Pilates",
        1,
        5,
        1,
    )
    assert (yoga.label, yoga.occurrences, yoga.capacity, yoga.booked, yoga.seats) == (
        "Yoga",
        3,
        14,
        9,
        12,
    )
    total = result.total
    assert (total.occurrences, total.capacity, total.booked, total.seats) == (4, 19, 10, 13)
    assert (total.checked_in, total.no_shows, total.not_recorded) == (5, 2, 1)
    assert total.waited_unplaced == 3


def test_a_schedule_filter_counts_only_that_schedule(business, studio):
    yoga, _pilates = studio

    result = report(business, schedule=yoga)

    assert [s.label for s in result.schedules] == ["Yoga"]
    assert result.total.occurrences == 3
    assert result.weeks[1].capacity == 0  # the unlimited class only
    assert result.weeks[1].fill_rate is None
    assert result.hours[0][9] == 5 + 3  # Monday 09:00: 1 Jun and 8 Jun


def test_the_busiest_hours(business, studio):
    result = report(business)

    assert result.hours[0][9] == 5 + 3 + 1  # Mondays 09:00
    assert result.hours[2][18] == 4  # Wednesday 18:00
    assert sum(map(sum, result.hours)) == 13
    assert result.busiest == [("Mon", 9, 9), ("Wed", 18, 4)]


def test_weeks_and_hours_are_the_business_s_own(business):
    """00:30 on Monday in Berlin is Sunday 22:30 UTC: it is Monday's, in Monday's week."""
    ParticipationFactory(
        event=EventFactory(
            start_local=datetime(2026, 6, 8, 0, 30), schedule=ScheduleFactory(business=business)
        )
    )

    result = report(business)

    assert [w.occurrences for w in result.weeks] == [0, 1]
    assert result.hours[0][0] == 1
    assert result.hours[6][22] == 0


def test_demand_of_a_class_not_started_yet_is_not_counted(business):
    later = timezone.localtime(timezone.now(), business.zone) + timedelta(days=2)
    event = EventFactory(
        schedule=ScheduleFactory(business=business),
        start_local=later.replace(tzinfo=None, microsecond=0),
    )
    WaitlistEntryFactory(event=event)

    result = attendance_report(business=business, first_day=later.date(), last_day=later.date())

    assert result.total.occurrences == 1
    assert result.total.waited_unplaced == 0


def test_another_business_s_classes_are_not_counted(business, other_business, studio):
    theirs = EventFactory(
        schedule=ScheduleFactory(business=other_business), start_local=datetime(2026, 6, 1, 9)
    )
    ParticipationFactory(event=theirs, party_size=5)

    assert report(business).total.occurrences == 4
    assert report(other_business).total.occurrences == 1


def test_every_week_of_the_range_is_shown_even_an_empty_one(business):
    result = attendance_report(business=business, first_day=date(2026, 6, 3), last_day=LAST)

    assert [w.start for w in result.weeks] == [date(2026, 6, 1), date(2026, 6, 8)]
    assert result.total.fill_rate is None
    assert result.total.no_show_text == "\u2013"


def test_the_query_count_does_not_grow_with_the_classes(business):
    schedule = ScheduleFactory(business=business)

    def queries_for(count: int) -> int:
        for n in range(count):
            event = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1 + n % 14, 9))
            ParticipationFactory(event=event, attendance=Attendance.NO_SHOW)
            WaitlistEntryFactory(event=event)
        with CaptureQueriesContext(connection) as queries:
            report(business)
        return len(queries)

    assert queries_for(1) == queries_for(30) == 4  # the schedules, then three aggregates


def test_the_charts_draw_one_bar_per_week_with_its_number(business, studio):
    charts = report_charts(report(business))

    fill = charts["fill"]
    assert [bar.title for bar in fill.bars] == [
        "Week of 1 Jun 2026: 64%",
        "Week of 8 Jun 2026: 20%",
    ]
    assert fill.bars[0].height > fill.bars[1].height > 0
    assert fill.bars[0].y + fill.bars[0].height == pytest.approx(fill.plot_bottom)
    assert [bar.title for bar in charts["schedules"].bars] == ["Pilates: 20%", "Yoga: 64%"]
    busiest = max(charts["hours"].cells, key=lambda cell: cell.opacity)
    assert busiest.title == "Mon 09:00: 9 seats"
    assert busiest.opacity == 1
