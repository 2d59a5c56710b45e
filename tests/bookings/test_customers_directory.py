"""A booking keeps the business's customer directory up to date (``book_appointment`` calls
``participants.customers.services.record_customer``)."""

import pytest

from bookings.services import book_appointment
from participants.customers.models import Person, PersonLink
from participants.customers.services import sync_directory
from participants.customers.tasks import sync_directories
from tests.bookings.conftest import berlin
from tests.factories import (
    ContingentFactory,
    CustomerFactory,
    FacilityFactory,
    FacilityGroupFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db


def test_a_booked_customer_is_in_the_directory(training, member, owner_membership, business):
    book_appointment(
        actor=owner_membership,
        appointment=training,
        customer=member,
        start=berlin(9, 30),
        end=berlin(10, 30),
    )

    person = PersonLink.objects.get(customer=member).person
    assert person.business == business
    assert person.name == "Mia Member"


def test_a_customer_of_the_group_who_books_here_joins_this_directory(
    training, owner_membership, business, other_business
):
    group = FacilityGroupFactory()
    FacilityFactory(business=business, group=group)
    FacilityFactory(business=other_business, group=group)
    visitor = CustomerFactory(business=other_business, first_name="Vic", last_name="Visitor")
    ContingentFactory(customer=visitor, inclusive=True)

    book_appointment(
        actor=owner_membership,
        appointment=training,
        customer=visitor,
        start=berlin(9, 30),
        end=berlin(10, 30),
    )

    assert Person.objects.get(business=business).name == "Vic Visitor"


def test_the_beat_task_catches_every_business_up(business, other_business, schedule):
    CustomerFactory(business=business)
    CustomerFactory(business=other_business)
    ParticipationFactory(event__schedule=schedule, email="")

    assert sync_directories() == 3
    assert sync_directories() == 0
    assert sync_directory(business=business) == 0
    assert Person.objects.filter(business=business).count() == 2
