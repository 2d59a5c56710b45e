"""The operations that change many rows, at their bounds, with the audit they write: which run
in the request and which as a task.

- A series is weekly with one day per MASTER and starts at most ``SERIES_MAX_DAYS_IN_PAST``
  days ago; its instances end at the events view (``EVENTS_VIEW_FUTURE_DAYS``). So re-timing,
  re-capacitating, cancelling or restoring a whole series touches at most ~68 rows (470 days /
  7), in a number of queries that does not grow with the rows (bulk updates, bulk audit): these
  stay in the request.
- Cancelling a schedule cancels its future events: bounded by the view too, but multiplied by
  the schedule's series, so not by a small constant. Past ``BULK_OPERATION_BATCH_SIZE`` events
  the request cancels only the schedule and queues a task, which cancels the events one batch
  per transaction. 200 weekly series (about 11,000 rows, far more than a studio's timetable)
  are measured here: the request's queries, the task's throughput (rows/s) and its queries
  per batch (constant), the function the worker runs being called in this process.

Query budgets are asserted (constant in the number of rows); times and rates are printed.
"""

import time
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calendar_app import recurrence, services
from calendar_app.backends import Scope
from calendar_app.models import BulkOperation, ChangeRecord, Event
from tests.benchmarks.conftest import time_get
from tests.factories import MembershipFactory, ScheduleFactory

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

SCHEDULE_SERIES = 200


def earliest_allowed_start(schedule) -> datetime:
    """Monday 09:00, as far back as a member may start a series."""
    today = recurrence.to_local(timezone.now(), schedule.effective_time_zone).date()
    first = today - timedelta(days=services.SERIES_MAX_DAYS_IN_PAST)
    first += timedelta(days=(7 - first.weekday()) % 7)
    return datetime(first.year, first.month, first.day, 9)


def series_at_the_bound(schedule, owner, *, day: str = "MONDAY") -> Event:
    start = earliest_allowed_start(schedule)
    start += timedelta(days=recurrence.DAYS.index(day))
    return services.create_event(
        actor=owner,
        schedule=schedule,
        title="Morning yoga",
        start_local=start,
        end_local=start + timedelta(hours=1),
        recurrence_rule=recurrence.weekly_rule(day=day),
        total_capacity=8,
    )


def measured(operation) -> tuple[float, int, int]:
    """(ms, queries, ChangeRecords written) of one call."""
    records = ChangeRecord.objects.count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        operation()
        ms = (time.perf_counter() - started) * 1000
    return ms, len(queries), ChangeRecord.objects.count() - records


@pytest.fixture
def owner(require_postgresql):
    return MembershipFactory()


def test_whole_series_operations_at_the_bound(owner, report):
    schedule = ScheduleFactory(business=owner.business)
    master = series_at_the_bound(schedule, owner)
    rows = Event.objects.filter(recurring_event_id=master.pk).count()
    days = services.SERIES_MAX_DAYS_IN_PAST + settings.EVENTS_VIEW_FUTURE_DAYS
    assert rows <= days // 7 + 1  # the bound the docstring states

    def fresh() -> Event:
        return Event.objects.get(pk=master.pk)

    def retime() -> None:
        event = fresh()
        start = event.start_local.replace(hour=18)
        services.update_event(
            actor=owner,
            event=event,
            expected_revision=event.revision,
            changes={"start_local_date": start, "end_local_date": start + timedelta(hours=1)},
        )

    def capacity() -> None:
        event = fresh()
        services.update_event(
            actor=owner,
            event=event,
            expected_revision=event.revision,
            changes={"total_capacity": 12},
        )

    def cancel() -> None:
        event = fresh()
        services.cancel_event(
            actor=owner, event=event, expected_revision=event.revision, scope=Scope.ALL
        )

    def restore() -> None:
        event = fresh()
        services.restore_event(
            actor=owner, event=event, expected_revision=event.revision, scope=Scope.ALL
        )

    figures = {
        name: measured(op)
        for name, op in [
            ("re-time", retime),
            ("capacity", capacity),
            ("cancel", cancel),
            ("restore", restore),
        ]
    }
    report(
        f"a series at the bound ({services.SERIES_MAX_DAYS_IN_PAST} days back + "
        f"{settings.EVENTS_VIEW_FUTURE_DAYS} ahead: {rows} occurrences): "
        + "; ".join(
            f"{name} {ms:.0f} ms, {queries} queries, {records} audit records"
            for name, (ms, queries, records) in figures.items()
        )
    )
    cancelled_rows = figures["cancel"][2]
    live = Event.objects.filter(recurring_event_id=master.pk, removed_date__isnull=True)
    assert cancelled_rows == live.count() + 1  # every occurrence it cancelled, and the MASTER
    for _name, (_ms, queries, _records) in figures.items():
        assert queries <= 40  # bulk writes: not one query per occurrence


def test_cancelling_a_schedule_with_200_weekly_series(
    owner, client, report, django_capture_on_commit_callbacks
):
    schedule = ScheduleFactory(business=owner.business)
    for n in range(SCHEDULE_SERIES):
        series_at_the_bound(schedule, owner, day=recurrence.DAYS[n % 7])
    future = Event.objects.filter(
        schedule=schedule, start__gte=timezone.now(), status=Event.Status.CONFIRMED
    ).count()
    schedule.refresh_from_db()

    with django_capture_on_commit_callbacks() as queued:  # the task is not sent: run below
        ms, queries, records = measured(
            lambda: services.cancel_schedule(
                actor=owner, schedule=schedule, expected_revision=schedule.revision
            )
        )
    operation = BulkOperation.objects.get(schedule=schedule)
    client.force_login(owner.user)
    poll = time_get(client, reverse("calendar_app:bulk_operation", args=[operation.pk]))
    task_ms, task_queries, task_records = measured(
        lambda: services.run_bulk_operation(operation_id=str(operation.pk))
    )
    operation.refresh_from_db()
    batch = settings.BULK_OPERATION_BATCH_SIZE
    batches = future // batch + 1  # the last one finds fewer than a batch
    per_batch = task_queries / batches

    report(
        f"cancel a schedule of {SCHEDULE_SERIES} weekly series ({future:,} future events): "
        f"request {ms:.0f} ms, {queries} queries, {records} audit record; task {task_ms:.0f} ms "
        f"for {operation.done:,} rows = {operation.done / (task_ms / 1000):,.0f} rows/s, "
        f"{batches} batches of {batch}, {per_batch:.1f} queries per batch, "
        f"{task_records:,} audit records; " + poll.line("its progress page (polled every 1.5 s)")
    )
    assert len(queued) == 1
    assert (operation.total, operation.done, operation.state) == (future, future, "done")
    assert records == 1  # the schedule; its events are the task's
    assert queries <= 12  # the request does not grow with the schedule
    assert task_records == future  # one per event it cancelled
    # select, update, audit insert, progress, the meeting links to forget, whether the business
    # uses conferencing: constant per batch
    assert per_batch <= 10
    assert poll.queries <= 8  # session, user, membership, the operation
