"""Bulk operations: a change too large for one request (cancelling a big schedule's events)
runs as a ``BulkOperation`` that a Celery worker works through in batches, each batch audited
and committed on its own, with progress the page shows (``selectors.unfinished_operations``).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calendar_app.audit import new_change_record
from calendar_app.backends import CalendarBackend, calendar_backend
from calendar_app.errors import CalendarError
from calendar_app.extensions import Hook
from calendar_app.models import BulkOperation, ChangeRecord, Event, Schedule
from calendar_app.signals import events_changed
from calendar_app.tenancy.models import Membership

OPERATION_STALLED_AFTER = timedelta(minutes=5)


def _no_worker(operation_id: str) -> None:
    raise RuntimeError("No task runs bulk operations (calendar_app's AppConfig registers one).")


# Starts the background run of one operation (by id): the Celery task, which
# ``CalendarAppConfig.ready()`` registers, so this module never imports the tasks that import it.
run_in_background = Hook("run_bulk_operation_in_background", _no_worker)


def cancel_schedule_events(
    *,
    backend: CalendarBackend,
    actor: Membership | None,
    schedule: Schedule,
    since: datetime,
) -> BulkOperation | None:
    """Cancel the schedule's events from ``since`` on (the cascade of its cancellation), each
    cancellation audited.

    Up to ``BULK_OPERATION_BATCH_SIZE`` events are cancelled here, in the caller's transaction.
    More are left to a ``BulkOperation`` (returned) that a worker runs in batches, queued when
    the transaction commits: the request stays bounded whatever the schedule's size.
    """
    total = backend.schedule_cancel_cascade(schedule=schedule, since=since).count()
    if total <= settings.BULK_OPERATION_BATCH_SIZE:
        _cancel_schedule_batch(backend, actor=actor, schedule=schedule, since=since)
        return None
    operation = BulkOperation.objects.create(
        business=schedule.business,
        kind=BulkOperation.Kind.CANCEL_SCHEDULE,
        schedule=schedule,
        cutoff=since,
        total=total,
        created_by=actor.user if actor else None,
    )
    queue_bulk_operation(operation=operation)
    return operation


def _cancel_schedule_batch(
    backend: CalendarBackend, *, actor: Membership | None, schedule: Schedule, since: datetime
) -> int:
    """Cancel the next batch of the schedule's future events and audit each one; returns how
    many (fewer than a batch: the cascade is complete)."""
    cancelled = backend.cancel_cascaded_events(
        schedule=schedule, since=since, limit=settings.BULK_OPERATION_BATCH_SIZE
    )
    ChangeRecord.objects.bulk_create(
        new_change_record(
            business=schedule.business,
            actor=actor,
            object_type="Event",
            object_id=event.pk,
            action="cancel_with_schedule",
            revision_before=event.revision - 1,
            revision_after=event.revision,
            changes={"status": [Event.Status.CONFIRMED, Event.Status.CANCELLED]},
        )
        for event in cancelled
    )
    events_changed.send(
        sender=Event, business=schedule.business, event_ids=[event.pk for event in cancelled]
    )
    return len(cancelled)


def queue_bulk_operation(*, operation: BulkOperation) -> None:
    """Hand the operation to a worker (``run_in_background``) once the current transaction
    commits. Robust: Redis down then must not turn a committed change into an error page;
    ``requeue_stalled_operations`` queues the operation later."""
    operation_id = str(operation.pk)
    transaction.on_commit(lambda: run_in_background(operation_id), robust=True)


def run_bulk_operation(*, operation_id: str) -> BulkOperation:
    """Work through an operation's remaining rows: one batch per transaction, each with its
    audit records and the progress it made, so a crash loses at most the batch it was in.

    Safe to run again (a retried or redelivered task): the operation row is locked while a
    batch runs, a finished operation is left alone, and a batch only picks rows not yet
    changed — running it twice changes nothing twice.
    """
    asked = BulkOperation.objects.get(pk=operation_id)
    actor = (  # who asked for it: the audit records are theirs
        Membership.objects.select_related("user")
        .filter(business_id=asked.business_id, user_id=asked.created_by_id)
        .first()
    )
    while True:
        with transaction.atomic():
            operation = (
                BulkOperation.objects.select_for_update(of=("self",))
                .select_related("business", "schedule__business")
                .get(pk=operation_id)
            )
            if operation.is_finished:
                return operation
            done = _cancel_schedule_batch(
                calendar_backend(operation.business),
                actor=actor,
                schedule=operation.schedule,
                since=operation.cutoff,
            )
            now = timezone.now()
            operation.done += done
            operation.updated_date = now
            operation.state = BulkOperation.State.RUNNING
            if done < settings.BULK_OPERATION_BATCH_SIZE:
                operation.state, operation.finished_date = BulkOperation.State.DONE, now
            operation.save(update_fields=["done", "updated_date", "state", "finished_date"])
        if operation.is_finished:
            return operation


def requeue_stalled_operations(*, older_than: timedelta = OPERATION_STALLED_AFTER) -> int:
    """Queue again the unfinished operations that made no progress for ``older_than``: their
    task was lost (Redis down when the request committed) or its worker died and the broker
    has not handed the task back yet. Running an operation twice is harmless (its row is locked
    per batch, batches are idempotent). Returns how many were queued."""
    stalled = list(
        BulkOperation.objects.filter(
            state__in=BulkOperation.UNFINISHED_STATES,
            updated_date__lt=timezone.now() - older_than,
        )
    )
    for operation in stalled:
        queue_bulk_operation(operation=operation)
    return len(stalled)


def fail_bulk_operation(*, operation_id: str, error: str) -> None:
    """Mark an operation that will not be retried again as failed, keeping what it did (every
    committed batch is complete and audited) and why it stopped."""
    now = timezone.now()
    BulkOperation.objects.filter(pk=operation_id, state__in=BulkOperation.UNFINISHED_STATES).update(
        state=BulkOperation.State.FAILED, error=error, updated_date=now, finished_date=now
    )


def require_no_running_operation(*, schedule: Schedule) -> None:
    """While a schedule's events are being cancelled in the background, nothing may bring
    any of them back (the task would cancel it again, or not, depending on timing)."""
    running = BulkOperation.objects.filter(
        schedule=schedule, state__in=BulkOperation.UNFINISHED_STATES
    )
    if running.exists():
        raise CalendarError(
            "This schedule's events are still being cancelled; try again when that is done."
        )
