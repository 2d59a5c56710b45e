"""Keeping one meeting in step with its event.

``ensure_meeting`` (the task's body) makes sure ONE meeting exists for a live event: the
meeting row is unique per event and locked (``SELECT … FOR UPDATE``) while the provider is
called, so repeated or reordered deliveries and parallel workers make one meeting; then it
writes ``conferencingDetails`` (type CUSTOM, hostUrl, guestUrl, externalId) back through the
business's calendar (``calendar_app.services.system``) with the event's revision, re-reading and
retrying on a revision conflict. A cancelled or removed event gets its meeting deleted at the
provider.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bookings.models import AppointmentBooking
from calendar_app.conferencing.models import Meeting
from calendar_app.conferencing.providers import (
    MeetingRequest,
    ProviderRefused,
    ProviderUnavailable,
    provider_for,
)
from calendar_app.conferencing.selectors import automation_for_event, is_live
from calendar_app.errors import CalendarError, CalendarUnavailable, RevisionConflict
from calendar_app.models import Event
from calendar_app.services.system import write_event_changes
from participants.models import Participation

WRITE_ATTEMPTS = 3


class WriteBackUnavailable(ProviderUnavailable):
    """The calendar could not take the meeting's links now (unreachable, or kept changing)."""


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
            write_event_changes(
                event=synced.event,
                changes={"conferencing_details": synced.details},
                action="conferencing",
            )
            Meeting.objects.filter(event_id=event_id).update(written_details=synced.details)
        except RevisionConflict:
            continue  # changed meanwhile: re-read, bring the meeting in step again, retry
        except CalendarUnavailable as error:
            raise WriteBackUnavailable(str(error)) from None
        except CalendarError as error:
            if not is_live(Event.objects.get(pk=event_id)):
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
    live = is_live(event)
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


def _fail(event_id: str, error: str) -> None:
    Meeting.objects.filter(event_id=event_id).update(
        state=Meeting.State.FAILED, error=error[:2000], updated_date=timezone.now()
    )


def mark_failed(*, event_id: str, error: str) -> None:
    """The task gave up (retries spent, or an unexpected error): show why on the meeting."""
    _fail(event_id, f"Gave up after retrying: {error}")
