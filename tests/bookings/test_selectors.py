"""Reads: the slot window rules, customer search, bookings within two weeks, booking clashes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import selectors
from bookings.errors import SlotWindowError
from bookings.services import book_appointment
from calendar_app.models import Event
from tests.bookings.conftest import MONDAY, berlin, local
from tests.factories import (
    AppointmentBookingFactory,
    CustomerFactory,
    EventFactory,
    EventResourceFactory,
    FacilityFactory,
    ScheduleFactory,
)

pytestmark = pytest.mark.django_db


def test_no_start_date_means_today_in_the_business_zone(training, anna):
    today = timezone.localdate(timezone=training.business.zone)
    anna.working_hours.update(weekday=today.weekday(), start_time="00:00", end_time="23:59")
    training.minimum_notice_minutes = 0
    training.save()

    slots = selectors.available_slots(
        appointment=training, slot_window_start_date=None, days_ahead=1
    )

    assert {slot.start.date() for slot in slots} <= {today}


@pytest.mark.parametrize("days_ahead", [0, 7])
def test_days_ahead_outside_one_to_six_raises_a_clear_error(training, days_ahead):
    with pytest.raises(SlotWindowError, match="from 1 to 6"):
        selectors.available_slots(
            appointment=training, slot_window_start_date=MONDAY, days_ahead=days_ahead
        )


def test_an_empty_window_is_an_empty_list(training):
    assert (
        selectors.available_slots(
            appointment=training, slot_window_start_date=MONDAY + timedelta(days=1), days_ahead=5
        )
        == []
    )


def test_customer_search_covers_the_group_but_no_other_business(business, member):
    sister = FacilityFactory(group=FacilityFactory(business=business).group).business
    visitor = CustomerFactory(business=sister, first_name="Milo", last_name="Visitor")
    CustomerFactory(first_name="Mira", last_name="Stranger")

    found = selectors.search_customers(business=business, query="mi")

    assert found == [member, visitor]
    assert selectors.customer_for_booking(business=business, customer_id=visitor.pk) == visitor
    assert selectors.search_customers(business=business, query="  ") == []


def test_customer_bookings_are_those_within_two_weeks(training, member):
    soon = AppointmentBookingFactory(appointment=training, customer=member)
    AppointmentBookingFactory(
        appointment=training, customer=member, start=timezone.now() + timedelta(days=20)
    )

    assert selectors.customer_bookings(business=training.business, customer=member) == [soon]
    assert selectors.stored_booking(business=training.business, booking_id=soon.pk) == soon
    assert selectors.current_booking(business=training.business, booking_id=soon.pk) == soon


def test_another_facilitys_booking_is_not_found(training, member, other_business):
    booking = AppointmentBookingFactory(appointment=training, customer=member)

    assert selectors.current_booking(business=other_business, booking_id=booking.pk) is None


def test_an_event_placed_on_a_booked_resource_names_the_booking(
    training, monday_holds, member, ben
):
    booking = book_appointment(
        actor=None,
        appointment=training,
        customer=member,
        start=berlin(9, 30),
        end=berlin(10, 30),
    )
    meeting = EventFactory(
        schedule=ScheduleFactory(business=training.business), start_local=local(10)
    )
    EventResourceFactory(event=meeting, resource=ben)
    elsewhere = EventFactory(schedule=meeting.schedule, start_local=local(14))
    EventResourceFactory(event=elsewhere, resource=ben)

    [clash] = selectors.booking_clashes(event=meeting)

    assert clash.startswith(
        f"Ben is booked for Personal training (Mia Member) on {berlin(9, 30):%a %d %b}, 09:30-10:30"
    )
    assert selectors.booking_clashes(event=elsewhere) == []
    assert selectors.booking_clashes(event=Event.objects.get(pk=booking.event_id)) == []


def test_the_event_form_warns_about_a_booked_resource(
    owner_client, training, member, anna, schedule
):
    book_appointment(
        actor=None, appointment=training, customer=member, start=berlin(12), end=berlin(13)
    )

    data = {
        "schedule": schedule.pk,
        "title": "Staff meeting",
        "type": "DEFAULT",
        "date": MONDAY.isoformat(),
        "start_time": "12:30",
        "end_time": "13:30",
        "capacity": "",
        "interval": "1",
        "resources": [anna.pk],
    }
    # First the calendar's clash warning (nothing saved), then the owner saves anyway.
    warned = owner_client.post(reverse("calendar_app:event_create"), data)
    assert warned.status_code == 409
    assert "Already taken at that time" in warned.content.decode()
    response = owner_client.post(
        reverse("calendar_app:event_create"), {**data, "save_anyway": "1"}, follow=True
    )

    assert response.status_code == 200
    assert "Anna is booked for Personal training (Mia Member)" in response.content.decode()
