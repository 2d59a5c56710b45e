"""What a series edit does to its occurrences (local backend): inherited changes passed on,
a new time regenerating the future, and the split of "this and the following" edits."""

from datetime import datetime

from django.db.models import F
from django.utils import timezone

from calendar_app.backends.fields import set_instants, set_resources
from calendar_app.backends.materialize import materialize_instances, view_end
from calendar_app.backends.protocol import FIELD_OF_ATTRIBUTE, INHERITABLE_FIELDS
from calendar_app.capacity import booked_places_by_event, remaining
from calendar_app.models import Event


def split_master(master: Event, *, day, resource_ids) -> Event:
    """A copy of ``master`` whose first occurrence is on ``day`` (its rule, until too)."""
    start = datetime.combine(day, master.start_local.time())
    fields = {
        "start_local_date": start,
        "end_local_date": start + (master.end_local - master.start_local),
        "time_zone": master.time_zone,
    }
    set_instants(fields)
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
    set_resources([follower.pk], resource_ids)
    return follower


def propagate_master_changes(
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
        regenerate_future_instances(master, future, since=since)
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
        set_resources(taking_resources, resource_ids)


def regenerate_future_instances(master: Event, future, *, since: datetime | None) -> None:
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
            set_instants(fields)
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
    materialize_instances(master, until_utc=view_end(master.business), from_utc=since)
