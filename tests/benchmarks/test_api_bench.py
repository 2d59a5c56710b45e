"""The JSON API under load: a 6-day slot window over 2,000 bookings and a 50-customer slice of
5,000 customers, through the whole middleware stack with a real key. Query counts must not
grow with the data."""

import statistics
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import AppointmentBooking, BookingResource, Customer, IdlePeriod
from calendar_app.models import Resource
from tests.factories import (
    ApiKeyFactory,
    BookableAppointmentFactory,
    CustomerFactory,
    ResourceFactory,
    WorkingHoursFactory,
)

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

RUNS = 20
KEY = "dk_benchmark-key"
STAFF = 20
BOOKINGS = 2_000
CUSTOMERS = 5_000


def time_api_get(url: str) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, queries of one request) of ``RUNS`` GETs after a warm-up; 200s only."""
    handler = ClientHandler()

    def serve() -> None:
        response = handler(RequestFactory().get(url, HTTP_X_API_KEY=KEY).environ)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"

    serve()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        serve()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        serve()
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1], len(queries)


@pytest.fixture
def busy_service(require_postgresql, business):
    """20 trainers working 07:00-21:00 every day, a 30-minute service on a 15-minute grid."""
    ApiKeyFactory(business=business, raw_key=KEY)
    staff = ResourceFactory.create_batch(STAFF, business=business, type=Resource.Type.STAFF)
    for trainer in staff:
        for weekday in range(7):
            WorkingHoursFactory(
                resource=trainer, weekday=weekday, start_time="07:00", end_time="21:00"
            )
    service = BookableAppointmentFactory(
        business=business, duration_minutes=30, slot_step_minutes=15, staff=staff
    )
    return service, staff


def _add_bookings(business, service, staff, numbers: range) -> None:
    """Half-hour bookings spread over the next six days, booking ``n`` in its own place:
    day ``n % 6``, half hour ``n // 6 % 28`` from 07:00, trainer ``n // 168``."""
    customer = CustomerFactory(business=business)
    first = timezone.localdate(timezone=business.zone) + timedelta(days=1)
    bookings = []
    for n in numbers:
        day = first + timedelta(days=n % 6)
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=business.zone)
        start = midnight + timedelta(hours=7, minutes=30 * ((n // 6) % 28))
        bookings.append(
            AppointmentBooking(
                business=business,
                appointment=service,
                customer=customer,
                start=start,
                end=start + timedelta(minutes=30),
            )
        )
    AppointmentBooking.objects.bulk_create(bookings, batch_size=1000)
    BookingResource.objects.bulk_create(
        [
            BookingResource(
                booking=booking,
                resource=staff[(n // 168) % STAFF],
                start=booking.start,
                end=booking.end,
            )
            for n, booking in zip(numbers, bookings, strict=True)
        ],
        batch_size=1000,
    )


def test_six_day_slot_window_over_2000_bookings(busy_service, business, report):
    service, staff = busy_service
    start = (timezone.localdate(timezone=business.zone) + timedelta(days=1)).isoformat()
    url = (
        f"/api/v1/appointments/bookable/{service.pk}/slots?slotWindowStartDate={start}&daysAhead=6"
    )
    _add_bookings(business, service, staff, range(100))
    _p50, _p95, queries_with_few = time_api_get(url)
    _add_bookings(business, service, staff, range(100, BOOKINGS))

    p50, p95, queries = time_api_get(url)

    report(
        f"API slots, 6 days x {STAFF} trainers x 15-min grid, {BOOKINGS:,} bookings: "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {queries} queries"
    )
    assert queries == queries_with_few
    assert queries <= 12


def test_a_slice_of_50_customers_out_of_5000(require_postgresql, business, report):
    ApiKeyFactory(business=business, raw_key=KEY)
    Customer.objects.bulk_create(
        [
            Customer(business=business, first_name=f"First{n}", last_name=f"Last{n}")
            for n in range(CUSTOMERS)
        ],
        batch_size=1000,
    )
    IdlePeriod.objects.bulk_create(
        [
            IdlePeriod(customer=c, start_date=timezone.localdate(), end_date=timezone.localdate())
            for c in Customer.objects.filter(business=business)[:500]
        ]
    )
    after = Customer.objects.filter(business=business).order_by("pk")[2000].pk

    p50, p95, queries = time_api_get(f"/api/v1/customers?sliceSize=50&offset={after}")

    report(
        f"API customers slice of 50 from {CUSTOMERS:,}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"{queries} queries"
    )
    assert queries <= 3
