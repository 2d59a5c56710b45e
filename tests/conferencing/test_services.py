"""The meeting lifecycle of a local business: the calendar and participant services ask for the
meeting, the task (run here in-process; the real worker runs it in tests/integration) makes one
meeting, keeps it in step with reschedules and participants, and deletes it on cancellation."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection as db_connection

from calendar_app import services as calendar_services
from calendar_app.backends import Scope
from calendar_app.conferencing import services, tasks
from calendar_app.conferencing.models import ConferencingAutomation, Meeting, Provider
from calendar_app.models import ChangeRecord, Event
from participants import services as participant_services
from tests.factories import (
    AppointmentBookingFactory,
    BookableAppointmentFactory,
    ConferencingAutomationFactory,
    CustomerFactory,
    GoogleCredentialsFactory,
    ScheduleFactory,
    days_ahead_at_ten,
    weekly_series,
)
from tests.fakes.google_calendar_server import FakeGoogleCalendar

pytestmark = pytest.mark.django_db

SOON = days_ahead_at_ten(5)


@pytest.fixture
def builtin(schedule, settings):
    settings.CONFERENCING_MEETING_HOST = "https://jitsi.studio.example"
    return ConferencingAutomationFactory(schedule=schedule, provider=Provider.BUILTIN)


@pytest.fixture
def google(settings):
    with FakeGoogleCalendar() as fake:
        settings.GOOGLE_CALENDAR_API_URL = fake.api_url
        settings.GOOGLE_OAUTH_TOKEN_URL = fake.token_url
        yield fake


@pytest.fixture
def meet(schedule, business, google):
    GoogleCredentialsFactory(business=business)
    return ConferencingAutomationFactory(schedule=schedule, provider=Provider.GOOGLE_MEET)


def new_event(schedule, actor, *, start=SOON, title="Coaching") -> Event:
    return calendar_services.create_event(
        actor=actor, schedule=schedule, title=title, start_local=start, end_local=start + HOUR
    )


HOUR = timedelta(hours=1)


def ensure(event) -> str:
    """The task, run in this process."""
    return tasks.ensure_meeting.apply(args=[event.pk]).get()


def fresh(event) -> Event:
    return Event.objects.get(pk=event.pk)


# Creation


def test_a_new_event_of_an_automated_schedule_gets_a_pending_meeting(
    builtin, schedule, owner_membership
):
    event = new_event(schedule, owner_membership)

    meeting = Meeting.objects.get(event=event)
    assert (meeting.state, meeting.provider, meeting.host_url) == ("pending", "builtin", "")


def test_the_task_makes_the_meeting_and_writes_its_links_with_the_revision(
    builtin, schedule, owner_membership
):
    event = new_event(schedule, owner_membership)

    assert ensure(event) == "created"

    meeting = Meeting.objects.get(event=event)
    assert meeting.state == "ready"
    assert meeting.guest_url == f"https://jitsi.studio.example/{meeting.external_id}"
    stored = fresh(event)
    assert stored.conferencing_details == {
        "type": "CUSTOM",
        "hostUrl": meeting.host_url,
        "guestUrl": meeting.guest_url,
        "externalId": meeting.external_id,
    }
    assert stored.revision == event.revision + 1
    audit = ChangeRecord.objects.get(object_id=event.pk, action="conferencing")
    assert audit.actor_kind == "system"
    assert (audit.revision_before, audit.revision_after) == (event.revision, stored.revision)


def test_running_the_task_again_changes_nothing(builtin, schedule, owner_membership):
    event = new_event(schedule, owner_membership)
    ensure(event)
    written = fresh(event)

    assert ensure(event) == "unchanged"

    assert fresh(event).revision == written.revision
    assert Meeting.objects.count() == 1


def test_an_event_of_another_schedule_gets_no_meeting(builtin, business, owner_membership):
    other = ScheduleFactory(business=business, name="Open gym")
    event = new_event(other, owner_membership)

    assert ensure(event) == "not automated"
    assert not Meeting.objects.exists()
    assert fresh(event).conferencing_details is None


def test_a_switched_off_automation_makes_no_new_meetings(builtin, schedule, owner_membership):
    ConferencingAutomation.objects.update(enabled=False)
    event = new_event(schedule, owner_membership)

    assert ensure(event) == "not automated"
    assert not Meeting.objects.exists()


def test_a_series_asks_a_meeting_for_each_future_occurrence_not_the_master(
    builtin, schedule, owner_membership
):
    master = weekly_series(schedule, actor=owner_membership)

    occurrences = Event.objects.filter(recurring_event_id=master.pk)
    assert Meeting.objects.count() == occurrences.count() > 50
    assert not Meeting.objects.filter(event=master).exists()


def test_occurrences_made_when_the_events_view_rolls_forward_ask_for_meetings(
    builtin, schedule, business, owner_membership, settings
):
    master = weekly_series(schedule, actor=owner_membership)
    before = Meeting.objects.count()
    settings.EVENTS_VIEW_FUTURE_DAYS += 28

    created = calendar_services.extend_events_view(business=business)

    newest = Event.objects.filter(recurring_event_id=master.pk).order_by("-start").first()
    assert created >= 4
    assert Meeting.objects.count() == before + created
    assert Meeting.objects.get(event=newest).state == "pending"


def test_an_event_booked_for_an_automated_service_gets_a_meeting_with_its_customer(
    business, owner_membership, meet, google
):
    ConferencingAutomation.objects.all().delete()
    service = BookableAppointmentFactory(business=business, title="Coaching")
    ConferencingAutomationFactory(schedule=None, appointment=service, provider=Provider.GOOGLE_MEET)
    appointments = ScheduleFactory(business=business, name="Appointments")
    event = new_event(appointments, owner_membership)
    customer = CustomerFactory(business=business, email="jane@example.com")
    AppointmentBookingFactory(appointment=service, customer=customer, event=event)

    assert ensure(event) == "created"

    (_, _, body), *_ = google.api_calls("POST")
    assert body["attendees"] == [{"email": "jane@example.com"}]
    assert fresh(event).conferencing_details["guestUrl"].startswith("https://meet.google.com/")


# Keeping the meeting in step (Google Meet, where each change is a call)


def test_a_reschedule_updates_the_meeting(meet, schedule, owner_membership, google):
    event = new_event(schedule, owner_membership)
    ensure(event)
    created = Meeting.objects.get()
    event = fresh(event)

    calendar_services.update_event(
        actor=owner_membership,
        event=event,
        expected_revision=event.revision,
        changes={"start_local_date": SOON + timedelta(days=1), "end_local_date": SOON + HOUR * 25},
    )
    assert ensure(event) == "updated"

    (path, _, body), *_ = google.api_calls("PATCH")
    assert path.endswith(f"/events/{created.external_id}")
    assert body["start"]["dateTime"] == fresh(event).start.isoformat()
    assert Meeting.objects.get().guest_url == created.guest_url
    assert len(google.live_events()) == 1


def test_editing_this_and_the_following_asks_the_moved_occurrences_for_their_meetings(
    builtin, schedule, owner_membership, django_capture_on_commit_callbacks
):
    master = weekly_series(schedule, actor=owner_membership)
    first, second, third = Event.objects.filter(recurring_event_id=master.pk).order_by("start")[:3]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        follower = calendar_services.update_following(
            actor=owner_membership,
            occurrence=third,
            expected_revision=master.revision,
            changes={"title": "Evening coaching"},
        )

    asked = {c.args[0] for c in queued if getattr(c.func.__self__, "name", "") == ENSURE}
    moved = set(Event.objects.filter(recurring_event_id=follower.pk).values_list("pk", flat=True))
    assert third.pk in asked and asked == moved
    assert first.pk not in asked and second.pk not in asked


ENSURE = tasks.ensure_meeting.name


def test_a_new_participant_is_added_to_the_meeting(meet, schedule, owner_membership, google):
    event = new_event(schedule, owner_membership)
    ensure(event)

    participant_services.add_participation(
        actor=owner_membership, event=fresh(event), name="Max", email="max@example.com"
    )
    assert ensure(event) == "updated"

    (_, _, body), *_ = google.api_calls("PATCH")
    assert body["attendees"] == [{"email": "max@example.com"}]


def test_a_cancellation_deletes_the_meeting(meet, schedule, owner_membership, google):
    event = new_event(schedule, owner_membership)
    ensure(event)
    event = fresh(event)

    calendar_services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision
    )
    assert ensure(event) == "deleted"

    meeting = Meeting.objects.get()
    assert (meeting.state, meeting.external_id, meeting.guest_url) == ("deleted", "", "")
    assert google.live_events() == []
    assert ensure(event) == "unchanged"  # a repeat deletes nothing twice
    assert len(google.api_calls("DELETE")) == 1


def test_a_cancellation_clears_the_automation_s_links_in_the_same_write(
    builtin, schedule, owner_membership
):
    event = new_event(schedule, owner_membership)
    ensure(event)
    event = fresh(event)
    assert event.conferencing_details["externalId"] == Meeting.objects.get().external_id

    cancelled = calendar_services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision
    )

    # Before the task deletes the meeting, the cancel itself took the links off the event,
    # in its one revision, and the audit of the cancel says so.
    stored = fresh(event)
    assert (stored.conferencing_details, cancelled.conferencing_details) == (None, None)
    assert stored.revision == cancelled.revision == event.revision + 1
    audit = ChangeRecord.objects.get(object_id=event.pk, action="cancel")
    assert audit.changes["conferencing_details"][1] is None
    assert ensure(event) == "deleted"
    assert fresh(event).conferencing_details is None


def test_a_cancellation_keeps_links_the_owner_entered_by_hand(builtin, schedule, owner_membership):
    event = new_event(schedule, owner_membership)
    ensure(event)
    event = fresh(event)
    own = {"type": "CUSTOM", "guestUrl": "https://zoom.example.com/j/42"}
    event = calendar_services.update_event(
        actor=owner_membership,
        event=event,
        expected_revision=event.revision,
        changes={"conferencing_details": own},
    )
    assert ensure(event) == "unchanged"  # the owner's links are not overwritten

    calendar_services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision
    )

    assert fresh(event).conferencing_details == own


def test_a_series_cancel_clears_the_links_of_the_occurrences_it_cancels(
    builtin, schedule, owner_membership
):
    master = weekly_series(schedule, actor=owner_membership)
    occurrences = list(Event.objects.filter(recurring_event_id=master.pk).order_by("start"))
    for occurrence in occurrences[:3]:
        ensure(occurrence)
    first, second, third = (fresh(occurrence) for occurrence in occurrences[:3])
    calendar_services.cancel_event(
        actor=owner_membership, event=first, expected_revision=first.revision
    )
    kept = fresh(second).conferencing_details
    assert fresh(first).conferencing_details is None
    assert kept["externalId"] == Meeting.objects.get(event=second).external_id  # not reached

    calendar_services.cancel_event(
        actor=owner_membership,
        event=second,
        expected_revision=second.revision,
        scope=Scope.FOLLOWING,
    )
    assert fresh(second).conferencing_details is None
    assert fresh(third).conferencing_details is None


def test_a_schedule_cancel_clears_the_links_of_its_future_events_and_deletes_their_meetings(
    builtin, schedule, owner_membership, django_capture_on_commit_callbacks
):
    event = new_event(schedule, owner_membership)
    ensure(event)
    schedule.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        calendar_services.cancel_schedule(
            actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
        )

    assert fresh(event).conferencing_details is None
    assert len(queued) == 1  # the meeting's task, to delete it
    assert ensure(event) == "deleted"


def test_a_restored_event_gets_a_new_meeting_on_the_same_row(
    meet, schedule, owner_membership, google
):
    event = new_event(schedule, owner_membership)
    ensure(event)
    first = Meeting.objects.get().external_id
    event = fresh(event)
    event = calendar_services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision
    )
    ensure(event)

    calendar_services.restore_event(
        actor=owner_membership, event=event, expected_revision=event.revision
    )
    assert ensure(event) == "created"

    meeting = Meeting.objects.get()
    assert (meeting.state, meeting.generation) == ("ready", 2)
    assert meeting.external_id != first
    assert fresh(event).conferencing_details["externalId"] == meeting.external_id
    assert len(google.live_events()) == 1


def test_a_series_cancel_deletes_every_occurrence_s_meeting(builtin, schedule, owner_membership):
    master = weekly_series(schedule, actor=owner_membership)
    first, second = Event.objects.filter(recurring_event_id=master.pk).order_by("start")[:2]
    for occurrence in (first, second):
        ensure(occurrence)
    master = fresh(master)

    calendar_services.cancel_event(
        actor=owner_membership, event=master, expected_revision=master.revision
    )
    for occurrence in (first, second):
        ensure(occurrence)

    assert set(
        Meeting.objects.filter(event__in=[first, second]).values_list("state", flat=True)
    ) == {"deleted"}


# Failures


def test_a_provider_refusal_marks_the_meeting_failed_with_the_reason(
    meet, schedule, owner_membership, google
):
    google.refresh_token = "1//revoked"
    event = new_event(schedule, owner_membership)

    assert ensure(event) == "failed"

    meeting = Meeting.objects.get()
    assert meeting.state == "failed"
    assert "invalid_grant" in meeting.error
    assert fresh(event).conferencing_details is None


def test_an_unreachable_provider_is_retried_then_marked_failed(
    meet, schedule, owner_membership, settings
):
    settings.GOOGLE_OAUTH_TOKEN_URL = "http://127.0.0.1:9/token"
    event = new_event(schedule, owner_membership)

    result = tasks.ensure_meeting.apply(args=[event.pk], kwargs={}, retries=6)

    assert result.failed()
    meeting = Meeting.objects.get()
    assert meeting.state == "failed"
    assert meeting.error.startswith("Gave up after retrying: Google's sign-in service")


# Never two meetings


@pytest.mark.django_db(transaction=True)
def test_parallel_tasks_for_one_event_make_one_meeting(meet, schedule, owner_membership, google):
    event = new_event(schedule, owner_membership)
    outcomes = []

    def run():
        try:
            outcomes.append(services.ensure_meeting(event_id=event.pk))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "unchanged", "unchanged", "unchanged"]
    assert Meeting.objects.count() == 1
    assert len(google.live_events()) == 1
    assert len(google.api_calls("POST")) == 1


# Settings


def test_google_meet_needs_credentials_first(business, schedule, owner_membership):
    with pytest.raises(ValidationError, match="Google credentials"):
        services.set_automation(
            actor=owner_membership,
            business=business,
            schedule=schedule,
            enabled=True,
            provider=Provider.GOOGLE_MEET,
        )
    assert not ConferencingAutomation.objects.exists()


def test_staff_cannot_change_the_automation(business, schedule, staff_membership):
    with pytest.raises(PermissionDenied):
        services.set_automation(
            actor=staff_membership,
            business=business,
            schedule=schedule,
            enabled=True,
            provider=Provider.BUILTIN,
        )


def test_another_business_s_schedule_is_refused(business, other_business, owner_membership):
    foreign = ScheduleFactory(business=other_business)

    with pytest.raises(ValidationError):
        services.set_automation(
            actor=owner_membership,
            business=business,
            schedule=foreign,
            enabled=True,
            provider=Provider.BUILTIN,
        )


def test_saving_credentials_again_keeps_the_secret_when_left_empty(business, owner_membership):
    services.save_google_credentials(
        actor=owner_membership,
        business=business,
        client_id="client-1",
        client_secret="secret-value-1234",
        refresh_token="1//refresh-value-5678",
    )

    stored = services.save_google_credentials(
        actor=owner_membership, business=business, client_id="client-2"
    )

    assert (stored.client_id, stored.client_secret, stored.refresh_token) == (
        "client-2",
        "secret-value-1234",
        "1//refresh-value-5678",
    )
    assert stored.masked_client_secret == "…1234"
