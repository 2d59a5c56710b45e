"""Write-through: dashboard edits of a connected business go to the upstream first."""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app import services
from calendar_app.backends import Scope, calendar_backend
from calendar_app.errors import CalendarError, CalendarUnavailable, RevisionConflict
from calendar_app.models import ChangeRecord, Event, Schedule
from calendar_app.wix.apply import apply_remote_event, apply_remote_schedule
from calendar_app.wix.backend import BOOKINGS_READ_ONLY, WixCalendarBackend
from calendar_app.wix.mapping import WIX_BOOKINGS_APP_ID, schedule_to_wire
from participants import services as participant_services
from participants.models import Participation
from participants.services import ParticipationError
from tests.factories import MembershipFactory, WixConnectionFactory, days_ahead_at_ten

pytestmark = pytest.mark.django_db

PATH_SCHEDULES = "/calendar/v3/schedules"
START = days_ahead_at_ten(3)


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


def mirrored_event(wix_server, connection, schedule, **fields):
    event = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=START,
        end_local=START + timedelta(hours=1),
        **fields,
    )
    apply_remote_event(connection=connection, data=event, source="backfill")
    return Event.objects.get(pk=event["id"])


@pytest.fixture
def event(wix_server, connection, upstream_schedule):
    return mirrored_event(wix_server, connection, upstream_schedule)


def test_a_connected_business_writes_through_wix(connection):
    assert isinstance(calendar_backend(connection.business), WixCalendarBackend)


def test_an_edit_goes_upstream_and_its_answer_is_applied(wix_server, owner, event):
    updated = services.update_event(
        actor=owner, event=event, expected_revision=1, changes={"title": "Power yoga"}
    )

    assert wix_server.events[event.pk]["title"] == "Power yoga"
    assert (updated.title, updated.revision) == ("Power yoga", 2)
    patch = next(body for method, _, body in wix_server.requests if method == "PATCH")
    assert patch["event"] == {"id": event.pk, "revision": "1", "title": "Power yoga"}
    upstream = ChangeRecord.objects.get(object_id=event.pk, actor_kind="upstream", action="update")
    assert upstream.source == "write_through"


def test_a_new_time_is_sent_as_local_dates(wix_server, owner, event):
    later = START + timedelta(hours=2)

    updated = services.update_event(
        actor=owner,
        event=event,
        expected_revision=1,
        changes={"start_local_date": later, "end_local_date": later + timedelta(hours=1)},
    )

    assert wix_server.events[event.pk]["start"]["localDate"] == later.strftime("%Y-%m-%dT%H:%M:%S")
    assert updated.start_local == later


def test_an_upstream_conflict_is_the_local_conflict_and_overwrites_nothing(
    wix_server, owner, event
):
    wix_server.update_event(event.pk, title="Changed in Wix")  # revision 2 upstream only

    with pytest.raises(RevisionConflict) as conflict:
        services.update_event(
            actor=owner, event=event, expected_revision=1, changes={"title": "Mine"}
        )

    assert wix_server.events[event.pk]["title"] == "Changed in Wix"
    assert conflict.value.current.title == "Changed in Wix"  # refreshed, not the person's input
    assert Event.objects.get(pk=event.pk).title != "Mine"


def test_a_stale_page_is_a_conflict_before_any_call(wix_server, owner, event):
    calls = len(wix_server.requests)

    with pytest.raises(RevisionConflict):
        services.update_event(actor=owner, event=event, expected_revision=0, changes={"title": "X"})
    assert len(wix_server.requests) == calls


def test_an_unreachable_upstream_changes_nothing(wix_server, owner, event):
    wix_server.script(503, 503, 503, 503)
    backend = calendar_backend(event.business)
    backend.client._sleep = lambda seconds: None

    with pytest.raises(CalendarUnavailable, match="not reachable; nothing was changed") as raised:
        backend.update_event(event=event, expected_revision=1, changes={"title": "Mine"})
    assert raised.value.http_status == 503

    stored = Event.objects.get(pk=event.pk)
    assert (stored.title, stored.revision) == (event.title, 1)
    assert wix_server.events[event.pk]["revision"] == "1"


def test_cancel_one_occurrence(wix_server, owner, event):
    cancelled = services.cancel_event(actor=owner, event=event, expected_revision=1)

    assert cancelled.status == "CANCELLED"
    assert wix_server.events[event.pk]["status"] == "CANCELLED"


def test_cancel_the_series_cancels_the_master_upstream(wix_server, connection, owner):
    schedule = wix_server.add_schedule(name="Pilates")
    apply_remote_schedule(connection=connection, data=schedule, source="backfill")
    master, instances = wix_server.add_series(
        schedule_id=schedule["id"], start_local=START, duration=timedelta(hours=1), weeks=3
    )
    for data in [master, *instances]:
        apply_remote_event(connection=connection, data=data, source="backfill")
    occurrence = Event.objects.get(pk=instances[1]["id"])

    services.cancel_event(actor=owner, event=occurrence, expected_revision=1, scope=Scope.ALL)

    assert wix_server.events[master["id"]]["status"] == "CANCELLED"
    assert Event.objects.get(pk=master["id"]).status == "CANCELLED"
    assert {wix_server.events[i["id"]]["status"] for i in instances} == {"CANCELLED"}


def test_editing_this_and_following_is_refused_and_sends_nothing(wix_server, connection, owner):
    schedule = wix_server.add_schedule(name="Pilates")
    apply_remote_schedule(connection=connection, data=schedule, source="backfill")
    master, instances = wix_server.add_series(
        schedule_id=schedule["id"], start_local=START, duration=timedelta(hours=1), weeks=3
    )
    for data in [master, *instances]:
        apply_remote_event(connection=connection, data=data, source="backfill")
    occurrence = Event.objects.get(pk=instances[1]["id"])
    calls = len(wix_server.requests)

    with pytest.raises(CalendarError, match="not the following ones"):
        services.update_following(
            actor=owner, occurrence=occurrence, expected_revision=1, changes={"title": "New"}
        )

    assert len(wix_server.requests) == calls
    assert not Event.objects.filter(title="New").exists()


def test_restore_is_refused_with_a_reason(owner, event, wix_server):
    services.cancel_event(actor=owner, event=event, expected_revision=1)

    with pytest.raises(CalendarError, match="cannot restore"):
        services.restore_event(
            actor=owner, event=Event.objects.get(pk=event.pk), expected_revision=2
        )


def test_a_new_schedule_is_created_upstream_and_the_answer_is_stored(wix_server, owner):
    location = {"type": "CUSTOM", "address": "Main Street 1, Berlin"}

    schedule = services.create_schedule(
        actor=owner,
        business=owner.business,
        name="Pilates",
        default_capacity=12,
        default_location=location,
        time_zone="Europe/Berlin",
    )

    [body] = [b for m, path, b in wix_server.requests if (m, path) == ("POST", PATH_SCHEDULES)]
    assert body == {
        "schedule": {
            "name": "Pilates",
            "defaultTitle": "Pilates",
            "defaultCapacity": 12,
            "defaultLocation": location,
            "timeZone": "Europe/Berlin",
        },
        "idempotencyKey": body["idempotencyKey"],
    }
    assert body["idempotencyKey"]
    assert body["schedule"] == schedule_to_wire(schedule, for_create=True)
    # Stored as the upstream answered: its id, status, revision and dates (permissions aside,
    # which the store does not keep).
    upstream = wix_server.schedules[schedule.pk]
    assert upstream["revision"] == "1"
    assert schedule_to_wire(schedule) == {
        name: value for name, value in upstream.items() if name != "permissions"
    }
    assert schedule.business_id == owner.business_id
    audited = ChangeRecord.objects.get(object_id=schedule.pk, actor_kind="upstream")
    assert (audited.action, audited.source) == ("create", "write_through")


def test_a_cancelled_schedule_cannot_be_restored(owner, upstream_schedule):
    schedule = Schedule.objects.get(pk=upstream_schedule["id"])
    cancelled = services.cancel_schedule(actor=owner, schedule=schedule, expected_revision=1)

    assert cancelled.status == "CANCELLED"
    with pytest.raises(CalendarError, match="cannot be reactivated"):
        services.restore_schedule(actor=owner, schedule=cancelled, expected_revision=2)


def test_a_participation_is_added_edited_and_cancelled_upstream(wix_server, owner, event):
    participation, created = participant_services.add_participation(
        actor=owner, event=event, name="Jane Doe", party_size=2, notes="Window seat"
    )
    assert created
    assert wix_server.participations[participation.pk]["partySize"] == 2
    assert participation.notes == "Window seat"
    assert Event.objects.get(pk=event.pk).remaining_capacity == 8

    updated = participant_services.update_participation(
        actor=owner, participation=participation, expected_revision=1, changes={"party_size": 3}
    )
    assert (updated.party_size, updated.revision) == (3, 2)

    cancelled = participant_services.cancel_participation(
        actor=owner, participation=updated, expected_revision=2
    )
    assert cancelled.cancelled_date is not None
    assert participation.pk not in wix_server.participations
    assert Event.objects.get(pk=event.pk).remaining_capacity == 10


def test_a_participation_the_upstream_refuses_with_409_is_refused_and_stores_nothing(
    wix_server, owner, event
):
    wix_server.script(409, path="/calendar/v3/participations")

    with pytest.raises(ParticipationError, match="refused the change"):
        participant_services.add_participation(actor=owner, event=event, name="Jane Doe")
    assert not Participation.objects.filter(event=event).exists()
    assert not wix_server.participations


def test_a_participation_conflict_upstream_overwrites_nothing(wix_server, owner, event):
    participation, _ = participant_services.add_participation(
        actor=owner, event=event, name="Jane Doe"
    )
    wix_server.update_participation(participation.pk, partySize=4)

    with pytest.raises(RevisionConflict):
        participant_services.update_participation(
            actor=owner, participation=participation, expected_revision=1, changes={"name": "J"}
        )
    assert wix_server.participations[participation.pk]["participant"]["name"] == "Jane Doe"


def test_bookings_participations_are_read_only(wix_server, connection, owner):
    schedule = wix_server.add_schedule(name="Bookings class", app_id=WIX_BOOKINGS_APP_ID)
    apply_remote_schedule(connection=connection, data=schedule, source="backfill")
    event = mirrored_event(wix_server, connection, schedule)

    with pytest.raises(ParticipationError, match="Wix Bookings manages"):
        participant_services.add_participation(actor=owner, event=event, name="Jane")
    assert not Participation.objects.exists()
    assert wix_server.participations == {}
    assert "read-only" in BOOKINGS_READ_ONLY


def test_the_dashboard_says_why_bookings_participants_are_read_only(
    client, wix_server, connection, owner
):
    schedule = wix_server.add_schedule(name="Bookings class", app_id=WIX_BOOKINGS_APP_ID)
    apply_remote_schedule(connection=connection, data=schedule, source="backfill")
    event = mirrored_event(wix_server, connection, schedule)
    client.force_login(owner.user)

    response = client.get(reverse("participants:dashboard", args=[event.pk]))

    assert response.status_code == 200
    assert "Wix Bookings manages the participants" in response.text
    assert 'id="add-participant-form"' not in response.text


def test_the_schedules_page_offers_no_restore_for_a_connected_business(
    client, owner, upstream_schedule
):
    schedule = Schedule.objects.get(pk=upstream_schedule["id"])
    services.cancel_schedule(actor=owner, schedule=schedule, expected_revision=1)
    client.force_login(owner.user)

    response = client.get("/schedules/")

    assert "cannot reactivate a schedule" in response.text
    assert "/restore/" not in response.text


def test_a_participation_deleted_in_wix_offers_no_undo(client, wix_server, owner, event):
    participation, _ = participant_services.add_participation(
        actor=owner, event=event, name="Jane Doe"
    )
    participant_services.cancel_participation(
        actor=owner, participation=participation, expected_revision=1
    )
    client.force_login(owner.user)

    response = client.get(reverse("participants:dashboard", args=[event.pk]))

    assert "Deleted in the connected calendar" in response.text
    assert "Undo cancel" not in response.text
    with pytest.raises(ParticipationError, match="cannot be brought back"):
        participant_services.restore_participation(
            actor=owner,
            participation=Participation.objects.get(pk=participation.pk),
            expected_revision=Participation.objects.get(pk=participation.pk).revision,
        )


def test_no_fragment_offers_the_undo_that_wix_cannot_do(client, wix_server, owner, event):
    """Undo of a cancel is refused upstream (a deleted participation is gone, §3.4): neither
    the page nor any HTMX fragment offers it, and a forged restore is a clear 400."""
    participation, _ = participant_services.add_participation(
        actor=owner, event=event, name="Jane Doe"
    )
    client.force_login(owner.user)
    htmx = {"HX-Request": "true"}
    row_url = lambda name: reverse(  # noqa: E731
        f"participants:{name}", args=[event.pk, participation.pk]
    )

    cancelled = client.post(row_url("cancel"), {"revision": 1}, headers=htmx)
    search = client.get(
        reverse("participants:dashboard", args=[event.pk]),
        {"q": "Jane"},
        headers={**htmx, "HX-Target": "participations"},
    )
    row = client.get(row_url("row"), headers=htmx)
    stored = Participation.objects.get(pk=participation.pk)
    refused = client.post(row_url("restore"), {"revision": stored.revision}, headers=htmx)

    for response in (cancelled, search, row):
        assert response.status_code == 200
        assert "Jane Doe" in response.text
        assert "Undo cancel" not in response.text
        assert "Deleted in the connected calendar" in response.text
    assert refused.status_code == 400
    assert "cannot be brought back; add the participant again" in refused.text
    assert "Undo cancel" not in refused.text
    assert Participation.objects.get(pk=participation.pk).cancelled_date == stored.cancelled_date
    assert participation.pk not in wix_server.participations  # nothing re-created upstream
