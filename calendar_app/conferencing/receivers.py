"""The calendar's ``event_changed`` signal, answered by the conferencing automation."""

from django.dispatch import receiver

from calendar_app.conferencing import services
from calendar_app.signals import event_changed


@receiver(event_changed, dispatch_uid="conferencing.event_changed")
def follow_event(sender, *, event, **kwargs) -> None:
    services.event_changed(event=event)
