"""The booking screen of a Magicline studio: the same screen, backed by the fake studio."""

import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from bookings.magicline.models import MagiclineBooking
from bookings.magicline.sync import apply_remote_customer
from bookings.models import Customer
from tests.bookings.magicline.conftest import GUEST_ID, MASSAGE, MEMBER_ID, TRAINING, day_at
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


def pick_form(page) -> dict:
    """The hidden and selected fields of the pick's book form, as the browser would post them."""
    form = re.search(r'<div class="card pick".*?</form>', page.text, re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    chosen = re.search(r'<option value="([^"]+)" selected', form) or re.search(
        r'<option value="([^"]+)"', form
    )
    if chosen:
        fields["instructor"] = chosen.group(1)
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def sent_bodies(fake, path: str) -> list[dict]:
    return [json.loads(r.body) for r in fake.requests if r.path == path]


def test_booking_from_the_screen_books_in_magicline(berlin_owner_client, fake, training, mia):
    page = screen(berlin_owner_client, training, mia, slot=f"{day_at(2, 9):%Y-%m-%dT%H:%M}")
    answer = berlin_owner_client.post("/bookings/book/", pick_form(page), follow=True)
    assert answer.status_code == 200
    assert "Booked Personal training for Mia Member" in answer.text
    (made,) = fake.studios["berlin"].bookings.values()
    assert MagiclineBooking.objects.get().magicline_id == made["bookingId"]
    assert made["instructors"][0]["id"] == 101


def test_the_book_form_carries_the_strings_magicline_sent_through_the_browser(
    berlin_owner_client, fake, training, mia
):
    served = fake.studios["berlin"].slots[TRAINING][2]  # day 2, 09:00, "…T09:00+01:00[…]"
    assert ":00.000" not in served["startDateTime"]  # not how the app writes a date-time
    page = screen(berlin_owner_client, training, mia, slot=f"{day_at(2, 9):%Y-%m-%dT%H:%M}")
    form = pick_form(page)
    cache.clear()  # the token alone must carry the strings (another process, an expired cache)
    fake.requests.clear()
    answer = berlin_owner_client.post("/bookings/book/", form)
    assert answer.status_code == 302
    assert not [r for r in fake.requests if r.path.endswith("/slots")]
    for path in ("/v1/appointments/bookable/validate", "/v1/appointments/booking/book"):
        (raw,) = [r.body for r in fake.requests if r.path == path]
        assert json.dumps(served["startDateTime"]).encode() in raw
        assert json.dumps(served["endDateTime"]).encode() in raw
    (body,) = sent_bodies(fake, "/v1/appointments/booking/book")
    assert (body["startDateTime"], body["endDateTime"]) == (
        served["startDateTime"],
        served["endDateTime"],
    )
    assert body["instructorIds"] in ([101], [102])


def test_a_forged_slot_token_is_not_believed(berlin_owner_client, fake, training, mia):
    page = screen(berlin_owner_client, training, mia, slot=f"{day_at(2, 9):%Y-%m-%dT%H:%M}")
    form = pick_form(page) | {"slot_token": "e30:forged:signature"}
    cache.clear()
    fake.requests.clear()
    answer = berlin_owner_client.post("/bookings/book/", form)
    assert answer.status_code == 302
    assert len([r for r in fake.requests if r.path.endswith("/slots")]) == 1  # its day, again
    (body,) = sent_bodies(fake, "/v1/appointments/booking/book")
    assert body["startDateTime"] == fake.studios["berlin"].slots[TRAINING][2]["startDateTime"]


def test_a_slot_with_no_instructor_is_free_on_the_grid_and_books(
    berlin_owner_client, fake, berlin_connection, training, mia
):
    massage = berlin_connection.appointment_types.get(magicline_id=MASSAGE).appointment
    page = screen(berlin_owner_client, massage, mia)
    assert page.text.count('class="slot free"') == 6  # 11:00 on each of six days
    assert 'class="slot unavailable"' not in page.text
    page = screen(berlin_owner_client, massage, mia, slot=f"{day_at(2, 11):%Y-%m-%dT%H:%M}")
    assert "This slot is free and can be booked." in page.text
    answer = berlin_owner_client.post("/bookings/book/", pick_form(page), follow=True)
    assert "Booked Massage for Mia Member" in answer.text
    (body,) = sent_bodies(fake, "/v1/appointments/booking/book")
    assert "instructorIds" not in body


def test_the_booking_shows_on_its_instructors_column_and_in_the_list(
    berlin_owner_client, fake, berlin_connection, training, mia
):
    page = screen(berlin_owner_client, training, mia, slot=f"{day_at(2, 15):%Y-%m-%dT%H:%M}")
    assert "With Coach 101" in page.text
    answer = berlin_owner_client.post("/bookings/book/", pick_form(page), follow=True)
    coach = berlin_connection.instructors.get(magicline_id=101).resource
    booking = MagiclineBooking.objects.get().booking
    assert list(booking.event.event_resources.values_list("resource_id", flat=True)) == [coach.pk]
    upcoming = answer.text.split('id="upcoming"')[1]
    assert "<td>Coach 101</td>" in upcoming


def test_magicline_down_is_a_503_with_a_sentence(berlin_owner_client, fake, training, mia):
    fake.fail_next("POST", "/validate", 500)
    answer = berlin_owner_client.post(
        "/bookings/book/",
        {"service": training.pk, "customer": mia.pk, "slot": f"{day_at(2, 9):%Y-%m-%dT%H:%M}"},
    )
    assert answer.status_code == 503
    assert "not answering right now" in answer.text
    assert not fake.studios["berlin"].bookings


@pytest.mark.parametrize("htmx", [False, True])
def test_cancelling_while_magicline_is_down_is_a_503_like_booking_and_changes_nothing(
    berlin_owner_client, fake, training, mia, htmx
):
    page = screen(berlin_owner_client, training, mia, slot=f"{day_at(2, 9):%Y-%m-%dT%H:%M}")
    berlin_owner_client.post("/bookings/book/", pick_form(page))
    booking = MagiclineBooking.objects.get().booking
    fake.go_down()

    answer = berlin_owner_client.post(
        reverse("bookings:cancel", args=[booking.pk]),
        headers={"HX-Request": "true"} if htmx else {},
    )

    assert answer.status_code == (200 if htmx else 503)  # HTMX swaps the sentence in place
    assert "not answering right now" in answer.text
    booking.refresh_from_db()
    assert booking.is_active
    (made,) = fake.studios["berlin"].bookings.values()
    assert made["bookingStatus"] == "BOOKED"


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


def test_a_member_of_another_studio_seen_there_first_books_here_with_this_studios_key(
    berlin_owner_client, fake, berlin_connection, hamburg_connection, training
):
    in_hamburg = apply_remote_customer(
        connection=hamburg_connection, data=fake.customers[GUEST_ID]["data"], magicline_id=GUEST_ID
    )
    fake.customers[GUEST_ID]["data"]["email"] = "gus.new@example.org"
    results = berlin_owner_client.get("/bookings/", {"q": "Gus", "service": training.pk})
    assert "Gus Guest" in results.text
    guest = Customer.objects.get(business=berlin_connection.business, first_name="Gus")
    assert guest != in_hamburg
    in_hamburg.refresh_from_db()
    assert in_hamburg.email == guest.email == "gus.new@example.org"  # one person, both copies
    fake.requests.clear()
    page = screen(berlin_owner_client, training, guest, slot=f"{day_at(2, 9):%Y-%m-%dT%H:%M}")
    answer = berlin_owner_client.post("/bookings/book/", pick_form(page), follow=True)
    assert "Booked Personal training for Gus Guest" in answer.text
    (made,) = fake.studios["berlin"].bookings.values()
    assert made["customerId"] == GUEST_ID
    assert fake.keys_used("berlin") == {"berlin-open-api-key-0001"}
    assert fake.keys_used("hamburg") == set()
    assert MagiclineBooking.objects.get().booking.customer == guest


def test_a_time_listed_once_per_instructor_is_one_time_with_both_to_choose_from(
    berlin_owner_client, fake, training, mia
):
    fake.add_slot("berlin", TRAINING, day_at(2, 12), 60, instructor_ids=(101,))
    fake.add_slot("berlin", TRAINING, day_at(2, 12), 60, instructor_ids=(102,))
    page = screen(berlin_owner_client, training, mia)
    assert page.text.count('class="slot free"') == 13  # twelve, and 12:00 once
    page = screen(berlin_owner_client, training, mia, slot=f"{day_at(2, 12):%Y-%m-%dT%H:%M}")
    options = re.findall(r'<option value="([^"]+)"[^>]*>(Coach 10\d)</option>', page.text)
    assert [name for _, name in options] == ["Coach 101", "Coach 102"]
    form = pick_form(page) | {"instructor": options[1][0]}
    answer = berlin_owner_client.post("/bookings/book/", form)
    assert answer.status_code == 302
    (body,) = sent_bodies(fake, "/v1/appointments/booking/book")
    assert body["instructorIds"] == [102]
    (made,) = fake.studios["berlin"].bookings.values()
    assert [i["id"] for i in made["instructors"]] == [102]
