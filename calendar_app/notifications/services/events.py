"""Notices of what happens to an event: cancelled (an occurrence, the following ones, a series,
a whole schedule) or moved (its time or place changed). Each is queued in the change's own
transaction, one row per active participant, a few queries whatever their number."""

from calendar_app import recurrence
from calendar_app.locations import location_text
from calendar_app.models import Event, Schedule, parse_local_date
from calendar_app.notifications import ics
from calendar_app.notifications.models import WIX_NOTIFIES, Message
from calendar_app.notifications.rendering import event_context, span_text
from calendar_app.notifications.services.outbox import Notice, participant, write_notices
from calendar_app.tenancy.models import Business
from participants.models import Participation


def queue_cancellation(*, event: Event, event_ids: list[str], notify: bool, message: str) -> None:
    """One outbox row per active participation of each cancelled occurrence (skipped, with the
    reason, for one that cannot or must not be told), and a send task per queued row on commit.

    Written in the cancel's transaction with ``ignore_conflicts``: the unique key makes a
    second cancel or a retried one insert nothing, so nobody is told twice.
    """
    if not notify or not event_ids:
        return
    events = Event.objects.filter(pk__in=event_ids, status=Event.Status.CANCELLED).exclude(
        recurrence_type=Event.RecurrenceType.MASTER
    )
    _queue_cancellations(business=event.business, events=list(events), message=message)


def queue_schedule_cancellation(
    *, schedule: Schedule, event_ids: list[str], notify: bool, message: str
) -> None:
    """The cancellation notices of the events a schedule's cancellation cancels (``event_ids``,
    some of them cancelled later by a worker): written now, with the schedule's cancel, under
    the same key as an event's own cancellation, so nobody is told twice."""
    if not notify or not event_ids:
        return
    events = Event.objects.filter(pk__in=event_ids).exclude(
        recurrence_type=Event.RecurrenceType.MASTER
    )
    _queue_cancellations(
        business=schedule.business, events=list(events), message=message, pending=True
    )


def _queue_cancellations(
    *, business: Business, events: list[Event], message: str, pending: bool = False
) -> None:
    """``pending``: the events are cancelled after this (their revision grows by one then)."""
    by_event = _participants(business=business, events=events)
    notices = [
        Notice(
            kind=Message.Kind.CANCELLED,
            event_id=event.pk,
            occurrence=event.start_local_date,
            context=event_context(event=event, business=business),
            ics_event=ics_event(event=event, business=business, sequence_bump=int(pending)),
            ics_method=ics.CANCEL,
            message=message,
            recipients=by_event.get(event.pk, []),
        )
        for event in events
    ]
    write_notices(business=business, notices=notices)


def queue_moves(
    *, business: Business, moves: list[tuple[str, dict]], notify: bool, message: str
) -> None:
    """A "moved" notice to each active participant of each moved event, with its old and new
    day, time and place. Keyed on the event's revision after the move: a second move tells
    again, the same move applied twice (a retried write or webhook) does not."""
    if not notify or not moves:
        return
    before = dict(moves)
    events = list(
        Event.objects.filter(pk__in=before, status=Event.Status.CONFIRMED).exclude(
            recurrence_type=Event.RecurrenceType.MASTER
        )
    )
    by_event = _participants(business=business, events=events)
    notices = []
    for event in events:
        was = before[event.pk]
        old = span_text(
            start=recurrence.to_utc(parse_local_date(was["start_local_date"]), was["time_zone"]),
            end=recurrence.to_utc(parse_local_date(was["end_local_date"]), was["time_zone"]),
            business=business,
        )
        context = {
            **event_context(event=event, business=business),
            "old_day": old["day"],
            "old_times": old["times"],
            "old_place": location_text(was["location"]),
        }
        notices.append(
            Notice(
                kind=Message.Kind.MOVED,
                event_id=event.pk,
                occurrence=event.start_local_date,
                revision=event.revision,
                context=context,
                ics_event=ics_event(event=event, business=business),
                ics_method=ics.REQUEST,
                message=message,
                recipients=by_event.get(event.pk, []),
            )
        )
    write_notices(business=business, notices=notices)


def _participants(*, business: Business, events: list[Event]) -> dict[str, list]:
    """The active participations of ``events`` as recipients, by event (one query); for a
    business connected to Wix each is skipped: Wix tells its participants itself."""
    reason = WIX_NOTIFIES if business.backend == Business.Backend.WIX else ""
    by_event: dict[str, list] = {}
    rows = Participation.objects.filter(
        event_id__in=[event.pk for event in events], cancelled_date__isnull=True
    ).order_by("pk")
    for row in rows:
        by_event.setdefault(row.event_id, []).append(participant(row, reason=reason))
    return by_event


def ics_event(*, event: Event, business: Business, sequence_bump: int = 0) -> ics.IcsEvent:
    """The calendar entry of an event occurrence: its UID is the occurrence's, its SEQUENCE
    the event's revision (``sequence_bump`` more for a change still to be written)."""
    return ics.IcsEvent(
        uid=ics.uid_for(event.pk),
        sequence=event.revision + sequence_bump,
        summary=event.title,
        start=event.start,
        end=event.end,
        time_zone=business.time_zone,
        location=location_text(event.location),
        description=f"{business.name}",
    )
