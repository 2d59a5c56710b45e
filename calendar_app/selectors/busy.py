"""When resources are taken: the busy times appointment slots avoid, and the clashes an event
or a block would make."""

from datetime import datetime

from django.db.models import Exists, OuterRef

from calendar_app import recurrence
from calendar_app.models import Event, EventResource
from calendar_app.selectors.query import DEFAULT_RECURRENCE_TYPES
from calendar_app.tenancy.models import Business


def busy_times(
    business: Business,
    *,
    resource_ids: list[str],
    from_local_date: datetime,
    to_local_date: datetime,
    excluding_app_id: str = "",
) -> dict[str, list[tuple[datetime, datetime]]]:
    """When each resource is taken, as UTC ``(start, end)`` pairs sorted by start.

    What appointment slots must avoid: every event that holds the resource OPAQUE and is not
    cancelled, classes and blocked time alike (one blocked-time event holds many resources).
    The window is read in the business's zone and keeps what overlaps it, as ``query_events``
    does. ``excluding_app_id`` leaves out the events an app keeps for its own holds (the bookings
    app reads its bookings' holds from its own table). One query of plain rows: the slot engine
    calls this for every window it computes.
    """
    busy: dict[str, list[tuple[datetime, datetime]]] = {rid: [] for rid in resource_ids}
    if not resource_ids:
        return busy
    holds = EventResource.objects.filter(
        resource_id__in=list(resource_ids),
        transparency=Event.Transparency.OPAQUE,
        event__business=business,
        event__removed_date__isnull=True,
        event__recurrence_type__in=DEFAULT_RECURRENCE_TYPES,
        event__transparency=Event.Transparency.OPAQUE,
        event__status__in=[Event.Status.CONFIRMED, Event.Status.PENDING_CONFIRMATION],
        event__end__gt=recurrence.to_utc(from_local_date, business.time_zone),
        event__start__lt=recurrence.to_utc(to_local_date, business.time_zone),
    ).exclude(event__type=Event.Type.WORKING_HOURS)
    if excluding_app_id:
        holds = holds.exclude(event__app_id=excluding_app_id)
    for resource_id, start, end in holds.order_by("event__start", "event_id").values_list(
        "resource_id", "event__start", "event__end"
    ):
        busy[resource_id].append((start, end))
    return busy


CLASHES_SHOWN = 10


def clashes(
    business: Business,
    *,
    resource_ids: list[str],
    start_local: datetime,
    end_local: datetime,
    excluding: str | None = None,
) -> list[Event]:
    """Events that already hold one of these resources OPAQUE at that time (not cancelled), for
    the warning before an event or a block is put there; the first few by start."""
    if not resource_ids:
        return []
    start = recurrence.to_utc(start_local, business.time_zone)
    end = recurrence.to_utc(end_local, business.time_zone)
    holding = EventResource.objects.filter(
        event=OuterRef("pk"),
        resource_id__in=resource_ids,
        transparency=Event.Transparency.OPAQUE,
    )
    events = (
        Event.objects.filter(
            business=business, removed_date__isnull=True, start__lt=end, end__gt=start
        )
        .exclude(status=Event.Status.CANCELLED)
        .exclude(recurrence_type=Event.RecurrenceType.MASTER)
        .filter(Exists(holding))
        .order_by("start", "id")
    )
    if excluding:
        events = events.exclude(pk=excluding)
    return list(events[:CLASHES_SHOWN])
