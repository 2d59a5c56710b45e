"""Sending one outbox row over SMTP with Django's email backend, at most once per row.

The row is claimed (queued → sending) in its own transaction, sent, then marked sent. A
worker killed between the SMTP reply and the mark leaves it ``sending``; once that is stale,
the redelivered task (or the beat's) sends it once more with the same Message-ID, so mail
clients show one message. A temporary
SMTP failure (4xx, a refused or dropped connection, a timeout) puts it back to queued and
raises ``TemporarySendError`` for the task to retry; a permanent 5xx marks it failed.

The business's sender settings (``SenderSetting``) are applied when the email is built: the
sender's name on ``DEFAULT_FROM_EMAIL``, ``Reply-To``, and the footer after both stored parts
(the stored bodies stay what was rendered when the row was written).
"""

import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr
from html import escape

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import Event
from calendar_app.notifications import ics
from calendar_app.notifications.models import UNSUBSCRIBED, Message, SenderSetting, Unsubscribe
from calendar_app.notifications.tokens import unsubscribe_url

# A row ``sending`` for this long was left by a dead worker (a live one takes seconds); before
# that, a second task for it does nothing, so two tasks for one row never both send.
STALLED_AFTER = timedelta(minutes=10)
EVENT_CHANGED = "the event was cancelled or moved before the reminder went out"
PARTICIPATION_CANCELLED = "the participation was cancelled before the reminder went out"


class TemporarySendError(Exception):
    """The mail server could not take the message now; try again later."""


def _claim(message_id: int) -> Message | None:
    """The row, now ``sending``, if it is still to be sent (queued, or left sending by a
    worker that died); None when it was sent, failed or skipped meanwhile, or another task is
    sending it."""
    stalled = Q(state=Message.State.SENDING, updated_date__lt=timezone.now() - STALLED_AFTER)
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("business__notification_sender", "participation")
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
        stale = stale_reminder(message)
        if stale:
            _mark(message, Message.State.SKIPPED, stale)
            return None
        message.attempts += 1
        _mark(message, Message.State.SENDING, message.reason)
    return message


def _mark(message: Message, state: str, reason: str = "") -> None:
    message.state, message.reason, message.updated_date = state, reason[:500], timezone.now()
    if state == Message.State.SENT:
        message.sent_date = message.updated_date
    message.save(update_fields=["state", "reason", "updated_date", "sent_date", "attempts"])


def stale_reminder(message: Message) -> str:
    """Why a queued reminder must not go out any more (its event cancelled or moved, or its
    participation cancelled, since it was written); empty when it still stands or for any other
    kind (one query for a reminder, none otherwise)."""
    if message.kind != Message.Kind.REMINDER:
        return ""
    if message.participation is None or message.participation.cancelled_date is not None:
        return PARTICIPATION_CANCELLED
    still = Event.objects.filter(
        pk=message.event_id,
        status=Event.Status.CONFIRMED,
        removed_date__isnull=True,
        start_local_date=message.occurrence,
    )
    return "" if still.exists() else EVENT_CHANGED


def sender_of(business) -> SenderSetting:
    """The business's sender settings (loaded with the row), or the defaults (its name, no
    reply-to, no footer)."""
    try:
        return business.notification_sender
    except SenderSetting.DoesNotExist:
        return SenderSetting(business=business)


def with_footer(*, text: str, html: str, footer: str) -> tuple[str, str]:
    """Both parts with the footer line added at their end (in the HTML, before ``</body>``)."""
    if not footer:
        return text, html
    line = f'<p style="font-size:small;color:#666">{escape(footer)}</p>\n'
    at = html.rfind("</body>")
    html = html[:at] + line + html[at:] if at >= 0 else html + line
    return f"{text.rstrip()}\n\n{footer}\n", html


def email_for(message: Message) -> ics.CalendarEmail:
    """The row as an email: text and HTML parts with the business's footer, its calendar part,
    its Message-ID, its sender's name and reply-to, and RFC 8058 one-click unsubscribe
    headers."""
    url = unsubscribe_url(business_id=message.business_id, email=message.email)
    sender = sender_of(message.business)
    text, html = with_footer(text=message.text_body, html=message.html_body, footer=sender.footer)
    name = sender.sender_name or message.business.name
    email = ics.CalendarEmail(
        subject=message.subject,
        body=text,
        from_email=formataddr((name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=[formataddr((message.name, message.email))],
        reply_to=[sender.reply_to] if sender.reply_to else [],
        headers={
            "Message-ID": message.message_id,
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(html, "text/html")
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
