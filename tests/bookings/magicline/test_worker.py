"""200 shuffled webhook deliveries through Redis and a real Celery worker process converge to the
fake Magicline's truth.

The worker is ``celery -A config worker`` in a subprocess, pointed at this test database and the
test run's Redis (its queue purged at start); the deliveries go through the real webhook view, so
nothing here is eager. Skipped without REDIS_URL (``make test`` and CI always set it).
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection as db_connection

from bookings.magicline.customers import ANONYMISED_NAME
from bookings.magicline.models import MagiclineBooking, MagiclineWebhookDelivery
from bookings.models import Customer
from config.celery import app
from tests.bookings.magicline.conftest import TRAINING, day_at
from tests.fakes.magicline_server import bracketed

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL) for a real worker"
)

ROOT = Path(__file__).resolve().parents[3]
CUSTOMERS = range(5001, 5011)
HOOK_KEY = "berlin-webhook-key-0001"


@pytest.fixture
def worker(transactional_db):
    """A Celery worker process on this test database; stopped (by its pid) afterwards."""
    settings = db_connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        ),
        "LOG_LEVEL": "WARNING",
    }
    app.control.purge()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "--concurrency=2",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not app.control.ping(timeout=0.5):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker did not come up"
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def the_truth(fake) -> tuple[list[dict], list[dict]]:
    """Forty bookings made in Magicline, then fifteen moved and ten cancelled there; the
    deliveries that told of it (created, updated, cancelled, contract and customer events)."""
    rng = random.Random(20261201)
    for customer_id in CUSTOMERS:
        fake.add_customer(customer_id, "berlin", first_name=f"Kim{customer_id}")
    made = [
        fake.add_booking("berlin", rng.choice(CUSTOMERS), TRAINING, day_at(1 + n % 12, 8 + n % 9))
        for n in range(40)
    ]
    deliveries = []

    def tell(kind, entity_id):
        deliveries.append(
            {
                "entityId": entity_id,
                "uuid": f"uuid-{len(deliveries):04d}",
                "payload": [{"timestamp": 1_764_000_000_000 + len(deliveries), "type": kind}],
            }
        )

    for booking in made:
        tell("APPOINTMENT_BOOKING_CREATED", booking["bookingId"])
    for booking in made[:15]:
        moved = day_at(13, 7) + timedelta(minutes=30 * made.index(booking))
        booking["startDateTime"] = bracketed(moved, "Europe/Berlin")
        booking["endDateTime"] = bracketed(moved + timedelta(hours=1), "Europe/Berlin")
        tell("APPOINTMENT_BOOKING_UPDATED", booking["bookingId"])
        tell("APPOINTMENT_BOOKING_UPDATED", booking["bookingId"])
    for booking in made[10:20]:
        booking["bookingStatus"] = booking["appointmentStatus"] = "CANCELED"
        tell("APPOINTMENT_BOOKING_CANCELLED", booking["bookingId"])
    for customer_id in CUSTOMERS:
        fake.customers[customer_id]["data"]["lastName"] = "Renamed"
        tell("CONTRACT_UPDATED", customer_id)
        tell("CUSTOMER_UPDATED", customer_id)
        tell("CUSTOMER_CHECKIN", customer_id)
    tell("CUSTOMER_ACCESS_DISABLED", CUSTOMERS[0])
    while len(deliveries) < 160:
        tell("CLASS_SLOT_UPDATED", 77)
    repeats = [dict(d) for d in random.Random(7).sample(deliveries, 40)]  # same uuid again
    everything = deliveries + repeats
    rng.shuffle(everything)
    return made, everything


@pytest.mark.usefixtures("worker")
def test_200_shuffled_deliveries_converge_to_magiclines_truth(client, fake, berlin_connection):
    fake.studios["berlin"].cancelled_answer = "CANCELED"
    made, deliveries = the_truth(fake)
    assert len(deliveries) == 200
    for envelope in deliveries:
        answer = client.post(
            "/webhooks/magicline/",
            data=json.dumps(envelope),
            content_type="application/json",
            HTTP_X_API_KEY=HOOK_KEY,
        )
        assert answer.status_code == 200
    assert MagiclineWebhookDelivery.objects.count() == 160

    deadline = time.monotonic() + 60  # about 20 s on a busy 2-core machine
    waiting = MagiclineWebhookDelivery.objects.exclude(status="processed")
    while waiting.exists():
        assert time.monotonic() < deadline, f"{waiting.count()} deliveries still not processed"
        time.sleep(0.25)

    local = {
        link.magicline_id: link.booking
        for link in MagiclineBooking.objects.select_related("booking__event", "booking__customer")
    }
    assert set(local) == {b["bookingId"] for b in made}
    for truth in made:
        booking = local[truth["bookingId"]]
        assert booking.magicline.start_date_time == truth["startDateTime"]
        assert booking.booking_status == truth["bookingStatus"]
        if truth["bookingStatus"] == "CANCELED":
            assert booking.event is None or booking.event.is_cancelled
        else:
            assert booking.event.start_local == booking.start.astimezone(
                booking.business.zone
            ).replace(tzinfo=None)
    purged = Customer.objects.get(magicline__magicline_id=CUSTOMERS[0])
    assert (purged.first_name, purged.last_name) == ("", ANONYMISED_NAME)
    others = Customer.objects.exclude(pk=purged.pk)
    assert set(others.values_list("last_name", flat=True)) == {"Renamed"}
    assert fake.keys_used("berlin") == {"berlin-open-api-key-0001"}
