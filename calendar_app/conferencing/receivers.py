"""The calendar's signals, answered by the conferencing automation (each receiver takes the
signal's keyword arguments only; Django passes ``sender`` among them)."""

from django.dispatch import receiver

from calendar_app.conferencing import services
from calendar_app.signals import (
    event_changed,
    events_changed,
    occurrences_created,
    upstream_events_applied,
)


@receiver(event_changed, dispatch_uid="conferencing.event_changed")
def follow_event(*, event, **kwargs) -> None:
    services.event_changed(event=event)


@receiver(occurrences_created, dispatch_uid="conferencing.occurrences_created")
def follow_new_occurrences(*, business, event_ids, **kwargs) -> None:
    services.request_meetings(business=business, event_ids=event_ids)


@receiver(events_changed, dispatch_uid="conferencing.events_changed")
def follow_changed_events(*, business, event_ids, **kwargs) -> None:
    services.request_meetings(business=business, event_ids=event_ids)


@receiver(upstream_events_applied, dispatch_uid="conferencing.upstream_events_applied")
def follow_upstream_events(*, business, events, **kwargs) -> None:
    services.upstream_events_applied(business=business, events=events)
