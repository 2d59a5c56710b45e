"""Calendar writes: permission check, the business's backend, the audit record, in one place."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from calendar_app import recurrence
from calendar_app.audit import (
    event_rows,
    new_change_record,
    record_change,
    record_event_changes,
    series_rows,
)
from calendar_app.backends import Scope, calendar_backend
from calendar_app.errors import CalendarError
from calendar_app.models import (
    BulkOperation,
    Business,
    ChangeRecord,
    Event,
    Membership,
    Resource,
    Schedule,
)
from calendar_app.signals import event_changed, events_changed, occurrences_created
from calendar_app.tenancy.access import (
    require_may_change_event,
    require_owner,
)

SERIES_MAX_DAYS_IN_PAST = 90


def _with_checked_resources(business: Business, changes: dict) -> dict:
    """An edit's ``changes`` with its ``resource_ids`` (if it has any) checked as below."""
    if "resource_ids" not in changes:
        return changes
    return {**changes, "resource_ids": _check_resources(business, changes["resource_ids"])}


def _check_resources(business: Business, resource_ids: Iterable[str]) -> list[str]:
    """Resource ids must belong to the business: another tenant's id is refused, never used."""
    resource_ids = list(dict.fromkeys(resource_ids))
    found = set(
        Resource.objects.filter(
            business=business, pk__in=resource_ids, removed_date__isnull=True
        ).values_list("pk", flat=True)
    )
    if len(found) != len(resource_ids):
        raise CalendarError("One of the chosen resources does not exist.")
    return resource_ids


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
    require_owner(actor, "create a schedule")
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
def cancel_schedule(
    *, actor: Membership | None, schedule: Schedule, expected_revision: int
) -> Schedule:
    """Cancel a schedule and its future events, each event's cancellation audited.

    Up to ``BULK_OPERATION_BATCH_SIZE`` events are cancelled here, in this transaction. More are
    left to a ``BulkOperation`` that a Celery task works through in batches, queued when this
    transaction commits: the request stays bounded whatever the schedule's size, and the page
    shows the operation's progress (``selectors.unfinished_operations``).
    """
    require_owner(actor, "cancel a schedule")
    since = timezone.now()
    backend = calendar_backend(schedule.business)
    updated = backend.cancel_schedule(schedule=schedule, expected_revision=expected_revision)
    record_change(
        business=schedule.business,
        actor=actor,
        obj=updated,
        action="cancel",
        revision_before=expected_revision,
    )
    batch_size = settings.BULK_OPERATION_BATCH_SIZE
    total = backend.schedule_cancel_cascade(schedule=updated, since=since).count()
    if total <= batch_size:
        _cancel_schedule_batch(backend, actor=actor, schedule=updated, since=since)
        return updated
    operation = BulkOperation.objects.create(
        business=schedule.business,
        kind=BulkOperation.Kind.CANCEL_SCHEDULE,
        schedule=updated,
        cutoff=since,
        total=total,
        created_by=actor.user if actor else None,
    )
    queue_bulk_operation(operation=operation)
    return updated


def _cancel_schedule_batch(
    backend, *, actor: Membership | None, schedule: Schedule, since: datetime
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
    """Hand the operation to a Celery worker (``calendar_app.tasks.run_bulk_operation``) once
    the current transaction commits. Robust: Redis down then must not turn a committed change
    into an error page; ``requeue_stalled_operations`` queues the operation later."""
    from calendar_app.tasks import run_bulk_operation  # the tasks module imports this one

    operation_id = str(operation.pk)
    transaction.on_commit(lambda: run_bulk_operation.delay(operation_id), robust=True)


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


OPERATION_STALLED_AFTER = timedelta(minutes=5)


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


def _require_no_running_operation(schedule: Schedule) -> None:
    """While a schedule's events are being cancelled in the background, nothing may bring
    any of them back (the task would cancel it again, or not, depending on timing)."""
    running = BulkOperation.objects.filter(
        schedule=schedule, state__in=BulkOperation.UNFINISHED_STATES
    )
    if running.exists():
        raise CalendarError(
            "This schedule's events are still being cancelled; try again when that is done."
        )


@transaction.atomic
def update_schedule(
    *, actor: Membership | None, schedule: Schedule, expected_revision: int, changes: dict
) -> Schedule:
    """Rename a schedule or change its defaults (existing events keep their own values)."""
    require_owner(actor, "change a schedule")
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
def restore_schedule(
    *, actor: Membership | None, schedule: Schedule, expected_revision: int
) -> Schedule:
    """Reactivate a cancelled schedule (its cancelled events stay cancelled)."""
    require_owner(actor, "restore a schedule")
    _require_no_running_operation(schedule)
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


@transaction.atomic
def create_event(
    *,
    actor: Membership | None,
    schedule: Schedule,
    title: str,
    start_local: datetime,
    end_local: datetime,
    type: str = Event.Type.DEFAULT,
    location: dict | None = None,
    total_capacity: int | None = None,
    resource_ids: Iterable[str] = (),
    conferencing_details: dict | None = None,
    recurrence_rule: dict | None = None,
    transparency: str = Event.Transparency.OPAQUE,
    notes: str = "",
) -> Event:
    """Create a one-off event, or a MASTER (with ``recurrence_rule``) and its instances.

    A member's series starts at most ``SERIES_MAX_DAYS_IN_PAST`` days ago: every past week is a
    row, and a series typed with the wrong year would otherwise create thousands of them in one
    request. The system (imports, tests of history) is trusted with older starts.
    """
    if recurrence_rule:
        require_owner(actor, "create a recurring series")
        if actor is not None:
            _require_recent_start(schedule, start_local)
    if schedule.is_blocked_time:
        require_owner(actor, "block time")
    fields = {
        "title": title or schedule.default_title or schedule.name,
        "start_local_date": start_local,
        "end_local_date": end_local,
        "type": type,
        "transparency": transparency,
        "notes": notes,
        "recurrence_rule": recurrence_rule,
    }
    if location is not None:
        fields["location"] = location
    if total_capacity is not None:
        fields["total_capacity"] = total_capacity
    if conferencing_details is not None:
        fields["conferencing_details"] = conferencing_details
    try:
        event = calendar_backend(schedule.business).create_event(
            schedule=schedule,
            resource_ids=_check_resources(schedule.business, resource_ids),
            **fields,
        )
    except recurrence.RecurrenceRuleError as error:
        raise CalendarError(str(error)) from error
    record_event_changes(  # the event and, for a series, every instance made with it
        business=schedule.business,
        actor=actor,
        action="create",
        before={},
        after=series_rows(event),
    )
    event_changed.send(sender=Event, event=event)
    return event


def _require_recent_start(schedule: Schedule, start_local: datetime) -> None:
    today = recurrence.to_local(timezone.now(), schedule.effective_time_zone).date()
    if start_local.date() < today - timedelta(days=SERIES_MAX_DAYS_IN_PAST):
        raise CalendarError(
            f"A repeating series can start at most {SERIES_MAX_DAYS_IN_PAST} days in the past; "
            "pick a later first day."
        )


@transaction.atomic
def create_weekly_events(
    *,
    actor: Membership | None,
    schedule: Schedule,
    days: Iterable[str],
    interval: int = 1,
    until_local: datetime | None = None,
    **event_fields,
) -> list[Event]:
    """A weekly series on several weekdays: one MASTER per day, as the spec requires."""
    days = list(dict.fromkeys(days))
    if not days:
        raise CalendarError("Pick at least one weekday.")
    try:
        rules = [
            recurrence.weekly_rule(day=day, interval=interval, until_local=until_local)
            for day in days
        ]
    except recurrence.RecurrenceRuleError as error:
        raise CalendarError(str(error)) from error
    return [
        create_event(actor=actor, schedule=schedule, recurrence_rule=rule, **event_fields)
        for rule in rules
    ]


@transaction.atomic
def update_event(
    *, actor: Membership | None, event: Event, expected_revision: int, changes: dict
) -> Event:
    """Edit an event; an edited INSTANCE becomes an EXCEPTION, a MASTER edit reaches the future."""
    require_may_change_event(actor, event, whole_series=False)
    changes = _with_checked_resources(event.business, changes)
    before = series_rows(event)
    updated = calendar_backend(event.business).update_event(
        event=event, expected_revision=expected_revision, changes=changes
    )
    record_event_changes(
        business=event.business,
        actor=actor,
        action="update",
        before=before,
        after=series_rows(updated),
    )
    event_changed.send(sender=Event, event=updated)
    return updated


@transaction.atomic
def update_following(
    *, actor: Membership | None, occurrence: Event, expected_revision: int, changes: dict
) -> Event:
    """Edit an occurrence and the following ones (owners only): the series is split there, the
    earlier occurrences keep the old values. ``expected_revision`` is the MASTER's. Returns the
    MASTER that now holds the occurrence (see ``update_following`` of the backend)."""
    require_may_change_event(actor, occurrence, whole_series=True)
    changes = _with_checked_resources(occurrence.business, changes)
    before = series_rows(occurrence)
    follower = calendar_backend(occurrence.business).update_following(
        occurrence=occurrence, expected_revision=expected_revision, changes=changes
    )
    record_event_changes(
        business=occurrence.business,
        actor=actor,
        action="update",
        before=before,
        after={**series_rows(occurrence), **series_rows(follower)},
    )
    event_changed.send(sender=Event, event=follower)
    return follower


@transaction.atomic
def cancel_event(
    *, actor: Membership | None, event: Event, expected_revision: int, scope: Scope = Scope.THIS
) -> Event:
    """Cancel one occurrence or (owners only) this and the following ones, or the whole series.

    A MASTER is the whole series, whatever the scope.
    """
    return _set_status(
        actor,
        event,
        expected_revision,
        scope,
        "cancel",
        calendar_backend(event.business).cancel_event,
    )


@transaction.atomic
def restore_event(
    *, actor: Membership | None, event: Event, expected_revision: int, scope: Scope = Scope.THIS
) -> Event:
    """Undo a cancellation with the same reach as ``cancel_event``."""
    _require_no_running_operation(event.schedule)
    return _set_status(
        actor,
        event,
        expected_revision,
        scope,
        "restore",
        calendar_backend(event.business).restore_event,
    )


def _set_status(actor, event, expected_revision, scope, verb, write) -> Event:
    if event.recurrence_type == Event.RecurrenceType.MASTER:
        scope = Scope.ALL
    require_may_change_event(actor, event, whole_series=scope != Scope.THIS)
    before = series_rows(event)
    updated = write(event=event, expected_revision=expected_revision, scope=scope)
    record_event_changes(  # the event and every occurrence the cascade reached
        business=event.business,
        actor=actor,
        action=AUDIT_ACTIONS[verb, scope],
        before=before,
        after=series_rows(updated),
    )
    event_changed.send(sender=Event, event=updated)
    if scope != Scope.THIS and updated.recurrence_type != Event.RecurrenceType.MASTER:
        master = Event.objects.filter(pk=updated.series_id).first()
        if master is not None:  # the cascade reached the series' other occurrences
            event_changed.send(sender=Event, event=master)
    return updated


AUDIT_ACTIONS = {
    (verb, scope): verb + suffix
    for verb in ("cancel", "restore")
    for scope, suffix in ((Scope.THIS, ""), (Scope.FOLLOWING, "_following"), (Scope.ALL, "_series"))
}


@transaction.atomic
def extend_events_view(*, business: Business) -> int:
    """Roll the materialization horizon forward for one business; returns instances created.

    Each instance the system creates is audited (actor: the system).
    """
    started = timezone.now()
    created = calendar_backend(business).extend_events_view(business=business)
    if created:
        new_instances = Event.objects.filter(
            business=business,
            recurrence_type=Event.RecurrenceType.INSTANCE,
            created_date__gte=started,
        )
        rows = event_rows(new_instances)
        record_event_changes(business=business, actor=None, action="create", before={}, after=rows)
        occurrences_created.send(sender=Event, business=business, event_ids=list(rows))
    return created


BLOCKED_TIME_SCHEDULE_NAME = "Blocked time"


@transaction.atomic
def blocked_time_schedule(*, actor: Membership | None, business: Business) -> Schedule:
    """The business's one schedule for blocked time, created (or reactivated) on first use."""
    require_owner(actor, "block time")
    Business.objects.select_for_update().filter(pk=business.pk).first()  # one creator at a time
    schedule = (
        Schedule.objects.filter(business=business, is_blocked_time=True)
        .order_by("created_date")
        .first()
    )
    if schedule is None:
        return create_schedule(
            actor=actor, business=business, name=BLOCKED_TIME_SCHEDULE_NAME, is_blocked_time=True
        )
    if schedule.status == Schedule.Status.CANCELLED:
        schedule = restore_schedule(
            actor=actor, schedule=schedule, expected_revision=schedule.revision
        )
    return schedule


@transaction.atomic
def block_time(
    *,
    actor: Membership | None,
    business: Business,
    resource_ids: Iterable[str],
    start_local: datetime,
    end_local: datetime,
    reason: str = "",
    days: Iterable[str] = (),
    interval: int = 1,
    until_local: datetime | None = None,
) -> list[Event]:
    """Block several resources at once: one OPAQUE event on the blocked-time schedule holds them
    all, so it shows on each resource's calendar and counts as busy (one MASTER per weekday)."""
    require_owner(actor, "block time")
    resource_ids = list(resource_ids)
    if not resource_ids:
        raise CalendarError("Pick at least one resource to block.")
    schedule = blocked_time_schedule(actor=actor, business=business)
    fields = {
        "title": f"Blocked: {reason}" if reason else "Blocked",
        "start_local": start_local,
        "end_local": end_local,
        "type": Event.Type.DEFAULT,
        "transparency": Event.Transparency.OPAQUE,
        "resource_ids": resource_ids,
    }
    days = list(days)
    if days:
        return create_weekly_events(
            actor=actor,
            schedule=schedule,
            days=days,
            interval=interval,
            until_local=until_local,
            **fields,
        )
    return [create_event(actor=actor, schedule=schedule, **fields)]


# Team: staff accounts and memberships. Owners only; a business keeps an active owner.


def _require_team_owner(actor: Membership | None, business: Business) -> None:
    require_owner(actor, "manage the team")
    if actor is not None and actor.business_id != business.pk:
        raise PermissionDenied("You can only manage the team of your own business.")


def keep_an_active_owner(membership: Membership) -> None:
    """Refuse a change that would leave the business without an active owner (before demoting
    or deactivating ``membership``; Django admin's membership form asks it too)."""
    owners = set(
        Membership.objects.select_for_update()
        .filter(business_id=membership.business_id, role=Membership.Role.OWNER, is_active=True)
        .values_list("pk", flat=True)
    )
    if not owners - {membership.pk}:
        raise CalendarError(
            f"{membership.user.get_username()} is the last active owner of "
            f"{membership.business.name}. Make another member an owner first."
        )


@transaction.atomic
def create_staff_account(
    *,
    actor: Membership | None,
    business: Business,
    username: str,
    email: str,
    password: str,
    role: str = Membership.Role.STAFF,
) -> Membership:
    """Create a login and its membership in the business (owners only).

    Raises ``ValidationError`` keyed by field for a taken username or a weak password.
    """
    _require_team_owner(actor, business)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is taken; choose another one."})
    user = user_model(username=username, email=email)
    user.full_clean(exclude=["password"])
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.save()
    return add_membership(actor=actor, business=business, user=user, role=role)


@transaction.atomic
def add_membership(
    *, actor: Membership | None, business: Business, user, role: str, source: str = ""
) -> Membership:
    """Give an existing login a membership in the business (owners; the system, e.g. Django
    admin with ``source="admin"``, creating a business's first owner), audited."""
    _require_team_owner(actor, business)
    if role not in Membership.Role.values:
        raise ValidationError({"role": "Choose owner or staff."})
    membership = Membership.objects.create(user=user, business=business, role=role)
    record_change(
        business=business,
        actor=actor,
        obj=membership,
        action="create",
        revision_before=None,
        source=source,
    )
    return membership


@transaction.atomic
def set_membership_active(
    *, actor: Membership | None, membership: Membership, is_active: bool, source: str = ""
) -> Membership:
    """Deactivate a membership (the member loses access at once) or reactivate it."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "business")
        .get(pk=membership.pk)
    )
    _require_team_owner(actor, membership.business)
    if membership.is_active == is_active:
        return membership
    if not is_active and membership.is_owner:
        keep_an_active_owner(membership)
    membership.is_active = is_active
    membership.save(update_fields=["is_active"])
    record_change(
        business=membership.business,
        actor=actor,
        obj=membership,
        action="activate" if is_active else "deactivate",
        revision_before=None,
        source=source,
    )
    return membership


@transaction.atomic
def set_membership_role(
    *, actor: Membership | None, membership: Membership, role: str, source: str = ""
) -> Membership:
    """Make a member an owner or staff; the last active owner cannot step down."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "business")
        .get(pk=membership.pk)
    )
    _require_team_owner(actor, membership.business)
    if role not in Membership.Role.values:
        raise CalendarError("Choose owner or staff.")
    if membership.role == role:
        return membership
    if membership.is_owner and membership.is_active:
        keep_an_active_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    record_change(
        business=membership.business,
        actor=actor,
        obj=membership,
        action=f"role_{role}",
        revision_before=None,
        source=source,
    )
    return membership
