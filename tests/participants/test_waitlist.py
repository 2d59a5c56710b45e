"""The waitlist: joining, its refusals, reordering, and promotion when a place frees."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from calendar_app import services as calendar_services
from calendar_app.capacity import event_capacity
from calendar_app.models import ChangeRecord, Event
from participants import services
from participants.models import Participation, WaitlistEntry, WaitlistSetting
from participants.services import ParticipationError
from tests.factories import EventFactory, MembershipFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_class(schedule):
    """A class of two places, both taken."""
    event = EventFactory(schedule=schedule, total_capacity=2, remaining_capacity=0)
    ParticipationFactory(event=event, name="Ann")
    ParticipationFactory(event=event, name="Bob")
    return event


def join(actor, event, name, **fields):
    return services.join_waitlist(actor=actor, event=event, name=name, **fields)


def waiting_names(event) -> list[str]:
    entries = WaitlistEntry.objects.filter(
        event=event, promoted_date__isnull=True, removed_date__isnull=True
    )
    return [entry.name for entry in entries]


def participant_names(event) -> list[str]:
    active = Participation.objects.filter(event=event, cancelled_date__isnull=True)
    return sorted(p.name for p in active)


def cancel(actor, event, name):
    participation = Participation.objects.get(event=event, name=name)
    return services.cancel_participation(
        actor=actor, participation=participation, expected_revision=participation.revision
    )


# Joining


def test_people_join_a_full_class_in_order_and_take_no_place(owner_membership, full_class):
    join(owner_membership, full_class, "Cleo", email="cleo@example.com")
    join(owner_membership, full_class, "Dan", party_size=2)

    assert waiting_names(full_class) == ["Cleo", "Dan"]
    assert event_capacity(full_class).used == 2
    assert ChangeRecord.objects.filter(object_type="WaitlistEntry", action="join").count() == 2


def test_joining_a_class_that_is_not_full_is_refused(owner_membership, schedule):
    event = EventFactory(schedule=schedule, total_capacity=2, remaining_capacity=2)

    with pytest.raises(ParticipationError, match="not full"):
        join(owner_membership, event, "Cleo")
    assert not WaitlistEntry.objects.exists()


def test_joining_the_waitlist_twice_is_refused(owner_membership, full_class):
    join(owner_membership, full_class, "Cleo", email="cleo@example.com")

    with pytest.raises(ParticipationError, match="already on the waitlist"):
        join(owner_membership, full_class, "C. Smith", email="CLEO@example.com")
    assert waiting_names(full_class) == ["Cleo"]


def test_the_schedules_limit_caps_the_waitlist(owner_membership, full_class):
    WaitlistSetting.objects.create(schedule=full_class.schedule, limit=1)
    join(owner_membership, full_class, "Cleo")

    with pytest.raises(ParticipationError, match="waitlist is full"):
        join(owner_membership, full_class, "Dan")
    assert waiting_names(full_class) == ["Cleo"]


def test_a_member_of_another_business_cannot_add_someone_to_the_waitlist(
    other_business, full_class
):
    with pytest.raises(PermissionDenied):
        join(MembershipFactory(business=other_business), full_class, "Cleo")
    assert not WaitlistEntry.objects.exists()


# Reordering and removing


def test_staff_moves_someone_up_and_the_others_keep_their_order(owner_membership, full_class):
    for name in ("Cleo", "Dan", "Eve"):
        join(owner_membership, full_class, name)
    eve = WaitlistEntry.objects.get(name="Eve")

    services.move_waitlist_entry(actor=owner_membership, entry=eve, to_position=1)

    assert waiting_names(full_class) == ["Eve", "Cleo", "Dan"]


def test_a_position_out_of_range_is_refused_and_nothing_moves(owner_membership, full_class):
    for name in ("Cleo", "Dan"):
        join(owner_membership, full_class, name)
    dan = WaitlistEntry.objects.get(name="Dan")

    for position in (0, 3):
        with pytest.raises(ParticipationError, match="between 1 and 2"):
            services.move_waitlist_entry(actor=owner_membership, entry=dan, to_position=position)
    assert waiting_names(full_class) == ["Cleo", "Dan"]


def test_staff_removes_someone_from_the_waitlist(owner_membership, full_class):
    entry = join(owner_membership, full_class, "Cleo")

    services.remove_from_waitlist(actor=owner_membership, entry=entry)

    assert waiting_names(full_class) == []
    with pytest.raises(ParticipationError, match="no longer waiting"):
        services.remove_from_waitlist(actor=owner_membership, entry=entry)


# Promotion


def test_a_cancel_gives_the_place_to_the_first_person_waiting(owner_membership, full_class):
    join(owner_membership, full_class, "Cleo")
    join(owner_membership, full_class, "Dan")

    cancel(owner_membership, full_class, "Ann")

    assert participant_names(full_class) == ["Bob", "Cleo"]
    assert waiting_names(full_class) == ["Dan"]
    full_class.refresh_from_db()
    assert full_class.remaining_capacity == 0
    cleo = WaitlistEntry.objects.get(name="Cleo")
    assert cleo.promoted_date is not None and cleo.participation.name == "Cleo"
    record = ChangeRecord.objects.get(action="promote")
    assert record.object_id == cleo.participation_id
    assert record.actor == owner_membership.user
    assert record.changes["freed_by"] == [None, "cancel of Ann"]


def test_a_party_bigger_than_the_free_places_is_skipped_but_keeps_its_turn(
    owner_membership, full_class
):
    join(owner_membership, full_class, "Dan", party_size=2)
    join(owner_membership, full_class, "Cleo")

    cancel(owner_membership, full_class, "Ann")

    assert participant_names(full_class) == ["Bob", "Cleo"]
    assert waiting_names(full_class) == ["Dan"]
    cancel(owner_membership, full_class, "Bob")
    cancel(owner_membership, full_class, "Cleo")
    assert participant_names(full_class) == ["Dan"]


def test_raising_the_capacity_promotes_those_waiting(owner_membership, full_class):
    join(owner_membership, full_class, "Cleo")
    join(owner_membership, full_class, "Dan")
    join(owner_membership, full_class, "Eve")

    calendar_services.update_event(
        actor=owner_membership,
        event=full_class,
        expected_revision=full_class.revision,
        changes={"total_capacity": 4},
    )

    assert participant_names(full_class) == ["Ann", "Bob", "Cleo", "Dan"]
    assert waiting_names(full_class) == ["Eve"]
    assert Event.objects.get(pk=full_class.pk).remaining_capacity == 0
    assert (
        ChangeRecord.objects.filter(
            action="promote", changes__freed_by=[None, "capacity raised"]
        ).count()
        == 2
    )


def test_a_smaller_party_frees_places_for_those_waiting(owner_membership, schedule):
    event = EventFactory(schedule=schedule, total_capacity=3, remaining_capacity=0)
    family = ParticipationFactory(event=event, name="Family", party_size=3)
    join(owner_membership, event, "Cleo")

    services.update_participation(
        actor=owner_membership,
        participation=family,
        expected_revision=family.revision,
        changes={"party_size": 2},
    )

    assert participant_names(event) == ["Cleo", "Family"]
    assert waiting_names(event) == []


def test_in_offer_mode_staff_gives_the_place(owner_membership, full_class):
    WaitlistSetting.objects.create(
        schedule=full_class.schedule, promotion=WaitlistSetting.Promotion.OFFER_TO_STAFF
    )
    cleo = join(owner_membership, full_class, "Cleo")
    dan = join(owner_membership, full_class, "Dan")

    cancel(owner_membership, full_class, "Ann")
    assert waiting_names(full_class) == ["Cleo", "Dan"]

    services.give_place(actor=owner_membership, entry=dan)
    assert participant_names(full_class) == ["Bob", "Dan"]
    with pytest.raises(ParticipationError, match="full"):
        services.give_place(actor=owner_membership, entry=cleo)
    assert waiting_names(full_class) == ["Cleo"]


# The race


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_cancels_and_joins_never_overbook_and_keep_the_order(
    schedule, owner_membership
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    event = EventFactory(schedule=schedule, total_capacity=10, remaining_capacity=0)
    booked = [ParticipationFactory(event=event, name=f"Booked {n}") for n in range(10)]
    first_in_line = [join(owner_membership, event, f"Early {n:02}") for n in range(10)]
    barrier = threading.Barrier(50)
    errors = []

    def cancel_one(participation):
        services.cancel_participation(
            actor=owner_membership,
            participation=participation,
            expected_revision=participation.revision,
        )

    def join_one(n):
        join(owner_membership, event, f"Late {n:02}")

    work = [(cancel_one, p) for p in booked] + [(join_one, n) for n in range(40)]

    def run(action, argument):
        try:
            barrier.wait()
            action(argument)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert event_capacity(event).used == 10
    promoted = WaitlistEntry.objects.filter(event=event, promoted_date__isnull=False)
    assert sorted(e.pk for e in promoted) == sorted(e.pk for e in first_in_line)
    assert len({e.participation_id for e in promoted}) == 10
    assert participant_names(event) == [f"Early {n:02}" for n in range(10)]
    promotion_order = [e.name for e in promoted.order_by("promoted_date", "position")]
    assert promotion_order == [f"Early {n:02}" for n in range(10)]
    still_waiting = WaitlistEntry.objects.filter(event=event, promoted_date__isnull=True)
    assert still_waiting.count() == 40
    assert len(set(still_waiting.values_list("position", flat=True))) == 40


# The schedule's rules


def test_an_owner_sets_the_waitlist_rules_and_they_are_audited(owner_membership, schedule):
    services.set_waitlist_setting(
        actor=owner_membership,
        schedule=schedule,
        limit=3,
        promotion=WaitlistSetting.Promotion.OFFER_TO_STAFF,
    )

    setting = WaitlistSetting.objects.get(schedule=schedule)
    assert (setting.limit, setting.promotion) == (3, "OFFER_TO_STAFF")
    record = ChangeRecord.objects.get(object_type="WaitlistSetting")
    assert record.changes == {"limit": [None, 3], "promotion": ["AUTOMATIC", "OFFER_TO_STAFF"]}


def test_staff_cannot_change_the_waitlist_rules(staff_membership, schedule):
    with pytest.raises(PermissionDenied):
        services.set_waitlist_setting(
            actor=staff_membership, schedule=schedule, limit=1, promotion="AUTOMATIC"
        )
    assert not WaitlistSetting.objects.exists()
