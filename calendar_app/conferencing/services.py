"""Conferencing automation: which events get a meeting, and keeping each meeting in step.

Triggers (each queues ``tasks.ensure_meeting`` on commit for the events concerned):
- ``event_changed``: a local write to an event of a local business (the calendar and participant
  services send ``calendar_app.signals.event_changed``); a series edit reaches its occurrences.
- ``projection_updated``: an applied Events View Projection Updated delivery of a business
  connected to Wix, filtered as the seed flow says: ``actionEvent.body.appId`` is the Wix
  Bookings app id and ``event.externalScheduleId`` is a service (schedule ``external_id``)
  whose automation is on.
An event that already has a meeting is always followed, so a reschedule, a participant change,
a cancellation or a removal reaches its meeting even after the automation was switched off.

``ensure_meeting`` (the task's body) makes sure ONE meeting exists for a live event: the
meeting row is unique per event and locked (``SELECT … FOR UPDATE``) while the provider is
called, so repeated or reordered deliveries and parallel workers make one meeting; then it
writes ``conferencingDetails`` (type CUSTOM, hostUrl, guestUrl, externalId) back through the
business's calendar backend with the event's revision, re-reading and retrying on a revision
conflict. A cancelled or removed event gets its meeting deleted at the provider.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from bookings.models import AppointmentBooking, BookableAppointment
from calendar_app.audit import event_rows, record_change, record_event_changes
from calendar_app.backends import calendar_backend
from calendar_app.conferencing.models import (
    ConferencingAutomation,
    GoogleCredentials,
    Meeting,
    Provider,
)
from calendar_app.conferencing.providers import (
    MeetingRequest,
    ProviderRefused,
    ProviderUnavailable,
    provider_for,
)
from calendar_app.errors import CalendarError, CalendarUnavailable, RevisionConflict
from calendar_app.models import Business, Event, Membership, Schedule
from calendar_app.tenancy.access import require_owner
from calendar_app.wix.mapping import WIX_BOOKINGS_APP_ID
from participants.models import Participation

WRITE_ATTEMPTS = 3


class WriteBackUnavailable(ProviderUnavailable):
    """The calendar could not take the meeting's links now (unreachable, or kept changing)."""


# Which events are automated -----------------------------------------------------------------


def _is_live(event: Event) -> bool:
    """An occurrence that takes place: not cancelled, not removed, not a series' MASTER."""
    return (
        not event.is_cancelled
        and event.removed_date is None
        and event.recurrence_type != Event.RecurrenceType.MASTER
    )


def wix_automation(
    *, business: Business, app_id: str | None, external_schedule_id: str | None
) -> ConferencingAutomation | None:
    """The seed's filter for a connected business: the event's ``appId`` is Wix Bookings and
    its ``externalScheduleId`` is the service id of a schedule whose automation is on."""
    if app_id != WIX_BOOKINGS_APP_ID or not external_schedule_id:
        return None
    return (
        ConferencingAutomation.objects.filter(
            business=business, enabled=True, schedule__external_id=external_schedule_id
        )
        .order_by("pk")
        .first()
    )


def automation_for_event(event: Event) -> ConferencingAutomation | None:
    """The automation that covers the event (its schedule, or the service it was booked for)."""
    business = event.business
    if business.backend == Business.Backend.WIX:
        return wix_automation(
            business=business,
            app_id=event.app_id,
            external_schedule_id=event.external_schedule_id,
        )
    appointment_ids = AppointmentBooking.objects.filter(event_id=event.pk).values("appointment_id")
    return (
        ConferencingAutomation.objects.filter(business=business, enabled=True)
        .filter(Q(schedule_id=event.schedule_id) | Q(appointment_id__in=appointment_ids))
        .order_by("pk")
        .first()
    )


# Triggers ------------------------------------------------------------------------------------


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
    ``appId`` and ``externalScheduleId`` (as ``wix_automation``); this is also how the events a
    backfill or reconciliation page applied get their meetings (``wix_events_applied``).

    Returns the queued ids. A constant number of queries, whatever the number of events.
    """
    from calendar_app.conferencing import tasks

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
    wix = business.backend == Business.Backend.WIX
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
        if wix:
            provider = by_service.get(service) if app_id == WIX_BOOKINGS_APP_ID else None
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


def projections_updated(*, connection, bodies: list[dict]) -> list[str]:
    """Events View Projection Updated deliveries were applied for ``connection``: queue the
    meetings of the events in ``bodies`` that the seed's filter matches or that have a meeting.

    A business without conferencing pays one query for the whole batch.
    """
    business = connection.business
    if not bodies or not uses_conferencing(business):
        return []
    event_ids = []
    for body in bodies:
        change = body.get("eventAddedOrUpdated") or body.get("eventRemoved") or {}
        data = change.get("event") if isinstance(change, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            continue
        event_id = str(data["id"])
        automated = wix_automation(
            business=business,
            app_id=body.get("appId"),
            external_schedule_id=data.get("externalScheduleId"),
        )
        if automated is not None or Meeting.objects.filter(event_id=event_id).exists():
            event_ids.append(event_id)
    return request_meetings(business=business, event_ids=event_ids)


def wix_events_applied(*, connection, event_ids: list[str]) -> list[str]:
    """A backfill or reconciliation page was applied for ``connection``: the events it created,
    updated or removed, or whose participants it changed (``event_ids``), get their meetings
    made, kept in step or deleted, as a webhook's would."""
    return request_meetings(business=connection.business, event_ids=event_ids)


# Keeping one meeting in step -----------------------------------------------------------------


@dataclass(frozen=True)
class _Synced:
    outcome: str
    event: Event | None = None
    details: dict | None = None  # conferencingDetails to write back, when they differ


def ensure_meeting(*, event_id: str) -> str:
    """Make the event's meeting match the event and its links match the meeting.

    Returns what happened: created / updated / unchanged / deleted / failed / not automated /
    gone. Raises ``ProviderUnavailable`` (the task retries it) when the provider or the calendar
    cannot be reached, or when the event kept changing under every write-back attempt.
    """
    for _ in range(WRITE_ATTEMPTS):
        synced = _sync_meeting(event_id)
        if synced.details is None:
            return synced.outcome
        try:
            _write_back(synced.event, synced.details)
            Meeting.objects.filter(event_id=event_id).update(written_details=synced.details)
        except RevisionConflict:
            continue  # changed meanwhile: re-read, bring the meeting in step again, retry
        except CalendarUnavailable as error:
            raise WriteBackUnavailable(str(error)) from None
        except CalendarError as error:
            if not _is_live(Event.objects.get(pk=event_id)):
                continue  # cancelled or removed meanwhile: the next round deletes the meeting
            _fail(event_id, f"The meeting is ready, but the calendar refused its links: {error}")
            return "failed"
        return synced.outcome
    raise WriteBackUnavailable(
        f"The event changed during each of {WRITE_ATTEMPTS} attempts to write the meeting's "
        "links; trying again later."
    )


@transaction.atomic
def _sync_meeting(event_id: str) -> _Synced:
    # The meeting row's lock orders workers of one event; the event is read after it.
    meeting = Meeting.objects.select_for_update().filter(event_id=event_id).first()
    event = Event.objects.select_related("business").filter(pk=event_id).first()
    if event is None:
        return _Synced("gone")
    live = _is_live(event)
    if meeting is None:
        automation = automation_for_event(event) if live else None
        if automation is None:
            return _Synced("not automated")
        # Another worker may be inserting it too: the one-to-one key keeps one row.
        Meeting.objects.bulk_create(
            [Meeting(business=event.business, event=event, provider=automation.provider)],
            ignore_conflicts=True,
        )
        meeting = Meeting.objects.select_for_update().get(event_id=event_id)
    if not live and meeting.state == Meeting.State.DELETED:
        return _Synced("unchanged")
    try:
        provider = provider_for(business=event.business, provider=meeting.provider)
        if not live:
            if meeting.external_id:
                provider.delete_meeting(external_id=meeting.external_id)
            _save(
                meeting,
                state=Meeting.State.DELETED,
                generation=meeting.generation + 1,
                external_id="",
                host_url="",
                guest_url="",
                synced_fingerprint="",
                error="",
            )
            return _Synced("deleted")
        request = _meeting_request(event, meeting)
        if not meeting.external_id:
            details, outcome = provider.create_meeting(request=request), "created"
        elif (
            request.fingerprint != meeting.synced_fingerprint
            or meeting.state != Meeting.State.READY
        ):
            details = provider.update_meeting(external_id=meeting.external_id, request=request)
            outcome = "updated"
        else:
            details, outcome = None, "unchanged"
    except ProviderRefused as error:
        _save(meeting, state=Meeting.State.FAILED, error=str(error))
        return _Synced("failed")
    if details is not None:
        _save(
            meeting,
            state=Meeting.State.READY,
            external_id=details.external_id,
            host_url=details.host_url,
            guest_url=details.guest_url,
            synced_fingerprint=request.fingerprint,
            error="",
        )
    wanted = meeting.conferencing_details
    if wanted in (event.conferencing_details, meeting.written_details):
        return _Synced(outcome)
    return _Synced(outcome, event=event, details=wanted)


def _save(meeting: Meeting, **values) -> None:
    values["updated_date"] = timezone.now()
    for name, value in values.items():
        setattr(meeting, name, value)
    meeting.save(update_fields=list(values))


def _meeting_request(event: Event, meeting: Meeting) -> MeetingRequest:
    """The event as the provider needs it; attendees are its participants and customers."""
    emails = set(
        Participation.objects.filter(event_id=event.pk, cancelled_date__isnull=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    emails |= set(
        AppointmentBooking.objects.filter(event_id=event.pk)
        .exclude(booking_status=AppointmentBooking.BookingStatus.CANCELED)
        .exclude(customer__email="")
        .values_list("customer__email", flat=True)
    )
    return MeetingRequest(
        event_id=event.pk,
        generation=meeting.generation,
        title=event.title,
        start=event.start,
        end=event.end,
        time_zone=event.time_zone,
        attendees=tuple(sorted(emails)),
    )


def _write_back(event: Event, details: dict) -> None:
    """``conferencingDetails`` through the business's backend with the event's revision.

    A local business's change is audited here, in the write's transaction. A connected
    business's backend applies (and audits) the upstream's answer itself, and on a conflict
    applies the upstream's current event before raising, so that re-read must not be rolled
    back: it runs outside any transaction of ours.
    """
    business = event.business
    changes = {"conferencing_details": details}
    backend = calendar_backend(business)
    if business.backend != Business.Backend.LOCAL:
        backend.update_event(event=event, expected_revision=event.revision, changes=changes)
        return
    with transaction.atomic():
        rows = Event.objects.filter(pk=event.pk)
        before = event_rows(rows)
        backend.update_event(event=event, expected_revision=event.revision, changes=changes)
        record_event_changes(
            business=business,
            actor=None,
            action="conferencing",
            before=before,
            after=event_rows(rows),
        )


def _fail(event_id: str, error: str) -> None:
    Meeting.objects.filter(event_id=event_id).update(
        state=Meeting.State.FAILED, error=error[:2000], updated_date=timezone.now()
    )


def mark_failed(*, event_id: str, error: str) -> None:
    """The task gave up (retries spent, or an unexpected error): show why on the meeting."""
    _fail(event_id, f"Gave up after retrying: {error}")


# Owner settings -------------------------------------------------------------------------------


@transaction.atomic
def set_automation(
    *,
    actor: Membership | None,
    business: Business,
    enabled: bool,
    provider: str,
    schedule: Schedule | None = None,
    appointment: BookableAppointment | None = None,
) -> ConferencingAutomation:
    """Switch "add a meeting automatically" for one schedule or one service, with its provider.

    Google Meet needs the business's Google credentials first. Existing meetings keep their
    provider; the choice applies to meetings made from now on.
    """
    require_owner(actor, "change the conferencing settings")
    if (schedule is None) == (appointment is None):
        raise ValidationError("Choose one schedule or one service.")
    target = schedule or appointment
    if target.business_id != business.pk:
        raise ValidationError("Choose a schedule or service of this business.")
    if provider not in Provider.values:
        raise ValidationError({"provider": "Choose a meeting provider."})
    if (
        enabled
        and provider == Provider.GOOGLE_MEET
        and not GoogleCredentials.objects.filter(business=business).exists()
    ):
        raise ValidationError(
            {"provider": "Enter the Google credentials below before choosing Google Meet."}
        )
    key = {"schedule": schedule} if schedule is not None else {"appointment": appointment}
    automation, created = ConferencingAutomation.objects.select_for_update().get_or_create(
        business=business, **key, defaults={"enabled": enabled, "provider": provider}
    )
    if not created:
        automation.enabled, automation.provider = enabled, provider
        automation.updated_date = timezone.now()
        automation.save(update_fields=["enabled", "provider", "updated_date"])
    record_change(
        business=business,
        actor=actor,
        obj=automation,
        action="create" if created else "update",
        revision_before=None,
        changes={"enabled": [None, enabled], "provider": [None, provider]},
    )
    return automation


@transaction.atomic
def save_google_credentials(
    *,
    actor: Membership | None,
    business: Business,
    client_id: str,
    client_secret: str = "",
    refresh_token: str = "",
    calendar_id: str = "primary",
) -> GoogleCredentials:
    """Store the business's Google OAuth client and refresh token.

    An empty secret or token keeps the stored one (the form never shows them back); the first
    save needs both. New credentials drop the cached access token. Raises ``ValidationError``
    keyed by field, writing nothing.
    """
    require_owner(actor, "change the conferencing settings")
    stored = GoogleCredentials.objects.select_for_update().filter(business=business).first()
    errors = {}
    if not client_id.strip():
        errors["client_id"] = "Enter the OAuth client id."
    if stored is None and not client_secret.strip():
        errors["client_secret"] = "Enter the OAuth client secret."
    if stored is None and not refresh_token.strip():
        errors["refresh_token"] = "Enter the refresh token."
    if errors:
        raise ValidationError(errors)
    values = {
        "client_id": client_id.strip(),
        "calendar_id": calendar_id.strip() or "primary",
        "access_token": "",
        "access_token_expires": None,
        "updated_date": timezone.now(),
    }
    if client_secret.strip():
        values["client_secret"] = client_secret.strip()
    if refresh_token.strip():
        values["refresh_token"] = refresh_token.strip()
    if stored is None:
        stored = GoogleCredentials.objects.create(business=business, **values)
        action = "connect"
    else:
        for name, value in values.items():
            setattr(stored, name, value)
        stored.save()
        action = "reconnect"
    record_change(business=business, actor=actor, obj=stored, action=action, revision_before=None)
    return stored
