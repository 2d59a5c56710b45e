"""The booking screen of a Magicline studio: the same screen, backed by the fake studio."""

import pytest

from bookings.magicline.models import MagiclineBooking
from bookings.magicline.sync import apply_remote_customer
from tests.bookings.magicline.conftest import MEMBER_ID, day_at
from tests.factories import MembershipFactory


@pytest.fixture
def berlin_owner_client(client, berlin_studio):
    client.force_login(MembershipFactory(business=berlin_studio, role="owner").user)
    return client


@pytest.fixture
def mia(fake, berlin_connection):
    return apply_remote_customer(
        connection=berlin_connection,
        data=fake.customers[MEMBER_ID]["data"],
        magicline_id=MEMBER_ID,
    )


@pytest.fixture
def training(berlin_owner_client, berlin_connection):
    berlin_owner_client.get("/bookings/")  # mirrors the studio's services
    return berlin_connection.appointment_types.get(magicline_id=1001).appointment


def screen(client, training, mia, **extra):
    params = {"service": training.pk, "customer": mia.pk, "start": day_at(2, 0).date(), **extra}
    return client.get("/bookings/", params)


def test_the_grid_shows_the_studios_free_slots(berlin_owner_client, training, mia):
    page = screen(berlin_owner_client, training, mia)
    assert page.status_code == 200
    assert "Personal training" in page.text
    assert page.text.count('class="slot free"') == 12  # two a day over six days


def test_picking_a_slot_validates_it_in_magicline(berlin_owner_client, fake, training, mia):
    slot = f"{day_at(2, 9):%Y-%m-%dT%H:%M}"
    page = screen(berlin_owner_client, training, mia, slot=slot)
    assert "This slot is free and can be booked." in page.text
    assert any(r.path == "/v1/appointments/bookable/validate" for r in fake.requests)


def test_booking_from_the_screen_books_in_magicline(berlin_owner_client, fake, training, mia):
    answer = berlin_owner_client.post(
        "/bookings/book/",
        {
            "service": training.pk,
            "customer": mia.pk,
            "slot": f"{day_at(2, 9):%Y-%m-%dT%H:%M}",
            "instructor": "101",
        },
        follow=True,
    )
    assert answer.status_code == 200
    assert "Booked Personal training for Mia Member" in answer.text
    (made,) = fake.studios["berlin"].bookings.values()
    assert MagiclineBooking.objects.get().magicline_id == made["bookingId"]


def test_magicline_down_is_a_503_with_a_sentence(berlin_owner_client, fake, training, mia):
    fake.fail_next("POST", "/validate", 500)
    answer = berlin_owner_client.post(
        "/bookings/book/",
        {"service": training.pk, "customer": mia.pk, "slot": f"{day_at(2, 9):%Y-%m-%dT%H:%M}"},
    )
    assert answer.status_code == 503
    assert "not answering right now" in answer.text
    assert not fake.studios["berlin"].bookings


def test_the_grid_says_so_when_magicline_is_down(berlin_owner_client, fake, training, mia):
    fake.fail_next("GET", "/slots", 500)
    page = screen(berlin_owner_client, training, mia)
    assert page.status_code == 200
    assert "not answering right now" in page.text


def test_the_customer_search_finds_magicline_customers_of_every_studio(
    berlin_owner_client, fake, berlin_connection, hamburg_connection
):
    page = berlin_owner_client.get("/bookings/", {"q": "Gus"})
    assert "Gus Guest" in page.text
    assert fake.keys_used("berlin") == {"berlin-open-api-key-0001"}
    assert fake.keys_used("hamburg") == set()
    searches = [r for r in fake.requests if r.path == "/v1/cross-studio/customers/search"]
    assert len(searches) == 2
    berlin_owner_client.get("/bookings/", {"q": "Gus"})
    assert len([r for r in fake.requests if r.path.endswith("/search")]) == 2  # cached


def test_the_customer_search_keeps_the_local_results_when_magicline_is_down(
    berlin_owner_client, fake, mia
):
    fake.fail_next("POST", "/customers/search", 500)
    page = berlin_owner_client.get("/bookings/", {"q": "Mia"})
    assert page.status_code == 200
    assert "Mia Member" in page.text
