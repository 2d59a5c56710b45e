"""Slot tokens: a token names the slots Magicline listed at one time, for one studio and type."""

import pytest

from bookings import selectors
from bookings.magicline import slot_tokens
from bookings.magicline.sync import apply_remote_customer
from tests.bookings.magicline.conftest import MEMBER_ID, TRAINING, day_at

pytestmark = pytest.mark.django_db


def window(appointment, customer=None):
    return selectors.available_slots(
        appointment=appointment,
        slot_window_start_date=day_at(2, 0).date(),
        days_ahead=1,
        customer=customer,
    )


def test_a_token_of_another_studio_or_slot_is_not_believed(
    fake, berlin_connection, berlin_studio, hamburg_connection, hamburg_studio
):
    mia = apply_remote_customer(
        connection=berlin_connection, data=fake.customers[MEMBER_ID]["data"], magicline_id=MEMBER_ID
    )
    training, hamburg_training = (
        selectors.bookable_appointments(business=studio).get(title="Personal training")
        for studio in (berlin_studio, hamburg_studio)
    )
    theirs, mine = window(hamburg_training)[0], window(training, mia)[0]

    def slots_of(token, start, end):
        return slot_tokens.slots_of(
            token, connection_id=berlin_connection.pk, type_id=TRAINING, period=(start, end)
        )

    assert slots_of(theirs.token, mine.start, mine.end) == []
    (listed,) = slots_of(mine.token, mine.start, mine.end)
    assert listed.instructor_ids == [101, 102]
    assert slots_of(mine.token, mine.end, mine.end) == []
    assert slots_of(mine.token + "x", mine.start, mine.end) == []
