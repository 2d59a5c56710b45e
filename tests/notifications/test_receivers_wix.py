"""A Wix-connected business: the write-through passes ``participantNotification`` (the owner's
choice and words) to Wix, which tells its participants, and the app emails nobody itself. With
Wix unreachable, a cancel-and-notify changes nothing and tells nobody."""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app import services
from calendar_app.errors import CalendarUnavailable
from calendar_app.models import Event, Schedule
from calendar_app.notifications.models import WIX_NOTIFIES, Message
from calendar_app.wix.apply import apply_remote_event, apply_remote_schedule
from calendar_app.wix.client import WixClient
from tests.factories import (
    MembershipFactory,
    ParticipationFactory,
    WixConnectionFactory,
    days_ahead_at_ten,
)
from tests.notifications.conftest import send_queued

pytestmark = pytest.mark.django_db

START = days_ahead_at_ten(3)
MESSAGE = "The studio is closed for repairs; sorry!"


@pytest.fixture
def connection(wix_server):
    return WixConnectionFactory(
        base_url=wix_server.base_url, api_key=wix_server.api_key, site_id=wix_server.site_id
    )


@pytest.fixture
def owner(connection):
    return MembershipFactory(business=connection.business, role="owner")


@pytest.fixture
def upstream_schedule(wix_server, connection):
    schedule = wix_server.add_schedule(name="Yoga")
    apply_remote_schedule(connection=connection, data=schedule, source="backfill")
    return schedule


@pytest.fixture
def event(wix_server, connection, upstream_schedule):
    data = wix_server.add_event(
        schedule_id=upstream_schedule["id"],
        start_local=START,
        end_local=START + timedelta(hours=1),
        title="Morning Yoga",
    )
    apply_remote_event(connection=connection, data=data, source="backfill")
    event = Event.objects.get(pk=data["id"])
    for n in range(3):
        ParticipationFactory(event=event, email=f"person{n}@example.org")
    return event


def notifications_sent(wix_server, suffix: str) -> list[dict]:
    return [
        body["participantNotification"]
        for method, path, body in wix_server.requests
        if path.endswith(suffix) and "participantNotification" in body
    ]


def test_a_cancel_with_notify_passes_the_message_to_wix_and_sends_no_email(
    smtp, wix_server, owner, event
):
    services.cancel_event(
        actor=owner, event=event, expected_revision=event.revision, notify=True, message=MESSAGE
    )

    assert notifications_sent(wix_server, f"/events/{event.pk}/cancel") == [
        {"notifyParticipants": True, "message": MESSAGE}
    ]
    assert wix_server.events[event.pk]["status"] == "CANCELLED"
    rows = Message.objects.filter(event_id=event.pk)
    assert rows.count() == 3
    assert set(rows.values_list("state", "reason")) == {("skipped", WIX_NOTIFIES)}
    assert send_queued() == []
    assert smtp.inbox.raw == []


def test_the_cancel_form_s_choice_reaches_wix(wix_server, owner, event, client):
    client.force_login(owner.user)

    client.post(
        reverse("calendar_app:event_cancel", args=[event.pk]),
        {"revision": event.revision, "notify": "on", "message": MESSAGE},
    )

    assert notifications_sent(wix_server, "/cancel") == [
        {"notifyParticipants": True, "message": MESSAGE}
    ]


def test_a_cancel_without_notify_tells_wix_not_to(wix_server, owner, event):
    services.cancel_event(actor=owner, event=event, expected_revision=event.revision)

    assert notifications_sent(wix_server, "/cancel") == [{"notifyParticipants": False}]
    assert not Message.objects.exists()


def test_a_move_with_notify_passes_the_message_on_the_update(smtp, wix_server, owner, event):
    later = START + timedelta(hours=2)

    services.update_event(
        actor=owner,
        event=event,
        expected_revision=event.revision,
        changes={
            "start_local_date": f"{later:%Y-%m-%dT%H:%M:%S}",
            "end_local_date": f"{later + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}",
        },
        notify=True,
        message="Two hours later today.",
    )

    patch = next(body for method, _, body in wix_server.requests if method == "PATCH")
    assert patch["participantNotification"] == {
        "notifyParticipants": True,
        "message": "Two hours later today.",
    }
    rows = Message.objects.filter(kind=Message.Kind.MOVED)
    assert rows.count() == 3 and set(rows.values_list("reason", flat=True)) == {WIX_NOTIFIES}
    assert send_queued() == [] and smtp.inbox.raw == []


def test_cancelling_the_schedule_passes_the_choice_to_wix(wix_server, owner, upstream_schedule):
    schedule = Schedule.objects.get(pk=upstream_schedule["id"])

    services.cancel_schedule(
        actor=owner,
        schedule=schedule,
        expected_revision=schedule.revision,
        notify=True,
        message=MESSAGE,
    )

    assert notifications_sent(wix_server, f"/schedules/{schedule.pk}/cancel") == [
        {"notifyParticipants": True, "message": MESSAGE}
    ]


def test_an_unreachable_wix_changes_nothing_and_tells_nobody(
    smtp, wix_server, owner, event, monkeypatch
):
    original = WixClient.__init__

    def no_waiting(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "sleep": lambda seconds: None})

    monkeypatch.setattr(WixClient, "__init__", no_waiting)
    wix_server.script(*[503] * 10, path=f"/calendar/v3/events/{event.pk}/cancel")

    with pytest.raises(CalendarUnavailable):
        services.cancel_event(
            actor=owner, event=event, expected_revision=event.revision, notify=True, message="x"
        )

    event.refresh_from_db()
    assert event.status == "CONFIRMED"
    assert wix_server.events[event.pk]["status"] != "CANCELLED"
    assert not Message.objects.exists()
    assert smtp.inbox.raw == []


def test_the_fake_refuses_a_message_outside_the_contract(wix_server, connection):
    client = WixClient.for_connection(connection)
    schedule = wix_server.add_schedule(name="Pilates")
    data = wix_server.add_event(
        schedule_id=schedule["id"], start_local=START, end_local=START + timedelta(hours=1)
    )

    with pytest.raises(Exception, match="1 to 5000"):
        client.cancel_event(data["id"], notification={"notifyParticipants": True, "message": ""})
    assert wix_server.events[data["id"]]["status"] == "CONFIRMED"


def test_the_webhook_echo_of_the_cancel_delivered_twice_writes_nothing_new(
    wix_server, connection, owner, event
):
    services.cancel_event(
        actor=owner, event=event, expected_revision=event.revision, notify=True, message=MESSAGE
    )
    written = list(Message.objects.values_list("pk", flat=True))

    for _ in range(2):  # the upstream's own change, delivered twice
        apply_remote_event(
            connection=connection, data=wix_server.events[event.pk], source="webhook"
        )

    assert list(Message.objects.values_list("pk", flat=True)) == written
