"""Magicline webhooks: the intake's server time (Magicline allows 5 s; we answer in a few ms) and
one booking event's processing (re-read from the fake studio, applied, shown in the calendar)."""

import json
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.magicline.models import MagiclineWebhookDelivery
from bookings.magicline.tasks import process_delivery
from tests.bookings.magicline.conftest import TRAINING, day_at
from tests.factories import BusinessFactory, MagiclineConnectionFactory
from tests.fakes.magicline_server import FakeMagicline

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

DELIVERIES = 200
INTAKE_QUERY_BUDGET = 6
PROCESSING_QUERY_BUDGET = 32  # the first also mirrors the customer and makes the schedule


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


@pytest.fixture
def studio():
    fake = FakeMagicline().start()
    fake.add_studio("bench", "bench-open-api-key-0001")
    fake.add_appointment_type("bench", TRAINING, "Personal training", 60)
    fake.add_customer(203, "bench")
    connection_row = MagiclineConnectionFactory(
        business=BusinessFactory(slug="bench", time_zone="Europe/Berlin"),
        base_url=fake.base_url("bench"),
        api_key="bench-open-api-key-0001",
        webhook_key="bench-webhook-key-0001",
    )
    yield fake, connection_row
    fake.stop()


def test_magicline_webhook_intake_and_processing(require_postgresql, client, studio, report):
    fake, _ = studio
    bookings = [
        fake.add_booking("bench", 203, TRAINING, day_at(1 + n % 10, 8 + n % 10))
        for n in range(DELIVERIES)
    ]
    intake_ms, intake_queries = [], 0
    for number, booking in enumerate(bookings):
        body = json.dumps(
            {
                "entityId": booking["bookingId"],
                "uuid": f"bench-{number}",
                "payload": [{"timestamp": number, "type": "APPOINTMENT_BOOKING_CREATED"}],
            }
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            answer = client.post(
                "/webhooks/magicline/",
                data=body,
                content_type="application/json",
                HTTP_X_API_KEY="bench-webhook-key-0001",
            )
            intake_ms.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
        intake_queries = max(intake_queries, len(queries))

    processing_ms, processing_queries = [], 0
    for delivery_id in MagiclineWebhookDelivery.objects.values_list("pk", flat=True)[:50]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            assert process_delivery.apply(args=[delivery_id]).get() == "booking"
            processing_ms.append((time.perf_counter() - started) * 1000)
        processing_queries = max(processing_queries, len(queries))

    p50, p95 = percentiles(intake_ms)
    report(
        f"magicline webhook intake ({DELIVERIES} deliveries): p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, at most {intake_queries} queries"
    )
    p50, p95 = percentiles(processing_ms)
    report(
        f"magicline booking event processed (50, fake studio on loopback): p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, at most {processing_queries} queries"
    )
    assert intake_queries <= INTAKE_QUERY_BUDGET
    assert processing_queries <= PROCESSING_QUERY_BUDGET
