"""Calendar month and week pages over 5,000 events (200 weekly series + 4,800 one-off events)."""

import calendar
import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from calendar_app import recurrence, services
from calendar_app.models import Event, EventResource, Membership, Resource, format_local_date
from tests.benchmarks.conftest import RUNS, time_get
from tests.factories import BusinessFactory, MembershipFactory, ScheduleFactory

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

SERIES = 200
ONE_OFF = 4_800


def first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


@pytest.fixture(scope="module")
def busy_month(django_db_setup, django_db_blocker):
    """One business whose next month holds 4,800 one-off events and 200 weekly series.

    The series are MASTERs created through ``services.create_event`` (a MASTER starts today or
    later, hence next month), so their instances are materialized as in production.
    """
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("The benchmarks run on PostgreSQL (make bench sets DATABASE_URL).")
        rng = random.Random(5000)
        business = BusinessFactory(name="Bench Studio", slug="bench", time_zone="Europe/Berlin")
        owner = MembershipFactory(
            business=business, role=Membership.Role.OWNER, user__username="bench-owner"
        ).user
        schedules = [
            ScheduleFactory(business=business, name=f"Schedule {n}", default_capacity=12)
            for n in range(4)
        ]
        resources = [
            Resource.objects.create(
                business=business,
                name=f"Trainer {n}",
                type=Resource.Type.STAFF,
            )
            for n in range(10)
        ]
        month = first_of_next_month(datetime.now(business.zone).date())
        days_in_month = calendar.monthrange(month.year, month.month)[1]

        for n in range(SERIES):
            start = datetime.combine(month, time(6 + n % 14, 30 * (n % 2)))
            services.create_event(
                actor=None,
                schedule=schedules[n % 4],
                title=f"Series {n}",
                type=Event.Type.CLASS,
                start_local=start,
                end_local=start + timedelta(minutes=60),
                resource_ids=[resources[n % 10].pk],
                recurrence_rule=recurrence.weekly_rule(day=recurrence.DAYS[n % 7]),
            )

        rows = []
        for n in range(ONE_OFF):
            day = month + timedelta(days=n % days_in_month)
            start = datetime.combine(day, time(rng.randint(6, 20), rng.choice((0, 15, 30, 45))))
            end = start + timedelta(minutes=rng.choice((30, 45, 60, 90)))
            rows.append(
                Event(
                    business=business,
                    schedule=schedules[n % 4],
                    type=rng.choice((Event.Type.CLASS, Event.Type.APPOINTMENT)),
                    status=Event.Status.CANCELLED if n % 50 == 0 else Event.Status.CONFIRMED,
                    title=f"One-off {n}",
                    start_local_date=format_local_date(start),
                    end_local_date=format_local_date(end),
                    start=recurrence.to_utc(start, business.time_zone),
                    end=recurrence.to_utc(end, business.time_zone),
                    time_zone=business.time_zone,
                    total_capacity=12,
                    remaining_capacity=12,
                )
            )
        Event.objects.bulk_create(rows, batch_size=1000)
        EventResource.objects.bulk_create(
            [
                EventResource(event=row, resource=resources[n % 10])
                for n, row in enumerate(rows)
                if n % 2 == 0
            ],
            batch_size=1000,
        )
        instances = Event.objects.filter(
            business=business, recurrence_type=Event.RecurrenceType.INSTANCE
        ).count()
        try:
            yield {"business": business, "owner": owner, "month": month, "instances": instances}
        finally:
            business.delete()
            owner.delete()


def events_between(business, start: date, end: date) -> int:
    """Occurrences and one-off events starting in [start, end) (what a calendar page shows)."""
    return (
        Event.objects.filter(
            business=business,
            start_local_date__gte=start.isoformat(),
            start_local_date__lt=end.isoformat(),
        )
        .exclude(recurrence_type=Event.RecurrenceType.MASTER)
        .count()
    )


def test_month_page_server_time(client, busy_month, report):
    business, month = busy_month["business"], busy_month["month"]
    client.force_login(busy_month["owner"])
    next_month = first_of_next_month(month)
    url = reverse("calendar_app:calendar", kwargs={"view": "month"}) + f"?date={month}"

    median, queries, size = time_get(client, url)

    data = (
        f"data: {SERIES} weekly series (MASTER events) + {ONE_OFF:,} one-off events = "
        f"{SERIES + ONE_OFF:,} events, plus {busy_month['instances']:,} materialized instances "
        f"of the series on top ({month:%B %Y} is the busiest month)"
    )
    report(
        f"{data}\nmonth page: median {median:.0f} ms over {RUNS} runs, "
        f"{events_between(business, month, next_month):,} events in the month, {queries} queries, "
        f"{size / 1024:,.0f} KB of HTML"
    )


def test_week_page_server_time(client, busy_month, report):
    business, month = busy_month["business"], busy_month["month"]
    client.force_login(busy_month["owner"])
    middle = month.replace(day=15)
    monday = middle - timedelta(days=middle.weekday())
    url = reverse("calendar_app:calendar", kwargs={"view": "week"}) + f"?date={monday}"

    median, queries, size = time_get(client, url)

    report(
        f"week page: median {median:.0f} ms over {RUNS} runs, "
        f"{events_between(business, monday, monday + timedelta(days=7)):,} events in the week "
        f"of {monday}, {queries} queries, "
        f"{size / 1024:,.0f} KB of HTML"
    )
