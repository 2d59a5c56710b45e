"""The booking screen in a real browser: pick a service and a customer, a slot, book it, see it in
the calendar, cancel it; a refusal is swapped in place (DEBUG on and off)."""

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bookings.models import AppointmentBooking
from bookings.services import book_appointment
from calendar_app.models import Resource
from tests.factories import (
    BookableAppointmentFactory,
    ContingentFactory,
    CustomerFactory,
    ResourceFactory,
    WorkingHoursFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def service(business):
    anna = ResourceFactory(business=business, name="Anna", type=Resource.Type.STAFF)
    for weekday in range(7):
        WorkingHoursFactory(resource=anna, weekday=weekday, start_time="08:00", end_time="20:00")
    return BookableAppointmentFactory(
        business=business,
        title="Personal training",
        duration_minutes=60,
        slot_step_minutes=60,
        minimum_notice_minutes=0,
        cancellation_deadline_minutes=0,
        staff=[anna],
    )


@pytest.fixture
def mia(business):
    customer = CustomerFactory(
        business=business, first_name="Mia", last_name="Member", email="mia@example.com"
    )
    ContingentFactory(customer=customer, remaining_credits=2)
    return customer


def test_owner_books_a_slot_sees_it_in_the_calendar_and_cancels_it(
    live_server, log_in, owner, service, mia, artifacts_dir, app_debug
):
    page = log_in(owner)
    page.get_by_role("link", name="Bookings", exact=True).click()
    page.select_option("#id_service", str(service.pk))
    page.fill("#id_q", "mia")
    results = page.locator("#customer-results")
    expect(results).to_contain_text("Mia Member")
    results.get_by_role("link", name="Mia Member").click()
    expect(page.locator("#chosen-customer")).to_contain_text("Mia Member")

    # The next window is swapped in; then a free slot is picked and validated.
    page.evaluate("window.__noReload = true")
    page.get_by_role("link", name="Next 6 days →").click()
    expect(page).to_have_url(re.compile(r"start=\d{4}-\d\d-\d\d"))
    first_free = page.locator("#slot-grid a.slot.free").first
    expect(first_free).to_be_visible()
    expect(page.locator("#slot-grid .slot.unavailable")).to_have_count(0)
    first_free.click()
    expect(page).to_have_url(re.compile("slot="))
    expect(page.locator("#pick-verdict")).to_have_text("This slot is free and can be booked.")
    page.screenshot(path=artifacts_dir / "booking-pick.png", full_page=True)
    page.get_by_role("button", name="Book for Mia Member").click()
    expect(page.locator("#booking-success")).to_contain_text("Booked Personal training for Mia")
    expect(page.locator("#upcoming")).to_contain_text("Personal training")
    assert page.evaluate("window.__noReload") is True
    booking = AppointmentBooking.objects.get(customer=mia)

    # The booking's event shows in the calendar week.
    day = booking.start.astimezone(service.business.zone).date()
    page.goto(f"{live_server.url}{reverse('calendar_app:calendar', args=['week'])}?date={day}")
    expect(page.locator("a.cal-event", has_text="Personal training: Mia Member")).to_be_visible()

    # Back on the screen, cancel it after confirming.
    page.goto(f"{live_server.url}{reverse('bookings:book')}?service={service.pk}&customer={mia.pk}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.locator("#booking-success")).to_contain_text("Cancelled Personal training")
    expect(page.locator("#upcoming")).to_contain_text("No upcoming bookings.")
    booking.refresh_from_db()
    assert booking.booking_status == "CANCELED"
    page.screenshot(path=artifacts_dir / "booking-cancelled.png", full_page=True)


def test_a_refusal_is_swapped_in_place_with_its_sentence(
    live_server, log_in, owner, service, mia, app_debug
):
    mia.contingents.update(remaining_credits=0)
    page = log_in(owner)
    page.goto(f"{live_server.url}{reverse('bookings:book')}?service={service.pk}&customer={mia.pk}")
    page.evaluate("window.__noReload = true")
    page.get_by_role("link", name="Next 6 days →").click()
    expect(page).to_have_url(re.compile(r"start=\d{4}-\d\d-\d\d"))
    page.locator("#slot-grid a.slot.free").first.click()
    expect(page).to_have_url(re.compile("slot="))

    expect(page.locator("#pick-verdict")).to_have_text(
        re.compile("The customer has no credits left")
    )
    expect(page.get_by_role("button", name=re.compile("Book for"))).to_have_count(0)
    assert page.evaluate("window.__noReload") is True

    # A slot taken meanwhile: the book answer is the "just taken" sentence, in place.
    mia.contingents.update(remaining_credits=1)
    page.reload()
    page.evaluate("window.__noReload = true")
    rival = CustomerFactory(business=mia.business)
    ContingentFactory(customer=rival)
    expect(page.get_by_role("button", name="Book for Mia Member")).to_be_visible()
    slot = page.locator("input[name=slot]").input_value()
    begin = datetime.fromisoformat(slot).replace(tzinfo=service.business.zone)
    book_appointment(
        actor=None,
        appointment=service,
        customer=rival,
        start=begin,
        end=begin + timedelta(hours=1),
    )
    page.get_by_role("button", name="Book for Mia Member").click()
    expect(page.locator("#booking-notice")).to_have_text(
        "Someone else has just taken this slot; please pick another one."
    )
    assert page.evaluate("window.__noReload") is True
    assert not AppointmentBooking.objects.filter(customer=mia).exists()
