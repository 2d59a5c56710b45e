"""Recurring series: a weekly series on several weekdays, an edit of this and the following
occurrences (the series split there), and the rolling events view that materializes them."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from calendar_app import recurrence
from calendar_app.audit import event_rows, record_event_changes, series_rows
from calendar_app.backends import calendar_backend
from calendar_app.errors import CalendarError
from calendar_app.models import Event, Schedule
from calendar_app.services.events import announce_move, create_event, with_checked_resources
from calendar_app.signals import event_changed, occurrences_created
from calendar_app.tenancy.access import require_may_change_event, require_owner
from calendar_app.tenancy.models import Business, Membership


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
    """A weekly series on several weekdays (owners only): one MASTER per day, as the spec
    requires; ``event_fields`` are ``create_event``'s."""
    require_owner(actor, "create a recurring series", business_id=schedule.business_id)
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
def update_following(
    *,
    actor: Membership | None,
    occurrence: Event,
    expected_revision: int,
    changes: dict,
    notify: bool = False,
    message: str = "",
) -> Event:
    """Edit an occurrence and the following ones (owners only): the series is split there, the
    earlier occurrences keep the old values. ``expected_revision`` is the MASTER's. Returns the
    MASTER that now holds the occurrence (see ``update_following`` of the backend)."""
    require_may_change_event(actor, occurrence, whole_series=True)
    changes = with_checked_resources(business=occurrence.business, changes=changes)
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
    announce_move(event=follower, changes=changes, notify=notify, message=message)
    return follower


@transaction.atomic
def extend_events_view(*, business: Business) -> int:
    """Roll the materialization horizon forward for one business; returns instances created.

    Only the system does this (beat, ``make run``); each instance it creates is audited with
    the system as the actor.
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
