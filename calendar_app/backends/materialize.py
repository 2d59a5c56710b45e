"""Recurring instances as rows: what only the local backend does.

A MASTER's occurrences up to the events view's end are INSTANCE rows with stable ids
(``{master}_{YYYYMMDDTHHMM}``), so the calendar reads a range of rows instead of expanding rules
per request, and materializing twice creates nothing twice. An upstream business never gets
instance rows made here: its occurrences are the upstream's own.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from calendar_app import recurrence
from calendar_app.backends.protocol import INHERITABLE_FIELDS
from calendar_app.models import Event, EventResource, format_local_date
from calendar_app.tenancy.models import Business

# What a revived (soft-deleted, then wanted again) occurrence is given anew.
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


def events_view_end(now: datetime | None = None) -> datetime:
    """The instant up to which recurring instances must exist (at least a year ahead)."""
    now = now or timezone.now()
    return now + timedelta(days=settings.EVENTS_VIEW_FUTURE_DAYS)


def view_end(business: Business) -> datetime:
    """The business's events view end, set (and stored) on its first series."""
    if business.events_view_end_date is None:
        business.events_view_end_date = events_view_end()
        Business.objects.filter(pk=business.pk).update(
            events_view_end_date=business.events_view_end_date
        )
    return business.events_view_end_date


def instance_id(master: Event, start_local: datetime) -> str:
    """A stable id per occurrence, so materializing twice creates nothing twice."""
    return f"{master.id}_{start_local:%Y%m%dT%H%M}"


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
    for pk, start_local_date, removed, revision in Event.objects.filter(
        recurring_event_id=master.id
    ).values_list("pk", "start_local_date", "removed_date", "revision"):
        if removed is None:
            taken_days.add(recurrence.occurrence_day(pk, start_local_date))
        else:
            removed_revisions[pk] = revision
    now = timezone.now()
    rows = []
    for pk, occurrence in wanted.items():
        if occurrence.start_local.date() in taken_days:
            continue
        rows.append(_instance(master, pk, occurrence, cancelled_tail, removed_revisions, now))
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


def _instance(
    master: Event,
    pk: str,
    occurrence: recurrence.Occurrence,
    cancelled_tail: bool,
    removed_revisions: dict[str, int],
    now: datetime,
) -> Event:
    """The INSTANCE row of one occurrence, inheriting everything from its MASTER."""
    # Every occurrence lasts exactly as long as the series says (RFC 5545), DST days too.
    start = recurrence.to_utc(occurrence.start_local, master.time_zone)
    end = start + (occurrence.end_local - occurrence.start_local)
    return Event(
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
