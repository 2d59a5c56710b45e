"""The booking screen: page, HTMX fragments, book and cancel, refusals, tenancy."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import AppointmentBooking
from tests.bookings.conftest import MONDAY, berlin
from tests.factories import (
    AppointmentBookingFactory,
    BookableAppointmentFactory,
    ContingentFactory,
    CustomerFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("bookings:book")
BOOK = reverse("bookings:book_slot")
SLOT = f"{MONDAY:%Y-%m-%d}T09:30"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "workspace"}


def _screen(client, training, member, **params):
    query = {"service": training.pk, "customer": member.pk, "start": MONDAY.isoformat(), **params}
    return client.get(URL, query)


def test_it_shows_the_grid_with_free_and_unavailable_times(
    owner_client, training, monday_holds, member
):
    response = _screen(owner_client, training, member)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/bookings/?service={training.pk}&amp;customer={member.pk}' in page
    assert f"slot={MONDAY:%Y-%m-%d}T09%3A30" in page
    assert '<span class="slot unavailable" aria-disabled="true" title="Not available">10:30' in page
    assert "Upcoming bookings of Mia Member" in page
    assert "HX-Request" in response["Vary"]


def test_staff_see_the_screen_too(staff_client, training, member):
    assert _screen(staff_client, training, member).status_code == 200


def test_htmx_navigation_answers_with_the_workspace_only(
    owner_client, training, monday_holds, member
):
    response = _screen(owner_client, training, member, **{"start": MONDAY.isoformat()}, **{})
    fragment = owner_client.get(
        URL, {"service": training.pk, "customer": member.pk, "start": MONDAY.isoformat()}, **HTMX
    )

    assert "<html" in response.content.decode()
    assert fragment.content.decode().lstrip().startswith('<section id="workspace"')


def test_search_as_you_type_finds_customers_by_name_or_email(owner_client, training, member):
    CustomerFactory(business=member.business, first_name="Tom", last_name="Other")

    by_name = owner_client.get(
        URL,
        {"service": training.pk, "q": "mi"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-results",
    )
    by_email = owner_client.get(URL, {"q": member.email[:6]})

    assert by_name.content.decode().lstrip().startswith('<div id="customer-results"')
    assert "Mia Member" in by_name.content.decode()
    assert "Tom Other" not in by_name.content.decode()
    assert "Mia Member" in by_email.content.decode()


def test_picking_a_slot_shows_its_validation_sentence(owner_client, training, monday_holds, member):
    response = _screen(owner_client, training, member, slot=SLOT)

    assert 'data-status="AVAILABLE"' in response.content.decode()
    assert "This slot is free and can be booked." in response.content.decode()
    assert "Book for Mia Member" in response.content.decode()


def test_a_refused_pick_shows_its_sentence_and_no_book_button(
    owner_client, training, monday_holds, member
):
    member.contingents.update(remaining_credits=0)

    response = _screen(owner_client, training, member, slot=SLOT)

    assert 'data-status="NO_CONTINGENT"' in response.content.decode()
    assert "no credits left" in response.content.decode()
    assert "Book for" not in response.content.decode()


def test_booking_with_a_plain_post_redirects_back_with_a_message(
    owner_client, training, monday_holds, member, ben
):
    response = owner_client.post(
        BOOK, {"service": training.pk, "customer": member.pk, "slot": SLOT}, follow=True
    )

    assert response.redirect_chain[0][1] == 302
    booking = AppointmentBooking.objects.get(customer=member)
    assert booking.start == berlin(9, 30)
    assert "Booked Personal training for Mia Member" in response.content.decode()
    assert "Cancel booking" in response.content.decode()


def test_booking_over_htmx_swaps_the_workspace(owner_client, training, monday_holds, member):
    response = owner_client.post(
        BOOK, {"service": training.pk, "customer": member.pk, "slot": SLOT}, **HTMX
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="workspace"')
    assert "Booked Personal training" in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_lost_slot_is_refused_in_place(
    owner_client, training, monday_holds, member, htmx, settings
):
    settings.DEBUG = True
    rival = CustomerFactory(business=member.business)
    ContingentFactory(customer=rival)
    data = {"service": training.pk, "customer": member.pk, "slot": SLOT}
    owner_client.post(BOOK, {**data, "customer": rival.pk})

    response = owner_client.post(BOOK, data, **(HTMX if htmx else {}))

    assert response.status_code == (200 if htmx else 409)
    assert "Someone else has just taken this slot" in response.content.decode()
    assert not AppointmentBooking.objects.filter(customer=member).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Service: Pick a service."),
        ({"service": "x", "customer": "1", "slot": SLOT}, "Service: Enter a whole number."),
        ({"service": "1", "customer": "1", "slot": "tomorrow"}, "Slot: The slot must be a time"),
    ],
)
def test_bad_booking_input_is_a_clear_400(owner_client, data, message):
    response = owner_client.post(BOOK, data)

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2027-13-01"},
        {"start": "9999-12-31"},
        {"slot": "9999-12-31T23:30"},
        {"slot": "9:30"},
        {"service": "-1"},
    ],
    ids=str,
)
def test_bad_screen_input_is_a_clear_400(owner_client, params):
    response = owner_client.get(URL, params)

    assert response.status_code == 400
    assert 'class="message error"' in response.content.decode()


def test_another_businesss_service_customer_or_booking_is_a_404(
    owner_client, training, member, other_business
):
    foreign_service = BookableAppointmentFactory(business=other_business)
    foreign_customer = CustomerFactory(business=other_business)
    owner_client.post(BOOK, {"service": training.pk, "customer": member.pk, "slot": SLOT})
    booking = AppointmentBooking.objects.get(customer=member)
    outsider = MembershipFactory(business=other_business).user

    assert owner_client.get(URL, {"service": foreign_service.pk}).status_code == 404
    assert owner_client.get(URL, {"customer": foreign_customer.pk}).status_code == 404
    owner_client.force_login(outsider)
    cancel = owner_client.post(reverse("bookings:cancel", args=[booking.pk]))
    assert cancel.status_code == 404
    booking.refresh_from_db()
    assert booking.booking_status == "BOOKED"


def test_cancelling_from_the_screen_frees_the_slot(owner_client, training, monday_holds, member):
    owner_client.post(BOOK, {"service": training.pk, "customer": member.pk, "slot": SLOT})
    booking = AppointmentBooking.objects.get(customer=member)

    response = owner_client.post(reverse("bookings:cancel", args=[booking.pk]), **HTMX)

    assert response.status_code == 200
    assert "Cancelled Personal training for Mia Member." in response.content.decode()
    booking.refresh_from_db()
    assert booking.booking_status == "CANCELED"
    assert member.contingents.get().remaining_credits == 3


def test_a_late_cancellation_is_refused_with_its_reason(
    owner_client, training, monday_holds, member
):
    owner_client.post(BOOK, {"service": training.pk, "customer": member.pk, "slot": SLOT})
    booking = AppointmentBooking.objects.get(customer=member)
    training.cancellation_deadline_minutes = 60 * 24 * 30
    training.save()

    response = owner_client.post(reverse("bookings:cancel", args=[booking.pk]))

    assert response.status_code == 400
    assert "too late to cancel" in response.content.decode()


def test_the_previous_window_never_goes_before_today(owner_client, training, member):
    response = owner_client.get(URL, {"service": training.pk, "start": "2020-01-01"})

    assert response.status_code == 200
    assert 'rel="prev"' not in response.content.decode()
    assert "Today" in response.content.decode()


def test_the_screen_costs_the_same_queries_with_more_bookings(
    owner_client, training, monday_holds, member
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _screen(owner_client, training, member, slot=SLOT).status_code == 200
        return len(captured)

    def book(week: int) -> None:
        start = MONDAY + timedelta(days=7 * week)
        owner_client.post(
            BOOK, {"service": training.pk, "customer": member.pk, "slot": f"{start}T12:00"}
        )
        AppointmentBookingFactory(appointment=training, start=berlin(12) + timedelta(days=week))

    member.contingents.update(remaining_credits=10)
    book(0)
    before = queries()
    book(1)
    book(2)

    assert AppointmentBooking.objects.filter(customer=member).count() == 3
    assert queries() == before
