"""The Magicline settings page and ``manage.py connect_magicline``: keys never shown in full."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.magicline import sync
from bookings.magicline.models import MagiclineConnection, MagiclineWebhookDelivery
from calendar_app.models import Resource
from tests.factories import (
    CustomerFactory,
    MagiclineConnectionFactory,
    MagiclineInstructorFactory,
    ResourceFactory,
)

PAGE = "/settings/magicline/"


@pytest.fixture
def studio_fake(fake):
    fake.add_studio("demo", "demo-open-api-key-9999")
    return fake


def connect_form(fake, **changes):
    return {
        "base_url": fake.base_url("demo"),
        "api_key": "demo-open-api-key-9999",
        "webhook_key": "demo-webhook-key-9999",
        "max_slot_window_days": 6,
        **changes,
    }


def test_the_owner_connects_and_the_key_check_passes(owner_client, business, studio_fake):
    answer = owner_client.post(f"{PAGE}connect/", connect_form(studio_fake), follow=True)
    assert answer.status_code == 200
    assert "Connected: Magicline accepted the Open API key." in answer.text
    connection = MagiclineConnection.objects.get(business=business)
    assert connection.last_check_ok is True
    assert [r.method for r in studio_fake.requests] == ["HEAD"]
    assert "demo-open-api-key-9999" not in answer.text
    assert "demo-webhook-key-9999" not in answer.text
    assert "…9999" in answer.text


def test_a_wrong_key_is_saved_but_the_page_says_the_check_failed(
    owner_client, business, studio_fake
):
    answer = owner_client.post(
        f"{PAGE}connect/", connect_form(studio_fake, api_key="wrong-key-1234"), follow=True
    )
    assert "the key check failed" in answer.text
    assert MagiclineConnection.objects.get(business=business).last_check_ok is False


def test_empty_keys_keep_the_stored_ones(owner_client, business, studio_fake):
    owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    owner_client.post(
        f"{PAGE}connect/",
        connect_form(studio_fake, api_key="", webhook_key="", max_slot_window_days=3),
    )
    connection = MagiclineConnection.objects.get(business=business)
    assert connection.api_key == "demo-open-api-key-9999"
    assert connection.max_slot_window_days == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": "not a url"}, "Enter a valid URL."),
        ({"base_url": "http://studio.open-api.magicline.com"}, "must start with https://"),
        ({"base_url": "https://169.254.169.254/"}, "is a link-local address (where cloud"),
        ({"base_url": "https://10.0.0.5/"}, "10.0.0.5 is a private address: the server does not"),
        ({"api_key": ""}, "needs both the Open API key and the webhook key"),
        ({"max_slot_window_days": 9}, "less than or equal to 6"),
    ],
)
def test_bad_input_is_400_with_a_sentence_and_stores_nothing(
    owner_client, business, studio_fake, changes, message
):
    answer = owner_client.post(f"{PAGE}connect/", connect_form(studio_fake, **changes))
    assert answer.status_code == 400
    assert message in answer.text
    assert not MagiclineConnection.objects.exists()


def test_a_webhook_key_of_another_studio_is_refused(owner_client, other_business, studio_fake):
    MagiclineConnectionFactory(business=other_business, webhook_key="demo-webhook-key-9999")
    answer = owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    assert answer.status_code == 400
    assert "already belongs to another studio" in answer.text


def test_test_connection_uses_the_head_check(owner_client, business, studio_fake):
    owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    studio_fake.studios["demo"].api_key = "rotated"
    answer = owner_client.post(f"{PAGE}check/", follow=True)
    assert "The key check failed" in answer.text
    assert [r.method for r in studio_fake.requests] == ["HEAD", "HEAD"]


def test_the_page_links_the_sync_health(owner_client, business, studio_fake):
    owner_client.post(f"{PAGE}connect/", connect_form(studio_fake))
    answer = owner_client.get(PAGE)
    assert "0 waiting, 0 failed, last refresh not yet" in answer.text
    assert f'href="{PAGE}health/"' in answer.text
    assert "/webhooks/magicline/" in answer.text


def delivery(connection, uuid, status, *, minutes_ago=0, error=""):
    return MagiclineWebhookDelivery.objects.create(
        connection=connection,
        uuid=uuid,
        entity_id=900001,
        payload=[{"timestamp": 1, "type": "APPOINTMENT_BOOKING_UPDATED"}],
        status=status,
        error=error,
        received_date=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_the_health_page_shows_last_delivery_backlog_and_failures(owner_client, business):
    connection = MagiclineConnectionFactory(business=business)
    delivery(connection, "old", "processed", minutes_ago=30)
    delivery(connection, "waiting", "received", minutes_ago=3)
    failed = delivery(connection, "broken", "failed", minutes_ago=10, error="Magicline 500")
    page = owner_client.get(f"{PAGE}health/")
    assert page.status_code == 200
    assert "3\xa0minutes ago" in page.text
    assert '<dd id="backlog">1</dd>' in page.text
    assert '<dd id="failed">1</dd>' in page.text
    assert f'id="delivery-{failed.pk}"' in page.text
    assert "APPOINTMENT_BOOKING_UPDATED" in page.text
    assert "Magicline 500" in page.text


def test_a_failed_delivery_is_queued_again(owner_client, business):
    connection = MagiclineConnectionFactory(business=business)
    failed = delivery(connection, "broken", "failed", error="Magicline 500")
    answer = owner_client.post(f"{PAGE}health/deliveries/{failed.pk}/retry/", follow=True)
    assert "queued again" in answer.text
    failed.refresh_from_db()
    assert (failed.status, failed.error) == ("received", "")
    again = owner_client.post(f"{PAGE}health/deliveries/{failed.pk}/retry/", follow=True)
    assert "Only a failed delivery can be retried." in again.text


def test_another_studios_health_and_deliveries_are_404(owner_client, business, other_business):
    assert owner_client.get(f"{PAGE}health/").status_code == 404  # not connected
    theirs = delivery(MagiclineConnectionFactory(business=other_business), "t", "failed")
    MagiclineConnectionFactory(business=business)
    assert owner_client.post(f"{PAGE}health/deliveries/{theirs.pk}/retry/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "failed"


def test_refresh_now_queues_the_studios_refresh(owner_client, business):
    MagiclineConnectionFactory(business=business)
    answer = owner_client.post(f"{PAGE}health/refresh/", follow=True)
    assert "Refresh queued" in answer.text


def booked_with(connection, instructor_id):
    customer = CustomerFactory(business=connection.business)
    return sync.apply_remote_booking(
        connection=connection,
        customer=customer,
        data={
            "bookingId": 7001,
            "bookingStatus": "BOOKED",
            "startDateTime": "2030-03-04T09:00+01:00[Europe/Berlin]",
            "endDateTime": "2030-03-04T10:00+01:00[Europe/Berlin]",
            "title": "Personal training",
            "duration": 60,
            "instructors": [{"id": instructor_id, "firstName": "Anna", "lastName": "Ch"}],
            "appointmentStatus": "PLANNED",
            "participantStatus": "UNSET",
        },
    )


def test_linking_an_instructor_moves_their_bookings_to_that_staff_member(owner_client, business):
    connection = MagiclineConnectionFactory(business=business)
    booking = booked_with(connection, 101)
    instructor = connection.instructors.get(magicline_id=101)
    made = instructor.resource
    anna = ResourceFactory(business=business, name="Anna (front desk)", type="STAFF")
    page = owner_client.get(PAGE)
    assert "Anna Ch" in page.text
    answer = owner_client.post(
        f"{PAGE}instructors/{instructor.pk}/link/", {"resource": anna.pk}, follow=True
    )
    assert "Anna Ch is now Anna (front desk) in this calendar." in answer.text
    booking.refresh_from_db()
    assert [r.resource_id for r in booking.event.event_resources.all()] == [anna.pk]
    assert [r.resource_id for r in booking.booking_resources.all()] == [anna.pk]
    assert not Resource.objects.filter(pk=made.pk).exists()
    booked_with(connection, 101)  # a later read of the same booking keeps it there
    assert [r.resource_id for r in booking.event.event_resources.all()] == [anna.pk]


def test_a_bad_link_is_a_400_or_404_and_changes_nothing(owner_client, business, other_business):
    connection = MagiclineConnectionFactory(business=business)
    booked_with(connection, 101)
    instructor = connection.instructors.get(magicline_id=101)
    url = f"{PAGE}instructors/{instructor.pk}/link/"
    room = ResourceFactory(business=business, name="Room 1", type="ROOM")
    theirs = ResourceFactory(business=other_business, type="STAFF")
    assert owner_client.post(url, {"resource": room.pk}).status_code == 404
    assert owner_client.post(url, {"resource": theirs.pk}).status_code == 404
    missing = owner_client.post(url, {})
    assert missing.status_code == 400
    assert "Pick the staff member to link." in missing.text
    other = MagiclineConnectionFactory(business=other_business)
    booked_with(other, 555)
    their_instructor = other.instructors.get()
    mine = ResourceFactory(business=business, type="STAFF")
    answer = owner_client.post(
        f"{PAGE}instructors/{their_instructor.pk}/link/", {"resource": mine.pk}
    )
    assert answer.status_code == 404
    taken = MagiclineInstructorFactory(connection=connection, magicline_id=102)
    refused = owner_client.post(url, {"resource": taken.resource.pk})
    assert refused.status_code == 400
    assert "already stands for the Magicline instructor" in refused.text
    instructor.refresh_from_db()
    assert instructor.own_resource is True


def test_staff_cannot_see_or_change_the_connection(staff_client, business, studio_fake):
    assert staff_client.get(PAGE).status_code == 403
    assert staff_client.post(f"{PAGE}connect/", connect_form(studio_fake)).status_code == 403
    assert not MagiclineConnection.objects.exists()


def test_the_command_connects_and_checks(business, studio_fake, capsys):
    call_command(
        "connect_magicline",
        business="demo",
        base_url=studio_fake.base_url("demo"),
        api_key="demo-open-api-key-9999",
        webhook_key="demo-webhook-key-9999",
    )
    assert "the key check passed" in capsys.readouterr().out
    assert MagiclineConnection.objects.get(business=business).last_check_ok is True


def test_the_command_says_what_is_wrong(business, studio_fake):
    with pytest.raises(CommandError, match="No business has the slug"):
        call_command(
            "connect_magicline",
            business="nope",
            base_url="https://x",
            api_key="a",
            webhook_key="b",
        )
    with pytest.raises(CommandError, match="key check failed"):
        call_command(
            "connect_magicline",
            business="demo",
            base_url=studio_fake.base_url("demo"),
            api_key="wrong",
            webhook_key="demo-webhook-key-9999",
        )
