"""A Monday in Berlin one to two weeks ahead: two trainers, one room, and what holds them.

Trainers Anna and Ben work 09:00-13:00, room R1 09:00-17:00. Anna is booked 10:00-11:00 (+15 min
buffer), Ben teaches a class 11:30-12:30, R1 is blocked 09:00-09:30. "Personal training" takes
60 min on a 30-min grid with a 15-min buffer after, a trainer and the room.
"""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.test import Client

from calendar_app.models import Resource
from tests.factories import (
    ApiKeyFactory,
    AppointmentBookingFactory,
    BookableAppointmentFactory,
    BookingResourceFactory,
    ContingentFactory,
    CustomerFactory,
    EventFactory,
    EventResourceFactory,
    ResourceFactory,
    ScheduleFactory,
    WorkingHoursFactory,
    next_monday,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
MONDAY = next_monday().date() + timedelta(days=7)


def berlin(hour: int, minute: int = 0) -> datetime:
    """That Monday at a Berlin wall-clock time."""
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=BERLIN)


def local(hour: int, minute: int = 0) -> datetime:
    """That Monday at a wall-clock time, naive (as events are created)."""
    return datetime.combine(MONDAY, time(hour, minute))


BERLIN_NINE = berlin(9)


@pytest.fixture
def anna(business):
    trainer = ResourceFactory(business=business, name="Anna", type=Resource.Type.STAFF)
    WorkingHoursFactory(resource=trainer, weekday=0, start_time="09:00", end_time="13:00")
    return trainer


@pytest.fixture
def ben(business):
    trainer = ResourceFactory(business=business, name="Ben", type=Resource.Type.STAFF)
    WorkingHoursFactory(resource=trainer, weekday=0, start_time="09:00", end_time="13:00")
    return trainer


@pytest.fixture
def room(business):
    studio = ResourceFactory(business=business, name="R1", type=Resource.Type.ROOM)
    WorkingHoursFactory(resource=studio, weekday=0, start_time="09:00", end_time="17:00")
    return studio


@pytest.fixture
def training(business, anna, ben, room):
    return BookableAppointmentFactory(
        business=business,
        title="Personal training",
        duration_minutes=60,
        slot_step_minutes=30,
        buffer_after_minutes=15,
        minimum_notice_minutes=30,
        earliest_booking_days=30,
        staff=[anna, ben],
        rooms=[room],
    )


@pytest.fixture
def monday_holds(business, training, anna, ben, room):
    """Anna's booking, Ben's class and the room's blocked time; plus what must not block."""
    booking = AppointmentBookingFactory(appointment=training, start=berlin(10), end=berlin(11))
    BookingResourceFactory(booking=booking, resource=anna, start=berlin(10), end=berlin(11, 15))
    classes = ScheduleFactory(business=business, name="Classes")
    yoga = EventFactory(schedule=classes, start_local=local(11, 30))
    EventResourceFactory(event=yoga, resource=ben)
    blocked = ScheduleFactory(business=business, name="Blocked", is_blocked_time=True)
    closed = EventFactory(schedule=blocked, start_local=local(9), duration=timedelta(minutes=30))
    EventResourceFactory(event=closed, resource=room)
    see_through = EventFactory(schedule=classes, start_local=local(12), transparency="TRANSPARENT")
    EventResourceFactory(event=see_through, resource=anna)
    cancelled = EventFactory(schedule=classes, start_local=local(11, 30), status="CANCELLED")
    EventResourceFactory(event=cancelled, resource=anna)
    return booking


@pytest.fixture
def member(business):
    customer = CustomerFactory(business=business, first_name="Mia", last_name="Member")
    ContingentFactory(customer=customer, remaining_credits=3)
    return customer


# --- the JSON API ---------------------------------------------------------------------------

API_KEY = "dk_demo-studio-key"
OTHER_API_KEY = "dk_other-studio-key"


@pytest.fixture
def api_key(business):
    return ApiKeyFactory(business=business, raw_key=API_KEY, name="Website")


@pytest.fixture
def other_api_key(other_business):
    return ApiKeyFactory(business=other_business, raw_key=OTHER_API_KEY)


@pytest.fixture
def api(api_key):
    """A client carrying the demo studio's key (and no session)."""
    return Client(headers={"X-API-KEY": API_KEY})


@pytest.fixture
def other_api(other_api_key):
    """A client carrying the other studio's key."""
    return Client(headers={"X-API-KEY": OTHER_API_KEY})
