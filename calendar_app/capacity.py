"""The one capacity rule: places used, free and full, for every page, service, selector and API.

A place is taken by each active (not cancelled) participation, times its party size. An event's
``remaining_capacity`` column is the stored copy of ``total - used``, refreshed by
``sync_remaining_capacity`` after each participation write, so big pages read it instead of
counting; everything that decides (a booking, a capacity edit) counts under the event's lock.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from calendar_app.errors import CapacityError
from calendar_app.models import Event
from participants.models import Participation


@dataclass(frozen=True)
class Capacity:
    """Places used by active participations against the event's total (None = unlimited)."""

    total: int | None
    used: int
    participants: int

    @property
    def free(self) -> int | None:
        return None if self.total is None else max(self.total - self.used, 0)

    @property
    def is_full(self) -> bool:
        return self.total is not None and self.used >= self.total


def event_capacity(event: Event) -> Capacity:
    """Places used and active participants of the event, in one aggregate query."""
    totals = Participation.objects.filter(event_id=event.pk, cancelled_date__isnull=True).aggregate(
        used=Sum("party_size"), participants=Count("id")
    )
    return Capacity(
        total=event.total_capacity,
        used=totals["used"] or 0,
        participants=totals["participants"],
    )


def stored_places_taken(event: Event) -> int | None:
    """Places taken as the event row stores them (no query), None when unlimited."""
    if event.total_capacity is None or event.remaining_capacity is None:
        return None
    return event.total_capacity - event.remaining_capacity


def booked_places(event: Event, *, excluding=None) -> int:
    """Places taken by the event's active participations (party sizes add up).

    ``excluding`` leaves one participation out, to ask whether its new size still fits.
    """
    active = Participation.objects.filter(event_id=event.pk, cancelled_date__isnull=True)
    if excluding is not None:
        active = active.exclude(pk=excluding.pk)
    return active.aggregate(places=Sum("party_size"))["places"] or 0


def booked_places_by_event(events: Iterable[Event]) -> dict[str, int]:
    """Places taken per event, for many events in one query."""
    active = Q(participations__cancelled_date__isnull=True)
    rows = (
        Event.objects.filter(pk__in=[event.pk for event in events])
        .annotate(places=Sum("participations__party_size", filter=active, default=0))
        .values_list("pk", "places")
    )
    return dict(rows)


def remaining(
    total_capacity: int | None, booked: int, *, occurrence_of_series: Event | None = None
) -> int | None:
    """Places left, refusing a capacity below what is already booked (naming the occurrence
    when a series edit is what would overbook it)."""
    if total_capacity is None:
        return None
    if total_capacity < booked:
        if occurrence_of_series is None:
            raise CapacityError(
                f"{booked} places are already booked; the capacity cannot be lower."
            )
        raise CapacityError(
            f"{booked} places are already booked on "
            f"{occurrence_of_series.start_local:%A %-d %B}; "
            "the capacity of the series cannot be lower."
        )
    return total_capacity - booked


def free_places(event: Event, *, excluding=None) -> int | None:
    """Places still free on ``event`` (None when unlimited); counts, so call it under the lock."""
    if event.total_capacity is None:
        return None
    return event.total_capacity - booked_places(event, excluding=excluding)


def sync_remaining_capacity(event: Event) -> None:
    """Store the event's free places (None when unlimited) without bumping its revision: an
    event edit form open elsewhere must not conflict because of a booking."""
    remaining_places = None
    if event.total_capacity is not None:
        remaining_places = event.total_capacity - booked_places(event)
    Event.objects.filter(pk=event.pk).update(remaining_capacity=remaining_places)


def parties_that_fit(parties: Iterable, *, free: int | None) -> list:
    """Of ``parties`` (people waiting, first in line first, each with a ``party_size``), those
    the ``free`` places go to: each in turn while it fits; a bigger party is skipped and keeps
    its turn for the next freed place (None: unlimited, everyone fits)."""
    chosen = []
    for party in parties:
        if free is not None and party.party_size > free:
            continue
        chosen.append(party)
        if free is not None:
            free -= party.party_size
    return chosen
