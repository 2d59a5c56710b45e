"""The slot engine and validation over hand-computed fixtures (see conftest.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bookings.contract import ValidationStatus
from bookings.errors import VALIDATION_MESSAGES, SlotWindowError
from bookings.slots import compute_slots, validate_slot
from calendar_app.models import Resource
from tests.bookings.conftest import BERLIN_NINE, MONDAY, berlin
from tests.factories import (
    AppointmentBookingFactory,
    BookableAppointmentFactory,
    BusinessFactory,
    ContingentFactory,
    CustomerFactory,
    FacilityFactory,
    IdlePeriodFactory,
    ResourceFactory,
    WorkingHoursFactory,
    WorkingHoursOverrideFactory,
)

pytestmark = pytest.mark.django_db


def _table(slots) -> list[tuple[str, list[str]]]:
    return [(f"{s.start:%H:%M}", [i.name for i in s.instructors]) for s in slots]


def test_it_computes_the_mondays_slots_by_hand(training, monday_holds):
    slots = compute_slots(
        appointment=training, slot_window_start_date=MONDAY, days_ahead=1, now=BERLIN_NINE
    )

    # 09:00: room blocked (and under the notice); 10:30/11:00: Anna's booking + buffer and
    # Ben's class; 11:30/12:00: Ben's class. A transparent or cancelled event blocks nothing.
    assert _table(slots) == [
        ("09:30", ["Ben"]),
        ("10:00", ["Ben"]),
        ("11:30", ["Anna"]),
        ("12:00", ["Anna"]),
    ]
    assert slots[0].start == berlin(9, 30)
    assert slots[0].end == berlin(10, 30)
    assert str(slots[0].start.tzinfo) == "Europe/Berlin"


def test_the_buffer_before_pushes_slots_away_from_a_booking(training, monday_holds):
    training.buffer_after_minutes = 0
    training.buffer_before_minutes = 30
    training.save()

    slots = compute_slots(
        appointment=training, slot_window_start_date=MONDAY, days_ahead=1, now=BERLIN_NINE
    )

    # Anna held 10:00-11:15: her slot must start >= 11:45 (held from start-30) and end <= 13:00.
    # Ben's class 11:30-12:30: his slot held [s-30, s+60) must miss it: 10:00 and 10:30 (ends
    # 11:30, back to back) work; 09:30 would hold the room from 09:00, when it is blocked.
    assert _table(slots) == [
        ("10:00", ["Ben"]),
        ("10:30", ["Ben"]),
        ("12:00", ["Anna"]),
    ]


def test_the_minimum_notice_drops_the_first_slots(training, monday_holds):
    now = berlin(10, 0)  # notice 30 min: nothing before 10:30

    slots = compute_slots(
        appointment=training, slot_window_start_date=MONDAY, days_ahead=1, now=now
    )

    assert _table(slots) == [("11:30", ["Anna"]), ("12:00", ["Anna"])]


def test_a_room_in_use_takes_every_trainer_out(training, monday_holds, room):
    AppointmentBookingFactory(appointment=training, start=berlin(11, 30), end=berlin(12, 30))
    from bookings.models import BookingResource

    BookingResource.objects.create(
        booking=training.bookings.order_by("-id").first(),
        resource=room,
        start=berlin(11, 30),
        end=berlin(12, 45),
    )

    slots = compute_slots(
        appointment=training, slot_window_start_date=MONDAY, days_ahead=1, now=BERLIN_NINE
    )

    assert _table(slots) == [("09:30", ["Ben"]), ("10:00", ["Ben"])]


def test_a_closed_override_removes_a_day_and_an_extra_shift_replaces_it(
    training, monday_holds, anna, ben
):
    WorkingHoursOverrideFactory(resource=ben, date=MONDAY, closed=True)
    WorkingHoursOverrideFactory(
        resource=anna, date=MONDAY, closed=False, start_time="14:00", end_time="16:00"
    )

    slots = compute_slots(
        appointment=training, slot_window_start_date=MONDAY, days_ahead=1, now=BERLIN_NINE
    )

    assert _table(slots) == [("14:00", ["Anna"]), ("14:30", ["Anna"]), ("15:00", ["Anna"])]


def test_a_customer_in_another_booking_sees_no_overlapping_slot(training, monday_holds, member):
    AppointmentBookingFactory(
        appointment=training, customer=member, start=berlin(9, 30), end=berlin(10, 30)
    )

    slots = compute_slots(
        appointment=training,
        slot_window_start_date=MONDAY,
        days_ahead=1,
        customer=member,
        now=BERLIN_NINE,
    )

    assert _table(slots) == [("11:30", ["Anna"]), ("12:00", ["Anna"])]


def test_the_window_spans_days_and_stops_at_the_booking_horizon(training):
    # Mondays only: a 6-day window from Monday has one working day; the next window opens later.
    slots = compute_slots(
        appointment=training, slot_window_start_date=MONDAY, days_ahead=6, now=BERLIN_NINE
    )
    assert {s.start.date() for s in slots} == {MONDAY}

    far = compute_slots(
        appointment=training,
        slot_window_start_date=MONDAY + timedelta(days=35),
        days_ahead=6,
        now=BERLIN_NINE,
    )
    assert far == []


@pytest.mark.parametrize("days_ahead", [0, 7, -1, "3", True])
def test_a_window_outside_one_to_six_days_is_refused(training, days_ahead):
    with pytest.raises(SlotWindowError, match="daysAhead"):
        compute_slots(appointment=training, slot_window_start_date=MONDAY, days_ahead=days_ahead)


def _daily_service(time_zone: str, hours=("09:00", "10:00")):
    business = BusinessFactory(time_zone=time_zone)
    trainer = ResourceFactory(business=business, name="Tess", type=Resource.Type.STAFF)
    for weekday in range(7):
        WorkingHoursFactory(
            resource=trainer, weekday=weekday, start_time=hours[0], end_time=hours[1]
        )
    return BookableAppointmentFactory(
        business=business, duration_minutes=60, slot_step_minutes=30, staff=[trainer]
    )


@pytest.mark.parametrize(
    ("time_zone", "first_day", "utc_hours"),
    [
        # Berlin springs forward on Sun 28 March 2027: 09:00 is 08:00 UTC, then 07:00 UTC.
        ("Europe/Berlin", date(2027, 3, 26), [8, 8, 7, 7, 7, 7]),
        # Berlin falls back on Sun 31 October 2027.
        ("Europe/Berlin", date(2027, 10, 29), [7, 7, 8, 8, 8, 8]),
        # New York springs forward on Sun 14 March 2027: 09:00 is 14:00 UTC, then 13:00 UTC.
        ("America/New_York", date(2027, 3, 12), [14, 14, 13, 13, 13, 13]),
        # New York falls back on Sun 7 November 2027.
        ("America/New_York", date(2027, 11, 5), [13, 13, 14, 14, 14, 14]),
    ],
)
def test_slots_keep_their_wall_clock_time_across_dst(time_zone, first_day, utc_hours):
    service = _daily_service(time_zone)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    service.earliest_booking_days = 400
    service.save()

    slots = compute_slots(
        appointment=service, slot_window_start_date=first_day, days_ahead=6, now=now
    )

    assert [f"{s.start:%a %H:%M}" for s in slots] == [
        f"{first_day + timedelta(days=n):%a} 09:00" for n in range(6)
    ]
    assert [s.start.astimezone(UTC).hour for s in slots] == utc_hours
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_a_start_in_the_spring_gap_is_no_slot_and_spans_keep_their_length():
    service = _daily_service("Europe/Berlin", hours=("01:00", "04:00"))
    service.earliest_booking_days = 400
    service.save()

    slots = compute_slots(
        appointment=service,
        slot_window_start_date=date(2027, 3, 28),
        days_ahead=1,
        now=datetime(2027, 1, 1, tzinfo=UTC),
    )

    # 01:00-04:00 on that night is two real hours; 02:00 and 02:30 do not exist on the clock.
    assert [(f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in slots] == [
        ("01:00", "03:00"),
        ("01:30", "03:30"),
        ("03:00", "04:00"),
    ]


def test_every_status_has_a_sentence():
    assert len(ValidationStatus) == 14
    assert set(VALIDATION_MESSAGES) == set(ValidationStatus)
    assert all(message.endswith(".") for message in VALIDATION_MESSAGES.values())


def _validate(training, member, start, end=None, **kwargs):
    return validate_slot(
        appointment=training,
        customer=member,
        start=start,
        end=end or start + timedelta(hours=1),
        now=kwargs.pop("now", BERLIN_NINE),
        **kwargs,
    )


def test_a_free_slot_is_available_with_what_to_hold(training, monday_holds, member, ben, room):
    verdict = _validate(training, member, berlin(9, 30))

    assert verdict.status == ValidationStatus.AVAILABLE
    assert verdict.resource_ids == [ben.pk, room.pk]
    assert verdict.contingent == member.contingents.get()


def test_an_unlisted_service_is_not_available(training, member):
    training.online_bookable = False
    training.save()

    assert _validate(training, member, berlin(9, 30)).status == ValidationStatus.NOT_AVAILABLE


def test_a_former_member_is_not_available(training, member):
    member.status = "FORMER_MEMBER"
    member.save()

    assert _validate(training, member, berlin(9, 30)).status == ValidationStatus.NOT_AVAILABLE


def test_an_end_not_after_the_start_is_refused(training, member):
    verdict = _validate(training, member, berlin(9, 30), berlin(9, 30))

    assert verdict.status == ValidationStatus.END_DATE_TIME_NOT_AFTER_START_DATE_TIME


def test_a_start_in_the_past_is_refused(training, member):
    assert _validate(training, member, berlin(8)).status == ValidationStatus.PAST_START_DATE_TIME


@pytest.mark.parametrize(
    ("start", "minutes"), [((9, 30), 45), ((9, 40), 60), ((9, 45), 60)], ids=str
)
def test_a_period_off_the_services_length_or_grid_does_not_match(training, member, start, minutes):
    begin = berlin(*start)
    verdict = _validate(training, member, begin, begin + timedelta(minutes=minutes))

    assert verdict.status == ValidationStatus.PERIOD_DOES_NOT_MATCH


def test_a_slot_beyond_the_booking_horizon_is_before_the_earliest_booking_time(training, member):
    verdict = _validate(training, member, berlin(9, 30) + timedelta(days=35))

    assert verdict.status == ValidationStatus.DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME


def test_a_slot_inside_the_minimum_notice_is_after_the_latest_booking_time(training, member):
    verdict = _validate(training, member, berlin(9, 30), now=berlin(9, 10))

    assert verdict.status == ValidationStatus.DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME


def test_an_idle_customer_is_refused(training, member):
    IdlePeriodFactory(customer=member, start_date=MONDAY, end_date=MONDAY)

    assert _validate(training, member, berlin(9, 30)).status == ValidationStatus.CUSTOMER_IDLE


@pytest.mark.parametrize(
    ("restriction", "value"),
    [
        ("allowed_rates", ["Gold"]),
        ("required_additional_modules", ["Physio"]),
        ("required_member_codes", ["VIP"]),
    ],
)
def test_restrictions_the_customer_lacks_are_not_fulfilled(training, member, restriction, value):
    setattr(training, restriction, value)
    training.save()

    verdict = _validate(training, member, berlin(9, 30))

    assert verdict.status == ValidationStatus.BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED


def test_restrictions_the_customer_meets_pass(training, member):
    training.allowed_rates = ["Gold", "Premium"]
    training.required_member_codes = ["VIP"]
    training.save()
    member.member_codes = ["VIP", "STAFF"]
    member.save()

    assert _validate(training, member, berlin(9, 30)).status == ValidationStatus.AVAILABLE


def test_no_credit_left_is_no_contingent(training, member):
    member.contingents.update(remaining_credits=0)

    assert _validate(training, member, berlin(9, 30)).status == ValidationStatus.NO_CONTINGENT


def test_a_contingent_for_another_service_or_category_does_not_count(training, member):
    member.contingents.all().delete()
    other = BookableAppointmentFactory(business=training.business, category="Physio")
    ContingentFactory(customer=member, appointment=other)
    ContingentFactory(customer=member, category="Physio")
    assert _validate(training, member, berlin(9, 30)).status == ValidationStatus.NO_CONTINGENT

    mine = ContingentFactory(customer=member, category="Training")
    assert _validate(training, member, berlin(9, 30)).contingent == mine


def test_the_booking_limit_counts_upcoming_bookings_of_the_service(training, member):
    training.booking_limit_per_customer = 1
    training.save()
    AppointmentBookingFactory(
        appointment=training, customer=member, start=berlin(12) + timedelta(days=7)
    )

    verdict = _validate(training, member, berlin(9, 30))

    assert verdict.status == ValidationStatus.BOOKING_LIMIT_REACHED


def test_an_overlapping_booking_of_the_customer_is_another_booking(training, member):
    other = BookableAppointmentFactory(business=training.business)
    AppointmentBookingFactory(
        appointment=other, customer=member, start=berlin(10), end=berlin(10, 30)
    )

    verdict = _validate(training, member, berlin(9, 30))

    assert verdict.status == ValidationStatus.CUSTOMER_IN_OTHER_BOOKING


def test_a_time_nobody_works_is_studio_closed(training, member):
    assert _validate(training, member, berlin(14)).status == ValidationStatus.STUDIO_CLOSED


def test_a_held_slot_or_instructor_is_resource_not_available(
    training, monday_holds, member, anna, ben
):
    assert _validate(training, member, berlin(10, 30)).status == (
        ValidationStatus.RESOURCE_NOT_AVAILABLE
    )
    verdict = _validate(training, member, berlin(9, 30), instructor_ids=[anna.pk])
    assert verdict.status == ValidationStatus.RESOURCE_NOT_AVAILABLE
    verdict = _validate(training, member, berlin(9, 30), instructor_ids=[ben.pk])
    assert verdict.status == ValidationStatus.AVAILABLE


def test_another_facility_of_the_group_needs_an_inclusive_contingent(training, business):
    group = FacilityFactory(business=business).group
    sister = FacilityFactory(group=group).business
    visitor = CustomerFactory(business=sister)
    ContingentFactory(customer=visitor, inclusive=False)
    assert _validate(training, visitor, berlin(9, 30)).status == ValidationStatus.NO_CONTINGENT

    inclusive = ContingentFactory(customer=visitor, inclusive=True)
    verdict = _validate(training, visitor, berlin(9, 30))
    assert verdict.status == ValidationStatus.AVAILABLE
    assert verdict.contingent == inclusive


def test_a_customer_of_a_business_outside_the_group_is_not_available(training):
    stranger = CustomerFactory()
    ContingentFactory(customer=stranger, inclusive=True)

    assert _validate(training, stranger, berlin(9, 30)).status == ValidationStatus.NOT_AVAILABLE
