"""Reads of the outbox: the event page's line and the Outbox page's rows."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q, QuerySet

from calendar_app.models import Event, Schedule
from calendar_app.notifications.models import DEFAULT_LEAD, Message, SenderSetting
from calendar_app.tenancy.models import Business

OUTBOX_ROWS = 200
OUTBOX_PAGE = 50


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


def outbox(
    *, business: Business, state: str = "", kind: str = "", search: str = ""
) -> QuerySet[Message]:
    """The business's messages, newest first: of one state and one kind when they name one,
    and whose recipient, address or subject contains ``search``."""
    rows = Message.objects.filter(business=business)
    if state in Message.State.values:
        rows = rows.filter(state=state)
    if kind in Message.Kind.values:
        rows = rows.filter(kind=kind)
    if search := search.strip():
        rows = rows.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(subject__icontains=search)
        )
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
        "text_body",
    )


def outbox_page(
    *, business: Business, state: str, kind: str, search: str, number: str | int
) -> Page:
    """One page of ``outbox`` (``OUTBOX_PAGE`` rows; a number out of range gives the last
    page, anything else the first); two queries."""
    rows = outbox(business=business, state=state, kind=kind, search=search)
    return Paginator(rows, OUTBOX_PAGE).get_page(number)


def outbox_health(*, business: Business) -> dict:
    """Counts in the style of the sync health: queued, failed, and the oldest queued row's
    time (None when nothing waits), in one query."""
    waiting = Q(state__in=[Message.State.QUEUED, Message.State.SENDING])
    return Message.objects.filter(business=business).aggregate(
        queued=Count("pk", filter=waiting),
        failed=Count("pk", filter=Q(state=Message.State.FAILED)),
        oldest_queued=Min("created_date", filter=waiting),
    )


def event_messages(event: Event) -> list[Message]:
    """Who was told what about the event and when, newest first: each message's recipient,
    kind, state with its reason, and time (one query; at most ``OUTBOX_ROWS``)."""
    return list(
        Message.objects.filter(business_id=event.business_id, event_id=event.pk).only(
            "participation_id",
            "name",
            "email",
            "kind",
            "state",
            "reason",
            "created_date",
            "sent_date",
        )[:OUTBOX_ROWS]
    )


@dataclass(frozen=True)
class ReminderRow:
    """One schedule's line on the settings page."""

    schedule_id: str
    name: str
    enabled: bool
    lead_hours: int


def reminder_rows(*, business: Business) -> list[ReminderRow]:
    """Each schedule of the business (not blocked time) with its reminders' switch and lead
    time in hours, the defaults where it has no setting (one query)."""
    schedules = (
        Schedule.objects.filter(
            business=business, is_blocked_time=False, status=Schedule.Status.ACTIVE
        )
        .select_related("reminder_setting")
        .order_by("name", "id")
    )
    rows = []
    for schedule in schedules:
        setting = getattr(schedule, "reminder_setting", None)
        lead = setting.lead_time if setting else DEFAULT_LEAD
        rows.append(
            ReminderRow(
                schedule_id=schedule.pk,
                name=schedule.name,
                enabled=setting.enabled if setting else True,
                lead_hours=int(lead.total_seconds() // 3600),
            )
        )
    return rows


def sender_setting(*, business: Business) -> SenderSetting:
    """The business's sender settings, or unsaved defaults (one query)."""
    return SenderSetting.objects.filter(business=business).first() or SenderSetting(
        business=business
    )
