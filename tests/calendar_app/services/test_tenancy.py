"""Every calendar service that changes data refuses a member of another business, and changes
nothing: not even an owner there, whom every role rule would let through."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from calendar_app import services
from calendar_app.backends import Scope
from calendar_app.models import BulkOperation, ChangeRecord, Event, Schedule
from calendar_app.services.blocked_time import blocked_time_schedule
from tests.factories import ResourceFactory, next_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def intruder(outsider, other_business):
    """An owner, of the other business."""
    return outsider.memberships.get(business=other_business)


@pytest.fixture
def occurrence(series):
    return Event.objects.filter(recurring_event_id=series.pk).order_by("start").first()


@pytest.fixture
def cancelled_occurrence(occurrence, owner_membership):
    return services.cancel_event(
        actor=owner_membership, event=occurrence, expected_revision=occurrence.revision
    )


@pytest.fixture
def room(business):
    return ResourceFactory(business=business, type="ROOM")


@pytest.fixture
def cancelled_schedule(schedule, owner_membership):
    return services.cancel_schedule(
        actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
    )


def stored() -> tuple:
    """Every row a calendar service could write, with what it could change."""
    return (
        sorted(Schedule.objects.values_list("pk", "status", "revision", "name")),
        sorted(Event.objects.values_list("pk", "status", "revision", "title", "removed_date")),
        ChangeRecord.objects.count(),
        BulkOperation.objects.count(),
    )


def one_hour(**fields) -> dict:
    start = next_monday(hour=14)
    return {"start_local": start, "end_local": start + timedelta(hours=1), **fields}


def needs(*fixtures: str):
    """The fixtures a write runs on, set up before the test reads what is stored."""

    def mark(write):
        write.fixtures = fixtures
        return write

    return mark


@needs("business")
def create_schedule(actor, business):
    services.create_schedule(actor=actor, business=business, name="Theirs now")


@needs("schedule")
def update_schedule(actor, schedule):
    services.update_schedule(
        actor=actor,
        schedule=schedule,
        expected_revision=schedule.revision,
        changes={"name": "Theirs now"},
    )


@needs("schedule", "series")
def cancel_schedule(actor, schedule, series):
    services.cancel_schedule(actor=actor, schedule=schedule, expected_revision=schedule.revision)


@needs("cancelled_schedule")
def restore_schedule(actor, cancelled_schedule):
    services.restore_schedule(
        actor=actor, schedule=cancelled_schedule, expected_revision=cancelled_schedule.revision
    )


@needs("schedule")
def create_event(actor, schedule):
    services.create_event(actor=actor, schedule=schedule, **one_hour(title="Theirs now"))


@needs("schedule")
def create_weekly_events(actor, schedule):
    services.create_weekly_events(
        actor=actor, schedule=schedule, days=["TUESDAY"], **one_hour(title="Theirs now")
    )


@needs("occurrence")
def update_event(actor, occurrence):
    services.update_event(
        actor=actor,
        event=occurrence,
        expected_revision=occurrence.revision,
        changes={"title": "Theirs now"},
    )


@needs("occurrence", "series")
def update_following(actor, occurrence, series):
    services.update_following(
        actor=actor,
        occurrence=occurrence,
        expected_revision=series.revision,
        changes={"title": "Theirs now"},
    )


@needs("occurrence")
def cancel_event(actor, occurrence):
    services.cancel_event(
        actor=actor, event=occurrence, expected_revision=occurrence.revision, scope=Scope.ALL
    )


@needs("cancelled_occurrence")
def restore_event(actor, cancelled_occurrence):
    services.restore_event(
        actor=actor, event=cancelled_occurrence, expected_revision=cancelled_occurrence.revision
    )


@needs("business", "room")
def block_time(actor, business, room):
    services.block_time(actor=actor, business=business, resource_ids=[room.pk], **one_hour())


@needs("business")
def block_time_schedule(actor, business):
    blocked_time_schedule(actor=actor, business=business)


WRITES = [
    create_schedule,
    update_schedule,
    cancel_schedule,
    restore_schedule,
    create_event,
    create_weekly_events,
    update_event,
    update_following,
    cancel_event,
    restore_event,
    block_time,
    block_time_schedule,
]


def arguments(write, request) -> list:
    return [request.getfixturevalue(name) for name in write.fixtures]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_a_member_of_another_business_is_refused_and_nothing_changes(write, intruder, request):
    args = arguments(write, request)
    before = stored()

    with pytest.raises(PermissionDenied):
        write(intruder, *args)

    assert stored() == before


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_an_owner_of_the_business_may(write, owner_membership, request):
    write(owner_membership, *arguments(write, request))


@pytest.mark.parametrize("write", [create_event, update_event, cancel_event, create_schedule])
def test_a_deactivated_owner_is_refused_too(write, owner_membership, request):
    args = arguments(write, request)
    owner_membership.is_active = False
    owner_membership.save()
    before = stored()

    with pytest.raises(PermissionDenied):
        write(owner_membership, *args)

    assert stored() == before
