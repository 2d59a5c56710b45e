"""The sync tasks against the fake: re-read on every event, idempotent, any order of arrival."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.magicline import deliveries
from bookings.magicline.client import MagiclineClient
from bookings.magicline.customers import ANONYMISED_NAME
from bookings.magicline.models import MagiclineBooking, MagiclineWebhookDelivery
from bookings.magicline.tasks import (
    process_delivery,
    refresh_bookings,
    requeue_stalled_deliveries,
)
from bookings.models import AppointmentBooking, Customer
from calendar_app.models import Event
from calendar_app.sync.deliveries import STALLED_AFTER
from participants.customers.models import Person, PersonLink
from participants.customers.services import sync_directory
from tests.bookings.magicline.conftest import GUEST_ID, MEMBER_ID, TRAINING, day_at
from tests.bookings.magicline.test_backend import mirrored
from tests.fakes.magicline_server import bracketed


def deliver(connection, event_type, entity_id, uuid=None):
    """Store a delivery as the webhook does, then run its task in-process."""
    delivery = MagiclineWebhookDelivery.objects.create(
        connection=connection,
        uuid=uuid or f"{event_type}-{entity_id}-{MagiclineWebhookDelivery.objects.count()}",
        entity_id=entity_id,
        payload=[{"timestamp": 1642779144176, "type": event_type}],
    )
    result = process_delivery.apply(args=[delivery.pk]).get()
    delivery.refresh_from_db()
    return delivery, result


@pytest.fixture
def made_in_magicline(fake):
    return fake.add_booking("berlin", MEMBER_ID, TRAINING, day_at(3, 11))


def local_booking(magicline_id) -> AppointmentBooking:
    return (
        MagiclineBooking.objects.select_related("booking__event")
        .get(magicline_id=magicline_id)
        .booking
    )


def test_a_created_booking_is_read_and_shown_with_its_customer(
    fake, berlin_connection, made_in_magicline
):
    delivery, result = deliver(
        berlin_connection, "APPOINTMENT_BOOKING_CREATED", made_in_magicline["bookingId"]
    )
    assert (delivery.status, result) == ("processed", "booking")
    booking = local_booking(made_in_magicline["bookingId"])
    assert booking.start == day_at(3, 11)
    assert booking.customer.full_name == "Mia Member"
    assert booking.appointment.title == "Personal training"
    assert booking.event.title == "Personal training: Mia Member"
    assert fake.keys_used("berlin") == {"berlin-open-api-key-0001"}


def test_the_same_event_twice_changes_nothing_the_second_time(berlin_connection, made_in_magicline):
    for _ in range(2):
        deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", made_in_magicline["bookingId"])
    assert AppointmentBooking.objects.count() == 1
    assert Event.objects.filter(type="APPOINTMENT").count() == 1
    assert Customer.objects.count() == 1


def test_an_update_moves_the_booking_and_its_event(fake, berlin_connection, made_in_magicline):
    booking_id = made_in_magicline["bookingId"]
    deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", booking_id)
    later = day_at(4, 14)
    made_in_magicline["startDateTime"] = bracketed(later, "Europe/Berlin")
    made_in_magicline["endDateTime"] = bracketed(later + timedelta(hours=1), "Europe/Berlin")
    deliver(berlin_connection, "APPOINTMENT_BOOKING_UPDATED", booking_id)
    booking = local_booking(booking_id)
    assert booking.start == later
    assert booking.event.start_local == later.replace(tzinfo=None)
    assert booking.magicline.start_date_time == made_in_magicline["startDateTime"]


@pytest.mark.parametrize("answer", ["404", "CANCELED"])
def test_a_cancellation_reads_as_404_or_canceled_and_cancels_the_event(
    fake, berlin_connection, made_in_magicline, answer
):
    booking_id = made_in_magicline["bookingId"]
    deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", booking_id)
    fake.studios["berlin"].cancelled_answer = answer
    made_in_magicline["bookingStatus"] = "CANCELED"
    _, result = deliver(berlin_connection, "APPOINTMENT_BOOKING_CANCELLED", booking_id)
    booking = local_booking(booking_id)
    assert result == ("cancelled" if answer == "404" else "booking")
    assert booking.booking_status == "CANCELED"
    assert booking.event.is_cancelled


def test_a_late_created_event_after_the_cancellation_does_not_resurrect(
    fake, berlin_connection, made_in_magicline
):
    booking_id = made_in_magicline["bookingId"]
    fake.studios["berlin"].cancelled_answer = "CANCELED"
    made_in_magicline["bookingStatus"] = "CANCELED"
    deliver(berlin_connection, "APPOINTMENT_BOOKING_CANCELLED", booking_id)
    made_in_magicline["bookingStatus"] = "BOOKED"  # a stale read: the cancellation is final
    deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", booking_id)
    booking = local_booking(booking_id)
    assert booking.booking_status == "CANCELED"
    assert booking.event is None


def test_a_known_customer_is_refreshed_on_customer_and_contract_events(fake, berlin_connection):
    customer = mirrored(fake, berlin_connection, MEMBER_ID)
    fake.customers[MEMBER_ID]["data"]["lastName"] = "Married"
    _, result = deliver(berlin_connection, "CONTRACT_UPDATED", MEMBER_ID)
    customer.refresh_from_db()
    assert (result, customer.last_name) == ("customer", "Married")


def test_the_customer_directory_follows_a_rename_and_forgets_a_purged_customer(
    fake, berlin_connection
):
    customer = mirrored(fake, berlin_connection, MEMBER_ID)
    sync_directory(business=berlin_connection.business)  # the catch-up links the customer
    fake.customers[MEMBER_ID]["data"]["lastName"] = "Married"

    deliver(berlin_connection, "CUSTOMER_UPDATED", MEMBER_ID)

    person = PersonLink.objects.get(customer=customer).person
    assert person.name == "Mia Married"
    assert "mia married" in person.search

    deliver(berlin_connection, "CUSTOMER_ACCESS_DISABLED", MEMBER_ID)

    assert not Person.objects.exists()


def test_a_rename_reaches_the_directory_of_every_studio_that_knows_the_member(
    fake, berlin_connection, hamburg_connection
):
    copies = [mirrored(fake, c, MEMBER_ID) for c in (berlin_connection, hamburg_connection)]
    for connection in (berlin_connection, hamburg_connection):
        sync_directory(business=connection.business)
    fake.customers[MEMBER_ID]["data"]["firstName"] = "Maria"

    deliver(berlin_connection, "CUSTOMER_UPDATED", MEMBER_ID)

    people = Person.objects.filter(links__customer__in=copies)
    assert sorted(people.values_list("business__slug", "name")) == [
        ("berlin", "Maria Member"),
        ("hamburg", "Maria Member"),
    ]


def test_an_unknown_customer_is_not_imported(fake, berlin_connection):
    _, result = deliver(berlin_connection, "CUSTOMER_CREATED", MEMBER_ID)
    assert result == "ignored"
    assert not Customer.objects.exists()
    assert fake.requests == []


def test_access_disabled_purges_the_customers_personal_data_for_good(
    fake, berlin_connection, made_in_magicline
):
    deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", made_in_magicline["bookingId"])
    deliver(berlin_connection, "CUSTOMER_ACCESS_DISABLED", MEMBER_ID)
    customer = Customer.objects.get()
    assert (customer.first_name, customer.last_name, customer.email) == ("", ANONYMISED_NAME, "")
    assert customer.bookings.count() == 1
    deliver(berlin_connection, "CUSTOMER_UPDATED", MEMBER_ID)
    customer.refresh_from_db()
    assert customer.last_name == ANONYMISED_NAME


def test_unknown_event_types_are_ignored(fake, berlin_connection):
    delivery, result = deliver(berlin_connection, "TAX_ADVISOR_EXPORT_CREATED", 5)
    assert (delivery.status, result) == ("processed", "ignored")
    assert fake.requests == []


def test_every_payload_element_is_handled(fake, berlin_connection, made_in_magicline):
    mirrored(fake, berlin_connection, MEMBER_ID)
    delivery = MagiclineWebhookDelivery.objects.create(
        connection=berlin_connection,
        uuid="two-elements",
        entity_id=MEMBER_ID,
        payload=[{"type": "CUSTOMER_UPDATED"}, {"type": "CUSTOMER_ACCESS_DISABLED"}],
    )
    assert process_delivery.apply(args=[delivery.pk]).get() == "customer,purged"


def test_a_429_beyond_the_clients_attempts_is_retried_by_the_task(
    fake, berlin_connection, made_in_magicline
):
    for _ in range(4):  # the client's own attempts, then the task's retry succeeds
        fake.fail_next("GET", "/v1/appointments/booking/", 429, retry_after=0)
    delivery, _ = deliver(
        berlin_connection, "APPOINTMENT_BOOKING_CREATED", made_in_magicline["bookingId"]
    )
    assert delivery.status == "processed"
    assert delivery.attempts == 2


def test_a_booking_magicline_answers_unreadably_fails_its_delivery_alone_naming_the_field(
    fake, berlin_connection, made_in_magicline
):
    booking_id = made_in_magicline["bookingId"]
    other = fake.add_booking("berlin", MEMBER_ID, TRAINING, day_at(5, 11))["bookingId"]
    fake.garble_next(
        "GET", f"/booking/{booking_id}", lambda answer: {**answer, "startDateTime": "soon"}
    )

    delivery, result = deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", booking_id)
    fine, _ = deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", other)

    assert (delivery.status, result, delivery.attempts) == ("failed", "failed", 1)
    assert delivery.error == (
        "Magicline answered something we cannot read (GET /v1/appointments/booking/{id}): "
        "startDateTime is not a date-time with an offset "
        "(e.g. 2024-05-01T10:00:00.000+02:00[Europe/Berlin])."
    )
    assert not MagiclineBooking.objects.filter(magicline_id=booking_id).exists()
    assert fine.status == "processed"
    assert local_booking(other).start == day_at(5, 11)


def test_a_customer_magicline_answers_unreadably_fails_the_delivery_and_applies_nothing(
    fake, berlin_connection, made_in_magicline
):
    fake.garble_next("GET", f"/customers/{MEMBER_ID}", lambda answer: {**answer, "id": "203"})

    delivery, result = deliver(
        berlin_connection, "APPOINTMENT_BOOKING_CREATED", made_in_magicline["bookingId"]
    )

    assert (delivery.status, result) == ("failed", "failed")
    assert delivery.error.endswith("id must be a whole number.")
    assert not Customer.objects.exists()
    assert not AppointmentBooking.objects.exists()


def test_a_refused_key_fails_the_delivery_with_the_reason(fake, berlin_connection):
    fake.studios["berlin"].api_key = "rotated"
    delivery, result = deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", 1)
    assert (delivery.status, result) == ("failed", "failed")
    assert "401" in delivery.error
    assert "berlin-open-api-key" not in delivery.error


def test_the_refresh_heals_missed_bookings_and_cancellations(
    fake, berlin_connection, made_in_magicline
):
    mirrored(fake, berlin_connection, MEMBER_ID)
    assert refresh_bookings.apply(args=[berlin_connection.pk]).get() == 1
    booking = local_booking(made_in_magicline["bookingId"])
    assert booking.is_active
    del fake.studios["berlin"].bookings[made_in_magicline["bookingId"]]
    refresh_bookings.apply(args=[berlin_connection.pk]).get()
    booking.refresh_from_db()
    assert booking.booking_status == "CANCELED"
    berlin_connection.refresh_from_db()
    assert berlin_connection.last_sync_date is not None


def test_the_client_of_a_connection_is_that_studios(berlin_connection):
    client = MagiclineClient.for_connection(berlin_connection)
    assert client._http.headers["X-API-KEY"] == "berlin-open-api-key-0001"
    assert str(client._http.base_url).endswith("/berlin/")


def test_a_customer_purged_in_one_studio_arrives_anonymised_in_another(
    fake, berlin_connection, hamburg_connection
):
    mirrored(fake, hamburg_connection, GUEST_ID)
    deliver(hamburg_connection, "CUSTOMER_ACCESS_DISABLED", GUEST_ID)
    made = fake.add_booking("berlin", GUEST_ID, TRAINING, day_at(2, 11))
    fake.requests.clear()
    delivery, _ = deliver(berlin_connection, "APPOINTMENT_BOOKING_CREATED", made["bookingId"])
    assert delivery.status == "processed"
    booking = local_booking(made["bookingId"])
    assert booking.customer.business == berlin_connection.business
    assert booking.customer.last_name == ANONYMISED_NAME
    assert booking.customer.magicline.access_disabled
    assert not [r for r in fake.requests if "customers" in r.path]
    assert set(Customer.objects.values_list("last_name", flat=True)) == {ANONYMISED_NAME}


def test_the_beat_queues_again_only_the_deliveries_whose_task_was_lost(
    berlin_connection, django_capture_on_commit_callbacks
):
    now = timezone.now()
    for name, status, age in (
        ("stalled", "received", STALLED_AFTER + timedelta(minutes=1)),
        ("fresh", "received", timedelta(seconds=5)),
        ("failed", "failed", timedelta(hours=1)),
        ("processed", "processed", timedelta(hours=1)),
    ):
        MagiclineWebhookDelivery.objects.create(
            connection=berlin_connection,
            uuid=name,
            entity_id=1,
            payload=[{"type": "APPOINTMENT_BOOKING_CREATED"}],
            status=status,
            received_date=now - age,
        )

    with django_capture_on_commit_callbacks() as queued:
        assert requeue_stalled_deliveries.apply().get() == 1

    assert len(queued) == 1


def test_a_requeued_delivery_that_was_applied_meanwhile_changes_nothing(
    fake, berlin_connection, made_in_magicline
):
    delivery, _ = deliver(
        berlin_connection, "APPOINTMENT_BOOKING_CREATED", made_in_magicline["bookingId"]
    )
    fake.requests.clear()

    assert process_delivery.apply(args=[delivery.pk]).get() == "processed"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert fake.requests == []


def test_an_unexpected_error_fails_the_delivery_alone_with_its_reason(
    fake, berlin_connection, made_in_magicline, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(deliveries.sync, "apply_remote_booking", broken)
    other = MagiclineWebhookDelivery.objects.create(
        connection=berlin_connection, uuid="other", entity_id=5, payload=[]
    )

    delivery = MagiclineWebhookDelivery.objects.create(
        connection=berlin_connection,
        uuid="breaks",
        entity_id=made_in_magicline["bookingId"],
        payload=[{"type": "APPOINTMENT_BOOKING_CREATED"}],
    )

    assert process_delivery.apply(args=[delivery.pk]).failed()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error, delivery.attempts) == ("failed", "disk full", 1)
    assert not AppointmentBooking.objects.exists()  # nothing of it was applied
    other.refresh_from_db()
    assert other.status == "received"
