"""What makes the conferencing automation look at events: each trigger queues
``tasks.ensure_meeting`` on commit for the events concerned.

- ``event_changed``: a local write to an event of a local business (the calendar and participant
  services send ``calendar_app.signals.event_changed``); a series edit reaches its occurrences.
- ``request_meetings``: occurrences made by the events view rolling forward, or many events
  changed at once (``occurrences_created``, ``events_changed``: a schedule's cancel, a
  participation webhook, a backfill or reconciliation page of an upstream).
- ``upstream_events_applied``: applied event changes of an upstream (the Wix Events View
  Projection Updated deliveries), filtered as the seed flow says: the event's ``appId`` is the
  Wix Bookings app id and its ``externalScheduleId`` is a service (schedule ``external_id``)
  whose automation is on. The upstream sends the signal; this app never imports it.
An event that already has a meeting is always followed, so a reschedule, a participant change,
a cancellation or a removal reaches its meeting even after the automation was switched off.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from bookings.models import AppointmentBooking
from calendar_app.conferencing import tasks
from calendar_app.conferencing.models import ConferencingAutomation, Meeting
from calendar_app.conferencing.selectors import is_service_event
from calendar_app.models import Event
from calendar_app.tenancy.models import Business


def uses_conferencing(business: Business) -> bool:
    """Whether the business has an automation on or a meeting to follow (one query), so a
    business without conferencing pays one query per event write, not more."""
    automated = ConferencingAutomation.objects.filter(business=OuterRef("pk"), enabled=True)
    followed = Meeting.objects.filter(business=OuterRef("pk")).exclude(state=Meeting.State.DELETED)
    row = (
        Business.objects.filter(pk=business.pk)
        .annotate(automated=Exists(automated), followed=Exists(followed))
        .values_list("automated", "followed")
        .first()
    )
    return bool(row and any(row))


def request_meetings(*, business: Business, event_ids: list[str]) -> list[str]:
    """Queue ``ensure_meeting`` (on commit) for those of ``event_ids`` that are automated or
    already have a meeting; a new automated event gets its meeting row at once, pending.
    A connected business's events are automated by the seed's filter on their stored
    ``appId`` and ``externalScheduleId`` (as ``selectors.service_automation``); this is also
    how the events a backfill or reconciliation page applied get their meetings.

    Returns the queued ids. A constant number of queries, whatever the number of events.
    """
    if not event_ids or not uses_conferencing(business):
        return []
    automations = list(
        ConferencingAutomation.objects.filter(business=business, enabled=True).values_list(
            "schedule_id", "schedule__external_id", "appointment_id", "provider"
        )
    )
    followed = set(
        Meeting.objects.filter(event_id__in=event_ids)
        .exclude(state=Meeting.State.DELETED)
        .values_list("event_id", flat=True)
    )
    if not automations and not followed:
        return []
    connected = business.backend == Business.Backend.WIX
    by_schedule = {schedule: provider for schedule, _, _, provider in automations if schedule}
    # A connected business's events are picked by the seed's filter: appId and the service.
    by_service = {service: provider for _, service, _, provider in automations if service}
    by_appointment = {appt: provider for _, _, appt, provider in automations if appt}
    booked = {}
    if by_appointment:
        booked = dict(
            AppointmentBooking.objects.filter(
                event_id__in=event_ids, appointment_id__in=by_appointment
            ).values_list("event_id", "appointment_id")
        )
    rows = Event.objects.filter(business=business, pk__in=event_ids).values_list(
        "pk",
        "schedule_id",
        "app_id",
        "external_schedule_id",
        "status",
        "removed_date",
        "recurrence_type",
    )
    new_meetings, queued = [], []
    for pk, schedule_id, app_id, service, status, removed, recurrence_type in rows:
        if connected:
            provider = by_service.get(service) if is_service_event(app_id) else None
        else:
            provider = by_schedule.get(schedule_id) or by_appointment.get(booked.get(pk))
        live = (
            status != Event.Status.CANCELLED
            and removed is None
            and recurrence_type != Event.RecurrenceType.MASTER
        )
        if provider and live and pk not in followed:
            new_meetings.append(Meeting(business=business, event_id=pk, provider=provider))
        if pk in followed or (provider and live):
            queued.append(pk)
    Meeting.objects.bulk_create(new_meetings, ignore_conflicts=True)
    for pk in queued:
        tasks.ensure_meeting.delay_on_commit(pk)
    return queued


def event_changed(*, event: Event) -> list[str]:
    """A local business's event was written: its meeting (or, for a series' MASTER, its
    occurrences' meetings) follows. A connected business is followed through its webhooks."""
    business = event.business
    if business.backend != Business.Backend.LOCAL:
        return []
    if event.recurrence_type != Event.RecurrenceType.MASTER:
        return request_meetings(business=business, event_ids=[event.pk])
    occurrences = Event.objects.filter(recurring_event_id=event.pk).filter(
        Q(start__gte=timezone.now(), removed_date__isnull=True)
        | Q(meeting__isnull=False, meeting__state__in=_FOLLOWED_STATES)
    )
    return request_meetings(
        business=business, event_ids=list(occurrences.values_list("pk", flat=True))
    )


_FOLLOWED_STATES = [Meeting.State.PENDING, Meeting.State.READY, Meeting.State.FAILED]


def upstream_events_applied(
    *, business, events: list[tuple[str, str | None, str | None]]
) -> list[str]:
    """An upstream's changes to ``events`` ((event id, appId, externalScheduleId) each) were
    applied: queue the meetings of those the seed's filter matches or that have a meeting.

    A business without conferencing pays one query for the whole batch; one with it, two more
    (the automated services, the events with a meeting), whatever the batch's size.
    """
    if not events or not uses_conferencing(business):
        return []
    services = {external for _id, app_id, external in events if is_service_event(app_id)}
    automated = set(
        ConferencingAutomation.objects.filter(
            business=business, enabled=True, schedule__external_id__in=services - {None}
        ).values_list("schedule__external_id", flat=True)
    )
    with_meeting = set(
        Meeting.objects.filter(event_id__in=[event_id for event_id, *_ in events]).values_list(
            "event_id", flat=True
        )
    )
    event_ids = [
        event_id
        for event_id, app_id, external in events
        if (is_service_event(app_id) and external in automated) or event_id in with_meeting
    ]
    return request_meetings(business=business, event_ids=event_ids)
