"""The outbox as the customer page sees it: the messages sent to one person, and their erase
(``calendar_app.extensions.person_messages`` and ``erase_person_messages``)."""

from django.db.models import Q
from django.db.models.functions import Lower

from calendar_app.notifications.models import Message
from calendar_app.tenancy.models import Business


def _to_person(*, business: Business, participation_ids, emails: list[str]):
    return (
        Message.objects.filter(business=business)
        .annotate(email_lower=Lower("email"))
        .filter(Q(participation_id__in=participation_ids) | Q(email_lower__in=emails))
    )


def person_messages(*, business: Business, participation_ids, emails: list[str], limit: int):
    """The newest ``limit`` messages to the person (one query, without their bodies)."""
    rows = _to_person(business=business, participation_ids=participation_ids, emails=emails)
    rows = rows.only("subject", "kind", "state", "email", "sent_date", "created_date")
    return [
        {
            "subject": m.subject,
            "kind": m.get_kind_display(),
            "state": m.get_state_display(),
            "email": m.email,
            "date": m.sent_date or m.created_date,
        }
        for m in rows.order_by("-created_date", "-id")[:limit]
    ]


def erase_person_messages(*, business: Business, participation_ids, emails: list[str]) -> int:
    """Blank the address, name, subject and bodies of the messages to the person; the rows
    stay (counted, and never sent twice). A queued one is skipped rather than sent."""
    rows = list(_to_person(business=business, participation_ids=participation_ids, emails=emails))
    for m in rows:
        m.recipient_key = f"erased:{m.pk}"
        m.email = ""
        m.name = ""
        m.subject = "(erased)"
        m.text_body = ""
        m.html_body = ""
        if m.state in (Message.State.QUEUED, Message.State.FAILED):
            m.state = Message.State.SKIPPED
            m.reason = "personal data erased"
    Message.objects.bulk_update(
        rows,
        ["recipient_key", "email", "name", "subject", "text_body", "html_body", "state", "reason"],
    )
    return len(rows)
