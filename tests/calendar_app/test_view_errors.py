"""One mapping from refusals to answers: pages and HTMX fragments answer an unreachable calendar
with 503 and its sentence, and nothing is changed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from calendar_app.errors import (
    CalendarError,
    CalendarUnavailable,
    CapacityError,
    RevisionConflict,
)
from calendar_app.models import ChangeRecord, Event
from calendar_app.views.errors import status_of
from calendar_app.wix.apply import apply_remote_event, apply_remote_schedule
from participants.models import Participation
from participants.services import ParticipationError
from tests.factories import EventFactory, MembershipFactory, WixConnectionFactory, days_ahead_at_ten

pytestmark = pytest.mark.django_db

OUTAGE = "The calendar service is not reachable; nothing was changed."
HTMX = {"HX-Request": "true"}
START = days_ahead_at_ten(3)


# The mapping -----------------------------------------------------------------------------------


def test_each_refusal_answers_with_its_own_status():
    event = EventFactory.build()

    assert status_of(CalendarError("No.")) == 400
    assert status_of(CapacityError("Too few places.")) == 400
    assert status_of(CalendarUnavailable()) == 503
    assert status_of(RevisionConflict(event)) == 409
    assert status_of(PermissionDenied("Owners only.")) == 403
    assert status_of(ParticipationError("Enter the participant's name.")) == 400


def test_a_participation_refused_because_the_calendar_is_down_is_a_503():
    try:
        try:
            raise CalendarUnavailable()
        except CalendarError as error:
            raise ParticipationError(str(error)) from error
    except ParticipationError as refused:
        assert status_of(refused) == 503


# A Wix outage during an edit -------------------------------------------------------------------


@pytest.fixture
def connection(wix_server):
    return WixConnectionFactory.mirroring(wix_server)


@pytest.fixture
def wix_owner_client(client, connection):
    client.force_login(MembershipFactory(business=connection.business, role="owner").user)
    return client


@pytest.fixture
def event(wix_server, connection):
    schedule = wix_server.add_schedule(name="Yoga")
    apply_remote_schedule(connection=connection, data=schedule, source="backfill")
    data = wix_server.add_event(
        schedule_id=schedule["id"], start_local=START, end_local=START + timedelta(hours=1)
    )
    apply_remote_event(connection=connection, data=data, source="backfill")
    return Event.objects.get(pk=data["id"])


def wix_is_down(wix_server):
    """Every attempt of the client's next call answers 503 (``Retry-After: 0``: no waiting)."""
    wix_server.script(*[(503, 0)] * 4)


def edit_data(event, **overrides):
    return {
        "title": event.title,
        "date": event.start_local.date().isoformat(),
        "start_time": event.start_local.strftime("%H:%M"),
        "end_time": event.end_local.strftime("%H:%M"),
        "location_name": "",
        "location_address": "",
        "capacity": event.total_capacity or "",
        "guest_url": "",
        "host_url": "",
        "notes": event.notes,
        "revision": event.revision,
        **overrides,
    }


def assert_unchanged(event, wix_server):
    stored = Event.objects.get(pk=event.pk)
    assert (stored.title, stored.status, stored.revision) == (
        event.title,
        event.status,
        event.revision,
    )
    assert wix_server.events[event.pk]["revision"] == str(event.revision)
    assert not ChangeRecord.objects.filter(object_id=event.pk).exclude(source="backfill").exists()


def test_an_edit_while_wix_is_down_is_a_503_that_changes_nothing(
    wix_owner_client, wix_server, event
):
    wix_is_down(wix_server)

    response = wix_owner_client.post(
        reverse("calendar_app:event_edit", args=[event.pk]), edit_data(event, title="Mine")
    )

    assert response.status_code == 503
    assert OUTAGE in response.text
    assert 'value="Mine"' in response.text  # what was typed stays in the form
    assert_unchanged(event, wix_server)


def test_an_htmx_cancel_while_wix_is_down_is_a_503_fragment_that_changes_nothing(
    wix_owner_client, wix_server, event
):
    wix_is_down(wix_server)

    response = wix_owner_client.post(
        reverse("calendar_app:event_cancel", args=[event.pk]),
        {"revision": event.revision},
        headers=HTMX,
    )

    assert response.status_code == 503
    assert "<html" not in response.text
    assert 'id="event-summary"' in response.text
    assert OUTAGE in response.text
    assert_unchanged(event, wix_server)


def test_a_participant_added_while_wix_is_down_is_a_503_that_adds_nobody(
    wix_owner_client, wix_server, event
):
    wix_is_down(wix_server)

    response = wix_owner_client.post(
        reverse("participants:add", args=[event.pk]),
        {"name": "Jane Doe", "party_size": 1, "status": "CONFIRMED"},
        headers=HTMX,
    )

    assert response.status_code == 503
    assert OUTAGE in response.text
    assert not Participation.objects.exists()
    assert wix_server.participations == {}
