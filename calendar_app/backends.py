"""Where calendar writes go. Services call ``calendar_backend(business)`` and never ask which one.

``LocalCalendarBackend`` is the embedded default: the app is its own Calendar V3, assigning ids
and revisions, building instance ids (``{master}_{YYYYMMDDTHHMM}``), materializing recurring
instances and rolling the events view forward — all of that only here. An upstream business
(``Business.Backend.WIX``) writes through ``calendar_app.wix.backend.WixCalendarBackend``, which
satisfies the same Protocol, calls the upstream and applies its answer to the local store; its
occurrences are the upstream's own rows (opaque ids), never materialized here.
Participation writes go through the same backend.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from calendar_app import recurrence
from calendar_app.capacity import (
    booked_places,
    booked_places_by_event,
    remaining,
    sync_remaining_capacity,
)
from calendar_app.conferencing.selectors import automation_links_to_forget
from calendar_app.errors import CalendarError, RevisionConflict
from calendar_app.models import Business, Event, EventResource, Schedule, format_local_date
from participants.models import Participation


class Scope(StrEnum):
    """How far a cancel or restore of an occurrence reaches, as calendars ask it: this one, this
    and the following ones (from the chosen occurrence's start), or the whole series."""

    THIS = "this"
    FOLLOWING = "following"
    ALL = "series"


# Fields an INSTANCE/EXCEPTION inherits from its MASTER (the spec's Field enum).
INHERITABLE_FIELDS = ("TITLE", "TIME", "LOCATION", "RESOURCES", "CAPACITY", "CONFERENCING_DETAILS")
FIELD_OF_ATTRIBUTE = {
    "title": "TITLE",
    "start_local_date": "TIME",
    "end_local_date": "TIME",
    "location": "LOCATION",
    "resources": "RESOURCES",
    "total_capacity": "CAPACITY",
    "conferencing_details": "CONFERENCING_DETAILS",
}
EDITABLE_ATTRIBUTES = (
    "title",
    "start_local_date",
    "end_local_date",
    "location",
    "total_capacity",
    "conferencing_details",
    "notes",
    "transparency",
)

SCHEDULE_EDITABLE_ATTRIBUTES = (
    "name",
    "time_zone",
    "default_title",
    "default_location",
    "default_capacity",
    "default_conferencing_details",
)


class CalendarBackend(Protocol):
    # Whether a cancelled schedule / event / participation can be reactivated (upstream,
    # cancelling or deleting is final).
    can_restore_schedule: bool
    can_restore_event: bool
    can_restore_participation: bool

    def create_schedule(self, *, business: Business, **fields) -> Schedule: ...

    def cancel_schedule(self, *, schedule: Schedule, expected_revision: int) -> Schedule: ...

    def schedule_cancel_cascade(
        self, *, schedule: Schedule, since: datetime
    ) -> QuerySet[Event]: ...

    def cancel_cascaded_events(
        self, *, schedule: Schedule, since: datetime, limit: int
    ) -> list[Event]: ...

    def restore_schedule(self, *, schedule: Schedule, expected_revision: int) -> Schedule: ...

    def update_schedule(
        self, *, schedule: Schedule, expected_revision: int, changes: dict
    ) -> Schedule: ...

    def create_event(
        self, *, schedule: Schedule, resource_ids: Iterable[str], **fields
    ) -> Event: ...

    def update_event(self, *, event: Event, expected_revision: int, changes: dict) -> Event: ...

    def update_following(
        self, *, occurrence: Event, expected_revision: int, changes: dict
    ) -> Event: ...

    def cancel_event(self, *, event: Event, expected_revision: int, scope: Scope) -> Event: ...

    def restore_event(self, *, event: Event, expected_revision: int, scope: Scope) -> Event: ...

    def extend_events_view(self, *, business: Business) -> int: ...

    def participations_read_only_reason(self, *, event: Event) -> str: ...

    def add_participation(
        self, *, event: Event, values: dict, idempotency_key: str
    ) -> Participation: ...

    def update_participation(
        self, *, participation: Participation, expected_revision: int, values: dict
    ) -> Participation: ...

    def cancel_participation(
        self, *, participation: Participation, expected_revision: int
    ) -> Participation: ...

    def restore_participation(
        self, *, participation: Participation, expected_revision: int
    ) -> Participation: ...


def events_view_end(now: datetime | None = None) -> datetime:
    """The instant up to which recurring instances must exist (at least a year ahead)."""
    now = now or timezone.now()
    return now + timedelta(days=settings.EVENTS_VIEW_FUTURE_DAYS)


def instance_id(master: Event, start_local: datetime) -> str:
    """A stable id per occurrence, so materializing twice creates nothing twice."""
    return f"{master.id}_{start_local:%Y%m%dT%H%M}"


def locked_current(model, pk, expected_revision: int):
    """The row as stored, locked until the transaction ends; a stale revision is a conflict.

    Checks of the stored state run on this row, never on the caller's copy, which may be old.
    The one revision check of every local write (events, schedules, participations).
    """
    current = model.objects.select_for_update().get(pk=pk)
    if current.revision != expected_revision:
        raise RevisionConflict(current)
    return current


def bump_revision(model, *, pk, expected_revision: int, **values):
    """``UPDATE … WHERE revision = expected``; zero rows means someone else wrote first.

    The one revision write of every local write (events, schedules, participations).
    """
    updated = model.objects.filter(pk=pk, revision=expected_revision).update(
        revision=F("revision") + 1, updated_date=timezone.now(), **values
    )
    if not updated:
        raise RevisionConflict(model.objects.get(pk=pk))
    return model.objects.get(pk=pk)


class LocalCalendarBackend:
    """The app as its own calendar: every write is a revision-checked row update."""

    can_restore_schedule = True
    can_restore_event = True
    can_restore_participation = True

    def create_schedule(self, *, business: Business, **fields) -> Schedule:
        return Schedule.objects.create(business=business, **fields)

    def cancel_schedule(self, *, schedule: Schedule, expected_revision: int) -> Schedule:
        """Cancel the schedule row; its future events follow with ``cancel_cascaded_events``."""
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
        unknown = set(changes) - set(SCHEDULE_EDITABLE_ATTRIBUTES)
        if unknown:
            raise CalendarError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
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
            _align_to_rule_day(fields, rule)
        else:
            fields["recurrence_type"] = Event.RecurrenceType.NONE
        _set_instants(fields)
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
        _set_resources([event.pk], resource_ids)
        if event.recurrence_type == Event.RecurrenceType.MASTER:
            materialize_instances(event, until_utc=_view_end(schedule.business))
        return event

    def update_event(
        self, *, event: Event, expected_revision: int, changes: dict, reach_past: bool = False
    ) -> Event:
        """Apply ``changes`` (model attribute → value, ``resource_ids`` for resources).

        An INSTANCE becomes an EXCEPTION that stops inheriting the changed fields; a MASTER
        passes its changes on to future INSTANCEs and to future EXCEPTIONs still inheriting them
        (with ``reach_past``, to all its occurrences: a MASTER split off by ``update_following``
        holds only the occurrences the edit is for, past ones included).
        """
        changes = dict(changes)
        resource_ids = changes.pop("resource_ids", None)
        unknown = set(changes) - set(EDITABLE_ATTRIBUTES)
        if unknown:
            raise CalendarError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
        if event.is_cancelled:
            raise CalendarError("A cancelled event cannot be edited; restore it first.")
        if "start_local_date" in changes or "end_local_date" in changes:
            changes.setdefault("start_local_date", event.start_local_date)
            changes.setdefault("end_local_date", event.end_local_date)
            changes["time_zone"] = event.time_zone
            _set_instants(changes)
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
                _set_resources([updated.pk], resource_ids)
            if updated.recurrence_type == Event.RecurrenceType.MASTER:
                _propagate_master_changes(
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
        unknown = set(changes) - {*EDITABLE_ATTRIBUTES, "resource_ids"}
        if unknown:
            raise CalendarError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
        if not occurrence.recurring_event_id:
            raise CalendarError("Only an occurrence of a series has following occurrences.")
        if occurrence.is_cancelled:
            raise CalendarError("A cancelled event cannot be edited; restore it first.")
        with transaction.atomic():
            master = locked_current(Event, occurrence.recurring_event_id, expected_revision)
            split_day = _occurrence_day(occurrence.pk)
            if master.start_local.strftime("%Y%m%d") >= split_day:
                return self.update_event(
                    event=master,
                    expected_revision=expected_revision,
                    changes=_with_day(changes, master.start_local.date()),
                )
            moving = [
                pk
                for pk in Event.objects.select_for_update()
                .filter(recurring_event_id=master.pk, removed_date__isnull=True)
                .values_list("pk", flat=True)
                if _occurrence_day(pk) >= split_day
            ]
            day = datetime.strptime(split_day, "%Y%m%d").date()
            follower = self._split_master(master, day=day, resource_ids=resource_ids)
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
                changes=_with_day(changes, day),
                reach_past=True,
            )

    def _split_master(self, master: Event, *, day, resource_ids) -> Event:
        """A copy of ``master`` whose first occurrence is on ``day`` (its rule, until too)."""
        start = datetime.combine(day, master.start_local.time())
        fields = {
            "start_local_date": start,
            "end_local_date": start + (master.end_local - master.start_local),
            "time_zone": master.time_zone,
        }
        _set_instants(fields)
        follower = Event.objects.create(
            business_id=master.business_id,
            schedule_id=master.schedule_id,
            external_schedule_id=master.external_schedule_id,
            app_id=master.app_id,
            type=master.type,
            status=master.status,
            title=master.title,
            recurrence_type=Event.RecurrenceType.MASTER,
            recurrence_rule=master.recurrence_rule,
            transparency=master.transparency,
            location=master.location,
            total_capacity=master.total_capacity,
            remaining_capacity=master.total_capacity,
            conferencing_details=master.conferencing_details,
            notes=master.notes,
            **fields,
        )
        if resource_ids is None:
            resource_ids = master.event_resources.values_list("resource_id", flat=True)
        _set_resources([follower.pk], resource_ids)
        return follower

    def cancel_event(self, *, event: Event, expected_revision: int, scope: Scope) -> Event:
        """Cancel one occurrence, this and the following ones, or the MASTER and all of them."""
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
    cleared = automation_links_to_forget(events)
    if cleared:
        Event.objects.filter(pk__in=cleared).update(conferencing_details=None)
    return cleared


def calendar_backend(business: Business) -> CalendarBackend:
    """The backend the business writes through, chosen by ``Business.backend``."""
    if business.backend == Business.Backend.WIX:
        from calendar_app.wix.backend import wix_backend

        return wix_backend(business)
    return LocalCalendarBackend()


def materialize_instances(
    master: Event, *, until_utc: datetime, from_utc: datetime | None = None
) -> int:
    """Create the MASTER's missing INSTANCE rows up to ``until_utc``; returns how many.

    ``from_utc`` skips earlier occurrences (a re-timed series leaves its past alone).
    """
    occurrences = recurrence.occurrences(
        rule=master.recurrence_rule,
        first_start_local=master.start_local,
        first_end_local=master.end_local,
        until_utc=until_utc,
        time_zone=master.time_zone,
    )
    wanted = {
        instance_id(master, o.start_local): o
        for o in occurrences
        if from_utc is None or recurrence.to_utc(o.start_local, master.time_zone) >= from_utc
    }
    # A series cancelled from one occurrence on stays cancelled in the days added later.
    last = (
        Event.objects.filter(recurring_event_id=master.id, removed_date__isnull=True)
        .order_by("-start")
        .values_list("status", "cancelled_with_series")
        .first()
    )
    cancelled_tail = last == (Event.Status.CANCELLED, True)
    # One occurrence per day: a day whose occurrence was moved, kept or cancelled gets no second.
    # A soft-deleted occurrence (replaced when the series was re-timed) frees its day, and comes
    # back to life if the series returns to its time.
    removed_revisions = {}
    taken_days = set()
    for pk, removed, revision in Event.objects.filter(recurring_event_id=master.id).values_list(
        "pk", "removed_date", "revision"
    ):
        if removed is None:
            taken_days.add(_occurrence_day(pk))
        else:
            removed_revisions[pk] = revision
    now = timezone.now()
    rows = []
    for pk, occurrence in wanted.items():
        if _occurrence_day(pk) in taken_days:
            continue
        # Every occurrence lasts exactly as long as the series says (RFC 5545), DST days too.
        start = recurrence.to_utc(occurrence.start_local, master.time_zone)
        end = start + (occurrence.end_local - occurrence.start_local)
        rows.append(
            Event(
                id=pk,
                business_id=master.business_id,
                schedule_id=master.schedule_id,
                external_schedule_id=master.external_schedule_id,
                type=master.type,
                status=Event.Status.CANCELLED if cancelled_tail else master.status,
                cancelled_with_series=cancelled_tail,
                title=master.title,
                start_local_date=format_local_date(recurrence.to_local(start, master.time_zone)),
                end_local_date=format_local_date(recurrence.to_local(end, master.time_zone)),
                start=start,
                end=end,
                time_zone=master.time_zone,
                recurrence_type=Event.RecurrenceType.INSTANCE,
                recurring_event_id=master.id,
                transparency=master.transparency,
                location=master.location,
                total_capacity=master.total_capacity,
                remaining_capacity=master.total_capacity,
                conferencing_details=master.conferencing_details,
                inherited_fields=list(INHERITABLE_FIELDS),
                app_id=master.app_id,
                revision=removed_revisions.get(pk, 0) + 1,
                created_date=now,
                updated_date=now,
            )
        )
    revived = [row for row in rows if row.pk in removed_revisions]
    Event.objects.bulk_update(revived, [*MATERIALIZED_FIELDS, "removed_date"], batch_size=500)
    Event.objects.bulk_create(
        [row for row in rows if row.pk not in removed_revisions],
        batch_size=500,
        ignore_conflicts=True,
    )
    master_resources = list(master.event_resources.all())
    EventResource.objects.bulk_create(
        [
            EventResource(event_id=row.id, resource_id=r.resource_id, transparency=r.transparency)
            for row in rows
            for r in master_resources
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return len(rows)


MATERIALIZED_FIELDS = (
    "status",
    "title",
    "start_local_date",
    "end_local_date",
    "start",
    "end",
    "recurrence_type",
    "transparency",
    "location",
    "total_capacity",
    "remaining_capacity",
    "conferencing_details",
    "inherited_fields",
    "revision",
    "updated_date",
)


def _with_day(changes: dict, day) -> dict:
    """``changes`` with a new time moved to ``day`` (its time of day and length kept)."""
    if "start_local_date" not in changes:
        return changes
    start, end = _as_local(changes["start_local_date"]), _as_local(changes["end_local_date"])
    moved = datetime.combine(day, start.time())
    return {
        **changes,
        "start_local_date": format_local_date(moved),
        "end_local_date": format_local_date(moved + (end - start)),
    }


def _occurrence_day(pk: str) -> str:
    """The local day (``YYYYMMDD``) an occurrence id was made for (see ``instance_id``)."""
    return pk.rsplit("_", 1)[-1][:8]


def _view_end(business: Business) -> datetime:
    if business.events_view_end_date is None:
        business.events_view_end_date = events_view_end()
        Business.objects.filter(pk=business.pk).update(
            events_view_end_date=business.events_view_end_date
        )
    return business.events_view_end_date


def _align_to_rule_day(fields: dict, rule: dict) -> None:
    """Move a MASTER's first occurrence to the rule's weekday (on or after the given date)."""
    start = _as_local(fields["start_local_date"])
    end = _as_local(fields["end_local_date"])
    shift = (recurrence.DAYS.index(rule["days"][0]) - start.weekday()) % 7
    fields["start_local_date"] = format_local_date(start + timedelta(days=shift))
    fields["end_local_date"] = format_local_date(end + timedelta(days=shift))


def _as_local(value) -> datetime:
    return value if isinstance(value, datetime) else recurrence.parse_local_date(value)


def _set_instants(fields: dict) -> None:
    """Fill the UTC ``start``/``end`` from the wall-clock dates and the zone."""
    start_local, end_local = (
        _as_local(fields[name]).replace(second=0, microsecond=0)
        for name in ("start_local_date", "end_local_date")
    )
    fields["start_local_date"] = format_local_date(start_local)
    fields["end_local_date"] = format_local_date(end_local)
    fields["start"], fields["end"] = recurrence.to_utc_span(
        start_local, end_local, fields["time_zone"]
    )


def _set_resources(event_ids: Iterable[str], resource_ids: Iterable[str]) -> None:
    """Give each of the events exactly these resources (two queries, whatever the count)."""
    event_ids, resource_ids = list(event_ids), list(dict.fromkeys(resource_ids))
    EventResource.objects.filter(event_id__in=event_ids).exclude(
        resource_id__in=resource_ids
    ).delete()
    EventResource.objects.bulk_create(
        [EventResource(event_id=e, resource_id=r) for e in event_ids for r in resource_ids],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _propagate_master_changes(
    master: Event, changes: dict, changed_fields: set[str], resource_ids, *, reach_past: bool
) -> None:
    """Future occurrences (all of them with ``reach_past``) take the MASTER's edits; EXCEPTIONs
    only for fields they inherit.

    The occurrences are locked first, so a booking or an occurrence edit racing with the series
    edit waits for it and nothing is overwritten; a capacity below the places booked on any of
    them is refused (inside the caller's transaction, so nothing is written).
    """
    since = None if reach_past else timezone.now()
    future = Event.objects.filter(recurring_event_id=master.id, removed_date__isnull=True)
    if since is not None:
        future = future.filter(start__gte=since)
    if "TIME" in changed_fields:
        _regenerate_future_instances(master, future, since=since)
    plain = {
        attribute: value
        for attribute, value in changes.items()
        if FIELD_OF_ATTRIBUTE.get(attribute, "TIME") != "TIME"
    }
    now = timezone.now()
    touched, recounted, taking_resources = [], [], []
    for occurrence in future.select_for_update().order_by("start", "id"):
        inherits = (
            set(INHERITABLE_FIELDS)
            if occurrence.recurrence_type == "INSTANCE"
            else set(occurrence.inherited_fields)
        )
        values = {a: v for a, v in plain.items() if FIELD_OF_ATTRIBUTE[a] in inherits}
        takes_resources = resource_ids is not None and "RESOURCES" in inherits
        if not values and not takes_resources:
            continue
        for attribute, value in values.items():
            setattr(occurrence, attribute, value)
        if "total_capacity" in values:
            recounted.append(occurrence)
        if takes_resources:
            taking_resources.append(occurrence.pk)
        occurrence.revision += 1
        occurrence.updated_date = now
        touched.append(occurrence)
    booked = booked_places_by_event(recounted)
    for occurrence in recounted:
        occurrence.remaining_capacity = remaining(
            occurrence.total_capacity,
            booked.get(occurrence.pk, 0),
            occurrence_of_series=occurrence,
        )
    Event.objects.bulk_update(
        touched, [*plain, "remaining_capacity", "revision", "updated_date"], batch_size=500
    )
    if taking_resources:
        _set_resources(taking_resources, resource_ids)


def _regenerate_future_instances(master: Event, future, *, since: datetime | None) -> None:
    """A new time for the series: future INSTANCEs (those from ``since``, all of them when it is
    None) are replaced (their ids change, as upstream).

    An occurrence that already has participants keeps its row and time as an EXCEPTION, so
    nobody's booking silently moves. Cancelled INSTANCEs and EXCEPTIONs still inheriting TIME
    keep their row (and status) and move to the new time on their own day.
    """
    booked = set(future.filter(participations__isnull=False).values_list("pk", flat=True))
    duration = master.end_local - master.start_local
    now = timezone.now()
    replaced, changed = [], []
    for occurrence in future.select_for_update():
        if occurrence.recurrence_type == Event.RecurrenceType.INSTANCE:
            inherits_time = True
        elif occurrence.recurrence_type == Event.RecurrenceType.EXCEPTION:
            inherits_time = "TIME" in occurrence.inherited_fields
        else:
            continue
        if not inherits_time:
            continue
        if occurrence.pk in booked:
            occurrence.recurrence_type = Event.RecurrenceType.EXCEPTION
            occurrence.inherited_fields = [f for f in occurrence.inherited_fields if f != "TIME"]
        elif (
            occurrence.recurrence_type == Event.RecurrenceType.INSTANCE
            and occurrence.status == Event.Status.CONFIRMED
        ):
            replaced.append(occurrence.pk)
            continue
        else:
            start = datetime.combine(occurrence.start_local.date(), master.start_local.time())
            fields = {"start_local_date": start, "end_local_date": start + duration}
            fields["time_zone"] = occurrence.time_zone
            _set_instants(fields)
            for attribute in ("start_local_date", "end_local_date", "start", "end"):
                setattr(occurrence, attribute, fields[attribute])
        occurrence.revision += 1
        occurrence.updated_date = now
        changed.append(occurrence)
    Event.objects.bulk_update(
        changed,
        [
            "recurrence_type",
            "inherited_fields",
            "start_local_date",
            "end_local_date",
            "start",
            "end",
            "revision",
            "updated_date",
        ],
        batch_size=500,
    )
    # Soft delete, as upstream: the replaced rows stay, hidden, with a higher revision.
    Event.objects.filter(pk__in=replaced).update(
        removed_date=now, revision=F("revision") + 1, updated_date=now
    )
    materialize_instances(master, until_utc=_view_end(master.business), from_utc=since)
