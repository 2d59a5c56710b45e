"""Magicline loses deliveries (§5.4: failed deliveries may never be retried): the periodic
refresh still ends with every booking equal to the fake studio's, and the health page says when
it last ran.

Eight members are known to the app (each booked once, delivered). Then 80 changes are made in
Magicline (bookings made, moved, cancelled, all within the ±2 weeks the refresh reads), and of
their deliveries 20% are never sent; the rest are posted shuffled, some twice, to the live
server and applied by a real Celery worker. The mirror is then behind. A worker running the beat
(as ``make worker`` does, with ``MAGICLINE_REFRESH_SECONDS`` short) refreshes the studio by
itself: afterwards every booking's status, start and end equal the fake's.
"""

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from bookings.magicline.models import (
    MagiclineBooking,
    MagiclineConnection,
    MagiclineWebhookDelivery,
)
from tests.factories import BusinessFactory, MagiclineConnectionFactory, MembershipFactory
from tests.fakes.magicline_server import FakeMagicline, bracketed, parse_bracketed
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

API_KEY = "berlin-open-api-key-0001"
TRAINING = 1001
MEMBERS = range(301, 309)
CHANGES = 80
LOST = 0.2
POSTERS = 4


@pytest.fixture
def fake():
    server = FakeMagicline().start()
    server.add_studio("berlin", API_KEY, date_time_style="java")
    server.add_appointment_type("berlin", TRAINING, "Personal training", 60)
    for member in MEMBERS:
        server.add_customer(member, "berlin", first_name=f"Member{member}")
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


def some_time(rng: random.Random) -> datetime:
    """Within the ±2 weeks Magicline lists a customer's bookings for."""
    day = datetime.now().astimezone() + timedelta(days=rng.randint(-10, 10))
    return day.replace(hour=rng.randint(7, 19), minute=0, second=0, microsecond=0)


def delivery(booking_id: int, kind: str) -> dict:
    return {
        "entityId": booking_id,
        "uuid": str(uuid.uuid4()),
        "payload": [{"timestamp": 1_764_000_000_000, "type": f"APPOINTMENT_BOOKING_{kind}"}],
    }


def make_changes(fake: FakeMagicline, rng: random.Random) -> list[dict]:
    """Bookings made, moved and cancelled in Magicline; the delivery of each change."""
    studio = fake.studios["berlin"]
    deliveries = []
    for _ in range(CHANGES):
        live = [b for b in studio.bookings.values() if b["bookingStatus"] == "BOOKED"]
        roll = rng.random()
        if roll < 0.5 or not live:
            booking = fake.add_booking("berlin", rng.choice(MEMBERS), TRAINING, some_time(rng))
            deliveries.append(delivery(booking["bookingId"], "CREATED"))
        elif roll < 0.75:
            booking = rng.choice(live)
            start = some_time(rng)
            booking["startDateTime"] = bracketed(start, studio.zone, studio.date_time_style)
            booking["endDateTime"] = bracketed(
                start + timedelta(hours=1), studio.zone, studio.date_time_style
            )
            deliveries.append(delivery(booking["bookingId"], "UPDATED"))
        else:
            booking = rng.choice(live)
            booking["bookingStatus"] = booking["appointmentStatus"] = "CANCELED"
            deliveries.append(delivery(booking["bookingId"], "CANCELLED"))
    return deliveries


def post_all(url: str, key: str, deliveries: list[dict]) -> None:
    with (
        httpx.Client(headers={"x-api-key": key}, timeout=30) as client,
        ThreadPoolExecutor(POSTERS) as pool,
    ):
        answers = list(pool.map(lambda body: client.post(url, json=body), deliveries))
    assert {answer.status_code for answer in answers} == {200}


def differences(fake: FakeMagicline, connection) -> list[str]:
    """Every way the mirror differs from the fake studio's bookings (empty: equal)."""
    local = {
        link.magicline_id: link.booking
        for link in MagiclineBooking.objects.filter(connection=connection).select_related("booking")
    }
    found = []
    for booking_id, upstream in fake.studios["berlin"].bookings.items():
        stored = local.pop(booking_id, None)
        if stored is None:
            found.append(f"{booking_id} missing")
            continue
        expected = (
            upstream["bookingStatus"],
            parse_bracketed(upstream["startDateTime"]),
            parse_bracketed(upstream["endDateTime"]),
        )
        if (stored.booking_status, stored.start, stored.end) != expected:
            found.append(f"{booking_id}: {stored.booking_status} {stored.start} != {expected}")
    return found + [f"{booking_id} extra" for booking_id in local]


def last_refresh_shown(connection) -> str:
    owner = MembershipFactory(business=connection.business, role="owner").user
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("magicline:health"))
    assert page.status_code == 200
    text = page.content.decode()
    start = text.index('<dd id="last-refresh">') + len('<dd id="last-refresh">')
    return text[start : text.index("</dd>", start)]


def test_the_periodic_refresh_heals_deliveries_magicline_never_sent(
    live_server, fake, connection, worker_factory
):
    rng = random.Random(20)
    url = f"{live_server.url}/webhooks/magicline/"
    first_bookings = [
        fake.add_booking("berlin", member, TRAINING, some_time(rng)) for member in MEMBERS
    ]
    worker = worker_factory()  # no beat yet: only the deliveries that were sent are applied
    post_all(
        url, connection.webhook_key, [delivery(b["bookingId"], "CREATED") for b in first_bookings]
    )

    changes = make_changes(fake, rng)
    sent = rng.sample(changes, k=round(len(changes) * (1 - LOST)))
    sent += rng.sample(sent, k=len(sent) // 10)  # some twice
    rng.shuffle(sent)
    post_all(url, connection.webhook_key, sent)
    wait_for(
        lambda: not MagiclineWebhookDelivery.objects.exclude(status="processed").exists(),
        timeout=90,
        what="the worker to apply every delivery that was sent",
        log=worker.log,
    )
    behind = differences(fake, connection)
    assert behind, "losing 20% of the deliveries left the mirror equal: the test proves nothing"
    assert last_refresh_shown(connection) == "never"

    worker.stop()
    refreshing = worker_factory(beat=True, MAGICLINE_REFRESH_SECONDS="2")
    wait_for(
        lambda: MagiclineConnection.objects.get(pk=connection.pk).last_sync_date is not None,
        timeout=90,
        what="the beat's refresh to run to its end",
        log=refreshing.log,
    )
    assert not differences(fake, connection)
    shown = last_refresh_shown(connection)
    assert shown.endswith(" ago</time>") and ">0\xa0minutes ago<" in shown, shown
