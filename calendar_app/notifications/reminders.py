"""Reminders before each occurrence a participant is booked on, queued by a beat task.

Every few minutes ``queue_reminders`` finds the confirmed occurrences that have not started
and whose start minus their schedule's lead time (``ReminderSetting``, 24 hours without one)
has passed, and writes one outbox row per active participation of each (booked on the
occurrence, or on its whole schedule). The row's key is (participation, ``reminder``, event,
occurrence's local start), so each person is reminded once per occurrence however often the
task runs. The time is read from the event when the row is written: a class moved before its
reminder went out is reminded at (and of) its new time; one moved after its reminder was sent
gets a second reminder, of the new time, when that one is due (its key names the new start).
A cancelled event or participation is never reminded: both are filtered out when the rows are
written, and the sender skips a reminder still queued when its event was cancelled or moved, or
its participation cancelled, meanwhile (``sending.stale_reminder``). The number of queries does
not grow with the number of participants or occurrences.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import BooleanField, DateTimeField, DurationField, F, Q, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string

from calendar_app.locations import location_text
from calendar_app.models import Event
from calendar_app.notifications.models import (
    DEFAULT_LEAD,
    NO_EMAIL,
    UNSUBSCRIBED,
    WIX_NOTIFIES,
    Message,
    Unsubscribe,
    new_message_id,
)
from calendar_app.notifications.rendering import Rendered, when_text
from calendar_app.notifications.tokens import unsubscribe_url
from calendar_app.tenancy.models import Business
from participants.models import Participation

# The longest lead time a schedule may set; also bounds the due occurrences' index scan.
MAX_LEAD = timedelta(days=14)
# Occurrences handled per run (the next run takes the rest).
BATCH = 500


def render_reminder(
    *, event: Event, business: Business, name: str, unsubscribe_url: str
) -> Rendered:
    """The reminder of one occurrence to one participant: class, day, times in the business's
    zone with the zone named, and the place."""
    context = {
        "business": business,
        "event": event,
        "name": name,
        "place": location_text(event.location),
        "unsubscribe_url": unsubscribe_url,
        **when_text(event=event, business=business),
    }
    start = event.start.astimezone(business.zone)
    subject = f"Reminder: {event.title} on {context['short_day']} at {start:%H:%M}"
    return Rendered(
        subject=" ".join(subject.split()),
        text=render_to_string("notifications/reminder.txt", context),
        html=render_to_string("notifications/reminder.html", context),
    )


def due_occurrences(*, now: datetime) -> list[Event]:
    """Confirmed occurrences that have not started, of schedules with reminders on, whose
    start minus the lead time has passed (one query, soonest first, at most ``BATCH``)."""
    lead = Coalesce(
        F("schedule__reminder_setting__lead_time"),
        Value(DEFAULT_LEAD),
        output_field=DurationField(),
    )
    enabled = Coalesce(
        F("schedule__reminder_setting__enabled"), Value(True), output_field=BooleanField()
    )
    remind_from = Value(now, output_field=DateTimeField()) + F("lead")
    return list(
        Event.objects.filter(
            status=Event.Status.CONFIRMED,
            removed_date__isnull=True,
            start__gt=now,
            start__lte=now + MAX_LEAD,
            schedule__is_blocked_time=False,
        )
        .exclude(recurrence_type=Event.RecurrenceType.MASTER)
        .alias(lead=lead, enabled=enabled)
        .filter(enabled=True, start__lte=remind_from)
        .select_related("business")
        .order_by("start", "id")[:BATCH]
    )


def _booked(events: list[Event]) -> dict[str, list[Participation]]:
    """Each occurrence's active, confirmed participations: its own and its schedule's (one
    query)."""
    participations = Participation.objects.filter(
        Q(event_id__in=[e.pk for e in events])
        | Q(event__isnull=True, schedule_id__in={e.schedule_id for e in events}),
        cancelled_date__isnull=True,
        status=Participation.Status.CONFIRMED,
    ).only("pk", "event_id", "schedule_id", "name", "email")
    by_event, by_schedule = defaultdict(list), defaultdict(list)
    for p in participations:
        if p.event_id:
            by_event[p.event_id].append(p)
        else:
            by_schedule[p.schedule_id].append(p)
    return {e.pk: by_event[e.pk] + by_schedule[e.schedule_id] for e in events}


def _skip_reason(*, business: Business, email: str, unsubscribed: set) -> str:
    if business.backend == Business.Backend.WIX:
        return WIX_NOTIFIES
    if not email:
        return NO_EMAIL
    return UNSUBSCRIBED if (business.pk, email.lower()) in unsubscribed else ""


def _row(*, event: Event, participation: Participation, reason: str) -> Message:
    business = event.business
    email = participation.email
    rendered = render_reminder(
        event=event,
        business=business,
        name=participation.name,
        unsubscribe_url=unsubscribe_url(business_id=business.pk, email=email) if email else "",
    )
    return Message(
        business=business,
        participation=participation,
        recipient_key=participation.pk,
        email=email,
        name=participation.name,
        kind=Message.Kind.REMINDER,
        event_id=event.pk,
        occurrence=event.start_local_date,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        state=Message.State.SKIPPED if reason else Message.State.QUEUED,
        reason=reason,
        message_id=new_message_id(kind=Message.Kind.REMINDER),
    )


@transaction.atomic
def queue_reminders(*, now: datetime) -> list[str]:
    """Write the reminders due at ``now`` that are not written yet (skipped, with the reason,
    for a person without an address, unsubscribed, or a Wix business's); the Message-IDs of
    the rows to send. Five queries whatever the number of occurrences and participants."""
    events = due_occurrences(now=now)
    if not events:
        return []
    booked = _booked(events)
    written = set(
        Message.objects.filter(
            kind=Message.Kind.REMINDER, event_id__in=[e.pk for e in events]
        ).values_list("recipient_key", "event_id", "occurrence")
    )
    pairs = [
        (event, p)
        for event in events
        for p in booked[event.pk]
        if (p.pk, event.pk, event.start_local_date) not in written
    ]
    if not pairs:
        return []
    emails = {p.email.lower() for _e, p in pairs if p.email}
    unsubscribed = set(
        Unsubscribe.objects.filter(
            business_id__in={e.business_id for e in events}, email__in=emails
        ).values_list("business_id", "email")
    )
    rows = [
        _row(
            event=event,
            participation=p,
            reason=_skip_reason(business=event.business, email=p.email, unsubscribed=unsubscribed),
        )
        for event, p in pairs
    ]
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    return [row.message_id for row in rows if row.state == Message.State.QUEUED]
