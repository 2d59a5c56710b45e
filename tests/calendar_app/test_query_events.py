"""Query Events: window, time zones (DST weeks included), filters, sort and cursor paging."""

from datetime import datetime, timedelta

import pytest
from django.core import signing

from calendar_app.recurrence import weekly_rule
from calendar_app.selectors import CURSOR_SALT, EventQueryError, query_events
from calendar_app.services import create_event
from tests.factories import (
    BusinessFactory,
    EventFactory,
    EventResourceFactory,
    ResourceFactory,
    ScheduleFactory,
)

pytestmark = pytest.mark.django_db


def ids(page):
    return [event.id for event in page.events]


def test_it_returns_events_overlapping_the_window_in_the_business_zone(business, schedule):
    inside = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 10, 9))
    starts_before = EventFactory(
        schedule=schedule, start_local=datetime(2026, 6, 9, 23), duration=timedelta(hours=2)
    )
    ends_at_from = EventFactory(
        schedule=schedule, start_local=datetime(2026, 6, 9, 22), duration=timedelta(hours=2)
    )
    EventFactory(schedule=schedule, start_local=datetime(2026, 6, 11, 0))  # starts at "to"

    page = query_events(
        business, from_local_date="2026-06-10T00:00:00", to_local_date="2026-06-11T00:00:00"
    )

    assert ids(page) == [starts_before.id, inside.id]
    assert ends_at_from.id not in ids(page)


def test_it_reads_the_window_in_the_requested_time_zone(business, schedule):
    # 09:00 in Berlin is 03:00 in New York (summer): inside a New York 00:00-06:00 window.
    berlin_morning = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 10, 9))

    new_york_night = query_events(
        business,
        from_local_date="2026-06-10T00:00:00",
        to_local_date="2026-06-10T06:00:00",
        time_zone="America/New_York",
    )
    berlin_night = query_events(
        business, from_local_date="2026-06-10T00:00:00", to_local_date="2026-06-10T06:00:00"
    )

    assert ids(new_york_night) == [berlin_morning.id]
    assert ids(berlin_night) == []


@pytest.mark.parametrize(
    ("time_zone", "monday", "dst_sunday"),
    [
        ("Europe/Berlin", datetime(2026, 3, 23), datetime(2026, 3, 29)),  # spring forward
        ("Europe/Berlin", datetime(2026, 10, 19), datetime(2026, 10, 25)),  # fall back
        ("America/New_York", datetime(2026, 3, 2), datetime(2026, 3, 8)),
        ("America/New_York", datetime(2026, 10, 26), datetime(2026, 11, 1)),
    ],
)
def test_a_weekly_class_keeps_its_wall_clock_time_across_a_dst_week(time_zone, monday, dst_sunday):
    business = BusinessFactory(time_zone=time_zone)
    schedule = ScheduleFactory(business=business)
    create_event(
        actor=None,
        schedule=schedule,
        title="Sunday flow",
        start_local=dst_sunday.replace(hour=9) - timedelta(weeks=1),
        end_local=dst_sunday.replace(hour=10) - timedelta(weeks=1),
        recurrence_rule=weekly_rule(day="SUNDAY"),
    )
    # A window from Monday before to Monday after the DST Sunday, read in the business zone.
    page = query_events(
        business,
        from_local_date=monday,
        to_local_date=monday + timedelta(weeks=1),
    )

    assert [e.start_local_date for e in page.events] == [f"{dst_sunday:%Y-%m-%d}T09:00:00"]
    occurrence = page.events[0]
    assert occurrence.start.astimezone(business.zone).hour == 9
    assert occurrence.end - occurrence.start == timedelta(hours=1)
    # The week before had the other UTC offset: same local hour, different UTC hour.
    week_before = query_events(
        business, from_local_date=monday - timedelta(weeks=1), to_local_date=monday
    )
    assert week_before.events[0].start.hour != occurrence.start.hour


def test_a_dst_week_window_is_the_local_week_not_seven_times_24_hours():
    business = BusinessFactory(time_zone="Europe/Berlin")
    schedule = ScheduleFactory(business=business)
    # Sunday 23:30 local in the fall-back week: 169 hours after Monday 00:00.
    late_sunday = EventFactory(
        schedule=schedule, start_local=datetime(2026, 10, 25, 23, 0), duration=timedelta(minutes=30)
    )
    page = query_events(
        business, from_local_date=datetime(2026, 10, 19), to_local_date=datetime(2026, 10, 26)
    )
    assert ids(page) == [late_sunday.id]


def test_it_excludes_masters_unless_asked(business, schedule):
    master = create_event(
        actor=None,
        schedule=schedule,
        title="Yoga",
        start_local=datetime(2026, 6, 1, 9),
        end_local=datetime(2026, 6, 1, 10),
        recurrence_rule=weekly_rule(day="MONDAY"),
    )
    window = {"from_local_date": "2026-06-01T00:00:00", "to_local_date": "2026-06-15T00:00:00"}

    default = query_events(business, **window)
    masters = query_events(business, recurrence_type=["MASTER"], **window)

    assert {e.recurrence_type for e in default.events} == {"INSTANCE"}
    assert len(default.events) == 2
    assert ids(masters) == [master.id]


def test_it_filters_by_schedule_app_type_status_and_external_schedule_id(business):
    classes = ScheduleFactory(business=business, app_id="app-1", external_id="svc-1")
    rooms = ScheduleFactory(business=business, app_id="app-2")
    a_class = EventFactory(
        schedule=classes, app_id="app-1", external_schedule_id="svc-1", type="CLASS"
    )
    an_appointment = EventFactory(schedule=rooms, app_id="app-2", type="APPOINTMENT")
    cancelled = EventFactory(schedule=rooms, app_id="app-2", type="CLASS", status="CANCELLED")

    def query(filter):
        return set(ids(query_events(business, filter=filter)))

    assert query({"scheduleId": classes.id}) == {a_class.id}
    assert query({"scheduleId": {"$in": [classes.id, rooms.id]}}) == {
        a_class.id,
        an_appointment.id,
        cancelled.id,
    }
    assert query({"appId": {"$eq": "app-2"}}) == {an_appointment.id, cancelled.id}
    assert query({"externalScheduleId": "svc-1"}) == {a_class.id}
    assert query({"type": {"$in": ["APPOINTMENT"]}}) == {an_appointment.id}
    assert query({"status": "CANCELLED"}) == {cancelled.id}
    assert query({"$or": [{"type": "APPOINTMENT"}, {"status": "CANCELLED"}]}) == {
        an_appointment.id,
        cancelled.id,
    }


def test_it_filters_by_resources_with_has_some_and_has_all(business, schedule):
    trainer, room = ResourceFactory(business=business), ResourceFactory(business=business)
    both = EventFactory(schedule=schedule)
    EventResourceFactory(event=both, resource=trainer)
    EventResourceFactory(event=both, resource=room)
    trainer_only = EventFactory(schedule=schedule)
    EventResourceFactory(event=trainer_only, resource=trainer)
    EventFactory(schedule=schedule)

    some = query_events(business, filter={"resources.id": {"$hasSome": [trainer.id]}})
    every = query_events(business, filter={"resources.id": {"$hasAll": [trainer.id, room.id]}})

    assert set(ids(some)) == {both.id, trainer_only.id}
    assert ids(every) == [both.id]


def test_working_hours_only_come_back_when_the_type_filter_names_them(business, schedule):
    EventFactory(schedule=schedule, type="WORKING_HOURS")
    a_class = EventFactory(schedule=schedule, type="CLASS")

    assert ids(query_events(business)) == [a_class.id]
    assert len(query_events(business, filter={"type": "WORKING_HOURS"}).events) == 1


def test_it_never_returns_another_business_events(business, schedule, other_business):
    EventFactory(schedule=ScheduleFactory(business=other_business))
    mine = EventFactory(schedule=schedule)

    assert ids(query_events(business)) == [mine.id]


def test_it_hides_soft_deleted_events(business, schedule):
    EventFactory(schedule=schedule, removed_date=datetime(2026, 1, 1).astimezone())

    assert ids(query_events(business)) == []


def test_it_sorts_by_start_ascending_with_id_as_tie_breaker(business, schedule):
    late = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 2, 9))
    early = [EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9)) for _ in range(3)]

    page = query_events(business)

    assert ids(page) == [*sorted(e.id for e in early), late.id]


def test_it_sorts_by_end_descending(business, schedule):
    short = EventFactory(schedule=schedule, duration=timedelta(minutes=30))
    long = EventFactory(schedule=schedule, duration=timedelta(hours=3))

    page = query_events(business, sort=("end", "DESC"))

    assert ids(page) == [long.id, short.id]


def test_cursor_paging_walks_every_event_once_and_keeps_the_original_query(business, schedule):
    other = ScheduleFactory(business=business)
    expected = [
        EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 8) + timedelta(hours=i)).id
        for i in range(7)
    ]
    EventFactory(schedule=other)  # excluded by the filter carried in the cursor

    seen, cursor, pages = [], None, 0
    page = query_events(business, filter={"scheduleId": schedule.id}, limit=3)
    while True:
        pages += 1
        seen += ids(page)
        if not page.has_next:
            break
        cursor = page.next_cursor
        page = query_events(business, cursor=cursor, filter={"scheduleId": other.id})

    assert seen == expected
    assert pages == 3


def test_cursor_paging_works_for_end_descending(business, schedule):
    for i in range(5):
        EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 8 + i))
    first = query_events(business, sort=("end", "DESC"), limit=2)
    second = query_events(business, cursor=first.next_cursor)

    assert first.events[-1].end > second.events[0].end
    assert len(ids(first) + ids(second)) == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filter": {"title": "Yoga"}}, "not supported"),
        ({"filter": {"scheduleId": {"$gt": "x"}}}, "does not support"),
        ({"sort": ("start", "DESC")}, "Sort by"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"recurrence_type": ["WEEKLY"]}, "recurrenceType"),
        (
            {"from_local_date": "2026-06-02T00:00:00", "to_local_date": "2026-06-01T00:00:00"},
            "earlier",
        ),
        ({"from_local_date": "yesterday"}, "not a local date-time"),
        ({"from_local_date": "0001-01-01T10:00:00"}, "between the years 1900 and 2999"),
        ({"to_local_date": datetime(9999, 12, 31, 23)}, "between the years 1900 and 2999"),
        ({"limit": 0}, "page size"),
        ({"limit": 10**6}, "page size"),
        ({"filter": {"scheduleId": {"$eq": {"nested": 1}}}}, "text values"),
        ({"filter": {"$or": 5}}, "list of filters"),
        ({"cursor": "forged"}, "not valid"),
    ],
)
def test_it_explains_a_query_it_cannot_answer(business, kwargs, message):
    with pytest.raises(EventQueryError, match=message):
        query_events(business, **kwargs)


def test_a_tampered_cursor_cannot_widen_the_query(business, schedule):
    for _ in range(3):
        EventFactory(schedule=schedule)
    page = query_events(business, limit=1)
    forged = page.next_cursor[:-2] + ("AA" if not page.next_cursor.endswith("AA") else "BB")

    with pytest.raises(EventQueryError):
        query_events(business, cursor=forged)


def signed_cursor(**changes) -> str:
    """A cursor signed with the app's key, as a leaked key or an older version could make."""
    payload = {
        "from": "2026-06-01T00:00:00",
        "to": "2026-07-01T00:00:00",
        "tz": "Europe/Berlin",
        "rt": ["NONE"],
        "filter": {},
        "sort": ["start", "ASC"],
        "limit": 10,
        "after": ["2026-06-01T07:00:00+00:00", "some-id"],
        **changes,
    }
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sort": ["business__memberships__user__password", "ASC"]}, "Sort by"),
        ({"tz": "Mars/Olympus"}, "Unknown time zone"),
        ({"limit": 0}, "page size"),
        ({"from": "0001-01-01T00:00:00"}, "between the years"),
        ({"filter": {"business__name": "x"}}, "not supported"),
        ({"after": ["not a date", "x"]}, "not valid"),
        ({"after": ["2026-06-01T07:00:00+00:00", 5]}, "not valid"),
        ({"rt": [{"a": 1}]}, "not valid"),
    ],
)
def test_a_signed_cursor_is_checked_exactly_like_a_fresh_query(business, changes, message):
    with pytest.raises(EventQueryError, match=message):
        query_events(business, cursor=signed_cursor(**changes))


def test_a_cursor_missing_a_key_is_refused(business):
    payload = signing.loads(signed_cursor(), salt=CURSOR_SALT)
    del payload["tz"]

    with pytest.raises(EventQueryError, match="not valid"):
        query_events(business, cursor=signing.dumps(payload, salt=CURSOR_SALT))


def test_each_event_comes_with_its_resources_by_name(business, schedule):
    event = EventFactory(schedule=schedule)
    EventResourceFactory(event=event, resource=ResourceFactory(business=business, name="Studio B"))
    EventResourceFactory(event=event, resource=ResourceFactory(business=business, name="Anna"))
    bare = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 2, 9))

    page = query_events(business)

    assert [r.name for r in page.events[0].resource_refs] == ["Anna", "Studio B"]
    assert page.events[1].id == bare.id
    assert page.events[1].resource_refs == []


def test_it_runs_three_queries_whatever_the_number_of_events(
    business, schedule, django_assert_num_queries
):
    resource = ResourceFactory(business=business)
    for hour in range(8, 20):
        event = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, hour))
        EventResourceFactory(event=event, resource=resource)

    with django_assert_num_queries(3):  # events, their schedules, their resources
        page = query_events(business, limit=100)
        names = [ref.name for event in page.events for ref in event.resource_refs]
        schedules = {event.schedule.name for event in page.events}

    assert len(names) == 12 and schedules == {schedule.name}


def test_a_descending_query_may_name_the_window_from_its_later_end(business, schedule):
    inside = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 10, 9))
    later = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 12, 9))
    EventFactory(schedule=schedule, start_local=datetime(2026, 6, 20, 9))

    page = query_events(
        business,
        from_local_date="2026-06-13T00:00:00",
        to_local_date="2026-06-10T00:00:00",
        sort=("end", "DESC"),
    )

    assert ids(page) == [later.id, inside.id]
    with pytest.raises(EventQueryError, match="earlier than"):
        query_events(
            business, from_local_date="2026-06-13T00:00:00", to_local_date="2026-06-10T00:00:00"
        )


def test_it_filters_by_capacity_with_comparisons(business, schedule):
    small = EventFactory(schedule=schedule, total_capacity=4, remaining_capacity=0)
    large = EventFactory(schedule=schedule, total_capacity=20, remaining_capacity=12)
    open_ended = EventFactory(schedule=schedule, total_capacity=None, remaining_capacity=None)

    def query(filter):
        return set(ids(query_events(business, filter=filter)))

    assert query({"totalCapacity": {"$gte": 10}}) == {large.id}
    assert query({"totalCapacity": {"$lt": 10}}) == {small.id}
    assert query({"totalCapacity": {"$ne": 4}}) == {large.id, open_ended.id}
    assert query({"totalCapacity": {"$exists": False}}) == {open_ended.id}
    assert query({"remainingCapacity": {"$gt": 0}}) == {large.id}
    assert query({"remainingCapacity": 0}) == {small.id}
    with pytest.raises(EventQueryError, match="does not support"):
        query({"remainingCapacity": {"$exists": True}})
    with pytest.raises(EventQueryError, match="whole number"):
        query({"totalCapacity": {"$gt": "ten"}})


def test_it_filters_by_location_and_conferencing_presence(business, schedule):
    online = EventFactory(
        schedule=schedule, conferencing_details={"type": "CUSTOM", "guestUrl": "https://x.test"}
    )
    in_studio = EventFactory(schedule=schedule, location={"type": "CUSTOM", "name": "Studio"})

    assert ids(query_events(business, filter={"conferencingDetails": {"$exists": True}})) == [
        online.id
    ]
    assert ids(query_events(business, filter={"location": {"$exists": True}})) == [in_studio.id]
    assert ids(query_events(business, filter={"location": {"$exists": False}})) == [online.id]


def test_it_filters_by_resource_transparency_and_resource_schedule(business, schedule):
    room_schedule = ScheduleFactory(business=business)
    room = ResourceFactory(business=business, schedule=room_schedule)
    trainer = ResourceFactory(business=business)
    busy = EventFactory(schedule=schedule)
    EventResourceFactory(event=busy, resource=room)
    free = EventFactory(schedule=schedule)
    EventResourceFactory(event=free, resource=trainer, transparency="TRANSPARENT")

    by_schedule = query_events(
        business, filter={"resources.scheduleId": {"$hasSome": [room_schedule.id]}}
    )
    transparent = query_events(
        business, filter={"resources.transparency": {"$hasSome": ["TRANSPARENT"]}}
    )

    assert ids(by_schedule) == [busy.id]
    assert ids(transparent) == [free.id]
