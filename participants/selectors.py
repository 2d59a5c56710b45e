"""Participation reads for the per-event dashboard: a constant number of queries per page."""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from calendar_app import extensions
from calendar_app.backends import calendar_backend
from calendar_app.capacity import Capacity, event_capacity
from calendar_app.locations import location_text
from calendar_app.models import Business, Event, EventResource
from participants.models import Participation

OCCURRENCE_TYPES = (Event.RecurrenceType.INSTANCE, Event.RecurrenceType.EXCEPTION)


@dataclass(frozen=True)
class EventHeader:
    """What the dashboard shows above the list, with times in the business's zone."""

    event: Event
    start_local: datetime
    end_local: datetime
    time_zone: str
    resources: list
    capacity: Capacity
    previous: Event | None
    next: Event | None
    read_only_reason: str = ""
    can_undo_cancel: bool = True

    @property
    def location_text(self) -> str:
        return location_text(self.event.location)

    @cached_property
    def conferencing(self) -> dict:
        return extensions.event_conferencing(self.event) or {}


def participations_for_event(event: Event, *, search: str | None = None) -> QuerySet:
    """The event's participations (cancelled ones too), oldest first; one query when listed.

    ``search`` matches name, email or phone, case-insensitively.
    """
    participations = Participation.objects.filter(event_id=event.pk).order_by("created_date", "id")
    search = (search or "").strip()
    if search:
        participations = participations.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search)
        )
    return participations


PAGE_SIZE = 50


def participations_page(event: Event, *, search: str | None = None, page: object = 1) -> Page:
    """One page of ``participations_for_event`` (``PAGE_SIZE`` rows, two queries).

    The dashboard lists a page at a time, whatever the number of participants; the page's
    paginator counts every row that matches (the match count), and a page number out of range
    is the last page, as Django's ``get_page`` does.
    """
    return Paginator(participations_for_event(event, search=search), PAGE_SIZE).get_page(page)


def page_number_of(participation: Participation) -> int:
    """The page of the unfiltered list that shows ``participation`` (one count query), so a
    link to a row (``?page=N#p-id``) lands on the page that has it."""
    earlier = (
        Participation.objects.filter(event_id=participation.event_id)
        .filter(
            Q(created_date__lt=participation.created_date)
            | Q(created_date=participation.created_date, id__lt=participation.id)
        )
        .count()
    )
    return earlier // PAGE_SIZE + 1


def adjacent_occurrences(event: Event) -> tuple[Event | None, Event | None]:
    """The previous and next occurrence of the same series (by start), or ``(None, None)``."""
    if event.recurrence_type not in OCCURRENCE_TYPES or not event.recurring_event_id:
        return None, None
    siblings = Event.objects.filter(
        business_id=event.business_id,
        recurring_event_id=event.recurring_event_id,
        recurrence_type__in=OCCURRENCE_TYPES,
        removed_date__isnull=True,
    ).only("id", "start", "start_local_date", "status", "title", "time_zone")
    previous = (
        siblings.filter(Q(start__lt=event.start) | Q(start=event.start, id__lt=event.id))
        .order_by("-start", "-id")
        .first()
    )
    following = (
        siblings.filter(Q(start__gt=event.start) | Q(start=event.start, id__gt=event.id))
        .order_by("start", "id")
        .first()
    )
    return previous, following


def next_occurrence(master: Event, *, now: datetime) -> Event | None:
    """The series' first occurrence from ``now`` on, else its last one (for a MASTER's id)."""
    occurrences = Event.objects.filter(
        business_id=master.business_id,
        recurring_event_id=master.id,
        recurrence_type__in=OCCURRENCE_TYPES,
        removed_date__isnull=True,
    )
    return (
        occurrences.filter(end__gte=now).order_by("start", "id").first()
        or occurrences.order_by("-start", "-id").first()
    )


def event_header(event: Event, *, business: Business) -> EventHeader:
    """The event's header data: local times, resources, capacity, series neighbours."""
    zone = business.zone
    resources = [
        er.resource
        for er in EventResource.objects.filter(event_id=event.pk)
        .select_related("resource")
        .order_by("resource__type", "resource__name")
    ]
    previous, following = adjacent_occurrences(event)
    return EventHeader(
        event=event,
        start_local=event.start.astimezone(zone).replace(tzinfo=None),
        end_local=event.end.astimezone(zone).replace(tzinfo=None),
        time_zone=business.time_zone,
        resources=resources,
        capacity=event_capacity(event),
        previous=previous,
        next=following,
        **row_permissions(event, business=business),
    )


def row_permissions(event: Event, *, business: Business) -> dict:
    """What every participation row of ``event`` reads, on the page and in each fragment:
    why its participants are read-only (empty when they are not) and whether a cancel can be
    undone (never when the upstream deletes participations for good, spec §3.4)."""
    backend = calendar_backend(business)
    return {
        "read_only_reason": backend.participations_read_only_reason(event=event),
        "can_undo_cancel": backend.can_restore_participation,
    }
