"""Busy times per resource: what appointment slots will avoid, blocked time included."""

from datetime import datetime, timedelta

import pytest

from calendar_app import services
from calendar_app.selectors import busy_times
from tests.factories import (
    EventFactory,
    EventResourceFactory,
    ResourceFactory,
    ScheduleFactory,
    next_monday,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(business):
    return ResourceFactory(business=business, name="Studio A"), ResourceFactory(
        business=business, name="Studio B"
    )


def week_of(day: datetime) -> dict:
    monday = datetime.combine(day.date(), datetime.min.time())
    return {"from_local_date": monday, "to_local_date": monday + timedelta(days=7)}


def test_one_blocked_time_makes_every_resource_it_holds_busy(business, owner_membership, rooms):
    studio_a, studio_b = rooms
    [blocked] = services.block_time(
        actor=owner_membership,
        business=business,
        resource_ids=[studio_a.pk, studio_b.pk],
        start_local=next_monday(13),
        end_local=next_monday(17),
        reason="floor maintenance",
    )

    busy = busy_times(business, resource_ids=[studio_a.pk, studio_b.pk], **week_of(next_monday()))

    assert busy == {
        studio_a.pk: [(blocked.start, blocked.end)],
        studio_b.pk: [(blocked.start, blocked.end)],
    }


def test_a_weekly_blocked_time_is_busy_every_week(business, owner_membership, rooms):
    studio_a, _ = rooms
    services.block_time(
        actor=owner_membership,
        business=business,
        resource_ids=[studio_a.pk],
        start_local=next_monday(7),
        end_local=next_monday(8),
        days=["MONDAY"],
    )

    in_three_weeks = busy_times(
        business, resource_ids=[studio_a.pk], **week_of(next_monday() + timedelta(weeks=3))
    )

    assert len(in_three_weeks[studio_a.pk]) == 1


def test_transparent_and_cancelled_events_leave_the_resource_free(business, rooms):
    studio_a, studio_b = rooms
    schedule = ScheduleFactory(business=business)
    start = next_monday(9)
    see_through = EventFactory(schedule=schedule, start_local=start, transparency="TRANSPARENT")
    EventResourceFactory(event=see_through, resource=studio_a)
    cancelled = EventFactory(schedule=schedule, start_local=start, status="CANCELLED")
    EventResourceFactory(event=cancelled, resource=studio_a)
    held_loosely = EventFactory(schedule=schedule, start_local=start)
    EventResourceFactory(event=held_loosely, resource=studio_a, transparency="TRANSPARENT")
    a_class = EventFactory(schedule=schedule, start_local=start + timedelta(hours=2))
    EventResourceFactory(event=a_class, resource=studio_b)

    busy = busy_times(business, resource_ids=[studio_a.pk, studio_b.pk], **week_of(start))

    assert busy == {studio_a.pk: [], studio_b.pk: [(a_class.start, a_class.end)]}


def test_it_reads_every_event_in_order_in_one_query(business, rooms, django_assert_num_queries):
    studio_a, _ = rooms
    schedule = ScheduleFactory(business=business)
    for hour in (16, 8, 12, 10, 14):
        event = EventFactory(schedule=schedule, start_local=next_monday(hour))
        EventResourceFactory(event=event, resource=studio_a)

    with django_assert_num_queries(1):
        busy = busy_times(business, resource_ids=[studio_a.pk], **week_of(next_monday()))

    starts = [start.astimezone(business.zone).hour for start, _ in busy[studio_a.pk]]
    assert starts == [8, 10, 12, 14, 16]


def test_an_apps_own_events_can_be_left_out(business, rooms):
    studio_a, _ = rooms
    own = ScheduleFactory(business=business, app_id="bookings")
    event = EventFactory(schedule=own, app_id="bookings", start_local=next_monday())
    EventResourceFactory(event=event, resource=studio_a)

    window = week_of(next_monday())
    assert busy_times(business, resource_ids=[studio_a.pk], **window)[studio_a.pk]
    left_out = busy_times(
        business, resource_ids=[studio_a.pk], excluding_app_id="bookings", **window
    )
    assert left_out == {studio_a.pk: []}


def test_another_business_resources_are_never_busy_here(business, other_business):
    theirs = ResourceFactory(business=other_business)
    event = EventFactory(
        schedule=ScheduleFactory(business=other_business), start_local=next_monday()
    )
    EventResourceFactory(event=event, resource=theirs)

    busy = busy_times(business, resource_ids=[theirs.pk], **week_of(next_monday()))

    assert busy == {theirs.pk: []}
