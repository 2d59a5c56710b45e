"""Cancelling a big schedule with a real Celery worker process (not eager mode): the request
cancels the schedule and queues the task; the worker cancels the future events in batches,
each audited once, even when a worker is SIGKILLed half-way and another finishes the job."""

from datetime import timedelta

import pytest

from calendar_app import services
from calendar_app.models import BulkOperation, ChangeRecord, Event
from tests.factories import EventFactory, MembershipFactory, ScheduleFactory, next_monday
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner():
    return MembershipFactory()


def big_schedule(owner, events: int):
    schedule = ScheduleFactory(business=owner.business)
    start = next_monday()
    for n in range(events):
        EventFactory(schedule=schedule, start_local=start + timedelta(hours=n))
    return schedule


def cancel(owner, schedule) -> BulkOperation:
    services.cancel_schedule(actor=owner, schedule=schedule, expected_revision=1)
    return BulkOperation.objects.get(schedule=schedule)


def assert_every_event_cancelled_once(schedule, operation) -> None:
    operation.refresh_from_db()
    assert (operation.state, operation.done, operation.error) == ("done", operation.total, "")
    events = Event.objects.filter(schedule=schedule)
    assert not events.exclude(status="CANCELLED").exists()
    assert set(events.values_list("revision", flat=True)) == {2}
    records = ChangeRecord.objects.filter(action="cancel_with_schedule")
    assert records.count() == events.count() == operation.total
    assert set(records.values_list("object_id", flat=True)) == set(
        events.values_list("pk", flat=True)
    )
    assert set(records.values_list("actor", flat=True)) == {operation.created_by_id}


def test_a_worker_cancels_a_big_schedule_in_batches(owner, settings, worker_factory):
    settings.BULK_OPERATION_BATCH_SIZE = 40
    worker = worker_factory(BULK_OPERATION_BATCH_SIZE="40")
    schedule = big_schedule(owner, 300)

    operation = cancel(owner, schedule)

    assert operation.total == 300
    wait_for(
        lambda: BulkOperation.objects.get(pk=operation.pk).is_finished,
        timeout=60,
        what="the worker to finish the operation",
        log=worker.log,
    )
    assert_every_event_cancelled_once(schedule, operation)


def test_a_worker_killed_half_way_loses_nothing_and_cancels_nothing_twice(
    owner, settings, worker_factory
):
    settings.BULK_OPERATION_BATCH_SIZE = 2
    first = worker_factory(BULK_OPERATION_BATCH_SIZE="2")
    schedule = big_schedule(owner, 600)

    operation = cancel(owner, schedule)
    wait_for(
        lambda: BulkOperation.objects.get(pk=operation.pk).done > 0,
        timeout=60,
        what="the first worker to start",
        log=first.log,
    )
    first.kill()  # SIGKILL mid-task: its open batch rolls back, the committed ones stay
    operation.refresh_from_db()
    assert operation.state == "running"
    assert 0 < operation.done < operation.total

    second = worker_factory(BULK_OPERATION_BATCH_SIZE="2")
    # Redis hands the killed worker's task back only after its visibility timeout and kombu's
    # restore cycle; the beat's sweep is the app's guarantee, run here at once.
    services.requeue_stalled_operations(older_than=timedelta(0))
    wait_for(
        lambda: BulkOperation.objects.get(pk=operation.pk).is_finished,
        timeout=90,
        what="the second worker to finish the operation",
        log=second.log,
    )
    assert_every_event_cancelled_once(schedule, operation)
