"""A business set to mirror Wix without a (complete) connection: every page answers, every
write is refused with one clear sentence, and nothing changes (calendar_app.wix.backend)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from calendar_app.backends import calendar_backend
from calendar_app.errors import CalendarError
from calendar_app.models import Event, Schedule
from calendar_app.tenancy.models import Business
from calendar_app.wix.backend import NOT_CONNECTED, NotConnectedBackend, WixCalendarBackend
from participants.models import Participation
from tests.factories import (
    EventFactory,
    ParticipationFactory,
    WixConnectionFactory,
    days_ahead_at_ten,
)

pytestmark = pytest.mark.django_db

SOON = days_ahead_at_ten(3)
NOTICE = escape(NOT_CONNECTED)


@pytest.fixture(params=["no connection", "no API key", "no site id"])
def unconnected(request, business):
    """The demo business set to mirror Wix, not (completely) connected."""
    Business.objects.filter(pk=business.pk).update(backend=Business.Backend.WIX)
    if request.param == "no API key":
        WixConnectionFactory(business=business, api_key="")
    elif request.param == "no site id":
        WixConnectionFactory(business=business, site_id=" ")
    business.refresh_from_db()
    return business


@pytest.fixture
def mirrored(unconnected, schedule):
    """A row mirrored before the connection went missing, with a participant and a cancelled
    one."""
    event = EventFactory(schedule=schedule, start_local=SOON, title="Morning flow")
    ParticipationFactory(event=event, name="Ada")
    ParticipationFactory(event=event, name="Bea", cancelled_date=event.start)
    return event


def test_the_business_gets_the_refusing_backend(unconnected):
    backend = calendar_backend(unconnected)

    assert isinstance(backend, NotConnectedBackend)
    assert not (
        backend.can_restore_event
        or backend.can_restore_schedule
        or backend.can_restore_participation
    )
    assert backend.extend_events_view(business=unconnected) == 0


def test_an_edit_of_the_following_occurrences_is_refused_too(unconnected, mirrored):
    with pytest.raises(CalendarError, match="not connected yet"):
        calendar_backend(unconnected).update_following(
            occurrence=mirrored, expected_revision=mirrored.revision, changes={"title": "New"}
        )


def test_a_complete_connection_writes_through():
    connection = WixConnectionFactory()

    assert isinstance(calendar_backend(connection.business), WixCalendarBackend)


def page_urls(event: Event) -> list[str]:
    return [
        *(reverse("calendar_app:calendar", args=[view]) for view in ("day", "week", "month")),
        reverse("calendar_app:event_detail", args=[event.pk]),
        reverse("calendar_app:event_edit", args=[event.pk]),
        reverse("calendar_app:event_create"),
        reverse("calendar_app:schedules"),
        reverse("participants:dashboard", args=[event.pk]),
        reverse("wix:settings"),
    ]


def test_every_page_answers_and_says_why_nothing_can_be_changed(owner_client, mirrored):
    for url in page_urls(mirrored):
        response = owner_client.get(url)

        assert response.status_code == 200, url
        assert NOTICE in response.content.decode(), url
    settings_link = f'href="{reverse("wix:settings")}">Connect now</a>'
    week = owner_client.get(reverse("calendar_app:calendar", args=["week"]))
    assert settings_link in week.content.decode()


def test_the_participants_are_read_only_and_no_undo_is_offered(owner_client, mirrored):
    html = owner_client.get(reverse("participants:dashboard", args=[mirrored.pk])).content.decode()

    assert "Undo cancel" not in html
    assert "Read-only" in html


def test_the_health_page_answers_and_says_what_to_do(owner_client, unconnected):
    """With a connection row (incomplete) it shows the health; without one it is the 404 page,
    which names the missing connection too."""
    response = owner_client.get(reverse("wix:health"))

    has_row = hasattr(unconnected, "wix_connection")
    assert response.status_code == (200 if has_row else 404)
    assert NOTICE in response.content.decode()


def event_edit_post(event: Event) -> dict:
    return {
        "revision": event.revision,
        "title": "Renamed",
        "date": event.start_local.date().isoformat(),
        "start_time": "10:00",
        "end_time": "11:00",
        "capacity": "10",
    }


@pytest.mark.parametrize("htmx", [False, True])
def test_every_write_is_refused_with_the_sentence_and_changes_nothing(
    owner_client, mirrored, schedule, htmx
):
    ada = Participation.objects.get(name="Ada")
    bea = Participation.objects.get(name="Bea")
    before = (
        list(Event.objects.values_list("pk", "revision", "title", "status")),
        list(Schedule.objects.values_list("pk", "revision", "name", "status")),
        list(Participation.objects.values_list("pk", "revision", "name", "cancelled_date")),
    )
    event_url = lambda name: reverse(f"calendar_app:{name}", args=[mirrored.pk])  # noqa: E731
    row_url = lambda name, p: reverse(f"participants:{name}", args=[mirrored.pk, p.pk])  # noqa: E731
    writes = [
        (event_url("event_edit"), event_edit_post(mirrored)),
        (event_url("event_cancel"), {"revision": mirrored.revision, "scope": "this"}),
        (
            reverse("calendar_app:event_create"),
            {
                "schedule": schedule.pk,
                "title": "New class",
                "type": "CLASS",
                "date": SOON.date().isoformat(),
                "start_time": "17:00",
                "end_time": "18:00",
                "capacity": "",
                "interval": "1",
            },
        ),
        (reverse("calendar_app:schedule_create"), {"name": "Yin", "time_zone": "Europe/Berlin"}),
        (
            reverse("participants:add", args=[mirrored.pk]),
            {"name": "Cleo", "party_size": "1", "status": "CONFIRMED", "idempotency_key": "k1"},
        ),
        (row_url("cancel", ada), {"revision": ada.revision}),
        (row_url("restore", bea), {"revision": bea.revision}),
    ]
    headers = {"HX-Request": "true"} if htmx else {}
    for url, data in writes:
        response = owner_client.post(url, data, headers=headers)

        assert response.status_code == 400, url
        assert NOTICE in response.content.decode(), url
    after = (
        list(Event.objects.values_list("pk", "revision", "title", "status")),
        list(Schedule.objects.values_list("pk", "revision", "name", "status")),
        list(Participation.objects.values_list("pk", "revision", "name", "cancelled_date")),
    )
    assert after == before
