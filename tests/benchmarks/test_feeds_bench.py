"""The iCalendar feed of a schedule with 200 weekly series: built afresh, served from the cache
(most calendar apps poll without ``If-None-Match``), and the 304 for a current ETag."""

import os
import statistics
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calendar_app import recurrence, services
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import Event
from tests.factories import BusinessFactory, ScheduleFactory, next_monday

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

SERIES = 200
RUNS = 30
# The feed behind its token, the version (one aggregate), the series, the other rows.
FEED_QUERIES = 4
# The feed and its version: a kept body and a 304 read nothing else.
CACHED_QUERIES = NOT_MODIFIED_QUERIES = 2


def create_series(schedule, n: int) -> Event:
    start = next_monday(6 + n % 14) + timedelta(minutes=30 * (n % 2))
    return services.create_event(
        actor=None,
        schedule=schedule,
        title=f"Series {n}",
        type=Event.Type.CLASS,
        start_local=start,
        end_local=start + timedelta(minutes=60),
        recurrence_rule=recurrence.weekly_rule(day=recurrence.DAYS[n % 7]),
    )


@pytest.fixture(scope="module")
def busy_feed(django_db_setup, django_db_blocker):
    """200 weekly series (a year of instances each), every tenth with an edited and a cancelled
    occurrence; and a schedule with a single series, to compare query counts."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("The benchmarks run on PostgreSQL (make bench sets DATABASE_URL).")
        business = BusinessFactory(name="Feed Studio", slug="feed-bench")
        schedule = ScheduleFactory(business=business, name="Classes")
        for n in range(SERIES):
            master = create_series(schedule, n)
            if n % 10 == 0:
                edited, cancelled = Event.objects.filter(recurring_event_id=master.pk).order_by(
                    "start"
                )[2:4]
                services.update_event(
                    actor=None,
                    event=edited,
                    expected_revision=edited.revision,
                    changes={"title": f"Series {n} (guest teacher)"},
                )
                services.cancel_event(
                    actor=None, event=cancelled, expected_revision=cancelled.revision
                )
        small = ScheduleFactory(business=business, name="Small")
        create_series(small, 0)
        feeds = {
            name: CalendarFeed.objects.create(
                business=business, kind=CalendarFeed.Kind.SCHEDULE, schedule=target
            )
            for name, target in (("busy", schedule), ("small", small))
        }
        rows = Event.objects.filter(schedule=schedule).count()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after such a load: real plans
        try:
            yield {"feeds": feeds, "rows": rows}
        finally:
            business.delete()


def serve(url: str, **headers) -> tuple[int, bytes, dict]:
    handler = ClientHandler()
    response = handler(RequestFactory().get(url, **headers).environ)
    return response.status_code, response.content, response


def timed(url: str, status: int, *, cold: bool = False, **headers) -> str:
    """p50/p95 of ``RUNS`` answers after a warm-up; ``cold`` empties the cache before each.

    Wall time, and this process's CPU time beside it: on a shared machine the wall time grows
    with the load, the CPU time of the request much less so.
    """
    serve(url, **headers)
    wall, cpu = [], []
    for _ in range(RUNS):
        if cold:
            cache.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        answered, _, _ = serve(url, **headers)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert answered == status
    return f"{p50_p95(wall)} (CPU in this process: {p50_p95(cpu)})"


def p50_p95(timings: list[float]) -> str:
    p95 = statistics.quantiles(timings, n=20)[18]
    return f"p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms"


def queries_of(url: str, *, cold: bool = False, **headers) -> int:
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        serve(url, **headers)
    return len(queries)


def test_schedule_feed_server_time(busy_feed, report):
    busy = reverse("calendar_feed", kwargs={"token": busy_feed["feeds"]["busy"].token})
    small = reverse("calendar_feed", kwargs={"token": busy_feed["feeds"]["small"].token})
    status, body, response = serve(busy)
    assert status == 200
    etag = response["ETag"]

    built = timed(busy, 200, cold=True)
    cached = timed(busy, 200)
    not_modified = timed(busy, 304, HTTP_IF_NONE_MATCH=etag)

    assert queries_of(busy, cold=True) == queries_of(small, cold=True) == FEED_QUERIES
    serve(busy)  # kept in the cache again
    assert queries_of(busy) == CACHED_QUERIES
    assert queries_of(busy, HTTP_IF_NONE_MATCH=etag) == NOT_MODIFIED_QUERIES
    assert body.count(b"RRULE:") == SERIES
    assert body.count(b"RECURRENCE-ID") == SERIES // 10
    report(
        f"data: one schedule with {SERIES} weekly series, {busy_feed['rows']:,} stored events "
        f"(MASTERs and a year of occurrences; {SERIES // 10} edited, {SERIES // 10} cancelled)\n"
        f"{RUNS} runs each; load average {os.getloadavg()[0]:.1f}\n"
        f"schedule feed (.ics) built: {built}, {FEED_QUERIES} queries "
        f"(same for a 1-series feed), {len(body) / 1024:,.0f} KB\n"
        f"schedule feed (.ics) kept in the cache: {cached}, {CACHED_QUERIES} queries\n"
        f"schedule feed with its ETag (304): {not_modified}, "
        f"{NOT_MODIFIED_QUERIES} queries"
    )
