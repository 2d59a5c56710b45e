"""The bulk operation task, called directly (the worker process runs the same function: see
tests/integration/test_bulk_operations.py): batches, audit, progress, idempotency, failure."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from calendar_app import services, tasks
from calendar_app.backends import Scope
from calendar_app.errors import CalendarError
from calendar_app.models import BulkOperation, ChangeRecord, Event, Schedule
from calendar_app.services import bulk
from tests.factories import BulkOperationFactory, EventFactory, next_monday

pytestmark = pytest.mark.django_db

BATCH = 5
FUTURE = 12  # more than two batches


@pytest.fixture(autouse=True)
def small_batches(settings):
    settings.BULK_OPERATION_BATCH_SIZE = BATCH


@pytest.fixture
def events(schedule):
    future = [
        EventFactory(schedule=schedule, start_local=next_monday() + timedelta(days=day))
        for day in range(FUTURE)
    ]
    past = EventFactory(schedule=schedule, start_local=datetime(2024, 3, 4, 9))
    return future, past


def cancel(schedule, actor, django_capture_on_commit_callbacks) -> BulkOperation:
    """Cancel in the request's way; returns the operation it queued (its task not run)."""
    with django_capture_on_commit_callbacks() as queued:
        services.cancel_schedule(actor=actor, schedule=schedule, expected_revision=1)
    assert len(queued) == 1  # the task, queued once the request's transaction commits
    return BulkOperation.objects.get(schedule=schedule)


def cancelled_with_schedule() -> dict[str, int]:
    """Audit records of the cascade: event id → how many."""
    counts: dict[str, int] = {}
    for object_id in ChangeRecord.objects.filter(action="cancel_with_schedule").values_list(
        "object_id", flat=True
    ):
        counts[object_id] = counts.get(object_id, 0) + 1
    return counts


def test_a_cascade_larger_than_a_batch_is_left_to_a_task(
    schedule, events, owner_membership, django_capture_on_commit_callbacks
):
    operation = cancel(schedule, owner_membership, django_capture_on_commit_callbacks)

    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.CANCELLED  # at once, in the request
    assert (operation.kind, operation.state) == ("cancel_schedule", "queued")
    assert (operation.total, operation.done) == (FUTURE, 0)
    assert operation.created_by == owner_membership.user
    assert not Event.objects.filter(status=Event.Status.CANCELLED).exists()


def test_a_cascade_of_one_batch_is_done_in_the_request(
    schedule, owner_membership, django_capture_on_commit_callbacks
):
    future = [
        EventFactory(schedule=schedule, start_local=next_monday() + timedelta(days=d))
        for d in range(BATCH)
    ]

    with django_capture_on_commit_callbacks() as queued:
        services.cancel_schedule(actor=owner_membership, schedule=schedule, expected_revision=1)

    assert not queued
    assert not BulkOperation.objects.exists()
    assert set(cancelled_with_schedule()) == {event.pk for event in future}


def test_the_task_cancels_every_future_event_in_batches_each_audited(
    schedule, events, owner_membership, django_capture_on_commit_callbacks
):
    future, past = events
    operation = cancel(schedule, owner_membership, django_capture_on_commit_callbacks)

    assert tasks.run_bulk_operation(str(operation.pk)) == FUTURE

    operation.refresh_from_db()
    assert (operation.state, operation.done, operation.error) == ("done", FUTURE, "")
    assert operation.finished_date is not None
    assert set(Event.objects.filter(status="CANCELLED").values_list("pk", flat=True)) == {
        event.pk for event in future
    }
    past.refresh_from_db()
    assert (past.status, past.revision) == ("CONFIRMED", 1)
    assert cancelled_with_schedule() == {event.pk: 1 for event in future}
    record = ChangeRecord.objects.filter(action="cancel_with_schedule").first()
    assert (record.actor, record.actor_kind) == (owner_membership.user, "user")
    assert (record.revision_before, record.revision_after) == (1, 2)
    assert record.changes == {"status": ["CONFIRMED", "CANCELLED"]}


def test_running_the_task_twice_changes_nothing_twice(
    schedule, events, owner_membership, django_capture_on_commit_callbacks
):
    operation = cancel(schedule, owner_membership, django_capture_on_commit_callbacks)
    tasks.run_bulk_operation(str(operation.pk))
    revisions = dict(Event.objects.values_list("pk", "revision"))
    records = ChangeRecord.objects.count()

    tasks.run_bulk_operation(str(operation.pk))  # a redelivered task
    # A worker that died after its last batch committed but before the task was acknowledged:
    # the operation still says running, and the task runs again from the top.
    BulkOperation.objects.filter(pk=operation.pk).update(state="running", finished_date=None)
    tasks.run_bulk_operation(str(operation.pk))

    operation.refresh_from_db()
    assert (operation.state, operation.done) == ("done", FUTURE)
    assert dict(Event.objects.values_list("pk", "revision")) == revisions
    assert ChangeRecord.objects.count() == records


def test_a_crash_between_batches_resumes_where_it_stopped(
    schedule, events, owner_membership, django_capture_on_commit_callbacks
):
    future, _past = events
    operation = cancel(schedule, owner_membership, django_capture_on_commit_callbacks)
    # What one committed batch of a worker that then died leaves behind.
    first = sorted(event.pk for event in future)[:BATCH]
    Event.objects.filter(pk__in=first).update(status="CANCELLED", revision=2)
    BulkOperation.objects.filter(pk=operation.pk).update(state="running", done=BATCH)

    tasks.run_bulk_operation(str(operation.pk))

    operation.refresh_from_db()
    assert (operation.state, operation.done) == ("done", FUTURE)
    assert set(cancelled_with_schedule()) == {event.pk for event in future} - set(first)
    assert set(Event.objects.filter(revision=2).values_list("pk", flat=True)) == {
        event.pk for event in future
    }


def test_a_failing_batch_marks_the_operation_failed_and_keeps_the_batches_before_it(
    schedule, events, owner_membership, django_capture_on_commit_callbacks, monkeypatch
):
    operation = cancel(schedule, owner_membership, django_capture_on_commit_callbacks)
    real_batch = bulk._cancel_schedule_batch
    calls = []

    def second_batch_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("disk full")
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(bulk, "_cancel_schedule_batch", second_batch_fails)

    with pytest.raises(ValueError):
        tasks.run_bulk_operation(str(operation.pk))

    operation.refresh_from_db()
    assert (operation.state, operation.done, operation.error) == ("failed", BATCH, "disk full")
    assert Event.objects.filter(status="CANCELLED").count() == BATCH
    assert len(cancelled_with_schedule()) == BATCH


def test_nothing_brings_an_event_back_while_its_schedule_is_being_cancelled(
    schedule, events, owner_membership, django_capture_on_commit_callbacks
):
    future, _past = events
    operation = cancel(schedule, owner_membership, django_capture_on_commit_callbacks)
    schedule.refresh_from_db()
    event = Event.objects.get(pk=future[0].pk)
    Event.objects.filter(pk=event.pk).update(status="CANCELLED")
    event.refresh_from_db()

    with pytest.raises(CalendarError, match="still being cancelled"):
        services.restore_schedule(
            actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
        )
    with pytest.raises(CalendarError, match="still being cancelled"):
        services.restore_event(
            actor=owner_membership, event=event, expected_revision=event.revision, scope=Scope.THIS
        )

    tasks.run_bulk_operation(str(operation.pk))
    services.restore_schedule(
        actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
    )


def test_staff_cannot_cancel_a_schedule_however_large(schedule, events, staff_membership):
    with pytest.raises(PermissionDenied):
        services.cancel_schedule(actor=staff_membership, schedule=schedule, expected_revision=1)

    assert not BulkOperation.objects.exists()


def test_stalled_operations_are_queued_again_and_recent_or_finished_ones_are_not(
    django_capture_on_commit_callbacks,
):
    long_ago = timezone.now() - timedelta(hours=1)
    BulkOperationFactory(updated_date=long_ago)
    BulkOperationFactory(state="running", updated_date=long_ago)
    BulkOperationFactory()  # progressing now
    BulkOperationFactory(state="done", updated_date=long_ago)

    with django_capture_on_commit_callbacks() as queued:
        assert services.requeue_stalled_operations(older_than=timedelta(minutes=5)) == 2

    assert len(queued) == 2
