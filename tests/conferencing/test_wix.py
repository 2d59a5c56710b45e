"""Conferencing for a business connected to Wix: signed Events View Projection Updated webhooks
(tests/fakes/wix_signing.py) go through the intake and the delivery task; the seed's filter
(``appId`` = Wix Bookings, ``externalScheduleId`` = the chosen service) picks the events; the
meeting task writes ``conferencingDetails`` back to the fake Calendar V3 server with the event's
revision. Tasks run in this process (the real worker runs them in tests/integration)."""

import random
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from calendar_app.conferencing import services, tasks
from calendar_app.conferencing.models import Meeting, Provider
from calendar_app.models import Event, Schedule
from calendar_app.wix import apply, backfill, reconcile, webhooks
from calendar_app.wix import tasks as wix_tasks
from calendar_app.wix.health.models import Reconciliation
from calendar_app.wix.models import WebhookDelivery
from tests.factories import (
    ConferencingAutomationFactory,
    GoogleCredentialsFactory,
    MembershipFactory,
    WixConnectionFactory,
)
from tests.fakes import wix_signing as signing
from tests.fakes.google_calendar_server import FakeGoogleCalendar
from tests.fakes.wix_server import WIX_BOOKINGS_APP_ID, FakeWixServer

pytestmark = pytest.mark.django_db

SOON = (datetime.now() + timedelta(days=4)).replace(hour=15, minute=0, second=0, microsecond=0)
HOUR = timedelta(hours=1)


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        yield server


@pytest.fixture
def google(settings):
    with FakeGoogleCalendar() as server:
        settings.GOOGLE_CALENDAR_API_URL = server.api_url
        settings.GOOGLE_OAUTH_TOKEN_URL = server.token_url
        yield server


@pytest.fixture
def connection(fake):
    return WixConnectionFactory.mirroring(fake)


def stored_schedule(connection, data: dict) -> Schedule:
    apply.apply_remote_schedule(connection=connection, data=data, source="backfill")
    return Schedule.objects.get(pk=data["id"])


@pytest.fixture
def service(fake, connection, google):
    """A Wix Bookings service schedule whose events get Google Meet meetings."""
    data = fake.add_schedule(name="Coaching", app_id=WIX_BOOKINGS_APP_ID)
    GoogleCredentialsFactory(business=connection.business)
    ConferencingAutomationFactory(
        schedule=stored_schedule(connection, data), provider=Provider.GOOGLE_MEET
    )
    return data


def deliver(connection, change) -> WebhookDelivery:
    """Sign the change's webhook as Wix would, take it in and apply it (the delivery task)."""
    domain_event = change.domain_event() if hasattr(change, "domain_event") else change
    token = signing.sign(domain_event, instance_id=connection.instance_id)
    assert webhooks.receive_delivery(body=token.encode()).status == 200
    delivery = WebhookDelivery.objects.get(delivery_id=domain_event["id"])
    wix_tasks.apply_delivery.apply(args=[delivery.pk])
    return delivery


def ensure(event_id: str) -> str:
    return tasks.ensure_meeting.apply(args=[event_id]).get()


def event_changes(fake, start: int = 0):
    return [change for change in fake.changes[start:] if change.kind == "event"]


def add_coaching(fake, service, **fields) -> dict:
    return fake.add_event(
        schedule_id=service["id"],
        start_local=SOON,
        end_local=SOON + HOUR,
        type="APPOINTMENT",
        **fields,
    )


# The lifecycle


def test_an_added_event_of_the_service_gets_a_meeting_written_back_with_its_revision(
    fake, connection, service, google
):
    event = add_coaching(fake, service)

    deliver(connection, event_changes(fake)[-1])
    assert Meeting.objects.get(event_id=event["id"]).state == "pending"
    assert ensure(event["id"]) == "created"

    meeting = Meeting.objects.get()
    patch = [body for method, path, body in fake.requests if method == "PATCH"]
    assert patch == [
        {
            "event": {
                "conferencingDetails": {
                    "type": "CUSTOM",
                    "hostUrl": meeting.host_url,
                    "guestUrl": meeting.guest_url,
                    "externalId": meeting.external_id,
                },
                "id": event["id"],
                "revision": "1",
            }
        }
    ]
    upstream = fake.events[event["id"]]
    assert upstream["conferencingDetails"]["guestUrl"].startswith("https://meet.google.com/")
    assert Event.objects.get(pk=event["id"]).conferencing_details == upstream["conferencingDetails"]
    assert Event.objects.get(pk=event["id"]).revision == int(upstream["revision"]) == 2


def test_the_webhook_of_our_own_write_back_changes_nothing(fake, connection, service, google):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    ensure(event["id"])
    seen = len(fake.requests)

    deliver(connection, event_changes(fake)[-1])  # revision 2: the conferencingDetails we wrote
    assert ensure(event["id"]) == "unchanged"

    assert len(fake.requests) == seen
    assert len(google.api_calls("PATCH")) == 0


def test_an_answer_without_the_pi_fields_does_not_make_it_write_again(fake, connection, service):
    fake.omit_pi_fields_in_answers = True
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    ensure(event["id"])

    assert Event.objects.get(pk=event["id"]).conferencing_details is None  # absent: unknown
    assert ensure(event["id"]) == "unchanged"

    assert len([r for r in fake.requests if r[0] == "PATCH"]) == 1


def test_a_reschedule_updates_the_meeting_and_keeps_its_links(fake, connection, service, google):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    ensure(event["id"])
    links = Meeting.objects.get().conferencing_details
    start = len(fake.changes)

    fake.move_event(event["id"], start_local=SOON + HOUR * 2, end_local=SOON + HOUR * 3)
    deliver(connection, event_changes(fake, start)[-1])
    assert ensure(event["id"]) == "updated"

    (_, _, body), *_ = google.api_calls("PATCH")
    assert body["start"]["dateTime"] == Event.objects.get(pk=event["id"]).start.isoformat()
    assert Meeting.objects.get().conferencing_details == links
    assert fake.events[event["id"]]["conferencingDetails"] == links


def test_a_removal_deletes_the_meeting(fake, connection, service, google):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    ensure(event["id"])
    start = len(fake.changes)

    fake.remove_event(event["id"])
    deliver(connection, event_changes(fake, start)[-1])
    assert ensure(event["id"]) == "deleted"

    assert Meeting.objects.get().state == "deleted"
    assert google.live_events() == []


def test_a_cancellation_deletes_the_meeting(fake, connection, service, google):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    ensure(event["id"])
    start = len(fake.changes)

    fake.cancel_event(event["id"])
    deliver(connection, event_changes(fake, start)[-1])
    assert ensure(event["id"]) == "deleted"

    assert Meeting.objects.get().state == "deleted"
    assert google.live_events() == []


# The seed's filter


def test_an_event_of_another_bookings_service_gets_no_meeting(fake, connection, service):
    other = fake.add_schedule(name="Massage", app_id=WIX_BOOKINGS_APP_ID)
    stored_schedule(connection, other)
    fake.add_event(schedule_id=other["id"], start_local=SOON, end_local=SOON + HOUR)

    deliver(connection, event_changes(fake)[-1])

    assert not Meeting.objects.exists()


def test_a_body_whose_app_id_is_not_wix_bookings_is_filtered_out(fake, connection, service):
    add_coaching(fake, service)
    domain_event = event_changes(fake)[-1].domain_event()
    domain_event["actionEvent"]["body"]["appId"] = "cc552162-24a4-45e0-9695-230c4931ef40"

    deliver(connection, domain_event)

    assert Event.objects.count() == 1  # the event is mirrored …
    assert not Meeting.objects.exists()  # … but gets no meeting


# Never two meetings


def test_repeated_and_reordered_webhooks_make_one_meeting(fake, connection, service, google):
    event = add_coaching(fake, service)
    fake.update_event(event["id"], title="Coaching with Anna")
    fake.move_event(event["id"], start_local=SOON + HOUR * 24, end_local=SOON + HOUR * 25)
    changes = event_changes(fake)
    rng = random.Random(11)
    order = changes + changes  # every webhook twice
    rng.shuffle(order)

    for change in order:
        domain_event = change.domain_event()
        domain_event["id"] = f"{change.webhook_id}-{rng.random()}"  # a new delivery id: applied
        deliver(connection, domain_event)
        ensure(event["id"])
    for change in event_changes(fake, len(fake.changes) - 1):  # our last write-back's webhook
        deliver(connection, change)
        ensure(event["id"])

    assert Meeting.objects.count() == 1
    assert len(google.api_calls("POST")) == 1
    (meet_event,) = google.live_events()
    final = Event.objects.get(pk=event["id"])
    assert meet_event["summary"] == final.title == "Coaching with Anna"
    assert meet_event["start"]["dateTime"] == final.start.isoformat()
    assert fake.events[event["id"]]["conferencingDetails"]["externalId"] == meet_event["id"]


def test_a_revision_conflict_on_write_back_is_re_read_and_retried(
    fake, connection, service, google
):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    fake.update_event(event["id"], title="Coaching (moved room)")  # revision 2, not delivered

    assert ensure(event["id"]) == "updated"

    patches = [body["event"] for method, _, body in fake.requests if method == "PATCH"]
    assert [p["revision"] for p in patches] == ["1", "2"]  # 409 on the stale one, then retried
    upstream = fake.events[event["id"]]
    assert upstream["title"] == "Coaching (moved room)"
    assert upstream["conferencingDetails"] == Meeting.objects.get().conferencing_details
    assert google.live_events()[0]["summary"] == "Coaching (moved room)"
    assert len(google.api_calls("POST")) == 1


def test_an_unreachable_wix_on_write_back_is_retried_later(fake, connection, service):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    fake.script(*[(429, "0")] * 4, path=f"/calendar/v3/events/{event['id']}")

    with pytest.raises(services.WriteBackUnavailable, match="not reachable"):
        services.ensure_meeting(event_id=event["id"])
    assert "conferencingDetails" not in fake.events[event["id"]]

    assert ensure(event["id"]) == "unchanged"  # the meeting was made; now its links are written
    assert (
        fake.events[event["id"]]["conferencingDetails"]
        == Meeting.objects.get().conferencing_details
    )


def test_a_cancelled_event_s_stale_links_are_shown_nowhere(
    fake, connection, service, google, client
):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    ensure(event["id"])
    links = Meeting.objects.get().conferencing_details
    start = len(fake.changes)
    fake.cancel_event(event["id"])
    deliver(connection, event_changes(fake, start)[-1])
    ensure(event["id"])

    # Wix refuses edits to a cancelled event: the row keeps the deleted meeting's links …
    stored = Event.objects.get(pk=event["id"])
    assert stored.conferencing_details == links
    # … and the pages treat them as gone.
    client.force_login(MembershipFactory(business=connection.business, role="owner").user)
    for page in (
        reverse("participants:dashboard", args=[stored.pk]),
        reverse("calendar_app:event_detail", args=[stored.pk]),
    ):
        html = client.get(page).content.decode()
        assert links["guestUrl"] not in html
        assert links["hostUrl"] not in html


# Events that arrive without a webhook


def test_events_a_backfill_brings_get_meetings_by_the_seed_s_filter(fake, connection, service):
    coaching = add_coaching(fake, service)
    other = fake.add_schedule(name="Massage", app_id=WIX_BOOKINGS_APP_ID)
    massage = fake.add_event(
        schedule_id=other["id"], start_local=SOON, end_local=SOON + HOUR, type="APPOINTMENT"
    )

    backfill.run_backfill(connection=connection)

    assert list(Meeting.objects.values_list("event_id", "state")) == [(coaching["id"], "pending")]
    assert ensure(coaching["id"]) == "created"
    assert ensure(massage["id"]) == "not automated"
    assert fake.events[coaching["id"]]["conferencingDetails"] == (
        Meeting.objects.get().conferencing_details
    )

    backfill.run_backfill(connection=connection)  # again: still one meeting
    assert Meeting.objects.count() == 1
    assert ensure(coaching["id"]) == "unchanged"


def test_events_a_reconciliation_repairs_get_their_meetings_made_and_deleted(
    fake, connection, service, google, django_capture_on_commit_callbacks
):
    event = add_coaching(fake, service)  # its webhook never came

    with django_capture_on_commit_callbacks(execute=False) as queued:
        reconcile_now(connection)
    assert meeting_tasks(queued) == [event["id"]]
    assert ensure(event["id"]) == "created"
    assert len(google.live_events()) == 1

    with django_capture_on_commit_callbacks(execute=False) as queued:
        reconcile_now(connection)  # nothing changed: nothing queued
    assert meeting_tasks(queued) == []

    fake.remove_event(event["id"])  # nor did the removal's
    reconcile_now(connection)
    assert Event.objects.get(pk=event["id"]).removed_date is not None
    assert ensure(event["id"]) == "deleted"
    assert google.live_events() == []
    assert Meeting.objects.count() == 1


def reconcile_now(connection) -> None:
    assert reconcile.request_reconciliation(connection=connection, requested_by_user=True)
    run = Reconciliation.objects.get(status="queued")
    wix_tasks.reconcile_connection.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == "done", run.error


def meeting_tasks(callbacks) -> list[str]:
    """The event ids of the ``ensure_meeting`` tasks among captured on-commit callbacks."""
    name = tasks.ensure_meeting.name
    return [
        c.args[0]
        for c in callbacks
        if getattr(getattr(getattr(c, "func", None), "__self__", None), "name", "") == name
    ]


# Participant changes


def test_a_backfill_brings_participant_changes_to_the_meeting(
    fake, connection, service, google, django_capture_on_commit_callbacks
):
    event = add_coaching(fake, service)
    ada = fake.add_participation(event_id=event["id"], participant={"email": "ada@example.com"})
    backfill.run_backfill(connection=connection)
    ensure(event["id"])
    revision = fake.events[event["id"]]["revision"]

    # A changed e-mail leaves the event as it is: only its participation changes.
    fake.update_participation(ada["id"], participant={"email": "ada@lovelace.example"})
    assert fake.events[event["id"]]["revision"] == revision
    with django_capture_on_commit_callbacks(execute=False) as queued:
        backfill.run_backfill(connection=connection)

    assert meeting_tasks(queued) == [event["id"]]
    assert ensure(event["id"]) == "updated"
    (_, _, body), *_ = google.api_calls("PATCH")
    assert body["attendees"] == [{"email": "ada@lovelace.example"}]


def test_a_participation_webhook_brings_the_new_attendee_to_the_meeting(
    fake, connection, service, google, django_capture_on_commit_callbacks
):
    event = add_coaching(fake, service)
    deliver(connection, event_changes(fake)[-1])
    ensure(event["id"])
    fake.add_participation(event_id=event["id"], participant={"email": "ada@example.com"})
    [added] = [change for change in fake.changes if change.kind == "participation"]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        deliver(connection, added)

    assert meeting_tasks(queued) == [event["id"]]
    assert ensure(event["id"]) == "updated"
    (_, _, body), *_ = google.api_calls("PATCH")
    assert body["attendees"] == [{"email": "ada@example.com"}]
