"""The customer directory's upkeep (``participants.customers.services``): who is one person,
the catch-up of rows written elsewhere, and the erase of a person's personal data."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bookings.models import Customer, IdlePeriod
from calendar_app.models import ChangeRecord, Event
from calendar_app.notifications.models import Message
from calendar_app.notifications.services import queue_cancellation
from participants import services as participant_services
from participants.customers import services
from participants.customers.directory import ANONYMISED_NAME
from participants.customers.models import Person, PersonLink
from participants.models import Participation, WaitlistEntry
from tests.factories import (
    AppointmentBookingFactory,
    ContingentFactory,
    CustomerFactory,
    EventFactory,
    IdlePeriodFactory,
    MagiclineConnectionFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(schedule):
    return EventFactory(schedule=schedule, total_capacity=10, remaining_capacity=10)


def add(actor, event, name, **fields):
    participation, _ = participant_services.add_participation(
        actor=actor, event=event, name=name, **fields
    )
    return participation


def person_of(participation) -> Person:
    return PersonLink.objects.get(participation=participation).person


# Who is one person


def test_adding_a_participant_puts_them_in_the_directory(owner_membership, event):
    p = add(owner_membership, event, "Ada Lovelace", email="Ada@Example.com", phone="+49 151-234")

    person = person_of(p)
    assert person.business == event.business
    assert (person.name, person.email, person.phone) == (
        "Ada Lovelace",
        "Ada@Example.com",
        "+49 151-234",
    )
    assert person.key == "e:ada@example.com"
    assert person.search == "ada lovelace ada@example.com 49151234"


def test_the_same_address_in_another_case_is_the_same_person(owner_membership, schedule, event):
    other = EventFactory(schedule=schedule, total_capacity=5, remaining_capacity=5)
    first = add(owner_membership, event, "Ada", email="ada@example.com")
    second = add(owner_membership, other, "Ada L.", email="ADA@example.COM")

    assert person_of(first) == person_of(second)
    assert Person.objects.count() == 1
    assert person_of(first).name == "Ada L."  # the latest record's name is shown


def test_a_participant_linked_to_a_customer_is_that_customer_s_person(
    owner_membership, business, event
):
    customer = CustomerFactory(business=business, email="mia@example.com")
    services.record_customer(business=business, customer=customer)

    p = add(
        owner_membership, event, "Mia", email="mia.private@example.org", customer_id=customer.pk
    )

    assert person_of(p) == PersonLink.objects.get(customer=customer).person
    assert Person.objects.count() == 1


def test_participants_without_an_address_stay_separate_people(owner_membership, event):
    first = add(owner_membership, event, "Walk-in")
    second = add(owner_membership, event, "Walk-in")

    assert person_of(first) != person_of(second)


def test_changing_the_address_moves_the_participant_and_drops_the_empty_person(
    owner_membership, event
):
    p = add(owner_membership, event, "Ada", email="old@example.com")
    participant_services.update_participation(
        actor=owner_membership,
        participation=p,
        expected_revision=p.revision,
        changes={"email": "new@example.com"},
    )

    assert person_of(p).key == "e:new@example.com"
    assert not Person.objects.filter(key="e:old@example.com").exists()


def test_a_promoted_person_is_in_the_directory(owner_membership, schedule):
    full = EventFactory(schedule=schedule, total_capacity=1, remaining_capacity=0)
    taken = ParticipationFactory(event=full, name="Ann")
    participant_services.join_waitlist(
        actor=owner_membership, event=full, name="Wendy", email="wendy@example.com"
    )

    participant_services.cancel_participation(
        actor=owner_membership, participation=taken, expected_revision=taken.revision
    )

    wendy = Participation.objects.get(event=full, name="Wendy")
    assert person_of(wendy).key == "e:wendy@example.com"


# The catch-up


def test_the_catch_up_links_rows_written_elsewhere_once(business, event):
    ParticipationFactory(event=event, email="zoe@example.com")
    ParticipationFactory(event=event, email="Zoe@example.com")
    CustomerFactory(business=business, email="zoe@example.com")
    CustomerFactory(business=business, email="max@example.com")

    assert services.sync_directory(business=business) == 4
    assert services.sync_directory(business=business) == 0

    assert sorted(Person.objects.values_list("key", flat=True)) == [
        "e:max@example.com",
        "e:zoe@example.com",
    ]
    assert PersonLink.objects.count() == 4


def test_the_catch_up_takes_a_group_customer_who_booked_here(business, other_business):
    visitor = CustomerFactory(business=other_business, email="guest@example.com")
    AppointmentBookingFactory(appointment__business=business, customer=visitor)

    services.sync_directory(business=business)

    assert Person.objects.get(business=business).key == "e:guest@example.com"
    assert not Person.objects.filter(business=other_business).exists()


def test_the_catch_up_keeps_each_business_to_itself(business, other_business, schedule):
    ParticipationFactory(event=EventFactory(schedule=schedule), email="same@example.com")
    theirs = EventFactory(schedule__business=other_business)
    ParticipationFactory(event=theirs, email="same@example.com")

    services.sync_directory(business=business)
    services.sync_directory(business=other_business)

    assert Person.objects.filter(key="e:same@example.com").count() == 2
    for person in Person.objects.all():
        assert {link.business_id for link in person.links.all()} == {person.business_id}


# Erase


@pytest.fixture
def regular(owner_membership, business, schedule, event):
    """Ada: two classes (one checked in), waiting for a third, a customer with credits and an
    idle period, one appointment and a message sent to her."""
    customer = CustomerFactory(
        business=business, first_name="Ada", last_name="L", email="ada@example.com", phone="0151 1"
    )
    ContingentFactory(customer=customer, remaining_credits=4)
    IdlePeriodFactory(customer=customer)
    booking = AppointmentBookingFactory(appointment__business=business, customer=customer)
    services.record_customer(business=business, customer=customer)
    first = add(
        owner_membership, event, "Ada", email="ada@example.com", phone="0151 1", notes="knee"
    )
    participant_services.mark_attendance(
        actor=owner_membership, participation=first, attendance=Participation.Attendance.CHECKED_IN
    )
    later = EventFactory(schedule=schedule, total_capacity=5, remaining_capacity=5)
    add(owner_membership, later, "Ada", email="ADA@example.com")
    full = EventFactory(schedule=schedule, total_capacity=1, remaining_capacity=0)
    ParticipationFactory(event=full, name="Bob")
    participant_services.join_waitlist(
        actor=owner_membership, event=full, name="Ada", email="ada@example.com"
    )
    Event.objects.filter(pk=later.pk).update(status=Event.Status.CANCELLED)
    queue_cancellation(event=later, event_ids=[later.pk], notify=True, message="Sorry Ada")
    return {"customer": customer, "booking": booking, "person": person_of(first)}


def test_erasing_blanks_the_person_everywhere_and_keeps_the_counts(
    owner_membership, business, regular
):
    assert Message.objects.filter(email__iexact="ada@example.com").exists()

    erased = services.erase_person(actor=owner_membership, person=regular["person"])

    assert (erased.participations, erased.customers, erased.waitlist_entries) == (2, 1, 1)
    assert erased.messages >= 1
    rows = Participation.objects.filter(business=business).exclude(name="Bob")
    assert rows.count() == 2
    assert set(rows.values_list("name", "email", "phone", "notes")) == {
        (ANONYMISED_NAME, "", "", "")
    }
    assert rows.filter(attendance=Participation.Attendance.CHECKED_IN).count() == 1
    customer = Customer.objects.get(pk=regular["customer"].pk)
    assert (customer.first_name, customer.last_name, customer.email, customer.phone) == (
        "",
        ANONYMISED_NAME,
        "",
        "",
    )
    assert customer.contingents.get().remaining_credits == 4
    assert customer.bookings.get() == regular["booking"]
    assert not IdlePeriod.objects.filter(customer=customer).exists()
    entry = WaitlistEntry.objects.get(business=business)
    assert (entry.name, entry.email) == (ANONYMISED_NAME, "")
    assert not Message.objects.filter(email__iexact="ada@example.com").exists()
    assert not Message.objects.filter(text_body__icontains="ada").exists()
    assert not Person.objects.exists()
    assert not PersonLink.objects.exists()


def test_the_erase_is_audited_without_personal_data(owner_membership, regular):
    services.erase_person(actor=owner_membership, person=regular["person"])

    record = ChangeRecord.objects.get(action="erase")
    assert record.object_type == "Person"
    assert record.actor == owner_membership.user
    assert "ada" not in str(record.changes).lower()
    assert record.changes["participations"] == [2, 2]


def test_an_erased_person_does_not_come_back_with_the_catch_up(owner_membership, business, regular):
    services.erase_person(actor=owner_membership, person=regular["person"])

    assert services.sync_directory(business=business) == 1  # Bob only
    assert list(Person.objects.values_list("name", flat=True)) == ["Bob"]


def test_staff_cannot_erase_and_nothing_changes(staff_membership, regular):
    with pytest.raises(PermissionDenied):
        services.erase_person(actor=staff_membership, person=regular["person"])

    assert Participation.objects.filter(email__iexact="ada@example.com").count() == 2


def test_an_owner_of_another_business_cannot_erase(outsider, other_business, regular):
    from tests.factories import MembershipFactory

    their_owner = MembershipFactory(business=other_business, role="owner")
    with pytest.raises(PermissionDenied):
        services.erase_person(actor=their_owner, person=regular["person"])

    assert Person.objects.filter(pk=regular["person"].pk).exists()


def test_the_erase_reaches_every_studio_s_copy_of_a_magicline_member(
    owner_membership, business, other_business
):
    from bookings.magicline.models import MagiclineCustomer

    here = CustomerFactory(business=business, email="member@example.com")
    there = CustomerFactory(business=other_business, email="member@example.com")
    for customer in (here, there):
        MagiclineCustomer.objects.create(
            connection=MagiclineConnectionFactory(business=customer.business),
            magicline_id=4711,
            customer=customer,
        )
        services.record_customer(business=customer.business, customer=customer)
    person = PersonLink.objects.get(customer=here).person

    services.erase_person(actor=owner_membership, person=person)

    for customer in (here, there):
        customer.refresh_from_db()
        assert (customer.email, customer.last_name) == ("", ANONYMISED_NAME)
        assert customer.magicline.access_disabled
    assert not Person.objects.exists()  # the other studio's directory forgot them too


def test_a_participation_in_the_past_keeps_its_event_after_the_erase(
    owner_membership, schedule, regular
):
    past = EventFactory(
        schedule=schedule, start_local=(timezone.now() - timedelta(days=3)).replace(tzinfo=None)
    )
    ParticipationFactory(event=past, email="ada@example.com")
    services.sync_directory(business=schedule.business)

    services.erase_person(actor=owner_membership, person=regular["person"])

    assert Participation.objects.get(event=past).name == ANONYMISED_NAME


def test_the_erase_scrubs_her_name_from_the_promotions_her_cancel_caused(
    owner_membership, schedule
):
    full = EventFactory(schedule=schedule, total_capacity=1, remaining_capacity=1)
    ada = add(owner_membership, full, "Ada Erased", email="ada@example.com")
    participant_services.join_waitlist(
        actor=owner_membership, event=full, name="Wendy", email="wendy@example.com"
    )
    participant_services.cancel_participation(
        actor=owner_membership, participation=ada, expected_revision=ada.revision
    )
    record = ChangeRecord.objects.get(action="promote")
    assert record.changes["freed_by"] == [None, "cancel of Ada Erased"]

    services.erase_person(actor=owner_membership, person=person_of(ada))

    record.refresh_from_db()
    assert record.changes["freed_by"] == [None, "cancel of a participant"]
    assert not ChangeRecord.objects.filter(changes__icontains="Ada Erased").exists()
