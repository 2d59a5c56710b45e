"""A Magicline delivery whose task was lost is requeued by the beat and applied by a real
Celery worker process (not eager mode), reading the fake Magicline studio on loopback.

The deliveries are stored as the webhook stores them, but nothing is queued for them: their
task was lost (Redis down when the request committed, or flushed). The beat's task is sent by
the name the beat schedule gives it, on real Redis, to a real worker: it finds the delivery
stalled past the threshold, queues it again, and the worker applies it. A delivery stored a
moment ago is not stalled yet and is left to its own task.
"""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from bookings.magicline.models import MagiclineBooking, MagiclineWebhookDelivery
from calendar_app.sync.deliveries import STALLED_AFTER
from config.celery import app
from tests.bookings.magicline.conftest import MEMBER_ID, TRAINING, day_at
from tests.factories import BusinessFactory, MagiclineConnectionFactory
from tests.fakes.magicline_server import FakeMagicline
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

API_KEY = "berlin-open-api-key-0001"
BEAT_ENTRY = "requeue-stalled-magicline-deliveries"


@pytest.fixture
def fake():
    server = FakeMagicline().start()
    server.add_studio("berlin", API_KEY, date_time_style="java")
    server.add_appointment_type("berlin", TRAINING, "Personal training", 60)
    server.add_customer(MEMBER_ID, "berlin")
    yield server
    server.stop()


@pytest.fixture
def connection(fake):
    return MagiclineConnectionFactory(
        business=BusinessFactory(slug=f"berlin-{uuid.uuid4().hex[:6]}", time_zone="Europe/Berlin"),
        base_url=fake.base_url("berlin"),
        api_key=API_KEY,
        webhook_key=f"hook-{uuid.uuid4().hex}",
    )


def stored_without_a_task(connection, booking: dict, *, received_ago: timedelta):
    return MagiclineWebhookDelivery.objects.create(
        connection=connection,
        uuid=str(uuid.uuid4()),
        entity_id=booking["bookingId"],
        payload=[{"timestamp": 1_764_000_000_000, "type": "APPOINTMENT_BOOKING_CREATED"}],
        received_date=timezone.now() - received_ago,
    )


def test_a_stalled_delivery_is_requeued_by_the_beat_and_applied_by_a_real_worker(
    fake, connection, worker_factory
):
    stalled_booking = fake.add_booking("berlin", MEMBER_ID, TRAINING, day_at(3, 11))
    fresh_booking = fake.add_booking("berlin", MEMBER_ID, TRAINING, day_at(4, 11))
    stalled = stored_without_a_task(
        connection, stalled_booking, received_ago=STALLED_AFTER + timedelta(minutes=5)
    )
    fresh = stored_without_a_task(connection, fresh_booking, received_ago=timedelta(seconds=30))
    worker = worker_factory()

    app.send_task(settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]["task"])  # as the beat sends it

    wait_for(
        lambda: MagiclineWebhookDelivery.objects.get(pk=stalled.pk).status == "processed",
        timeout=60,
        what="the worker to apply the requeued delivery",
        log=worker.log,
    )
    stalled.refresh_from_db()
    assert (stalled.attempts, stalled.error) == (1, "")
    booking = MagiclineBooking.objects.select_related("booking__event", "booking__customer").get(
        magicline_id=stalled_booking["bookingId"]
    )
    assert booking.booking.start == day_at(3, 11)
    assert booking.booking.customer.full_name == "Mia Member"
    assert booking.booking.event.title == "Personal training: Mia Member"
    fresh.refresh_from_db()
    assert (fresh.status, fresh.attempts) == ("received", 0)  # not stalled: left to its task
    assert not MagiclineBooking.objects.filter(magicline_id=fresh_booking["bookingId"]).exists()
    assert {request.api_key for request in fake.requests} == {API_KEY}
