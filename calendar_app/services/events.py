"""Event writes: create one event (or a series' MASTER), edit it, cancel or restore it, each
through the business's backend, checked against the actor's role and audited per changed row."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from calendar_app import recurrence
from calendar_app.audit import record_event_changes, series_rows
from calendar_app.backends import Scope, calendar_backend
from calendar_app.errors import CalendarError
from calendar_app.models import Event, Resource, Schedule
from calendar_app.services.bulk import require_no_running_operation
from calendar_app.signals import capacity_changed, event_cancelled, event_changed, event_moved
from calendar_app.tenancy.access import require_may_change_event, require_member, require_owner
from calendar_app.tenancy.models import Business, Membership

SERIES_MAX_DAYS_IN_PAST = 90


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

    Members create one-off events; a series and blocked time are owners'. A member's series
    starts at most ``SERIES_MAX_DAYS_IN_PAST`` days ago: every past week is a row, and a series
    typed with the wrong year would otherwise create thousands of them in one request. The
    system (imports, tests of history) is trusted with older starts.
    """
    require_member(actor, schedule.business_id, what="create events")
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
            resource_ids=check_resources(business=schedule.business, resource_ids=resource_ids),
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
def update_event(
    *,
    actor: Membership | None,
    event: Event,
    expected_revision: int,
    changes: dict,
    notify: bool = False,
    message: str = "",
) -> Event:
    """Edit an event; an edited INSTANCE becomes an EXCEPTION, a MASTER edit reaches the future.

    A new time is announced with ``event_moved`` (with ``notify`` and the owner's ``message``)
    in this transaction, so participants are told with the move or not at all.
    """
    require_may_change_event(actor, event, whole_series=False)
    changes = with_checked_resources(business=event.business, changes=changes)
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
    if "total_capacity" in changes:
        capacity_changed.send(sender=Event, event=updated, actor=actor)
    event_changed.send(sender=Event, event=updated)
    announce_move(event=updated, changes=changes, notify=notify, message=message)
    return updated


def announce_move(*, event: Event, changes: dict, notify: bool, message: str) -> None:
    """Send ``event_moved`` when ``changes`` gave the event a new time (one place for the
    edit form and the calendar's drag, one occurrence or the following ones)."""
    if "start_local_date" in changes or "end_local_date" in changes:
        event_moved.send(sender=Event, event=event, notify=notify, message=message)


@transaction.atomic
def cancel_event(
    *,
    actor: Membership | None,
    event: Event,
    expected_revision: int,
    scope: Scope = Scope.THIS,
    notify: bool = False,
    message: str = "",
) -> Event:
    """Cancel one occurrence or (owners only) this and the following ones, or the whole series.

    A MASTER is the whole series, whatever the scope. ``event_cancelled`` carries the events
    it cancelled with ``notify`` and the owner's ``message``, in this transaction, so the
    notices are queued with the cancellation or not at all.
    """
    updated, cancelled_ids = _set_status(
        actor=actor,
        event=event,
        expected_revision=expected_revision,
        scope=scope,
        verb="cancel",
        write=calendar_backend(event.business).cancel_event,
    )
    event_cancelled.send(
        sender=Event,
        event=updated,
        event_ids=cancelled_ids,
        notify=notify,
        message=message,
    )
    return updated


@transaction.atomic
def restore_event(
    *, actor: Membership | None, event: Event, expected_revision: int, scope: Scope = Scope.THIS
) -> Event:
    """Undo a cancellation with the same reach as ``cancel_event`` (not while the schedule's
    events are being cancelled in the background)."""
    updated, _restored_ids = _set_status(
        actor=actor,
        event=event,
        expected_revision=expected_revision,
        scope=scope,
        verb="restore",
        write=calendar_backend(event.business).restore_event,
    )
    return updated


AUDIT_ACTIONS = {
    (verb, scope): verb + suffix
    for verb in ("cancel", "restore")
    for scope, suffix in ((Scope.THIS, ""), (Scope.FOLLOWING, "_following"), (Scope.ALL, "_series"))
}


def _set_status(
    *,
    actor: Membership | None,
    event: Event,
    expected_revision: int,
    scope: Scope,
    verb: str,
    write: Callable[..., Event],
) -> tuple[Event, list[str]]:
    """Cancel or restore (``verb``) with ``scope``'s reach, audited for every row it reached;
    with the ids of the events whose status it changed."""
    if event.recurrence_type == Event.RecurrenceType.MASTER:
        scope = Scope.ALL
    require_may_change_event(actor, event, whole_series=scope != Scope.THIS)
    if verb == "restore":
        require_no_running_operation(schedule=event.schedule)
    before = series_rows(event)
    updated = write(event=event, expected_revision=expected_revision, scope=scope)
    after = series_rows(updated)
    record_event_changes(  # the event and every occurrence the cascade reached
        business=event.business,
        actor=actor,
        action=AUDIT_ACTIONS[verb, scope],
        before=before,
        after=after,
    )
    event_changed.send(sender=Event, event=updated)
    if scope != Scope.THIS and updated.recurrence_type != Event.RecurrenceType.MASTER:
        master = Event.objects.filter(pk=updated.series_id).first()
        if master is not None:  # the cascade reached the series' other occurrences
            event_changed.send(sender=Event, event=master)
    changed = [pk for pk, row in after.items() if before.get(pk, {}).get("status") != row["status"]]
    return updated, changed


def with_checked_resources(*, business: Business, changes: dict) -> dict:
    """An edit's ``changes`` with its ``resource_ids`` (if it has any) checked as below."""
    if "resource_ids" not in changes:
        return changes
    resource_ids = check_resources(business=business, resource_ids=changes["resource_ids"])
    return {**changes, "resource_ids": resource_ids}


def check_resources(*, business: Business, resource_ids: Iterable[str]) -> list[str]:
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
