"""Participation services: capacity, revisions, double submit, undo, roles, audit."""

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from calendar_app import services as calendar_services
from calendar_app.models import ChangeRecord, Event
from calendar_app.recurrence import weekly_rule
from participants import services
from participants.models import Participation
from participants.services import ParticipationError, RevisionConflict
from tests.factories import (
    EventFactory,
    MembershipFactory,
    ParticipationFactory,
    ScheduleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(schedule):
    return EventFactory(schedule=schedule, total_capacity=5, remaining_capacity=5)


def add(actor, event, **fields):
    fields.setdefault("name", "Jane Doe")
    participation, _created = services.add_participation(actor=actor, event=event, **fields)
    return participation


def remaining(event) -> int | None:
    return Event.objects.get(pk=event.pk).remaining_capacity


# add_participation


def test_it_adds_a_participation_and_updates_remaining_capacity(owner_membership, event):
    participation, created = services.add_participation(
        actor=owner_membership,
        event=event,
        name="  Jane Doe ",
        email="jane@example.com",
        phone="555",
        party_size=2,
        status=Participation.Status.PENDING_CONFIRMATION,
        notes="Window seat",
    )

    assert created
    participation.refresh_from_db()
    assert participation.name == "Jane Doe"
    assert participation.business_id == event.business_id
    assert participation.event_id == event.pk
    assert participation.party_size == 2
    assert participation.status == "PENDING_CONFIRMATION"
    assert participation.revision == 1
    assert remaining(event) == 3


def test_it_does_not_bump_the_event_revision(owner_membership, event):
    add(owner_membership, event, party_size=2)

    assert Event.objects.get(pk=event.pk).revision == event.revision


def test_party_size_counts_against_capacity(owner_membership, event):
    add(owner_membership, event, party_size=3)

    with pytest.raises(ParticipationError, match="Only 2 places left; this party needs 3") as error:
        add(owner_membership, event, name="Big party", party_size=3)

    assert error.value.field == "party_size"
    assert Participation.objects.filter(event=event).count() == 1
    assert remaining(event) == 2


def test_it_fills_the_last_place_and_then_says_the_event_is_full(owner_membership, event):
    add(owner_membership, event, party_size=4)
    add(owner_membership, event, name="Last one", party_size=1)

    with pytest.raises(ParticipationError, match="This event is full"):
        add(owner_membership, event, name="Too late")

    assert remaining(event) == 0


def test_cancelled_participations_do_not_take_places(owner_membership, event):
    ParticipationFactory(event=event, party_size=5, cancelled_date=timezone.now())

    participation = add(owner_membership, event, party_size=5)

    assert participation.party_size == 5
    assert remaining(event) == 0


def test_an_event_without_capacity_takes_any_party(owner_membership, schedule):
    event = EventFactory(schedule=schedule, total_capacity=None, remaining_capacity=None)

    add(owner_membership, event, party_size=1000)

    assert remaining(event) is None


@pytest.mark.parametrize("party_size", [0, -1, 1001])
def test_it_rejects_a_party_size_out_of_range(owner_membership, event, party_size):
    with pytest.raises(ParticipationError, match="between 1 and 1000"):
        add(owner_membership, event, party_size=party_size)

    assert not Participation.objects.exists()


def test_it_requires_a_name(owner_membership, event):
    with pytest.raises(ParticipationError, match="name") as error:
        add(owner_membership, event, name="   ")

    assert error.value.field == "name"


def test_it_refuses_a_cancelled_event(owner_membership, schedule):
    event = EventFactory(schedule=schedule, status=Event.Status.CANCELLED)

    with pytest.raises(ParticipationError, match="cancelled"):
        add(owner_membership, event)


def test_it_refuses_a_series_master(owner_membership, schedule):
    start = datetime(2026, 6, 1, 9, 0)
    master = calendar_services.create_event(
        actor=None,  # the system: a member's series may start at most 90 days ago
        schedule=schedule,
        title="Yoga",
        start_local=start,
        end_local=start + timedelta(hours=1),
        recurrence_rule=weekly_rule(day="MONDAY"),
    )

    with pytest.raises(ParticipationError, match="one occurrence"):
        add(owner_membership, master)


@pytest.fixture
def blocked_time(business):
    return EventFactory(
        schedule=ScheduleFactory(business=business, name="Blocked", is_blocked_time=True),
        type=Event.Type.DEFAULT,
    )


def test_blocked_time_takes_no_participants(owner_membership, blocked_time):
    with pytest.raises(ParticipationError, match="blocked time, not a class"):
        add(owner_membership, blocked_time)

    assert not Participation.objects.exists()
    assert remaining(blocked_time) == 10


@pytest.mark.parametrize(
    ("write", "extra", "cancelled"),
    [
        (services.update_participation, {"changes": {"notes": "x"}}, False),
        (services.cancel_participation, {}, False),
        (services.restore_participation, {}, True),
    ],
)
def test_a_participation_on_blocked_time_cannot_be_changed(
    owner_membership, blocked_time, write, extra, cancelled
):
    participation = ParticipationFactory(
        event=blocked_time, cancelled_date=timezone.now() if cancelled else None
    )

    with pytest.raises(ParticipationError, match="blocked time, not a class"):
        write(actor=owner_membership, participation=participation, expected_revision=1, **extra)

    participation.refresh_from_db()
    assert (participation.revision, participation.is_cancelled) == (1, cancelled)


def test_a_double_submitted_add_creates_one_participation(owner_membership, event):
    key = uuid.uuid4().hex
    first, created_first = services.add_participation(
        actor=owner_membership, event=event, name="Jane", party_size=2, idempotency_key=key
    )
    second, created_second = services.add_participation(
        actor=owner_membership, event=event, name="Jane", party_size=2, idempotency_key=key
    )

    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk
    assert Participation.objects.filter(event=event).count() == 1
    assert remaining(event) == 3
    assert ChangeRecord.objects.filter(object_type="Participation", action="create").count() == 1


def test_the_same_key_on_another_event_is_a_new_participation(owner_membership, event, schedule):
    other_event = EventFactory(schedule=schedule)
    key = uuid.uuid4().hex

    add(owner_membership, event, idempotency_key=key)
    add(owner_membership, other_event, idempotency_key=key)

    assert Participation.objects.count() == 2


def test_adds_without_a_key_are_never_merged(owner_membership, event):
    add(owner_membership, event)
    add(owner_membership, event)

    assert Participation.objects.filter(event=event).count() == 2


def test_the_database_refuses_a_second_row_with_the_same_key(event):
    from django.db import IntegrityError, transaction

    ParticipationFactory(event=event, idempotency_key="k1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationFactory(event=event, idempotency_key="k1")


@pytest.mark.django_db(transaction=True)
def test_parallel_adds_for_the_last_places_never_overbook(schedule, owner_membership):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    event = EventFactory(schedule=schedule, total_capacity=3, remaining_capacity=3)
    barrier = threading.Barrier(6)
    outcomes = []

    def book(n):
        try:
            barrier.wait()
            services.add_participation(
                actor=owner_membership, event=event, name=f"Guest {n}", party_size=1
            )
            outcomes.append("ok")
        except ParticipationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["full"] * 3 + ["ok"] * 3
    assert Participation.objects.filter(event=event).count() == 3
    assert remaining(event) == 0


# update_participation


def test_it_updates_fields_and_bumps_the_revision(staff_membership, event):
    participation = ParticipationFactory(event=event, party_size=1)

    updated = services.update_participation(
        actor=staff_membership,
        participation=participation,
        expected_revision=1,
        changes={
            "party_size": 3,
            "phone": "123",
            "notes": "Late",
            "status": "PENDING_CONFIRMATION",
        },
    )

    assert updated.revision == 2
    assert (updated.party_size, updated.phone, updated.notes, updated.status) == (
        3,
        "123",
        "Late",
        "PENDING_CONFIRMATION",
    )
    assert remaining(event) == 2


def test_it_rejects_a_stale_revision_and_overwrites_nothing(owner_membership, event):
    participation = ParticipationFactory(event=event, name="Jane", party_size=1)
    services.update_participation(
        actor=owner_membership,
        participation=participation,
        expected_revision=1,
        changes={"name": "Jane Roe"},
    )

    with pytest.raises(RevisionConflict) as conflict:
        services.update_participation(
            actor=owner_membership,
            participation=participation,
            expected_revision=1,
            changes={"name": "Someone else", "party_size": 2},
        )

    assert conflict.value.current.name == "Jane Roe"
    assert conflict.value.current.revision == 2
    participation.refresh_from_db()
    assert (participation.name, participation.party_size, participation.revision) == (
        "Jane Roe",
        1,
        2,
    )


def test_growing_a_party_beyond_the_free_places_is_refused(owner_membership, event):
    ParticipationFactory(event=event, party_size=3)
    participation = ParticipationFactory(event=event, party_size=1)

    with pytest.raises(ParticipationError, match="Only 2 places left; this party needs 3"):
        services.update_participation(
            actor=owner_membership,
            participation=participation,
            expected_revision=1,
            changes={"party_size": 3},
        )

    participation.refresh_from_db()
    assert (participation.party_size, participation.revision) == (1, 1)


def test_growing_a_party_into_the_last_free_place_is_fine(owner_membership, event):
    ParticipationFactory(event=event, party_size=3)
    participation = ParticipationFactory(event=event, party_size=1)

    services.update_participation(
        actor=owner_membership,
        participation=participation,
        expected_revision=1,
        changes={"party_size": 2},
    )

    assert remaining(event) == 0


def test_an_overbooked_event_still_allows_edits_that_do_not_grow_a_party(owner_membership, event):
    participation = ParticipationFactory(event=event, party_size=4)
    ParticipationFactory(event=event, party_size=4)

    updated = services.update_participation(
        actor=owner_membership,
        participation=participation,
        expected_revision=1,
        changes={"notes": "Paid", "party_size": 3},
    )

    assert updated.notes == "Paid"
    assert remaining(event) == -2


def test_a_party_cannot_grow_on_a_cancelled_event(owner_membership, event):
    participation = ParticipationFactory(event=event, party_size=1)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)

    with pytest.raises(ParticipationError, match="cancelled; a party cannot grow") as error:
        services.update_participation(
            actor=owner_membership,
            participation=participation,
            expected_revision=1,
            changes={"party_size": 2},
        )

    assert error.value.field == "party_size"
    participation.refresh_from_db()
    assert (participation.party_size, participation.revision) == (1, 1)
    assert remaining(event) == 5


def test_details_on_a_cancelled_event_can_still_be_corrected(owner_membership, event):
    participation = ParticipationFactory(event=event, party_size=3)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)

    updated = services.update_participation(
        actor=owner_membership,
        participation=participation,
        expected_revision=1,
        changes={"email": "new@example.com", "notes": "Refunded", "party_size": 2},
    )

    assert (updated.email, updated.notes, updated.party_size, updated.revision) == (
        "new@example.com",
        "Refunded",
        2,
        2,
    )


def test_a_cancelled_participation_cannot_be_edited(owner_membership, event):
    participation = ParticipationFactory(event=event, cancelled_date=timezone.now())

    with pytest.raises(ParticipationError, match="undo"):
        services.update_participation(
            actor=owner_membership,
            participation=participation,
            expected_revision=1,
            changes={"notes": "x"},
        )


def test_it_refuses_fields_that_are_not_editable(owner_membership, event):
    participation = ParticipationFactory(event=event)

    with pytest.raises(ParticipationError, match="cannot be edited"):
        services.update_participation(
            actor=owner_membership,
            participation=participation,
            expected_revision=1,
            changes={"event_id": "elsewhere"},
        )


# cancel / restore


def test_cancel_frees_the_places_and_undo_takes_them_again(staff_membership, event):
    participation = add(staff_membership, event, party_size=2)

    cancelled = services.cancel_participation(
        actor=staff_membership, participation=participation, expected_revision=1
    )
    assert cancelled.is_cancelled
    assert cancelled.revision == 2
    assert remaining(event) == 5

    restored = services.restore_participation(
        actor=staff_membership, participation=cancelled, expected_revision=2
    )
    assert not restored.is_cancelled
    assert restored.revision == 3
    assert remaining(event) == 3


def test_cancel_with_a_stale_revision_is_a_conflict(owner_membership, event):
    participation = ParticipationFactory(event=event, revision=4)

    with pytest.raises(RevisionConflict):
        services.cancel_participation(
            actor=owner_membership, participation=participation, expected_revision=3
        )

    participation.refresh_from_db()
    assert not participation.is_cancelled


def test_cancelling_twice_is_refused(owner_membership, event):
    participation = ParticipationFactory(event=event)
    services.cancel_participation(
        actor=owner_membership, participation=participation, expected_revision=1
    )

    with pytest.raises(ParticipationError, match="already cancelled"):
        services.cancel_participation(
            actor=owner_membership, participation=participation, expected_revision=2
        )


def test_undo_is_refused_when_the_places_were_taken_meanwhile(owner_membership, event):
    participation = add(owner_membership, event, party_size=2)
    services.cancel_participation(
        actor=owner_membership, participation=participation, expected_revision=1
    )
    add(owner_membership, event, name="Newcomer", party_size=4)

    with pytest.raises(ParticipationError, match="Cannot undo: only 1 place left"):
        services.restore_participation(
            actor=owner_membership, participation=participation, expected_revision=2
        )

    participation.refresh_from_db()
    assert participation.is_cancelled
    assert remaining(event) == 1


def test_undo_on_a_cancelled_event_is_refused(owner_membership, event):
    participation = ParticipationFactory(event=event, cancelled_date=timezone.now())
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)

    with pytest.raises(ParticipationError, match="This event is cancelled"):
        services.restore_participation(
            actor=owner_membership, participation=participation, expected_revision=1
        )

    participation.refresh_from_db()
    assert (participation.is_cancelled, participation.revision) == (True, 1)


def test_undo_of_an_active_participation_is_refused(owner_membership, event):
    participation = ParticipationFactory(event=event)

    with pytest.raises(ParticipationError, match="not cancelled"):
        services.restore_participation(
            actor=owner_membership, participation=participation, expected_revision=1
        )


# roles, tenancy, audit


@pytest.mark.parametrize("membership", ["owner_membership", "staff_membership"])
def test_owner_and_staff_may_manage_participants(request, membership, event):
    actor = request.getfixturevalue(membership)

    participation = add(actor, event)
    participation = services.update_participation(
        actor=actor, participation=participation, expected_revision=1, changes={"party_size": 2}
    )
    participation = services.cancel_participation(
        actor=actor, participation=participation, expected_revision=2
    )
    participation = services.restore_participation(
        actor=actor, participation=participation, expected_revision=3
    )

    assert participation.revision == 4
    assert list(
        ChangeRecord.objects.filter(object_id=participation.pk)
        .order_by("created_date", "id")
        .values_list("action", "actor", "revision_before", "revision_after")
    ) == [
        ("create", actor.user_id, None, 1),
        ("update", actor.user_id, 1, 2),
        ("cancel", actor.user_id, 2, 3),
        ("restore", actor.user_id, 3, 4),
    ]


def test_a_member_of_another_business_is_refused(outsider, event):
    actor = outsider.memberships.get()
    participation = ParticipationFactory(event=event)

    with pytest.raises(PermissionDenied):
        add(actor, event)
    with pytest.raises(PermissionDenied):
        services.update_participation(
            actor=actor, participation=participation, expected_revision=1, changes={"notes": "x"}
        )
    with pytest.raises(PermissionDenied):
        services.cancel_participation(actor=actor, participation=participation, expected_revision=1)

    participation.refresh_from_db()
    assert participation.revision == 1
    assert not participation.is_cancelled


def test_an_inactive_membership_is_refused(business, event):
    actor = MembershipFactory(business=business, role="staff", is_active=False)

    with pytest.raises(PermissionDenied):
        add(actor, event)
