"""Writing notices into the outbox (in the cause's transaction), queueing their sends on
commit, and unsubscribing.

A notice is what one change tells (``Notice``: its kind, key and words); ``write_notices``
turns it into one row per recipient, rendered and with its iCalendar part, skipped with the
reason for one who cannot or must not be told, and inserted with ``ignore_conflicts``: the
unique key makes a retried change, a duplicate webhook or a second click insert nothing.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction

from calendar_app.notifications import ics
from calendar_app.notifications.models import (
    NO_EMAIL,
    UNSUBSCRIBED,
    Message,
    Unsubscribe,
    new_message_id,
)
from calendar_app.notifications.rendering import NoticeRenderer
from calendar_app.notifications.tasks import send_messages
from calendar_app.notifications.tokens import unsubscribe_url
from calendar_app.tenancy.models import Business
from participants.models import Participation


@dataclass(frozen=True)
class Recipient:
    """Who is told: ``key`` is the participation's id or ``customer:<id>``."""

    key: str
    email: str
    name: str
    participation: Participation | None = None
    # Why this person is not told whatever their address says (e.g. an upstream tells them).
    reason: str = ""


@dataclass(frozen=True)
class Notice:
    """What one change tells about one event occurrence (or booking), to each recipient."""

    kind: str
    event_id: str  # the key's event: the event's id, or ``booking:<id>``
    occurrence: str  # the occurrence's local start
    context: dict  # the templates' words (``rendering.event_context`` and more)
    ics_event: ics.IcsEvent
    ics_method: str
    revision: int = 0  # 0, or the event's revision for a move (a move per revision)
    message: str = ""
    recipients: list[Recipient] = field(default_factory=list)


def unsubscribed_addresses(*, business: Business, emails: set[str]) -> set[str]:
    """Which of ``emails`` (lowercased) asked this business for no more messages (one query)."""
    return set(
        Unsubscribe.objects.filter(business=business, email__in=emails).values_list(
            "email", flat=True
        )
    )


def participant(participation: Participation, *, reason: str = "") -> Recipient:
    """A participation as a recipient."""
    return Recipient(
        key=str(participation.pk),
        email=participation.email,
        name=participation.name,
        participation=participation,
        reason=reason,
    )


def write_notices(*, business: Business, notices: list[Notice]) -> list[Message]:
    """One row per notice and recipient, inserted unless its key exists; a send task per
    queued row once the transaction commits. Two queries whatever the number of recipients."""
    emails = {r.email.lower() for n in notices for r in n.recipients if r.email}
    unsubscribed = unsubscribed_addresses(business=business, emails=emails) if emails else set()
    stamp = datetime.now(UTC)
    rows = []
    for notice in notices:
        # The notice's words and calendar text are built once, then each person's put in.
        renderer = NoticeRenderer(
            kind=notice.kind, business=business, context=notice.context, message=notice.message
        )
        calendar = ics.CalendarTemplate.of(
            method=notice.ics_method,
            event=notice.ics_event,
            organizer_name=business.name,
            stamp=stamp,
        )
        rows += [
            _row(
                business=business,
                notice=notice,
                recipient=recipient,
                renderer=renderer,
                calendar=calendar,
                reason=_skip_reason(recipient=recipient, unsubscribed=unsubscribed),
            )
            for recipient in notice.recipients
        ]
    if not rows:
        return []
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    ids = [row.message_id for row in rows if row.state == Message.State.QUEUED]
    if ids:
        # Robust: a broker down at commit must not turn the committed change into an error; the
        # rows stay queued and the beat's ``send_waiting_messages`` sends them later.
        transaction.on_commit(lambda: queue_sending(message_ids=ids), robust=True)
    return rows


def _skip_reason(*, recipient: Recipient, unsubscribed: set[str]) -> str:
    if recipient.reason:
        return recipient.reason
    if not recipient.email:
        return NO_EMAIL
    return UNSUBSCRIBED if recipient.email.lower() in unsubscribed else ""


def _row(
    *,
    business: Business,
    notice: Notice,
    recipient: Recipient,
    renderer: NoticeRenderer,
    calendar: ics.CalendarTemplate,
    reason: str,
) -> Message:
    email = recipient.email
    rendered = renderer.render(
        name=recipient.name,
        unsubscribe_url=unsubscribe_url(business_id=business.pk, email=email) if email else "",
    )
    text = ""
    if email and not reason:
        text = calendar.text(attendee_name=recipient.name, attendee_email=email)
    return Message(
        business=business,
        participation=recipient.participation,
        recipient_key=recipient.key,
        email=email,
        name=recipient.name,
        kind=notice.kind,
        event_id=notice.event_id,
        occurrence=notice.occurrence,
        revision=notice.revision,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        ics=text,
        ics_method=notice.ics_method if text else "",
        state=Message.State.SKIPPED if reason else Message.State.QUEUED,
        reason=reason,
        message_id=new_message_id(kind=notice.kind),
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
