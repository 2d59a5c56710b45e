"""The conferencing settings page and the meeting on the event page."""

import pytest
from django.urls import reverse

from calendar_app.conferencing.models import ConferencingAutomation, GoogleCredentials, Provider
from calendar_app.models import Event
from calendar_app.wix.mapping import WIX_BOOKINGS_APP_ID
from tests.factories import (
    BookableAppointmentFactory,
    ConferencingAutomationFactory,
    EventFactory,
    GoogleCredentialsFactory,
    MeetingFactory,
    MembershipFactory,
    ScheduleFactory,
    WixConnectionFactory,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("conferencing:settings")
AUTOMATION = reverse("conferencing:automation")
HTMX = {"HX-Request": "true"}


def switch(client, target, *, kind="schedule", enabled=True, provider="builtin", **headers):
    data = {"kind": kind, "target_id": str(target.pk), "provider": provider}
    if enabled:
        data["enabled"] = "on"
    return client.post(AUTOMATION, data, headers=headers)


# The settings page


def test_the_page_lists_schedules_and_services_with_their_switches(
    owner_client, schedule, business
):
    BookableAppointmentFactory(business=business, title="Personal training")
    ConferencingAutomationFactory(schedule=schedule)

    response = owner_client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Classes" in html and "Personal training" in html
    assert f'id="automation-schedule-{schedule.pk}"' in html
    assert 'name="enabled" checked' in html


def test_staff_cannot_open_the_settings(staff_client):
    assert staff_client.get(PAGE).status_code == 403


def test_switching_a_schedule_on_saves_it_and_answers_htmx_with_the_partial(owner_client, schedule):
    response = switch(owner_client, schedule, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="automations"')
    assert "now get a meeting automatically" in html
    automation = ConferencingAutomation.objects.get()
    assert (automation.schedule, automation.enabled, automation.provider) == (
        schedule,
        True,
        "builtin",
    )


def test_switching_off_without_javascript_redirects(owner_client, schedule):
    ConferencingAutomationFactory(schedule=schedule)

    response = switch(owner_client, schedule, enabled=False)

    assert response.status_code == 302
    assert ConferencingAutomation.objects.get().enabled is False


def test_a_service_can_be_automated(owner_client, business):
    service = BookableAppointmentFactory(business=business)

    assert switch(owner_client, service, kind="service").status_code == 302
    assert ConferencingAutomation.objects.get().appointment == service


def test_google_meet_without_credentials_is_a_clear_400(owner_client, schedule):
    response = switch(owner_client, schedule, provider=Provider.GOOGLE_MEET, **HTMX)

    assert response.status_code == 400
    assert "Enter the Google credentials below" in response.content.decode()
    assert not ConferencingAutomation.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "schedule", "target_id": "x", "provider": "zoom"},
        {"kind": "room", "target_id": "x", "provider": "builtin"},
    ],
)
def test_a_malformed_form_is_a_400_that_changes_nothing(owner_client, data):
    response = owner_client.post(AUTOMATION, data)

    assert response.status_code == 400
    assert "Choose a schedule or service and a provider." in response.content.decode()
    assert not ConferencingAutomation.objects.exists()


@pytest.mark.parametrize("target_id", ["not-a-number", "99999999999999999999999", "0"])
def test_an_unknown_service_is_a_404(owner_client, target_id):
    response = owner_client.post(
        AUTOMATION, {"kind": "service", "target_id": target_id, "provider": "builtin"}
    )

    assert response.status_code == 404


def test_another_business_s_schedule_and_service_are_a_404(owner_client, other_business):
    theirs = ScheduleFactory(business=other_business)
    their_service = BookableAppointmentFactory(business=other_business)

    assert switch(owner_client, theirs).status_code == 404
    assert switch(owner_client, their_service, kind="service").status_code == 404
    assert not ConferencingAutomation.objects.exists()


def test_blocked_time_cannot_be_automated(owner_client, business):
    blocked = ScheduleFactory(business=business, is_blocked_time=True)

    assert switch(owner_client, blocked).status_code == 404


def test_google_credentials_are_saved_and_never_shown_back(owner_client, business):
    response = owner_client.post(
        PAGE,
        {
            "client_id": "client.apps.googleusercontent.com",
            "client_secret": "GOCSPX-very-secret-9876",
            "refresh_token": "1//refresh-secret-5432",
            "calendar_id": "primary",
        },
    )
    assert response.status_code == 302

    html = owner_client.get(PAGE).content.decode()
    stored = GoogleCredentials.objects.get(business=business)
    assert stored.client_secret == "GOCSPX-very-secret-9876"
    assert "GOCSPX-very-secret" not in html and "refresh-secret" not in html
    assert "…9876" in html and "…5432" in html


def test_first_credentials_need_the_secret_and_the_token(owner_client):
    response = owner_client.post(PAGE, {"client_id": "client", "calendar_id": "primary"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the OAuth client secret." in html and "Enter the refresh token." in html
    assert not GoogleCredentials.objects.exists()


def test_with_credentials_google_meet_can_be_chosen(owner_client, schedule, business):
    GoogleCredentialsFactory(business=business)

    assert switch(owner_client, schedule, provider=Provider.GOOGLE_MEET).status_code == 302
    assert ConferencingAutomation.objects.get().provider == "google_meet"


# The event page


def event_page(client, event) -> str:
    return client.get(reverse("calendar_app:event_detail", args=[event.pk])).content.decode()


def test_the_event_page_shows_a_ready_meeting_with_safe_external_links(owner_client, schedule):
    meeting = MeetingFactory(event=EventFactory(schedule=schedule))

    html = event_page(owner_client, meeting.event)

    assert 'data-state="ready"' in html
    assert (
        f'<a href="{meeting.guest_url}" rel="noopener noreferrer" target="_blank">Guest link</a>'
        in html
    )


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        ("pending", "The meeting is being made"),
        ("failed", "Google refused the stored credentials"),
        ("deleted", "Deleted with the event"),
    ],
)
def test_the_event_page_shows_the_meeting_s_state(owner_client, schedule, state, shown):
    meeting = MeetingFactory(
        event=EventFactory(schedule=schedule),
        state=state,
        error="Google refused the stored credentials (invalid_grant)." if state == "failed" else "",
    )

    html = event_page(owner_client, meeting.event)

    assert f'data-state="{state}"' in html
    assert shown in html
    assert meeting.guest_url not in html


def test_a_stored_link_that_is_not_http_is_shown_as_text(owner_client, schedule):
    meeting = MeetingFactory(event=EventFactory(schedule=schedule), guest_url="javascript:alert(1)")

    html = event_page(owner_client, meeting.event)

    assert 'href="javascript:' not in html


def test_a_connected_business_chooses_among_its_wix_bookings_services(client, db):
    business = WixConnectionFactory().business
    owner = MembershipFactory(business=business, role="owner").user
    ScheduleFactory(
        business=business, name="Coaching", app_id=WIX_BOOKINGS_APP_ID, external_id="svc-1"
    )
    ScheduleFactory(business=business, name="Team calendar", app_id="another-app")
    client.force_login(owner)

    html = client.get(PAGE).content.decode()

    assert "Wix Bookings services" in html
    assert "Coaching" in html and "Wix Bookings service svc-1" in html
    assert "Team calendar" not in html


def test_a_cancelled_event_s_meeting_shows_no_links_while_it_is_being_deleted(
    owner_client, schedule
):
    meeting = MeetingFactory(event=EventFactory(schedule=schedule, status=Event.Status.CANCELLED))

    html = event_page(owner_client, meeting.event)

    assert 'data-state="ready"' in html
    assert "Being deleted with the event" in html
    assert meeting.guest_url not in html
