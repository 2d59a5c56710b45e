"""Conferencing with real processes: a real Celery worker process (not eager mode) runs the
meeting task against the fake Google Calendar API and, for a connected business, the fake
Calendar V3 server, both on loopback.

Local business: the calendar services queue the task on commit; the worker makes the meeting,
writes its links, follows a reschedule and deletes it on cancellation. Connected business: the
signed projection webhooks (each posted twice, shuffled) reach the live intake, the worker
applies them, the delivery queues the meeting task onto the same queue, and the worker writes
``conferencingDetails`` back to Wix; one meeting in the end, whatever the order.
"""

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import pytest

from calendar_app import services as calendar_services
from calendar_app.conferencing.models import Meeting, Provider
from calendar_app.models import Event, Schedule
from calendar_app.wix import apply
from tests.factories import (
    ConferencingAutomationFactory,
    GoogleCredentialsFactory,
    MembershipFactory,
    ScheduleFactory,
    WixConnectionFactory,
)
from tests.fakes import wix_signing as signing
from tests.fakes.google_calendar_server import FakeGoogleCalendar
from tests.fakes.wix_server import WIX_BOOKINGS_APP_ID, FakeWixServer
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SOON = (datetime.now() + timedelta(days=6)).replace(hour=11, minute=0, second=0, microsecond=0)
HOUR = timedelta(hours=1)


@pytest.fixture
def google(monkeypatch):
    """The fake Google, and the worker's environment pointing at it."""
    with FakeGoogleCalendar() as fake:
        monkeypatch.setenv("GOOGLE_CALENDAR_API_URL", fake.api_url)
        monkeypatch.setenv("GOOGLE_OAUTH_TOKEN_URL", fake.token_url)
        yield fake


def meeting_state(event_id: str) -> str | None:
    return Meeting.objects.filter(event_id=event_id).values_list("state", flat=True).first()


def test_a_worker_keeps_a_local_event_s_meeting_in_step(google, worker_factory):
    schedule = ScheduleFactory(name="Coaching")
    business = schedule.business
    owner = MembershipFactory(business=business, role="owner")
    GoogleCredentialsFactory(business=business)
    ConferencingAutomationFactory(schedule=schedule, provider=Provider.GOOGLE_MEET)
    worker = worker_factory()

    event = calendar_services.create_event(
        actor=owner, schedule=schedule, title="Coaching", start_local=SOON, end_local=SOON + HOUR
    )
    wait_for(
        lambda: Event.objects.get(pk=event.pk).conferencing_details is not None,
        timeout=60,
        what="the meeting's links on the event",
        log=worker.log,
    )
    meeting = Meeting.objects.get(event=event)
    assert meeting.state == "ready"
    assert Event.objects.get(pk=event.pk).conferencing_details["guestUrl"] == meeting.guest_url

    event = Event.objects.get(pk=event.pk)
    calendar_services.update_event(
        actor=owner,
        event=event,
        expected_revision=event.revision,
        changes={"start_local_date": SOON + HOUR * 2, "end_local_date": SOON + HOUR * 3},
    )
    wait_for(
        lambda: len(google.api_calls("PATCH")) == 1,
        timeout=60,
        what="the meeting to move",
        log=worker.log,
    )
    event = Event.objects.get(pk=event.pk)
    calendar_services.cancel_event(actor=owner, event=event, expected_revision=event.revision)
    wait_for(
        lambda: meeting_state(event.pk) == "deleted",
        timeout=60,
        what="the meeting to be deleted",
        log=worker.log,
    )
    assert google.live_events() == []
    assert len(google.api_calls("POST")) == 1


def test_a_worker_makes_one_meeting_from_repeated_shuffled_wix_webhooks(
    google, live_server, worker_factory
):
    with FakeWixServer() as wix:
        connection = WixConnectionFactory.mirroring(wix)
        service = wix.add_schedule(name="Coaching", app_id=WIX_BOOKINGS_APP_ID)
        apply.apply_remote_schedule(connection=connection, data=service, source="backfill")
        GoogleCredentialsFactory(business=connection.business)
        ConferencingAutomationFactory(
            schedule=Schedule.objects.get(pk=service["id"]), provider=Provider.GOOGLE_MEET
        )
        event = wix.add_event(
            schedule_id=service["id"], start_local=SOON, end_local=SOON + HOUR, type="APPOINTMENT"
        )
        wix.update_event(event["id"], title="Coaching with Anna")
        wix.move_event(event["id"], start_local=SOON + HOUR * 24, end_local=SOON + HOUR * 25)
        worker = worker_factory()

        def post(changes) -> None:
            tokens = []
            for change in changes:
                for copy in range(2):  # every webhook twice, the second under a new id
                    domain_event = change.domain_event()
                    domain_event["id"] = f"{change.webhook_id}-{copy}"
                    tokens.append(signing.sign(domain_event, instance_id=connection.instance_id))
            random.Random(5).shuffle(tokens)
            with httpx.Client() as client, ThreadPoolExecutor(4) as pool:
                url = f"{live_server.url}/webhooks/wix/"
                statuses = set(pool.map(lambda t: client.post(url, content=t).status_code, tokens))
            assert statuses == {200}

        post([c for c in wix.changes if c.kind == "event"])
        wait_for(
            lambda: "conferencingDetails" in wix.events[event["id"]],
            timeout=90,
            what="the meeting's links written back to Wix",
            log=worker.log,
        )
        seen = len(wix.changes)
        post([c for c in wix.changes[seen - 1 :] if c.kind == "event"])  # our write-back's own

        def mirrored() -> bool:
            stored = Event.objects.get(pk=event["id"]).revision
            return stored == int(wix.events[event["id"]]["revision"])

        wait_for(mirrored, timeout=60, what="the mirror to reach Wix's revision", log=worker.log)
        final = Event.objects.get(pk=event["id"])
        assert Meeting.objects.count() == 1
        (meet,) = google.live_events()
        assert len(google.api_calls("POST")) == 1
        assert meet["summary"] == final.title == "Coaching with Anna"
        assert meet["start"]["dateTime"] == final.start.isoformat()
        upstream = wix.events[event["id"]]["conferencingDetails"]
        assert upstream == Meeting.objects.get().conferencing_details == final.conferencing_details
