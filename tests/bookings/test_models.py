from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from tests.factories import AppointmentBookingFactory, BookingResourceFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def test_two_active_holds_of_one_resource_cannot_overlap(business):
    trainer = ResourceFactory(business=business)
    first = BookingResourceFactory(booking__appointment__business=business, resource=trainer)
    second = AppointmentBookingFactory(
        appointment=first.booking.appointment, start=first.start + timedelta(minutes=30)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingResourceFactory(booking=second, resource=trainer)


def test_an_inactive_hold_frees_the_range(business):
    trainer = ResourceFactory(business=business)
    first = BookingResourceFactory(booking__appointment__business=business, resource=trainer)
    first.active = False
    first.save()
    second = AppointmentBookingFactory(appointment=first.booking.appointment, start=first.start)
    assert BookingResourceFactory(booking=second, resource=trainer).active


def test_back_to_back_holds_do_not_overlap(business):
    trainer = ResourceFactory(business=business)
    first = BookingResourceFactory(booking__appointment__business=business, resource=trainer)
    second = AppointmentBookingFactory(appointment=first.booking.appointment, start=first.end)
    assert BookingResourceFactory(booking=second, resource=trainer).pk
