"""A Magicline studio's appointment bookings are Magicline's to notify: the rows are skipped
with that reason, nothing is sent, and the booking page says so."""

# ruff: noqa: F811 (the tests take the fixtures imported below as arguments)

import pytest

from bookings import selectors, services
from bookings.magicline.sync import apply_remote_customer
from calendar_app.notifications.models import Message
from tests.bookings.magicline.conftest import (  # noqa: F401 (fixtures)
    MEMBER_ID,
    berlin_connection,
    berlin_studio,
    day_at,
    empty_cache,
    fake,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_magicline_booking_and_its_cancel_are_left_to_magicline(
    fake,
    berlin_connection,
    berlin_studio,
    client,
):
    mia = apply_remote_customer(
        connection=berlin_connection, data=fake.customers[MEMBER_ID]["data"], magicline_id=MEMBER_ID
    )
    training = selectors.bookable_appointments(business=berlin_studio).get(
        title="Personal training"
    )
    slot = selectors.available_slots(
        appointment=training,
        slot_window_start_date=day_at(2, 0).date(),
        days_ahead=1,
        customer=mia,
    )[0]

    booking = services.book_appointment(
        actor=None,
        appointment=training,
        customer=mia,
        start=slot.start,
        end=slot.end,
        instructor_ids=[slot.instructors[0].id],
    )
    services.cancel_booking(actor=None, booking=booking)

    rows = Message.objects.order_by("pk")
    assert [(row.kind, row.state, row.reason) for row in rows] == [
        ("appointment_booked", "skipped", "Magicline notifies its customers"),
        ("appointment_cancelled", "skipped", "Magicline notifies its customers"),
    ]
    assert all(row.ics == "" for row in rows)

    client.force_login(MembershipFactory(business=berlin_studio, role="owner").user)
    page = client.get("/bookings/").content.decode()
    assert "Magicline notifies its customers of their bookings and cancellations" in page


def test_the_booking_page_of_a_local_studio_says_nothing_of_it(owner_client):
    page = owner_client.get("/bookings/").content.decode()

    assert "notifies its customers" not in page
