"""The meeting providers: built-in rooms, and Google Meet against the fake Google Calendar API on
loopback (token refresh, insert with a Meet conference, patch, delete, error mapping)."""

from datetime import UTC, datetime, timedelta

import pytest

from calendar_app.conferencing.models import GoogleCredentials
from calendar_app.conferencing.providers import (
    BuiltinProvider,
    GoogleMeetProvider,
    MeetingRequest,
    ProviderRefused,
    ProviderUnavailable,
)
from tests.factories import GoogleCredentialsFactory
from tests.fakes.google_calendar_server import FakeGoogleCalendar

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def meeting_request(**overrides) -> MeetingRequest:
    values = {
        "event_id": "event-1",
        "generation": 1,
        "title": "Coaching: Jane Doe",
        "start": START,
        "end": START + timedelta(hours=1),
        "time_zone": "Europe/Berlin",
        "attendees": ("jane@example.com",),
    }
    return MeetingRequest(**{**values, **overrides})


@pytest.fixture
def google():
    with FakeGoogleCalendar() as fake:
        yield fake


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def provider(google, settings, business, sleeps):
    settings.GOOGLE_CALENDAR_API_URL = google.api_url
    settings.GOOGLE_OAUTH_TOKEN_URL = google.token_url
    return GoogleMeetProvider(
        credentials=GoogleCredentialsFactory(business=business), sleep=sleeps.append
    )


# Built-in rooms


def test_builtin_rooms_are_unguessable_urls_on_the_configured_host(settings):
    settings.CONFERENCING_MEETING_HOST = "https://jitsi.studio.example/"
    provider = BuiltinProvider()

    first = provider.create_meeting(request=meeting_request())
    second = provider.create_meeting(request=meeting_request(event_id="event-2"))

    assert first.guest_url == first.host_url == f"https://jitsi.studio.example/{first.external_id}"
    assert len(first.external_id) >= 32  # 24 random bytes, URL-safe
    assert first.external_id != second.external_id


def test_a_builtin_room_keeps_its_url_when_the_event_moves():
    provider = BuiltinProvider(host="https://meet.jit.si")
    made = provider.create_meeting(request=meeting_request())

    moved = provider.update_meeting(
        external_id=made.external_id, request=meeting_request(start=START + timedelta(days=1))
    )

    assert moved == made


# Google Meet


def test_the_first_call_refreshes_the_token_and_inserts_a_meet_conference(provider, google):
    details = provider.create_meeting(request=meeting_request())

    assert google.token_requests == [
        {
            "client_id": "fake-client.apps.googleusercontent.com",
            "client_secret": "GOCSPX-fake-client-secret",
            "refresh_token": "1//fake-refresh-token",
            "grant_type": "refresh_token",
        }
    ]
    (path, query, body), *_ = google.api_calls("POST")
    assert path == "/calendar/v3/calendars/primary/events"
    assert query["conferenceDataVersion"] == "1"
    assert body["conferenceData"]["createRequest"]["conferenceSolutionKey"] == {
        "type": "hangoutsMeet"
    }
    assert body["start"] == {"dateTime": "2026-06-01T07:00:00+00:00", "timeZone": "Europe/Berlin"}
    assert body["attendees"] == [{"email": "jane@example.com"}]
    stored = google.live_events()[0]
    assert details.guest_url == details.host_url == stored["hangoutLink"]
    assert details.guest_url.startswith("https://meet.google.com/")
    assert details.external_id == stored["id"] == GoogleMeetProvider.event_id(meeting_request())


def test_the_access_token_is_kept_until_it_expires(provider, google):
    provider.create_meeting(request=meeting_request())
    provider.create_meeting(request=meeting_request(event_id="event-2"))

    assert len(google.token_requests) == 1
    credentials = GoogleCredentials.objects.get()
    assert credentials.access_token.startswith("ya29.fake-")
    assert credentials.access_token_expires > datetime.now(UTC)


def test_a_refused_access_token_is_refreshed_once_and_the_call_repeated(provider, google):
    provider.create_meeting(request=meeting_request())
    google.expire_tokens()

    provider.create_meeting(request=meeting_request(event_id="event-2"))

    assert len(google.token_requests) == 2
    assert len(google.live_events()) == 2


def test_inserting_the_same_meeting_again_reads_the_existing_one(provider, google):
    first = provider.create_meeting(request=meeting_request())

    again = provider.create_meeting(request=meeting_request())

    assert again == first
    assert len(google.live_events()) == 1


def test_a_reschedule_patches_times_and_attendees(provider, google):
    made = provider.create_meeting(request=meeting_request())

    moved = provider.update_meeting(
        external_id=made.external_id,
        request=meeting_request(
            start=START + timedelta(days=2), attendees=("jane@example.com", "max@example.com")
        ),
    )

    (path, _, body), *_ = google.api_calls("PATCH")
    assert path == f"/calendar/v3/calendars/primary/events/{made.external_id}"
    assert body["start"]["dateTime"] == "2026-06-03T07:00:00+00:00"
    assert [a["email"] for a in body["attendees"]] == ["jane@example.com", "max@example.com"]
    assert moved == made
    assert google.live_events()[0]["sequence"] == 1


def test_deleting_cancels_the_google_event_and_a_second_delete_is_fine(provider, google):
    made = provider.create_meeting(request=meeting_request())

    provider.delete_meeting(external_id=made.external_id)
    provider.delete_meeting(external_id=made.external_id)  # 410 Gone: already deleted

    assert google.live_events() == []
    assert len(google.api_calls("DELETE")) == 2


def test_refused_credentials_are_a_clear_refusal_without_the_secret(provider, google):
    google.refresh_token = "1//another-token"

    with pytest.raises(ProviderRefused) as refused:
        provider.create_meeting(request=meeting_request())

    message = str(refused.value)
    assert "invalid_grant" in message
    assert "fake-refresh-token" not in message and "GOCSPX" not in message
    assert google.api_calls("POST") == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_worth_retrying(provider, google, sleeps, status):
    provider.create_meeting(request=meeting_request())  # token fetched
    google.script(status, status, status)

    with pytest.raises(ProviderUnavailable, match=str(status)):
        provider.create_meeting(request=meeting_request(event_id="event-2"))
    assert len(sleeps) == 2  # three attempts, then the task retries later


def test_a_passing_server_error_is_tried_again(provider, google, sleeps):
    provider.create_meeting(request=meeting_request())  # token fetched
    google.script(503)

    details = provider.create_meeting(request=meeting_request(event_id="event-2"))

    assert details.host_url.startswith("https://meet.google.com/")
    assert len(sleeps) == 1


def test_a_rejected_request_is_a_refusal_with_google_s_message(provider, google):
    with pytest.raises(ProviderRefused, match="HTTP 404: Not Found"):
        provider.update_meeting(external_id="dashunknown", request=meeting_request())


def test_an_unreachable_google_is_worth_retrying(settings, business, sleeps):
    settings.GOOGLE_OAUTH_TOKEN_URL = "http://127.0.0.1:9/token"  # nothing listens on port 9
    provider = GoogleMeetProvider(
        credentials=GoogleCredentialsFactory(business=business), sleep=sleeps.append
    )

    with pytest.raises(ProviderUnavailable, match="not reachable"):
        provider.create_meeting(request=meeting_request())
