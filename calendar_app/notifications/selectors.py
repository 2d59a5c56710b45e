"""Reads of the outbox: the event page's line and the Outbox page's rows."""

from django.db.models import Count, Min, Q, QuerySet

from calendar_app.models import Event
from calendar_app.notifications.models import Message
from calendar_app.tenancy.models import Business

OUTBOX_ROWS = 200


def told_summary(event: Event) -> str | None:
    """“told 8, skipped 2 (no email)” for the event's notices (one query); None without any.

    Told counts the rows sent or on their way; failures and skips are named with reasons.
    Only cancellations write notices so far, so a confirmed event's page costs no query.
    """
    if not event.is_cancelled:
        return None
    counts = Message.objects.filter(business_id=event.business_id, event_id=event.pk).aggregate(
        told=Count("pk", filter=~Q(state__in=[Message.State.SKIPPED, Message.State.FAILED])),
        failed=Count("pk", filter=Q(state=Message.State.FAILED)),
        no_email=Count("pk", filter=Q(state=Message.State.SKIPPED, reason="no email address")),
        skipped=Count("pk", filter=Q(state=Message.State.SKIPPED)),
    )
    if not any(counts.values()):
        return None
    parts = [f"told {counts['told']}"]
    if counts["skipped"]:
        others = counts["skipped"] - counts["no_email"]
        reasons = [f"{counts['no_email']} no email"] if counts["no_email"] else []
        reasons += [f"{others} other reasons"] if others else []
        parts.append(f"skipped {counts['skipped']} ({', '.join(reasons)})")
    if counts["failed"]:
        parts.append(f"failed {counts['failed']}")
    return ", ".join(parts)


def outbox(*, business: Business, state: str = "") -> QuerySet[Message]:
    """The business's latest messages, newest first, of one state when ``state`` names one."""
    rows = Message.objects.filter(business=business)
    if state in Message.State.values:
        rows = rows.filter(state=state)
    return rows.only(
        "email",
        "name",
        "kind",
        "event_id",
        "occurrence",
        "subject",
        "state",
        "reason",
        "created_date",
        "sent_date",
    )[:OUTBOX_ROWS]


def outbox_health(*, business: Business) -> dict:
    """Counts in the style of the sync health: queued, failed, and the oldest queued row's
    time (None when nothing waits), in one query."""
    waiting = Q(state__in=[Message.State.QUEUED, Message.State.SENDING])
    return Message.objects.filter(business=business).aggregate(
        queued=Count("pk", filter=waiting),
        failed=Count("pk", filter=Q(state=Message.State.FAILED)),
        oldest_queued=Min("created_date", filter=waiting),
    )
