"""The calendar's signals, answered by queueing notices (each receiver takes the signal's
keyword arguments only; Django passes ``sender`` among them)."""

from django.dispatch import receiver

from calendar_app.notifications import services
from calendar_app.signals import event_cancelled


@receiver(event_cancelled, dispatch_uid="notifications.event_cancelled")
def tell_of_cancellation(*, event, event_ids, notify, message, **kwargs) -> None:
    services.queue_cancellation(event=event, event_ids=event_ids, notify=notify, message=message)
