"""The calendar's, the participants' and the bookings' signals, answered by queueing notices
(each receiver takes the signal's keyword arguments only; Django passes ``sender`` among
them). Every signal is sent inside its write's transaction, so the rows go with the write."""

from django.dispatch import receiver

from bookings.signals import appointment_booked, appointment_cancelled
from calendar_app.notifications import services
from calendar_app.notifications.models import Message
from calendar_app.signals import event_cancelled, event_moved, schedule_cancelled
from participants.signals import participation_added, participation_cancelled


@receiver(event_cancelled, dispatch_uid="notifications.event_cancelled")
def tell_of_cancellation(*, event, event_ids, notify, message, **kwargs) -> None:
    services.queue_cancellation(event=event, event_ids=event_ids, notify=notify, message=message)


@receiver(schedule_cancelled, dispatch_uid="notifications.schedule_cancelled")
def tell_of_schedule_cancellation(*, schedule, event_ids, notify, message, **kwargs) -> None:
    services.queue_schedule_cancellation(
        schedule=schedule, event_ids=event_ids, notify=notify, message=message
    )


@receiver(event_moved, dispatch_uid="notifications.event_moved")
def tell_of_move(*, business, moves, notify, message, **kwargs) -> None:
    services.queue_moves(business=business, moves=moves, notify=notify, message=message)


@receiver(participation_added, dispatch_uid="notifications.participation_added")
def confirm_participation(*, participation, promoted, notify, **kwargs) -> None:
    if not notify:
        return
    services.queue_participation_notice(
        participation=participation, kind=Message.Kind.PARTICIPATION_ADDED, promoted=promoted
    )


@receiver(participation_cancelled, dispatch_uid="notifications.participation_cancelled")
def tell_of_participation_cancel(*, participation, **kwargs) -> None:
    services.queue_participation_notice(
        participation=participation, kind=Message.Kind.PARTICIPATION_CANCELLED, promoted=False
    )


@receiver(appointment_booked, dispatch_uid="notifications.appointment_booked")
def confirm_appointment(*, booking, notified_by, **kwargs) -> None:
    services.queue_appointment_notice(
        booking=booking, kind=Message.Kind.APPOINTMENT_BOOKED, notified_by=notified_by
    )


@receiver(appointment_cancelled, dispatch_uid="notifications.appointment_cancelled")
def tell_of_appointment_cancel(*, booking, notified_by, **kwargs) -> None:
    services.queue_appointment_notice(
        booking=booking, kind=Message.Kind.APPOINTMENT_CANCELLED, notified_by=notified_by
    )
