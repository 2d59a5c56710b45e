"""Lanes of one time-grid column (pure Python): overlapping events side by side, in a plain day
column and in the columns of the by-resource view."""

from datetime import datetime, timedelta

import pytest

from calendar_app import layouts
from calendar_app.layouts.lanes import MIN_HEIGHT_MINUTES
from calendar_app.models import Event
from calendar_app.selectors import CalendarEvent, EventResourceRef


def test_events_apart_each_take_the_whole_width():
    placed = layouts.lay_out_lanes([(540, 600), (600, 660), (720, 780)], offset=420)

    assert [(p.top, p.height, p.lane, p.lanes) for p in placed] == [
        (120, 60, 0, 1),
        (180, 60, 0, 1),
        (300, 60, 0, 1),
    ]


def test_overlapping_events_share_the_width_of_their_group_only():
    # 09-10 and 09:30-10:30 overlap; 11-12 is a group of its own.
    placed = layouts.lay_out_lanes([(540, 600), (570, 630), (660, 720)])

    assert [(p.lane, p.lanes) for p in placed] == [(0, 2), (1, 2), (0, 1)]


def test_a_lane_freed_by_an_ended_event_is_taken_again():
    # 09-10, 09:30-11, 10-10:30: the third fits under the first, beside the second.
    placed = layouts.lay_out_lanes([(540, 600), (570, 660), (600, 630)])

    assert [(p.lane, p.lanes) for p in placed] == [(0, 2), (1, 2), (0, 2)]


def test_the_result_keeps_the_order_given_whatever_the_starts():
    placed = layouts.lay_out_lanes([(600, 660), (540, 660)])

    assert [(p.top, p.lane) for p in placed] == [(600, 1), (540, 0)]


def test_a_short_event_is_drawn_at_least_twenty_minutes_and_overlaps_as_such():
    # A 5-minute event at 09:00 and one at 09:10: drawn 20 minutes tall, the first covers it.
    placed = layouts.lay_out_lanes([(540, 545), (550, 600)])

    assert placed[0].height == MIN_HEIGHT_MINUTES
    assert [(p.lane, p.lanes) for p in placed] == [(0, 2), (1, 2)]


def test_max_lanes_hides_the_later_lanes_and_the_shown_share_the_capped_width():
    five = [(540, 600), (545, 600), (550, 600), (555, 600), (560, 600)]

    placed = layouts.lay_out_lanes(five, max_lanes=3)

    assert [p.shown for p in placed] == [True, True, True, False, False]
    assert {p.lanes for p in placed} == {3}


def test_no_cap_draws_every_event():
    placed = layouts.lay_out_lanes([(540, 600)] * 7)

    assert all(p.shown for p in placed)
    assert sorted(p.lane for p in placed) == list(range(7))


def _event(n: int, start: datetime, minutes: int, *resources: str) -> CalendarEvent:
    return CalendarEvent(
        id=f"e{n}",
        title=f"Event {n}",
        status=Event.Status.CONFIRMED,
        type=Event.Type.CLASS,
        schedule_id="s",
        start=start,
        end=start + timedelta(minutes=minutes),
        start_local_date="",
        time_zone="Europe/Berlin",
        all_day=False,
        recurrence_type="NONE",
        recurring_event_id="",
        transparency=Event.Transparency.OPAQUE,
        total_capacity=None,
        remaining_capacity=None,
        revision=1,
        resource_refs=[EventResourceRef(r, r.title(), "ROOM", "OPAQUE") for r in resources],
    )


@pytest.mark.django_db
def test_overlapping_events_are_laid_out_per_resource_column(business):
    """Room A holds 09-10 and 09:30-10:30 (side by side); Room B holds the blocked time that
    also holds Room A from 09:45 (three lanes in A, alone in B) and a class at 11."""
    from calendar_app.layouts.entries import Day, Entry
    from calendar_app.layouts.resources import place_by_resource

    zone = business.zone
    day = datetime(2027, 1, 11).date()
    at = lambda h, m=0: datetime(2027, 1, 11, h, m, tzinfo=zone)  # noqa: E731
    events = [
        _event(1, at(9), 60, "room-a"),
        _event(2, at(9, 30), 60, "room-a"),
        _event(3, at(9, 45), 30, "room-a", "room-b"),
        _event(4, at(11), 60, "room-b"),
        _event(5, at(12), 60, "elsewhere"),
    ]
    columns = {(day, rid): Day(date=day, url="", resource_id=rid) for rid in ("room-a", "room-b")}
    place_by_resource(events, columns, business, day, day)

    lanes = {}
    for (_, rid), column in columns.items():
        spans = [entry.minutes_on_day() for entry in column.entries]
        placed = layouts.lay_out_lanes(spans, offset=7 * 60)
        lanes[rid] = {
            entry.event.id: (p.top, p.lane, p.lanes)
            for entry, p in zip(column.entries, placed, strict=True)
        }
        assert all(isinstance(entry, Entry) for entry in column.entries)

    assert lanes["room-a"] == {"e1": (120, 0, 3), "e2": (150, 1, 3), "e3": (165, 2, 3)}
    assert lanes["room-b"] == {"e3": (165, 0, 1), "e4": (240, 0, 1)}
