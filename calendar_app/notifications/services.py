"""Queueing notices into the outbox (in the cause's transaction) and unsubscribing."""

import uuid

from django.db import transaction

from calendar_app.models import Event
from calendar_app.notifications.models import (
    NO_EMAIL,
    UNSUBSCRIBED,
    WIX_NOTIFIES,
    Message,
    Unsubscribe,
)
from calendar_app.notifications.rendering import render_cancellation
from calendar_app.notifications.tasks import send_messages
from calendar_app.notifications.tokens import unsubscribe_url
from calendar_app.tenancy.models import Business
from participants.models import Participation


def new_message_id(*, kind: str) -> str:
    """A Message-ID of our own, fixed when the row is written, so a resend repeats it."""
    return f"<{uuid.uuid4().hex}.{kind}@dashboard>"


def unsubscribed_addresses(*, business: Business, emails: set[str]) -> set[str]:
    """Which of ``emails`` (lowercased) asked this business for no more messages (one query)."""
    return set(
        Unsubscribe.objects.filter(business=business, email__in=emails).values_list(
            "email", flat=True
        )
    )


def _skip_reason(*, business: Business, email: str, unsubscribed: set[str]) -> str:
    if business.backend == Business.Backend.WIX:
        return WIX_NOTIFIES  # Wix is the calendar: it tells its own participants
    if not email:
        return NO_EMAIL
    return UNSUBSCRIBED if email.lower() in unsubscribed else ""


def queue_cancellation(*, event: Event, event_ids: list[str], notify: bool, message: str) -> None:
    """One outbox row per active participation of each cancelled occurrence (skipped, with the
    reason, for one that cannot or must not be told), and a send task per queued row on commit.

    Written in the cancel's transaction with ``ignore_conflicts``: the unique key makes a
    second cancel or a retried one insert nothing, so nobody is told twice. Three queries
    whatever the number of participants.
    """
    if not notify or not event_ids:
        return
    business = event.business
    events = {
        e.pk: e
        for e in Event.objects.filter(pk__in=event_ids, status=Event.Status.CANCELLED).exclude(
            recurrence_type=Event.RecurrenceType.MASTER
        )
    }
    participations = list(
        Participation.objects.filter(event_id__in=events, cancelled_date__isnull=True)
    )
    emails = {p.email.lower() for p in participations if p.email}
    unsubscribed = unsubscribed_addresses(business=business, emails=emails)
    rows = [
        _cancellation_row(
            business=business,
            event=events[p.event_id],
            participation=p,
            message=message,
            reason=_skip_reason(business=business, email=p.email, unsubscribed=unsubscribed),
        )
        for p in participations
    ]
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    ids = [row.message_id for row in rows if row.state == Message.State.QUEUED]
    if ids:
        transaction.on_commit(lambda: queue_sending(message_ids=ids))


def _cancellation_row(
    *, business: Business, event: Event, participation: Participation, message: str, reason: str
) -> Message:
    rendered = render_cancellation(
        event=event,
        business=business,
        name=participation.name,
        message=message,
        unsubscribe_url=unsubscribe_url(business_id=business.pk, email=participation.email)
        if participation.email
        else "",
    )
    return Message(
        business=business,
        participation=participation,
        recipient_key=participation.pk,
        email=participation.email,
        name=participation.name,
        kind=Message.Kind.CANCELLED,
        event_id=event.pk,
        occurrence=event.start_local_date,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        state=Message.State.SKIPPED if reason else Message.State.QUEUED,
        reason=reason,
        message_id=new_message_id(kind=Message.Kind.CANCELLED),
    )


def queue_sending(*, message_ids: list[str]) -> None:
    """A send task for each of these rows (by Message-ID) that is still queued: a row that a
    duplicate insert left as it was is sent by its own task, not twice. The request publishes
    one task, which a worker fans out into the sends (``tasks.send_messages``)."""
    queued = Message.objects.filter(message_id__in=message_ids, state=Message.State.QUEUED)
    pks = list(queued.values_list("pk", flat=True))
    if pks:
        send_messages.delay(pks)


@transaction.atomic
def unsubscribe(*, business_id: int, email: str) -> None:
    """Stop messages from this business to this address: those still queued are skipped now,
    later ones when written. Clicking twice (or for a business since deleted) is harmless."""
    email = email.lower()
    business = Business.objects.filter(pk=business_id).first()
    if business is None:
        return
    Unsubscribe.objects.get_or_create(business=business, email=email)
    Message.objects.filter(
        business=business, email__iexact=email, state=Message.State.QUEUED
    ).update(state=Message.State.SKIPPED, reason=UNSUBSCRIBED)
