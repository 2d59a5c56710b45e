"""Reads behind the event pages: one event with its details, the detail page object, what a
cancel would reach, and where to land after a write."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.template.defaultfilters import pluralize
from django.urls import reverse

from calendar_app import extensions, recurrence
from calendar_app.backends import Scope, calendar_backend
from calendar_app.capacity import booked_places, booked_places_by_event, stored_places_taken
from calendar_app.locations import address_text
from calendar_app.models import Event, EventResource, Resource
from calendar_app.selectors.history import HistoryEntry, event_history
from calendar_app.tenancy.access import may_change_event
from calendar_app.tenancy.models import Business, Membership


@dataclass(frozen=True)
class EventDetails:
    """One event of the business, loaded with its schedule and resources, and its MASTER when it
    is an occurrence of a series: what every event view and form starts from."""

    event: Event
    master: Event | None


def event_with_details(business: Business, event_id: str) -> EventDetails | None:
    """One event of the business with its schedule, resources and (for an occurrence) MASTER.

    Three queries whatever the event; ``None`` for an unknown or another business's id.
    """
    event = (
        Event.objects.select_related("schedule", "business")
        .filter(business=business, pk=event_id, removed_date__isnull=True)
        .first()
    )
    if event is None:
        return None
    prefetch_related_objects(
        [event],
        Prefetch(
            "event_resources",
            queryset=EventResource.objects.select_related("resource").order_by("resource__name"),
        ),
    )
    master = None
    if event.recurring_event_id:
        master = Event.objects.filter(business=business, pk=event.recurring_event_id).first()
    return EventDetails(event=event, master=master)


def links_gone(event: Event) -> bool:
    """Whether the event's meeting links are gone with it: it is cancelled or removed."""
    return event.is_cancelled or event.removed_date is not None


@dataclass(frozen=True)
class EventDetailPage:
    """The event page: the event and its series, its time in the business's zone, place,
    resources, places taken, history, meeting, the actions the member may take and what each
    cancel choice would reach (in words)."""

    event: Event
    master: Event | None
    start: datetime
    end: datetime
    own_zone_differs: bool
    rule_text: str
    location_name: str
    location_address: str
    resources: list[Resource]
    used: int | None
    can_change: bool
    can_restore: bool
    offers_series_scope: bool
    history: list[HistoryEntry]
    meeting: Any
    meeting_links_gone: bool
    reach: dict[str, str]
    calendar_url: str

    @property
    def is_master(self) -> bool:
        return self.event.recurrence_type == Event.RecurrenceType.MASTER

    @property
    def is_exception(self) -> bool:
        return self.event.recurrence_type == Event.RecurrenceType.EXCEPTION


def event_detail_page(*, details: EventDetails, membership: Membership) -> EventDetailPage:
    """The event page of ``details`` as ``membership`` sees it (a constant number of queries:
    history, meeting and, unless cancelled, two for what a cancel would reach)."""
    event, master = details.event, details.master
    business = event.business
    start = event.start.astimezone(business.zone).replace(tzinfo=None)
    location = event.location or {}
    return EventDetailPage(
        event=event,
        master=master,
        start=start,
        end=event.end.astimezone(business.zone).replace(tzinfo=None),
        own_zone_differs=event.time_zone != business.time_zone,
        rule_text=describe_rule((master or event).recurrence_rule),
        location_name=location.get("name") or "",
        location_address=address_text(location),
        resources=[er.resource for er in event.event_resources.all()],
        used=stored_places_taken(event),
        can_change=may_change_event(membership, event),
        can_restore=calendar_backend(business).can_restore_event,
        offers_series_scope=membership.is_owner and master is not None,
        history=event_history(business, event),
        meeting=extensions.event_meeting(event),
        meeting_links_gone=links_gone(event),
        reach=reach_labels(event) if not event.is_cancelled else {},
        calendar_url=f"{reverse('calendar_app:calendar', args=['week'])}?date={start:%Y-%m-%d}",
    )


@dataclass(frozen=True)
class Reach:
    """What one cancel choice reaches: how many occurrences and how many booked places."""

    occurrences: int
    participants: int


def cancel_reach(event: Event) -> dict[str, Reach]:
    """For the confirmation before a cancel: what each scope would cancel (two queries).

    Keys are ``Scope`` values; a one-off event has only ``this``. Only occurrences that still
    take place count, and participants are the places booked on them (``calendar_app.capacity``).
    """
    if not event.recurring_event_id and event.recurrence_type != Event.RecurrenceType.MASTER:
        return {Scope.THIS: Reach(1, booked_places(event))}
    occurrences = list(
        Event.objects.filter(recurring_event_id=event.series_id, removed_date__isnull=True)
        .exclude(status=Event.Status.CANCELLED)
        .only("pk", "start")
    )
    places = booked_places_by_event(occurrences)
    following = [occurrence for occurrence in occurrences if occurrence.start >= event.start]
    return {
        Scope.THIS: Reach(1, places.get(event.pk, 0)),
        Scope.FOLLOWING: Reach(len(following), sum(places[o.pk] for o in following)),
        Scope.ALL: Reach(len(occurrences), sum(places.values())),
    }


def has_participants(event: Event) -> bool:
    """Whether anyone is booked on the event or, for a series, on an occurrence that still
    takes place (``cancel_reach``): the edit form's "Notify participants" starts checked."""
    return any(reach.participants for reach in cancel_reach(event).values())


def reach_labels(event: Event) -> dict[str, str]:
    """What each cancel choice reaches, in words, for the confirmation ("3 occurrences, 12
    participants booked")."""
    labels = {}
    for scope, reach in cancel_reach(event).items():
        people = f"{reach.participants} participant{pluralize(reach.participants)} booked"
        if scope == Scope.THIS:
            labels[scope.value] = people
        else:
            labels[scope.value] = (
                f"{reach.occurrences} occurrence{pluralize(reach.occurrences)}, {people}"
            )
    return labels


def describe_rule(rule: dict | None, *, days_only: bool = False) -> str:
    """A recurrence rule in words: "Weekly on Monday, every 2 weeks, until 30 June 2026"."""
    if not rule:
        return ""
    day = rule["days"][0].title()
    if days_only:
        return day
    text = f"Weekly on {day}"
    if rule.get("interval", 1) > 1:
        text += f", every {rule['interval']} weeks"
    until = (rule.get("until") or {}).get("localDate")
    if until:
        last = recurrence.parse_local_date(until)
        text += f", until {last.day} {last:%B %Y}"
    return text


def first_occurrence(event: Event) -> Event:
    """Where to land after creating a series: its first occurrence (the MASTER if none)."""
    if event.recurrence_type != Event.RecurrenceType.MASTER:
        return event
    occurrences = Event.objects.filter(recurring_event_id=event.pk, removed_date__isnull=True)
    return occurrences.order_by("start").first() or event


def occurrence_after_series_edit(occurrence: Event, master: Event) -> Event:
    """The edited occurrence, or its replacement when a new series time regenerated it."""
    same = Event.objects.filter(pk=occurrence.pk, removed_date__isnull=True).first()
    if same is not None:
        return same
    same_day = Event.objects.filter(
        recurring_event_id=master.pk,
        removed_date__isnull=True,
        start_local_date__startswith=occurrence.start_local_date[:10],
    )
    return same_day.order_by("start", "id").first() or master
