"""Promotion when a place frees by a change that is not a local one-event edit: an edit of this
and the following occurrences, an upstream (Wix) capacity raise applied from a webhook, and a
participation cancelled or a party made smaller in Wix and applied by the worker."""

from datetime import timedelta

import pytest

from calendar_app import services as calendar_services
from calendar_app.models import ChangeRecord, Event
from calendar_app.wix.apply import (
    apply_remote_event,
    apply_remote_participation,
    apply_remote_schedule,
)
from participants import services
from participants.models import Participation, WaitlistEntry
from tests.factories import MembershipFactory, WixConnectionFactory, days_ahead_at_ten

pytestmark = pytest.mark.django_db


def fill_and_wait(owner, occurrence: Event, *, waiting: list[str]) -> None:
    for n in range(occurrence.total_capacity):
        services.add_participation(actor=owner, event=occurrence, name=f"Taken {n}")
    for name in waiting:
        services.join_waitlist(actor=owner, event=occurrence, name=name)


def waiting_names(event: Event) -> list[str]:
    return [
        e.name
        for e in WaitlistEntry.objects.filter(
            event=event, promoted_date__isnull=True, removed_date__isnull=True
        )
    ]


def active_names(event: Event) -> set[str]:
    return set(
        Participation.objects.filter(event=event, cancelled_date__isnull=True).values_list(
            "name", flat=True
        )
    )


def test_raising_this_and_following_promotes_on_those_occurrences_only(owner_membership, schedule):
    from tests.factories import weekly_series

    master = weekly_series(schedule, actor=owner_membership, total_capacity=2)
    first, second, third = Event.objects.filter(recurring_event_id=master.pk).order_by("start")[:3]
    for occurrence in (first, second, third):
        fill_and_wait(owner_membership, occurrence, waiting=["Cleo", "Dan", "Eve"])
    master.refresh_from_db()

    calendar_services.update_following(
        actor=owner_membership,
        occurrence=second,
        expected_revision=master.revision,
        changes={"total_capacity": 4},
    )

    assert waiting_names(first) == ["Cleo", "Dan", "Eve"]  # before the split: unchanged
    for occurrence in (second, third):
        assert {"Cleo", "Dan"} <= active_names(occurrence)
        assert waiting_names(occurrence) == ["Eve"]
        occurrence.refresh_from_db()
        assert occurrence.total_capacity == 4
        assert occurrence.remaining_capacity == 0
    assert (
        ChangeRecord.objects.filter(
            action="promote", changes__freed_by=[None, "capacity raised"]
        ).count()
        == 4
    )


def test_lowering_this_and_following_promotes_nobody(owner_membership, schedule):
    from tests.factories import weekly_series

    master = weekly_series(schedule, actor=owner_membership, total_capacity=3)
    second = Event.objects.filter(recurring_event_id=master.pk).order_by("start")[1]
    fill_and_wait(owner_membership, second, waiting=["Cleo"])
    master.refresh_from_db()

    calendar_services.update_following(
        actor=owner_membership,
        occurrence=second,
        expected_revision=master.revision,
        changes={"title": "Evening yoga"},
    )

    assert waiting_names(second) == ["Cleo"]
    assert not ChangeRecord.objects.filter(action="promote").exists()


START = days_ahead_at_ten(3)


@pytest.fixture
def wix_owner(wix_server):
    connection = WixConnectionFactory(
        base_url=wix_server.base_url, api_key=wix_server.api_key, site_id=wix_server.site_id
    )
    return MembershipFactory(business=connection.business, role="owner")


def mirrored_class(wix_server, wix_owner, *, name: str, places: int) -> Event:
    """A class of ``places`` made in Wix and applied here, in a schedule of its own."""
    connection = wix_owner.business.wix_connection
    schedule = wix_server.add_schedule(name=name)
    apply_remote_schedule(connection=connection, data=schedule, source="t")
    data = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=START,
        end_local=START + timedelta(hours=1),
        total_capacity=places,
    )
    apply_remote_event(connection=connection, data=data, source="t")
    return Event.objects.get(pk=data["id"])


@pytest.fixture
def upstream_class(wix_server, wix_owner):
    """An upstream class of one place, taken by Ann, with Cleo and Dan waiting."""
    event = mirrored_class(wix_server, wix_owner, name="Yoga", places=1)
    services.add_participation(actor=wix_owner, event=event, name="Ann")
    services.join_waitlist(actor=wix_owner, event=event, name="Cleo")
    services.join_waitlist(actor=wix_owner, event=event, name="Dan")
    return event


def upstream_names(wix_server) -> list[str]:
    return sorted(p["participant"]["name"] for p in wix_server.participations.values())


def test_an_upstream_capacity_raise_promotes_through_write_through(
    wix_server, wix_owner, upstream_class
):
    raised = wix_server.update_event(upstream_class.pk, totalCapacity=2)

    apply_remote_event(connection=wix_owner.business.wix_connection, data=raised, source="webhook")

    assert upstream_names(wix_server) == ["Ann", "Cleo"]
    assert waiting_names(upstream_class) == ["Dan"]
    cleo = WaitlistEntry.objects.get(name="Cleo")
    assert cleo.participation.pk in wix_server.participations
    record = ChangeRecord.objects.get(action="promote")
    assert record.changes["freed_by"] == [None, "capacity raised upstream"]
    assert record.actor_kind == ChangeRecord.ActorKind.SYSTEM


def test_an_upstream_change_that_raises_no_capacity_promotes_nobody(
    wix_server, wix_owner, upstream_class
):
    renamed = wix_server.update_event(upstream_class.pk, title="Hot yoga")

    apply_remote_event(connection=wix_owner.business.wix_connection, data=renamed, source="webhook")

    assert upstream_names(wix_server) == ["Ann"]
    assert waiting_names(upstream_class) == ["Cleo", "Dan"]


def test_an_upstream_raise_that_wix_refuses_leaves_them_waiting(
    wix_server, wix_owner, upstream_class
):
    raised = wix_server.update_event(upstream_class.pk, totalCapacity=2)
    wix_server.script(400, path="/calendar/v3/participations")

    apply_remote_event(connection=wix_owner.business.wix_connection, data=raised, source="webhook")

    assert Event.objects.get(pk=upstream_class.pk).total_capacity == 2  # the raise stands
    assert upstream_names(wix_server) == ["Ann"]
    assert waiting_names(upstream_class) == ["Cleo", "Dan"]
    assert WaitlistEntry.objects.get(name="Cleo").refused_reason


# A place freed upstream: a participation cancelled, or a party made smaller, in Wix and
# applied here by the worker (``apply_remote_participation``) promotes as a local change does.


def apply_upstream(wix_owner, data, *, removed=False):
    apply_remote_participation(
        connection=wix_owner.business.wix_connection, data=data, removed=removed, source="webhook"
    )


def test_an_upstream_cancel_promotes_the_first_waiting_through_write_through(
    wix_server, wix_owner, upstream_class
):
    ann = Participation.objects.get(name="Ann")
    gone = wix_server.delete_participation(ann.pk)

    apply_upstream(wix_owner, gone, removed=True)

    assert Participation.objects.get(pk=ann.pk).is_cancelled
    assert upstream_names(wix_server) == ["Cleo"]
    assert active_names(upstream_class) == {"Cleo"}
    assert waiting_names(upstream_class) == ["Dan"]
    record = ChangeRecord.objects.get(action="promote")
    assert record.changes["freed_by"] == [None, "cancel of Ann"]
    assert record.actor_kind == ChangeRecord.ActorKind.SYSTEM


def test_the_same_upstream_cancel_twice_frees_one_place(wix_server, wix_owner, upstream_class):
    ann = Participation.objects.get(name="Ann")
    gone = wix_server.delete_participation(ann.pk)

    apply_upstream(wix_owner, gone, removed=True)
    apply_upstream(wix_owner, gone, removed=True)  # a redelivery: stale

    assert upstream_names(wix_server) == ["Cleo"]
    assert waiting_names(upstream_class) == ["Dan"]


def test_a_local_cancel_promotes_once_though_wix_answers_it(wix_server, wix_owner, upstream_class):
    ann = Participation.objects.get(name="Ann")

    services.cancel_participation(
        actor=wix_owner, participation=ann, expected_revision=ann.revision
    )

    assert upstream_names(wix_server) == ["Cleo"]
    assert waiting_names(upstream_class) == ["Dan"]
    assert ChangeRecord.objects.filter(action="promote").count() == 1


def test_an_upstream_party_shrink_promotes_into_the_places_it_freed(wix_server, wix_owner):
    event = mirrored_class(wix_server, wix_owner, name="Pilates", places=3)
    ann, _ = services.add_participation(actor=wix_owner, event=event, name="Ann", party_size=3)
    services.join_waitlist(actor=wix_owner, event=event, name="Dan", party_size=3)
    services.join_waitlist(actor=wix_owner, event=event, name="Cleo")
    smaller = wix_server.update_participation(ann.pk, partySize=1)

    apply_upstream(wix_owner, smaller)

    assert Participation.objects.get(pk=ann.pk).party_size == 1
    assert upstream_names(wix_server) == ["Ann", "Cleo"]  # Dan's party of 3 does not fit
    assert waiting_names(event) == ["Dan"]  # and keeps the first turn
    record = ChangeRecord.objects.get(action="promote")
    assert record.changes["freed_by"] == [None, "party of Ann shrank"]


def test_an_upstream_change_that_frees_no_place_promotes_nobody(
    wix_server, wix_owner, upstream_class
):
    ann = Participation.objects.get(name="Ann")
    renamed = wix_server.update_participation(ann.pk, participant={"name": "Anne"})

    apply_upstream(wix_owner, renamed)

    assert Participation.objects.get(pk=ann.pk).name == "Anne"
    assert waiting_names(upstream_class) == ["Cleo", "Dan"]
    assert not ChangeRecord.objects.filter(action="promote").exists()
