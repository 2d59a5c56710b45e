"""The booking screen in a real browser, with the same steps for a business that is its own
booking system and for one whose bookings live in Magicline (the fake studio on loopback)."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from bookings.magicline.sync import apply_remote_customer
from bookings.models import AppointmentBooking
from calendar_app.models import Resource
from tests.bookings.magicline.conftest import TRAINING, day_at
from tests.factories import (
    BookableAppointmentFactory,
    ContingentFactory,
    CustomerFactory,
    MagiclineConnectionFactory,
    ResourceFactory,
    WorkingHoursFactory,
)
from tests.fakes.magicline_server import FakeMagicline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local_studio(business):
    trainer = ResourceFactory(business=business, name="Anna", type=Resource.Type.STAFF)
    for weekday in range(7):
        WorkingHoursFactory(resource=trainer, weekday=weekday, start_time="09:00", end_time="13:00")
    BookableAppointmentFactory(
        business=business,
        title="Personal training",
        duration_minutes=60,
        slot_step_minutes=60,
        minimum_notice_minutes=0,
        staff=[trainer],
    )
    member = CustomerFactory(business=business, first_name="Mia", last_name="Member")
    ContingentFactory(customer=member, remaining_credits=3)


def magicline_studio(business, fake):
    fake.add_studio("demo", "demo-open-api-key-0001", date_time_style="java")
    fake.add_appointment_type("demo", TRAINING, "Personal training", 60)
    for days in range(1, 7):
        fake.add_slot("demo", TRAINING, day_at(days, 10), 60)
    fake.add_customer(203, "demo")
    connection = MagiclineConnectionFactory(
        business=business, base_url=fake.base_url("demo"), api_key="demo-open-api-key-0001"
    )
    apply_remote_customer(connection=connection, data=fake.customers[203]["data"], magicline_id=203)


@pytest.fixture(params=["local", "magicline"])
def studio(request, business):
    cache.clear()
    if request.param == "local":
        local_studio(business)
        yield None
        return
    fake = FakeMagicline().start()
    magicline_studio(business, fake)
    yield fake
    fake.stop()


def test_the_owner_books_a_slot_for_a_customer(live_server, log_in, owner, studio, artifacts_dir):
    page = log_in(owner)
    page.goto(f"{live_server.url}/bookings/")
    page.select_option("#id_service", label="Personal training (60 min)")
    page.fill("#id_q", "Mia")
    page.locator("#customer-results a", has_text="Mia Member").click()
    expect(page.locator("#chosen-customer")).to_contain_text("Mia Member")

    staff_name = "Anna" if studio is None else "Coach 101"
    page.locator("#slot-grid a.slot.free").first.click()
    expect(page.locator("#pick-verdict")).to_have_text("This slot is free and can be booked.")
    expect(page.locator("#pick")).to_contain_text(f"With {staff_name}")
    page.get_by_role("button", name="Book for Mia Member").click()
    expect(page.locator("#booking-success")).to_contain_text(
        re.compile(r"Booked Personal training for Mia Member on")
    )
    expect(page.locator("#upcoming tbody tr")).to_have_count(1)
    expect(page.locator("#upcoming tbody tr td").nth(2)).to_have_text(staff_name)
    page.screenshot(path=artifacts_dir / "booking-screen.png", full_page=True)

    booking = AppointmentBooking.objects.get()
    assert booking.is_active
    if studio is not None:
        (made,) = studio.studios["demo"].bookings.values()
        assert booking.magicline.magicline_id == made["bookingId"]
        served = studio.studios["demo"].slots[TRAINING][0]
        assert made["startDateTime"] == served["startDateTime"]  # "…T10:00+01:00[…]", as served
        assert studio.keys_used("demo") == {"demo-open-api-key-0001"}
