"""The embedded default backend: the app is its own Calendar V3.

It assigns ids and revisions, builds instance ids, materializes recurring instances and rolls
the events view forward (``materialize``), and passes a series' edits on to its occurrences
(``series``): all of that only here. Every write is a revision-checked row update
(``revisions``). Participation writes go through it too, keeping the event's stored free places.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from calendar_app import extensions, recurrence
from calendar_app.backends.fields import align_to_rule_day, set_instants, set_resources, with_day
from calendar_app.backends.materialize import events_view_end, materialize_instances, view_end
from calendar_app.backends.protocol import (
    EDITABLE_ATTRIBUTES,
    FIELD_OF_ATTRIBUTE,
    SCHEDULE_EDITABLE_ATTRIBUTES,
    ParticipantNotification,
    Scope,
    refuse_uneditable,
)
from calendar_app.backends.revisions import bump_revision, locked_current
from calendar_app.backends.series import propagate_master_changes, split_master
from calendar_app.capacity import booked_places, remaining, sync_remaining_capacity
from calendar_app.errors import CalendarError
from calendar_app.models import Event, Schedule, format_local_date
from calendar_app.tenancy.models import Business
from participants.models import Participation


class LocalCalendarBackend:
    """The app as its own calendar: every write is a revision-checked row update."""

    can_restore_schedule = True
    can_restore_event = True
    can_restore_participation = True

    def create_schedule(self, *, business: Business, **fields) -> Schedule:
        return Schedule.objects.create(business=business, **fields)

    def cancel_schedule(
        self,
        *,
        schedule: Schedule,
        expected_revision: int,
        notification: ParticipantNotification | None = None,
    ) -> Schedule:
        """Cancel the schedule row; its future events follow with ``cancel_cascaded_events``.
        (``notification`` is for upstreams that tell participants; here nobody is told.)"""
        if (
            locked_current(Schedule, schedule.pk, expected_revision).status
            == Schedule.Status.CANCELLED
        ):
            raise CalendarError("This schedule is already cancelled.")
        return bump_revision(
            Schedule,
            pk=schedule.pk,
            expected_revision=expected_revision,
            status=Schedule.Status.CANCELLED,
        )

    def schedule_cancel_cascade(self, *, schedule: Schedule, since: datetime) -> QuerySet[Event]:
        """What cancelling the schedule at ``since`` cancels too, as the spec says: its future
        events that still take place."""
        return Event.objects.filter(
            schedule=schedule,
            start__gte=since,
            status=Event.Status.CONFIRMED,
            removed_date__isnull=True,
        )

    def cancel_cascaded_events(
        self, *, schedule: Schedule, since: datetime, limit: int
    ) -> list[Event]:
        """Cancel up to ``limit`` of the cascade (locked, in id order); returned as saved.

        Only events still CONFIRMED are picked, so a batch run again cancels nothing twice and
        an empty answer means the cascade is complete.
        """
        cascade = self.schedule_cancel_cascade(schedule=schedule, since=since)
        batch = list(cascade.order_by("pk").select_for_update().only("pk", "revision")[:limit])
        Event.objects.filter(pk__in=[event.pk for event in batch]).update(
            status=Event.Status.CANCELLED,
            revision=F("revision") + 1,
            updated_date=timezone.now(),
        )
        for event in batch:
            event.status, event.revision = Event.Status.CANCELLED, event.revision + 1
        forget_meeting_links(Event.objects.filter(pk__in=[event.pk for event in batch]))
        return batch

    def restore_schedule(self, *, schedule: Schedule, expected_revision: int) -> Schedule:
        """Reactivate a cancelled schedule (a local choice: upstream, cancelling is final)."""
        if (
            locked_current(Schedule, schedule.pk, expected_revision).status
            != Schedule.Status.CANCELLED
        ):
            raise CalendarError("This schedule is not cancelled.")
        return bump_revision(
            Schedule,
            pk=schedule.pk,
            expected_revision=expected_revision,
            status=Schedule.Status.ACTIVE,
        )

    def update_schedule(
        self, *, schedule: Schedule, expected_revision: int, changes: dict
    ) -> Schedule:
        """Change a schedule's name or defaults; ``appId`` and ``externalId`` are fixed."""
        refuse_uneditable(changes, SCHEDULE_EDITABLE_ATTRIBUTES)
        if schedule.status == Schedule.Status.CANCELLED:
            raise CalendarError("A cancelled schedule cannot be changed.")
        return bump_revision(
            Schedule, pk=schedule.pk, expected_revision=expected_revision, **changes
        )

    def create_event(self, *, schedule: Schedule, resource_ids: Iterable[str], **fields) -> Event:
        """Create a one-off event or, with a ``recurrence_rule``, a MASTER and its instances."""
        if schedule.status == Schedule.Status.CANCELLED:
            raise CalendarError("This schedule is cancelled; it cannot take new events.")
        fields.setdefault("time_zone", schedule.effective_time_zone)
        fields.setdefault("title", schedule.default_title or schedule.name)
        fields.setdefault("location", schedule.default_location)
        fields.setdefault("total_capacity", schedule.default_capacity)
        fields.setdefault("conferencing_details", schedule.default_conferencing_details)
        rule = fields.get("recurrence_rule")
        if rule:
            recurrence.validate_rule(rule)
            fields["recurrence_type"] = Event.RecurrenceType.MASTER
            align_to_rule_day(fields, rule)
        else:
            fields["recurrence_type"] = Event.RecurrenceType.NONE
        set_instants(fields)
        if fields["end"] <= fields["start"]:
            raise CalendarError("The event must end after it starts.")
        fields["remaining_capacity"] = fields.get("total_capacity")
        event = Event.objects.create(
            business=schedule.business,
            schedule=schedule,
            external_schedule_id=schedule.external_id,
            app_id=schedule.app_id,
            **fields,
        )
        set_resources([event.pk], resource_ids)
        if event.recurrence_type == Event.RecurrenceType.MASTER:
            materialize_instances(event, until_utc=view_end(schedule.business))
        return event

    def update_event(
        self,
        *,
        event: Event,
        expected_revision: int,
        changes: dict,
        reach_past: bool = False,
        notification: ParticipantNotification | None = None,
    ) -> Event:
        """Apply ``changes`` (model attribute → value, ``resource_ids`` for resources).

        An INSTANCE becomes an EXCEPTION that stops inheriting the changed fields; a MASTER
        passes its changes on to future INSTANCEs and to future EXCEPTIONs still inheriting them
        (with ``reach_past``, to all its occurrences: a MASTER split off by ``update_following``
        holds only the occurrences the edit is for, past ones included).
        """
        changes = dict(changes)
        resource_ids = changes.pop("resource_ids", None)
        refuse_uneditable(changes, EDITABLE_ATTRIBUTES)
        if event.is_cancelled:
            raise CalendarError("A cancelled event cannot be edited; restore it first.")
        if "start_local_date" in changes or "end_local_date" in changes:
            changes.setdefault("start_local_date", event.start_local_date)
            changes.setdefault("end_local_date", event.end_local_date)
            changes["time_zone"] = event.time_zone
            set_instants(changes)
            del changes["time_zone"]
            if changes["end"] <= changes["start"]:
                raise CalendarError("The event must end after it starts.")
        changed_fields = {FIELD_OF_ATTRIBUTE[a] for a in changes if a in FIELD_OF_ATTRIBUTE}
        if resource_ids is not None:
            changed_fields.add("RESOURCES")
        if event.recurrence_type in (Event.RecurrenceType.INSTANCE, Event.RecurrenceType.EXCEPTION):
            changes["recurrence_type"] = Event.RecurrenceType.EXCEPTION
            changes["inherited_fields"] = [
                f for f in event.inherited_fields if f not in changed_fields
            ]
        with transaction.atomic():
            # The row lock orders this edit with bookings, which lock the event too.
            locked = locked_current(Event, event.pk, expected_revision)
            if "total_capacity" in changes:
                changes["remaining_capacity"] = remaining(
                    changes["total_capacity"], booked_places(locked)
                )
            updated = bump_revision(
                Event, pk=event.pk, expected_revision=expected_revision, **changes
            )
            if resource_ids is not None:
                set_resources([updated.pk], resource_ids)
            if updated.recurrence_type == Event.RecurrenceType.MASTER:
                propagate_master_changes(
                    updated, changes, changed_fields, resource_ids, reach_past=reach_past
                )
        return updated

    def update_following(
        self, *, occurrence: Event, expected_revision: int, changes: dict
    ) -> Event:
        """Edit ``occurrence`` and the following ones (``Scope.FOLLOWING``, as Google Calendar
        means it): the series is split there. Its MASTER (at ``expected_revision``) ends the day
        before; a new MASTER from the occurrence's day on carries ``changes`` (attributes as
        ``update_event`` takes them, a time of day on any date); the occurrences from that day
        on move to it and take the changes as a series edit gives them (EXCEPTIONs only for the
        fields they still inherit). The earlier occurrences keep the old values. Returns the
        new MASTER, or the MASTER itself when the occurrence is the series' first.

        The occurrences are the series' days (the day in an occurrence's id), so an occurrence
        moved to another day stays with the part of the series it was made for.
        """
        changes = dict(changes)
        resource_ids = changes.get("resource_ids")
        refuse_uneditable(changes, (*EDITABLE_ATTRIBUTES, "resource_ids"))
        if not occurrence.recurring_event_id:
            raise CalendarError("Only an occurrence of a series has following occurrences.")
        if occurrence.is_cancelled:
            raise CalendarError("A cancelled event cannot be edited; restore it first.")
        with transaction.atomic():
            master = locked_current(Event, occurrence.recurring_event_id, expected_revision)
            day = recurrence.occurrence_day(occurrence.pk, occurrence.start_local_date)
            if master.start_local.date() >= day:
                return self.update_event(
                    event=master,
                    expected_revision=expected_revision,
                    changes=with_day(changes, master.start_local.date()),
                )
            moving = [
                pk
                for pk, start_local_date in Event.objects.select_for_update()
                .filter(recurring_event_id=master.pk, removed_date__isnull=True)
                .values_list("pk", "start_local_date")
                if recurrence.occurrence_day(pk, start_local_date) >= day
            ]
            follower = split_master(master, day=day, resource_ids=resource_ids)
            until = datetime.combine(day - timedelta(days=1), datetime.max.time())
            bump_revision(
                Event,
                pk=master.pk,
                expected_revision=expected_revision,
                recurrence_rule={
                    **master.recurrence_rule,
                    "until": {"localDate": format_local_date(until)},
                },
            )
            Event.objects.filter(pk__in=moving).update(
                recurring_event_id=follower.pk,
                revision=F("revision") + 1,
                updated_date=timezone.now(),
            )
            return self.update_event(
                event=follower,
                expected_revision=follower.revision,
                changes=with_day(changes, day),
                reach_past=True,
            )

    def cancel_event(
        self,
        *,
        event: Event,
        expected_revision: int,
        scope: Scope,
        notification: ParticipantNotification | None = None,
    ) -> Event:
        """Cancel one occurrence, this and the following ones, or the MASTER and all of them
        (the local calendar tells nobody itself: ``notification`` is an upstream's)."""
        if event.is_cancelled:
            raise CalendarError("This event is already cancelled.")
        return self._set_status(
            event, expected_revision, scope, Event.Status.CANCELLED, Event.Status.CONFIRMED
        )

    def restore_event(self, *, event: Event, expected_revision: int, scope: Scope) -> Event:
        if not event.is_cancelled and scope != Scope.ALL:
            raise CalendarError("This event is not cancelled.")
        return self._set_status(
            event, expected_revision, scope, Event.Status.CONFIRMED, Event.Status.CANCELLED
        )

    def _set_status(self, event, expected_revision, scope, new_status, old_status) -> Event:
        """``_write_status``; a cancellation also clears the links the conferencing automation
        wrote on the events it cancelled (their meetings are deleted with them)."""
        with transaction.atomic():
            target = self._write_status(event, expected_revision, scope, new_status, old_status)
            if new_status == Event.Status.CANCELLED:
                series = Q(pk=event.series_id) | Q(recurring_event_id=event.series_id)
                if target.pk in forget_meeting_links(Event.objects.filter(series)):
                    target.conferencing_details = None
        return target

    def _write_status(self, event, expected_revision, scope, new_status, old_status) -> Event:
        """The event, and with a wider ``scope`` the other occurrences it reaches: from the
        event's start on (FOLLOWING, the MASTER stays as it is), or every one and the MASTER.

        Restoring with a wider scope brings back only what a wider cancel cancelled: an
        occurrence cancelled on its own stays cancelled.
        """
        cancelling = new_status == Event.Status.CANCELLED
        with_series = cancelling and scope != Scope.THIS
        with transaction.atomic():
            target = bump_revision(
                Event,
                pk=event.pk,
                expected_revision=expected_revision,
                status=new_status,
                cancelled_with_series=with_series,
            )
            if scope == Scope.THIS:
                return target
            occurrences = Event.objects.filter(
                recurring_event_id=event.series_id, status=old_status, removed_date__isnull=True
            ).exclude(pk=event.pk)
            if scope == Scope.FOLLOWING:
                occurrences = occurrences.filter(start__gte=event.start)
            elif event.recurring_event_id:
                master = Event.objects.get(pk=event.recurring_event_id)
                if master.status != new_status:
                    bump_revision(
                        Event, pk=master.pk, expected_revision=master.revision, status=new_status
                    )
            if not cancelling:
                occurrences = occurrences.filter(cancelled_with_series=True)
            occurrences.update(
                status=new_status,
                cancelled_with_series=with_series,
                revision=F("revision") + 1,
                updated_date=timezone.now(),
            )
        return target

    def extend_events_view(self, *, business: Business) -> int:
        """Move the business's view end forward and materialize the instances it now covers.

        A cancelled schedule takes no new events: a series that began before its schedule was
        cancelled (its MASTER, in the past, stays confirmed) gets no more occurrences.
        """
        end = events_view_end()
        created = 0
        masters = Event.objects.filter(
            business=business,
            recurrence_type=Event.RecurrenceType.MASTER,
            status=Event.Status.CONFIRMED,
            removed_date__isnull=True,
            schedule__status=Schedule.Status.ACTIVE,
        ).prefetch_related("event_resources")
        for master in masters:
            created += materialize_instances(master, until_utc=end)
        Business.objects.filter(pk=business.pk).update(events_view_end_date=end)
        business.events_view_end_date = end
        return created

    def participations_read_only_reason(self, *, event: Event) -> str:
        """The app owns every participation it stores: none is read-only."""
        return ""

    def add_participation(self, *, event: Event, values: dict, idempotency_key: str):
        """Create the row (the caller holds the event lock and has checked the places)."""
        participation = Participation.objects.create(
            business_id=event.business_id,
            event=event,
            app_id=event.app_id,
            idempotency_key=idempotency_key,
            **values,
        )
        sync_remaining_capacity(event)
        return participation

    def update_participation(
        self, *, participation: Participation, expected_revision: int, values: dict
    ):
        updated = bump_revision(
            Participation, pk=participation.pk, expected_revision=expected_revision, **values
        )
        if "party_size" in values:
            sync_remaining_capacity(updated.event)
        return updated

    def cancel_participation(self, *, participation: Participation, expected_revision: int):
        """Soft-delete (the spec's Delete Participation), so it can be undone."""
        updated = bump_revision(
            Participation,
            pk=participation.pk,
            expected_revision=expected_revision,
            cancelled_date=timezone.now(),
        )
        sync_remaining_capacity(updated.event)
        return updated

    def restore_participation(self, *, participation: Participation, expected_revision: int):
        updated = bump_revision(
            Participation,
            pk=participation.pk,
            expected_revision=expected_revision,
            cancelled_date=None,
        )
        sync_remaining_capacity(updated.event)
        return updated


def forget_meeting_links(events) -> list[str]:
    """Clear the automated meetings' links on those of ``events`` that are cancelled (as part of
    the cancel's write: no revision of its own); returns the ids cleared. Manual links stay."""
    cleared = extensions.links_to_forget_on_cancel(events)
    if cleared:
        Event.objects.filter(pk__in=cleared).update(conferencing_details=None)
    return cleared
