"""Notices to one person about their own place: a participation added (a confirmation, also
for someone given a place from the waiting list) or cancelled by staff, and an appointment
booked or cancelled (from the dashboard or the JSON API). Each is queued in the write's own
transaction; its key (the participation or customer, the kind, the event or booking) makes a
repeated write tell nobody twice."""

from calendar_app.notifications import ics
from calendar_app.notifications.models import Message
from calendar_app.notifications.rendering import event_context, span_text
from calendar_app.notifications.services.events import ics_event
from calendar_app.notifications.services.outbox import (
    Notice,
    Recipient,
    participant,
    write_notices,
)
from calendar_app.tenancy.models import Business
from participants.models import Participation


def queue_participation_notice(*, participation: Participation, kind: str, promoted: bool) -> None:
    """A confirmation (``participation_added``) or a cancellation (``participation_cancelled``)
    to the participant, for an occurrence that takes place; a participation still pending
    confirmation gets no confirmation yet."""
    event = participation.event
    if event.is_cancelled or event.recurrence_type == event.RecurrenceType.MASTER:
        return
    added = kind == Message.Kind.PARTICIPATION_ADDED
    if added and participation.status != Participation.Status.CONFIRMED:
        return
    business = event.business
    notice = Notice(
        kind=kind,
        event_id=event.pk,
        occurrence=event.start_local_date,
        context={**event_context(event=event, business=business), "promoted": promoted},
        ics_event=ics_event(event=event, business=business),
        ics_method=ics.REQUEST if added else ics.CANCEL,
        recipients=[participant(participation)],
    )
    write_notices(business=business, notices=[notice])


def queue_appointment_notice(*, booking, kind: str, notified_by: str) -> None:
    """A confirmation (``appointment_booked``) or cancellation (``appointment_cancelled``) to
    the booking's customer; skipped ("Magicline notifies its customers") when the studio's
    upstream (``notified_by``) tells its customers itself."""
    business: Business = booking.business
    customer = booking.customer
    booked = kind == Message.Kind.APPOINTMENT_BOOKED
    place = ""
    if booking.event is not None and booking.event.location:
        place = event_context(event=booking.event, business=business)["place"]
    context = {
        "title": booking.appointment.title,
        "place": place,
        **span_text(start=booking.start, end=booking.end, business=business),
    }
    notice = Notice(
        kind=kind,
        event_id=f"booking:{booking.pk}",
        occurrence=f"{booking.start.astimezone(business.zone):%Y-%m-%dT%H:%M:%S}",
        context=context,
        ics_event=ics.IcsEvent(
            uid=ics.uid_for(f"booking-{booking.pk}"),
            sequence=0 if booked else 1,
            summary=booking.appointment.title,
            start=booking.start,
            end=booking.end,
            time_zone=business.time_zone,
            location=place,
            description=business.name,
        ),
        ics_method=ics.REQUEST if booked else ics.CANCEL,
        recipients=[
            Recipient(
                key=f"customer:{customer.pk}",
                email=customer.email,
                name=customer.full_name,
                reason=f"{notified_by} notifies its customers" if notified_by else "",
            )
        ],
    )
    write_notices(business=business, notices=[notice])
