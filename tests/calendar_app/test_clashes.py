"""Clash warnings: putting an event or a block on a resource already held then shows the events
that hold it; the owner may save anyway, and the calendar marks the clash."""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app.models import Event
from calendar_app.selectors import clashes
from tests.calendar_app.test_event_views import block_data, create_data, edit_data
from tests.factories import EventFactory, EventResourceFactory, ResourceFactory, next_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(business):
    return ResourceFactory(business=business, name="Room A", type="ROOM")


@pytest.fixture
def held(schedule, room):
    """Room A is taken 17:00-18:00 next Monday by "Yoga"."""
    event = EventFactory(schedule=schedule, title="Yoga", start_local=next_monday(17))
    EventResourceFactory(event=event, resource=room)
    return event


def test_clashes_names_the_events_holding_a_resource_then(business, held, room):
    day = next_monday(17)

    assert clashes(
        business, resource_ids=[room.pk], start_local=day, end_local=day + timedelta(hours=1)
    ) == [held]
    assert not clashes(
        business,
        resource_ids=[room.pk],
        start_local=day + timedelta(hours=1),
        end_local=day + timedelta(hours=2),
    )
    assert not clashes(
        business,
        resource_ids=[room.pk],
        start_local=day,
        end_local=day + timedelta(hours=1),
        excluding=held.pk,
    )


def test_a_transparent_or_cancelled_hold_is_no_clash(business, schedule, room):
    day = next_monday(9)
    cancelled = EventFactory(schedule=schedule, start_local=day, status="CANCELLED")
    EventResourceFactory(event=cancelled, resource=room)
    see_through = EventFactory(schedule=schedule, start_local=day)
    EventResourceFactory(event=see_through, resource=room, transparency="TRANSPARENT")

    assert not clashes(
        business, resource_ids=[room.pk], start_local=day, end_local=day + timedelta(hours=1)
    )


def test_creating_an_event_on_a_held_room_warns_and_saves_nothing(
    owner_client, schedule, held, room
):
    before = Event.objects.count()

    response = owner_client.post(
        reverse("calendar_app:event_create"), create_data(schedule, resources=[room.pk])
    )

    content = response.content.decode()
    assert response.status_code == 409
    assert "Already taken at that time" in content
    assert reverse("calendar_app:event_detail", args=[held.pk]) in content
    assert 'name="save_anyway" value="1"' in content
    assert Event.objects.count() == before


def test_the_owner_may_save_anyway(owner_client, schedule, held, room):
    response = owner_client.post(
        reverse("calendar_app:event_create"),
        create_data(schedule, resources=[room.pk], save_anyway="1"),
    )

    assert response.status_code == 302
    assert Event.objects.filter(title="Pilates").exists()


def test_blocking_a_held_room_warns(owner_client, held, room):
    response = owner_client.post(
        reverse("calendar_app:block_time"), block_data([room], start_time="17:30", end_time="19:00")
    )

    assert response.status_code == 409
    assert "Yoga" in response.content.decode()
    assert not Event.objects.filter(title__contains="Maintenance").exists()


def test_moving_an_event_onto_a_held_room_warns(owner_client, schedule, held, room):
    other = EventFactory(schedule=schedule, title="Pilates", start_local=next_monday(10))
    EventResourceFactory(event=other, resource=room)

    response = owner_client.post(
        reverse("calendar_app:event_edit", args=[other.pk]),
        edit_data(other, start_time="17:30", end_time="18:30"),
    )

    assert response.status_code == 409
    assert "Yoga" in response.content.decode()
    assert Event.objects.get(pk=other.pk).start_local.hour == 10


def test_the_week_marks_events_that_clash(owner_client, schedule, held, room):
    other = EventFactory(
        schedule=schedule, title="Pilates", start_local=next_monday(17) + timedelta(minutes=30)
    )
    EventResourceFactory(event=other, resource=room)
    apart = EventFactory(schedule=schedule, title="Later", start_local=next_monday(19))
    EventResourceFactory(event=apart, resource=room)
    day = next_monday().date()

    response = owner_client.get(
        reverse("calendar_app:calendar", args=["week"]) + f"?date={day.isoformat()}"
    )

    (monday,) = [d for d in response.context["days"] if d.date == day]
    assert {e.event.title: e.clash for e in monday.timed} == {
        "Yoga": True,
        "Pilates": True,
        "Later": False,
    }
    assert response.content.decode().count('<mark class="clash">Clash</mark>') == 2
