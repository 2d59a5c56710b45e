"""Schedule writes (owners only): create, change, cancel (with its events) and restore, each
through the business's backend and audited."""

from django.db import transaction
from django.utils import timezone

from calendar_app.audit import record_change
from calendar_app.backends import ParticipantNotification, calendar_backend
from calendar_app.models import Schedule
from calendar_app.services.bulk import cancel_schedule_events, require_no_running_operation
from calendar_app.signals import schedule_cancelled
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership


@transaction.atomic
def create_schedule(
    *,
    actor: Membership | None,
    business: Business,
    name: str,
    default_capacity: int | None = None,
    default_location: dict | None = None,
    time_zone: str = "",
    app_id: str = "",
    external_id: str = "",
    is_blocked_time: bool = False,
) -> Schedule:
    """Create a schedule (a calendar) for the business."""
    require_owner(actor, "create a schedule", business_id=business.pk)
    schedule = calendar_backend(business).create_schedule(
        business=business,
        name=name,
        default_title=name,
        default_capacity=default_capacity,
        default_location=default_location,
        time_zone=time_zone,
        app_id=app_id,
        external_id=external_id,
        is_blocked_time=is_blocked_time,
    )
    record_change(
        business=business, actor=actor, obj=schedule, action="create", revision_before=None
    )
    return schedule


@transaction.atomic
def update_schedule(
    *, actor: Membership | None, schedule: Schedule, expected_revision: int, changes: dict
) -> Schedule:
    """Rename a schedule or change its defaults (existing events keep their own values)."""
    require_owner(actor, "change a schedule", business_id=schedule.business_id)
    updated = calendar_backend(schedule.business).update_schedule(
        schedule=schedule, expected_revision=expected_revision, changes=changes
    )
    record_change(
        business=schedule.business,
        actor=actor,
        obj=updated,
        action="update",
        revision_before=expected_revision,
    )
    return updated


@transaction.atomic
def cancel_schedule(
    *,
    actor: Membership | None,
    schedule: Schedule,
    expected_revision: int,
    notify: bool = False,
    message: str = "",
) -> Schedule:
    """Cancel a schedule and its future events, each event's cancellation audited (a large
    schedule's events in the background: ``bulk.cancel_schedule_events``).

    When the owner chose to notify, ``schedule_cancelled`` carries the events the cancellation
    cancels, with the owner's ``message``, in this transaction: their participants' notices
    are queued with it, also for the events a worker cancels later.
    """
    require_owner(actor, "cancel a schedule", business_id=schedule.business_id)
    since = timezone.now()
    backend = calendar_backend(schedule.business)
    updated = backend.cancel_schedule(
        schedule=schedule,
        expected_revision=expected_revision,
        notification=ParticipantNotification(notify=notify, message=message),
    )
    if notify:  # (one query for the events' ids, only then)
        cascade = backend.schedule_cancel_cascade(schedule=updated, since=since)
        schedule_cancelled.send(
            sender=Schedule,
            schedule=updated,
            event_ids=list(cascade.values_list("pk", flat=True)),
            notify=notify,
            message=message,
        )
    record_change(
        business=schedule.business,
        actor=actor,
        obj=updated,
        action="cancel",
        revision_before=expected_revision,
    )
    cancel_schedule_events(backend=backend, actor=actor, schedule=updated, since=since)
    return updated


@transaction.atomic
def restore_schedule(
    *, actor: Membership | None, schedule: Schedule, expected_revision: int
) -> Schedule:
    """Reactivate a cancelled schedule (its cancelled events stay cancelled)."""
    require_owner(actor, "restore a schedule", business_id=schedule.business_id)
    require_no_running_operation(schedule=schedule)
    updated = calendar_backend(schedule.business).restore_schedule(
        schedule=schedule, expected_revision=expected_revision
    )
    record_change(
        business=schedule.business,
        actor=actor,
        obj=updated,
        action="restore",
        revision_before=expected_revision,
    )
    return updated
