"""Calendar month and week pages over 5,000 events (200 weekly series + 4,800 one-off events),
and the month from 1,000 to 20,000 events. Query budgets are asserted, times only reported.

The month bench also runs on SQLite (``make bench`` runs it a second time without
DATABASE_URL, on a SQLite file in var/)."""

import calendar
import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from calendar_app import recurrence, services
from calendar_app.models import Event, EventResource, Resource, format_local_date
from calendar_app.tenancy.models import Membership
from tests.benchmarks.conftest import time_get
from tests.factories import BusinessFactory, MembershipFactory, ScheduleFactory

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

SERIES = 200
ONE_OFF = 4_800
# Queries per page, whatever the number of events (session, user, membership, filters, events,
# schedules, resources); a change that adds one per event or per day fails here.
MONTH_QUERIES = 9
WEEK_QUERIES = 9
SCALE = (1_000, 20_000)


def first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


@pytest.fixture(scope="module")
def busy_month(django_db_setup, django_db_blocker):
    """One business whose next month holds 4,800 one-off events and 200 weekly series.

    The series are MASTERs created through ``services.create_event`` (a MASTER starts today or
    later, hence next month), so their instances are materialized as in production.
    """
    with django_db_blocker.unblock():
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

        add_one_off_events(business, schedules, resources, month, ONE_OFF, rng)
        settle_events()
        instances = Event.objects.filter(
            business=business, recurrence_type=Event.RecurrenceType.INSTANCE
        ).count()
        try:
            yield {"business": business, "owner": owner, "month": month, "instances": instances}
        finally:
            business.delete()
            owner.delete()


def add_one_off_events(business, schedules, resources, month: date, count: int, rng) -> None:
    """``count`` one-off events spread over the month, every other one holding a resource."""
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    rows = []
    for n in range(count):
        day = month + timedelta(days=n % days_in_month)
        start = datetime.combine(day, time(rng.randint(6, 20), rng.choice((0, 15, 30, 45))))
        end = start + timedelta(minutes=rng.choice((30, 45, 60, 90)))
        rows.append(
            Event(
                business=business,
                schedule=schedules[n % len(schedules)],
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
            EventResource(event=row, resource=resources[n % len(resources)])
            for n, row in enumerate(rows)
            if n % 2 == 0
        ],
        batch_size=1000,
    )


def settle_events() -> None:
    """What autovacuum does soon after a bulk insert in production: fresh planner statistics
    and (PostgreSQL) the visibility map that lets a day's count read the index alone. Runs
    outside a transaction, on committed rows; left to chance, the figures would depend on
    whether autovacuum had come by."""
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"{'VACUUM ' if connection.vendor == 'postgresql' else ''}ANALYZE {table}")


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


def month_url(month: date) -> str:
    return reverse("calendar_app:calendar", kwargs={"view": "month"}) + f"?date={month}"


def test_month_page_server_time(client, busy_month, report):
    business, month = busy_month["business"], busy_month["month"]
    client.force_login(busy_month["owner"])
    next_month = first_of_next_month(month)

    timing = time_get(client, month_url(month))

    data = (
        f"[{connection.vendor}] data: {SERIES} weekly series (MASTER events) + {ONE_OFF:,} "
        f"one-off events = {SERIES + ONE_OFF:,} events, plus {busy_month['instances']:,} "
        f"materialized instances of the series on top ({month:%B %Y} is the busiest month)"
    )
    events = events_between(business, month, next_month)
    report(f"{data}\n{timing.line(f'[{connection.vendor}] month page ({events:,} events)')}")
    assert timing.queries <= MONTH_QUERIES


def test_week_page_server_time(require_postgresql, client, busy_month, report):
    business, month = busy_month["business"], busy_month["month"]
    client.force_login(busy_month["owner"])
    middle = month.replace(day=15)
    monday = middle - timedelta(days=middle.weekday())
    url = reverse("calendar_app:calendar", kwargs={"view": "week"}) + f"?date={monday}"

    timing = time_get(client, url)

    events = events_between(business, monday, monday + timedelta(days=7))
    report(timing.line(f"week page ({events:,} events in the week of {monday})"))
    assert timing.queries <= WEEK_QUERIES


@pytest.fixture(scope="module")
def month_at_scale(django_db_setup, django_db_blocker, report) -> dict:
    """The month page timed at 1,000 and at 20,000 events of one business, each time committed
    and settled as autovacuum would (hence a module fixture, outside the tests' transaction)."""
    if connection.vendor != "postgresql":
        pytest.skip("The benchmarks run on PostgreSQL (make bench sets DATABASE_URL).")
    with django_db_blocker.unblock():
        business = BusinessFactory(name="Scale Studio", slug="scale", time_zone="Europe/Berlin")
        owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
        try:
            yield month_timings(business, owner, report)
        finally:
            business.delete()
            owner.delete()


def month_timings(business, owner, report) -> dict:
    schedules = [ScheduleFactory(business=business, name=f"Schedule {n}") for n in range(4)]
    resources = [Resource.objects.create(business=business, name=f"Room {n}") for n in range(10)]
    month = first_of_next_month(datetime.now(business.zone).date())
    client = Client()
    client.force_login(owner)
    rng = random.Random(20_000)
    timings = {}
    added = 0
    for count in SCALE:
        add_one_off_events(business, schedules, resources, month, count - added, rng)
        added = count
        settle_events()
        timings[count] = time_get(client, month_url(month))
        report(timings[count].line(f"month page with {count:,} events"))
    return timings


def test_month_page_cost_per_event_from_1000_to_20000_events(month_at_scale, report):
    small, large = (month_at_scale[count] for count in SCALE)
    per_event_us = (large.p50 - small.p50) * 1000 / (SCALE[1] - SCALE[0])
    report(
        f"month page from {SCALE[0]:,} to {SCALE[1]:,} events: p50 x{large.p50 / small.p50:.2f}, "
        f"{per_event_us:.2f} µs per event"
    )
    assert small.queries == large.queries <= MONTH_QUERIES
