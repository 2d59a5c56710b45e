"""Sending one outbox row over SMTP with Django's email backend, at most once per row.

The row is claimed (queued → sending) in its own transaction, sent, then marked sent. A
worker killed between the SMTP reply and the mark leaves it ``sending``; once that is stale,
the redelivered task (or the beat's) sends it once more with the same Message-ID, so mail
clients show one message. A temporary
SMTP failure (4xx, a refused or dropped connection, a timeout) puts it back to queued and
raises ``TemporarySendError`` for the task to retry; a permanent 5xx marks it failed.
"""

import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calendar_app.notifications import ics
from calendar_app.notifications.models import UNSUBSCRIBED, Message, Unsubscribe
from calendar_app.notifications.tokens import unsubscribe_url

# A row ``sending`` for this long was left by a dead worker (a live one takes seconds); before
# that, a second task for it does nothing, so two tasks for one row never both send.
STALLED_AFTER = timedelta(minutes=10)


class TemporarySendError(Exception):
    """The mail server could not take the message now; try again later."""


def _claim(message_id: int) -> Message | None:
    """The row, now ``sending``, if it is still to be sent (queued, or left sending by a
    worker that died); None when it was sent, failed or skipped meanwhile, or another task is
    sending it."""
    stalled = Q(state=Message.State.SENDING, updated_date__lt=timezone.now() - STALLED_AFTER)
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("business")
            .filter(Q(state=Message.State.QUEUED) | stalled, pk=message_id)
            .first()
        )
        if message is None:
            return None
        unsubscribed = Unsubscribe.objects.filter(
            business_id=message.business_id, email=message.email.lower()
        ).exists()
        if unsubscribed:
            _mark(message, Message.State.SKIPPED, UNSUBSCRIBED)
            return None
        message.attempts += 1
        _mark(message, Message.State.SENDING, message.reason)
    return message


def _mark(message: Message, state: str, reason: str = "") -> None:
    message.state, message.reason, message.updated_date = state, reason[:500], timezone.now()
    if state == Message.State.SENT:
        message.sent_date = message.updated_date
    message.save(update_fields=["state", "reason", "updated_date", "sent_date", "attempts"])


def email_for(message: Message) -> ics.CalendarEmail:
    """The row as an email: text and HTML parts, its Message-ID, and RFC 8058 one-click
    unsubscribe headers."""
    url = unsubscribe_url(business_id=message.business_id, email=message.email)
    email = ics.CalendarEmail(
        subject=message.subject,
        body=message.text_body,
        from_email=formataddr((message.business.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=[formataddr((message.name, message.email))],
        headers={
            "Message-ID": message.message_id,
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(message.html_body, "text/html")
    email.attach_calendar(text=message.ics, method=message.ics_method)  # iCalendar part + .ics
    return email


def is_permanent(error: Exception) -> bool:
    """A 5xx reply (for every recipient, when the recipients were refused)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def send_one(*, message_id: int) -> str:
    """Send one row if it is still to be sent; the state it ends in."""
    message = _claim(message_id)
    if message is None:
        return "nothing to send"
    try:
        email_for(message).send(fail_silently=False)
    except OSError as error:  # smtplib's errors, refused connections and timeouts
        reason = f"{type(error).__name__}: {error}"
        if is_permanent(error):
            _mark(message, Message.State.FAILED, reason)
            return Message.State.FAILED
        _mark(message, Message.State.QUEUED, f"will retry: {reason}")
        raise TemporarySendError(reason) from error
    except ValueError as error:  # an address or header Django refuses to write
        _mark(message, Message.State.FAILED, f"{type(error).__name__}: {error}")
        return Message.State.FAILED
    _mark(message, Message.State.SENT)
    return Message.State.SENT
