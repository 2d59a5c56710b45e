"""A fake Magicline with two studios (Berlin, 6-day windows, date-times written as Java's
``ZonedDateTime.toString()`` does; Hamburg, 3-day windows, with milliseconds) and their
connections; slots of "Personal training" (type 1001) on the next days at 09:00 (instructors 101
and 102) and 15:00 (101), and of "Massage" (1002) at 11:00 with no instructor named."""

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.cache import cache

from bookings.magicline.client import MagiclineClient
from tests.factories import BusinessFactory, MagiclineConnectionFactory
from tests.fakes.magicline_server import FakeMagicline

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TRAINING = 1001
MASSAGE = 1002
MEMBER_ID = 203
GUEST_ID = 304  # a member of Hamburg with an inclusive contingent
PLAIN_GUEST_ID = 405  # a member of Hamburg without one


def day_at(days_from_today: int, hour: int) -> datetime:
    today = datetime.now(BERLIN).date()
    return datetime.combine(today + timedelta(days=days_from_today), time(hour), tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached appointment types and slot strings never leak from one test into another."""
    cache.clear()


@pytest.fixture
def fake():
    server = FakeMagicline().start()
    server.add_studio("berlin", "berlin-open-api-key-0001", date_time_style="java")
    server.add_studio("hamburg", "hamburg-open-api-key-0002", max_days_ahead=3)
    for tenant in ("berlin", "hamburg"):
        server.add_appointment_type(tenant, TRAINING, "Personal training", 60)
        server.add_appointment_type(tenant, MASSAGE, "Massage", 30)
        for days in range(1, 15):
            server.add_slot(tenant, TRAINING, day_at(days, 9), 60, instructor_ids=(101, 102))
            server.add_slot(tenant, TRAINING, day_at(days, 15), 60)
            server.add_slot(tenant, MASSAGE, day_at(days, 11), 30, instructor_ids=())
    server.add_customer(MEMBER_ID, "berlin")
    server.add_customer(
        GUEST_ID, "hamburg", first_name="Gus", last_name="Guest", inclusive_contingent=True
    )
    server.add_customer(PLAIN_GUEST_ID, "hamburg", first_name="Pia", last_name="Plain")
    yield server
    server.stop()


@pytest.fixture
def berlin_studio(db):
    return BusinessFactory(name="Berlin Studio", slug="berlin", time_zone="Europe/Berlin")


@pytest.fixture
def hamburg_studio(db):
    return BusinessFactory(name="Hamburg Studio", slug="hamburg", time_zone="Europe/Berlin")


@pytest.fixture
def berlin_connection(fake, berlin_studio):
    return MagiclineConnectionFactory(
        business=berlin_studio,
        base_url=fake.base_url("berlin"),
        api_key="berlin-open-api-key-0001",
        webhook_key="berlin-webhook-key-0001",
    )


@pytest.fixture
def hamburg_connection(fake, hamburg_studio):
    return MagiclineConnectionFactory(
        business=hamburg_studio,
        base_url=fake.base_url("hamburg"),
        api_key="hamburg-open-api-key-0002",
        webhook_key="hamburg-webhook-key-0002",
    )


@pytest.fixture
def client_of(fake):
    """A client of a studio of the fake that never really sleeps (it records the waits)."""
    waits: list[float] = []
    made = []

    def make(tenant: str, api_key: str, **options) -> MagiclineClient:
        client = MagiclineClient(
            base_url=fake.base_url(tenant),
            api_key=api_key,
            connection_id=f"test-{tenant}-{len(made)}-{datetime.now(UTC).timestamp()}",
            sleep=waits.append,
            **options,
        )
        made.append(client)
        return client

    make.waits = waits
    yield make
    for client in made:
        client.close()
