"""Calendar pages: month, week, day and agenda, built on ``query_events``."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calendar_app import layouts, recurrence
from calendar_app.models import Event, EventResource
from calendar_app.recurrence import weekly_rule
from calendar_app.services import block_time, cancel_event, create_event
from tests.factories import (
    EventFactory,
    EventResourceFactory,
    ResourceFactory,
    ScheduleFactory,
    WorkingHoursFactory,
    WorkingHoursOverrideFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def calendar_url(view: str, **params) -> str:
    url = reverse("calendar_app:calendar", args=[view])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def detail_href(event: Event) -> str:
    return f'href="{reverse("calendar_app:event_detail", args=[event.id])}"'


def day_column(content: str, day: str) -> str:
    """The markup of one day's column in a week or day view."""
    start = content.index('class="cal-days')
    start = content.index(f'data-date="{day}"', start)
    following = re.compile(r'<div class="cal-day[ "]').search(content, start)
    return content[start : following.start() if following else len(content)]


def slot_html(content: str, day: str, hour: str) -> str:
    """The empty-slot markup of one hour of one day (its create link)."""
    match = re.search(rf'data-hour="{hour}">(.*?)</div>', day_column(content, day), re.S)
    assert match, f"no {hour} slot on {day}"
    return match.group(1)


def timed_html(content: str, day: str, hour: str) -> str:
    """The timed blocks of one day in the grid whose part on that day starts in the given hour
    (``00:00`` for one that began on an earlier day)."""
    column = day_column(content, day)
    timeline = column[column.index('class="cal-timeline"') :]
    blocks = re.findall(r'<a class="cal-event[^"]*"[^>]*data-start="([^"]*)".*?</a>', timeline)
    found = re.finditer(r'<a class="cal-event[^"]*"[^>]*data-start="([^"]*)".*?</a>', timeline)
    assert len(blocks) == len(list(re.finditer(r"<a class=\"cal-event", timeline)))
    return "".join(
        block.group(0)
        for block in found
        if (block.group(1)[:10] < day and hour == "00:00")
        or (block.group(1)[:10] == day and block.group(1)[11:13] == hour[:2])
    )


def peek_html(client, event: Event) -> str:
    """The event's popover details (what hover, focus or a long press shows)."""
    response = client.get(reverse("calendar_app:event_peek", args=[event.id]), headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def make_events(schedule, resource, count: int, first_day: date, days: int) -> list[Event]:
    """``count`` events spread over ``days`` days, inserted in bulk, each holding ``resource``."""
    events = [
        EventFactory.build(
            schedule=schedule,
            start_local=datetime.combine(first_day + timedelta(days=i % days), time(7 + i % 12)),
        )
        for i in range(count)
    ]
    Event.objects.bulk_create(events)
    EventResource.objects.bulk_create(EventResource(event=e, resource=resource) for e in events)
    return events


# Views and dates


def test_the_week_view_shows_the_week_s_events_with_links_to_them(owner_client, schedule):
    monday = EventFactory(schedule=schedule, title="Yoga", start_local=datetime(2026, 6, 1, 9))
    sunday = EventFactory(schedule=schedule, title="Pilates", start_local=datetime(2026, 6, 7, 18))
    next_week = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 8, 9))

    response = owner_client.get(calendar_url("week", date="2026-06-03"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "1 Jun \u2013 7 Jun 2026" in content
    assert detail_href(monday) in timed_html(content, "2026-06-01", "09:00")
    assert detail_href(sunday) in timed_html(content, "2026-06-07", "18:00")
    assert "09:00\u201310:00" in content
    assert detail_href(next_week) not in content


def test_an_unknown_view_is_a_404(owner_client, business):
    response = owner_client.get(calendar_url("year"))

    assert response.status_code == 404


def test_a_bad_date_is_a_400_with_a_clear_message(owner_client, business):
    response = owner_client.get(calendar_url("week", date="2026-02-30"))

    assert response.status_code == 400
    assert "“2026-02-30” is not a date. Use the form YYYY-MM-DD" in response.content.decode()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_a_date_at_the_edge_of_the_calendar_is_a_400(owner_client, business, value):
    response = owner_client.get(calendar_url("month", date=value))

    assert response.status_code == 400
    assert "Pick a date between the years 1900 and 2999." in response.content.decode()


def test_the_date_defaults_to_today_in_the_business_zone(owner_client, schedule):
    today = timezone.now().astimezone(schedule.business.zone).date()
    event = EventFactory(schedule=schedule, start_local=datetime.combine(today, time(12)))

    response = owner_client.get(calendar_url("day"))

    assert response.context["day"] == today
    assert detail_href(event) in response.content.decode()


def test_times_are_shown_in_the_business_zone_for_an_event_kept_in_another_zone(
    owner_client, business
):
    london = ScheduleFactory(business=business, time_zone="Europe/London")
    event = EventFactory(
        schedule=london, time_zone="Europe/London", start_local=datetime(2026, 6, 1, 9)
    )

    response = owner_client.get(calendar_url("day", date="2026-06-01"))

    slot = timed_html(response.content.decode(), "2026-06-01", "10:00")
    assert detail_href(event) in slot
    assert "10:00\u201311:00" in slot
    assert 'data-start="2026-06-01T10:00+02:00"' in slot
    assert "09:00 Europe/London" in peek_html(owner_client, event)


def test_the_page_carries_the_business_zone_for_the_device_zone_notice(owner_client, business):
    response = owner_client.get(calendar_url("week", date="2026-06-01"))

    content = response.content.decode()
    assert 'id="tz-notice" data-business-zone="Europe/Berlin" hidden' in content
    assert 'src="/static/js/app.js"' in content
    assert "<script>" not in content  # the notice's script is a static file (CSP)


def test_staff_see_the_calendar(staff_client, schedule):
    event = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9))

    response = staff_client.get(calendar_url("week", date="2026-06-01"))

    assert response.status_code == 200
    assert detail_href(event) in response.content.decode()


# Navigation


@pytest.mark.parametrize(
    ("view", "previous", "following"),
    [
        ("month", "2026-05-01", "2026-07-01"),
        ("week", "2026-05-25", "2026-06-08"),
        ("day", "2026-06-02", "2026-06-04"),
        ("agenda", "2026-05-04", "2026-07-03"),
    ],
)
def test_previous_and_next_links_move_by_one_period_and_keep_the_filters(
    owner_client, schedule, view, previous, following
):
    response = owner_client.get(
        calendar_url(view, date="2026-06-03", schedule=schedule.pk, cancelled=1)
    )

    content = response.content.decode()
    path = reverse("calendar_app:calendar", args=[view])
    filters = f"schedule={schedule.pk}&amp;cancelled=1"
    assert f'rel="prev" href="{path}?date={previous}&amp;{filters}"' in content
    assert f'rel="next" href="{path}?date={following}&amp;{filters}"' in content


def test_the_today_link_and_view_switches_have_real_hrefs_and_htmx_gets(owner_client, business):
    response = owner_client.get(calendar_url("week", date="2026-06-03"))

    content = response.content.decode()
    today = timezone.now().astimezone(business.zone).date().isoformat()
    today_url = calendar_url("week", date=today)
    assert f'href="{today_url}" hx-get="{today_url}">Today</a>' in content
    month_url = calendar_url("month", date="2026-06-03")
    assert f'href="{month_url}" hx-get="{month_url}">Month</a>' in content
    assert 'hx-target="#calendar-body" hx-swap="outerHTML" hx-push-url="true"' in content


# Month view


def test_the_month_view_is_a_six_week_grid_from_monday(owner_client, business):
    response = owner_client.get(calendar_url("month", date="2026-06-15"))

    weeks = response.context["weeks"]
    assert len(weeks) == 6
    assert all(len(week) == 7 for week in weeks)
    assert weeks[0][0].date == date(2026, 6, 1)
    assert weeks[-1][-1].date == date(2026, 7, 12)
    assert response.content.decode().count('class="cal-cell') == 42


def test_a_month_day_lists_four_events_and_links_the_rest_to_its_day_view(owner_client, schedule):
    events = [
        EventFactory(schedule=schedule, start_local=datetime(2026, 6, 10, 8 + hour))
        for hour in range(6)
    ]

    response = owner_client.get(calendar_url("month", date="2026-06-01"))

    content = response.content.decode()
    day_url = calendar_url("day", date="2026-06-10").replace("&", "&amp;")
    assert [detail_href(e) in content for e in events] == [True] * 4 + [False] * 2
    more = f'class="cal-more" href="{day_url}" hx-get="{day_url}&amp;part=list"'
    assert more in content
    assert ">+2 more</a>" in content
    assert f'class="cal-daynum" href="{day_url}"' in content


def test_a_month_shows_and_counts_events_on_every_day_they_cover(owner_client, schedule):
    begun = EventFactory(  # began before the grid (Monday 1 June) and runs into it
        schedule=schedule, start_local=datetime(2026, 5, 31, 22), duration=timedelta(hours=36)
    )
    late = EventFactory(
        schedule=schedule, start_local=datetime(2026, 6, 10, 23, 30), duration=timedelta(hours=1)
    )
    morning = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 10, 9))

    response = owner_client.get(calendar_url("month", date="2026-06-01"))

    days = {d.date: d for d in response.context["days"]}
    shown = {day: [e.event.id for e in d.entries] for day, d in days.items() if d.entries}
    assert shown == {
        date(2026, 6, 1): [begun.id],
        date(2026, 6, 2): [begun.id],
        date(2026, 6, 10): [late.id, morning.id],  # the one running into the next day first
        date(2026, 6, 11): [late.id],
    }
    assert {day: d.total for day, d in days.items() if d.total} == {
        date(2026, 6, 1): 1,
        date(2026, 6, 2): 1,
        date(2026, 6, 10): 2,
        date(2026, 6, 11): 1,
    }
    assert days[date(2026, 6, 11)].entries[0].time_label == "until 00:30"


def test_a_month_counts_only_the_events_the_filters_show(owner_client, business, schedule):
    room = ResourceFactory(business=business, name="Room A")
    EventResourceFactory(
        resource=room, event__schedule=schedule, event__start_local=datetime(2026, 6, 3, 9)
    )
    EventFactory(schedule=schedule, start_local=datetime(2026, 6, 3, 10))
    EventFactory(schedule=schedule, start_local=datetime(2026, 6, 3, 11), status="CANCELLED")

    def count(**params) -> int:
        response = owner_client.get(calendar_url("month", date="2026-06-01", **params))
        return next(d.total for d in response.context["days"] if d.date == date(2026, 6, 3))

    assert count() == 2
    assert count(cancelled=1) == 3
    assert count(resource=room.pk) == 1
    assert count(schedule=ScheduleFactory(business=business).pk) == 0


# Week and day views


def test_an_empty_slot_links_to_a_new_event_starting_then(owner_client, schedule):
    response = owner_client.get(calendar_url("day", date="2026-06-01", schedule=schedule.pk))

    slot = slot_html(response.content.decode(), "2026-06-01", "14:00")
    create = reverse("calendar_app:event_create")
    assert f'href="{create}?start=2026-06-01T14:00&amp;schedule={schedule.pk}"' in slot


def test_events_outside_the_usual_hours_widen_the_day(owner_client, schedule):
    early = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 5, 30))
    late = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 23))

    response = owner_client.get(calendar_url("day", date="2026-06-01"))

    content = response.content.decode()
    assert response.context["hours"][0] == "05:00"
    assert response.context["hours"][-1] == "23:00"
    assert detail_href(early) in timed_html(content, "2026-06-01", "05:00")
    assert detail_href(late) in timed_html(content, "2026-06-01", "23:00")


def test_an_event_running_past_midnight_is_drawn_on_both_days_of_the_grid(owner_client, schedule):
    event = EventFactory(
        schedule=schedule, start_local=datetime(2026, 6, 1, 22), duration=timedelta(hours=4)
    )

    response = owner_client.get(calendar_url("week", date="2026-06-01"))

    monday, tuesday = response.context["days"][:2]
    assert response.context["hours"][0] == "00:00"
    assert response.context["hours"][-1] == "23:00"
    assert [(e.event.id, e.top, e.height) for e in monday.timed] == [(event.id, 22 * 60, 120)]
    assert [(e.event.id, e.top, e.height, e.time_label) for e in tuesday.timed] == [
        (event.id, 0, 120, "until 02:00")
    ]


def test_a_13_to_17_block_spans_four_hours_of_the_grid(owner_client, schedule):
    EventFactory(
        schedule=schedule, start_local=datetime(2026, 6, 1, 13, 15), duration=timedelta(hours=4)
    )

    response = owner_client.get(calendar_url("day", date="2026-06-01"))

    (entry,) = response.context["days"][0].timed
    first_hour = int(response.context["hours"][0][:2])
    assert (entry.top, entry.height) == ((13 - first_hour) * 60 + 15, 240)
    block = timed_html(response.content.decode(), "2026-06-01", "13:00")
    assert 'data-start="2026-06-01T13:15+02:00" data-end="2026-06-01T17:15+02:00"' in block
    assert " data-l=" not in block  # alone in its column: no lane attribute


def test_overlapping_events_sit_side_by_side_in_lanes(owner_client, schedule):
    def at(hour, minutes=60):
        return EventFactory(
            schedule=schedule,
            start_local=datetime(2026, 6, 1, hour),
            duration=timedelta(minutes=minutes),
        )

    long_one, overlapping, inside, alone = at(9, 120), at(10), at(10, 30), at(14)

    response = owner_client.get(calendar_url("day", date="2026-06-01"))

    placed = {e.event.id: (e.lane, e.lanes) for e in response.context["days"][0].timed}
    assert placed == {
        long_one.id: (0, 3),
        overlapping.id: (1, 3),
        inside.id: (2, 3),
        alone.id: (0, 1),
    }


def test_a_multi_day_event_sits_in_the_row_above_the_grid(owner_client, schedule):
    event = EventFactory(
        schedule=schedule, start_local=datetime(2026, 6, 1, 9), duration=timedelta(days=2)
    )

    response = owner_client.get(calendar_url("week", date="2026-06-01"))

    days = response.context["days"]
    assert [[e.event.id for e in d.untimed] for d in days[:4]] == [[event.id]] * 3 + [[]]
    assert not any(d.timed for d in days)


def test_today_has_a_now_line_in_the_grid(owner_client, business):
    response = owner_client.get(calendar_url("day"))

    (today,) = response.context["days"]
    now = timezone.now().astimezone(business.zone)
    first_hour = int(response.context["hours"][0][:2])
    if first_hour <= now.hour < first_hour + len(response.context["hours"]):
        assert abs(today.now_top - ((now.hour - first_hour) * 60 + now.minute)) <= 1
        assert 'class="cal-now"' in response.content.decode()
    else:
        assert today.now_top is None


@pytest.mark.parametrize(
    ("change_day", "first_day"),
    [("2027-03-28", datetime(2027, 3, 21, 9)), ("2026-10-25", datetime(2026, 10, 18, 9))],
)
def test_a_recurring_9am_class_shows_at_9am_on_a_dst_change_day(
    owner_client, owner_membership, schedule, change_day, first_day
):
    create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Morning class",
        start_local=first_day,
        end_local=first_day + timedelta(hours=1),
        recurrence_rule=weekly_rule(day="SUNDAY"),
    )

    response = owner_client.get(calendar_url("day", date=change_day))

    slot = timed_html(response.content.decode(), change_day, "09:00")
    assert "Morning class" in slot
    assert "09:00\u201310:00" in slot
    assert "Morning class" not in timed_html(response.content.decode(), change_day, "08:00")


# Agenda


def test_the_agenda_groups_the_next_30_days_by_day(owner_client, schedule):
    first = EventFactory(schedule=schedule, title="First", start_local=datetime(2026, 6, 1, 9))
    later = EventFactory(schedule=schedule, title="Later", start_local=datetime(2026, 6, 30, 9))
    outside = EventFactory(schedule=schedule, start_local=datetime(2026, 7, 1, 9))

    response = owner_client.get(calendar_url("agenda", date="2026-06-01"))

    content = response.content.decode()
    groups = response.context["agenda_days"]
    assert [(g.date, [e.event.id for e in g.entries]) for g in groups] == [
        (date(2026, 6, 1), [first.id]),
        (date(2026, 6, 30), [later.id]),
    ]
    assert "Monday 1 June 2026" in content
    assert detail_href(outside) not in content


def test_the_agenda_pages_with_a_load_more_link(owner_client, schedule, monkeypatch):
    monkeypatch.setattr(layouts.agendas, "AGENDA_PAGE_SIZE", 2)
    events = [
        EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1 + i, 9)) for i in range(3)
    ]

    first = owner_client.get(calendar_url("agenda", date="2026-06-01"))
    more_url = first.context["more_url"]
    plain = owner_client.get(more_url)
    fragment = owner_client.get(more_url, headers=HTMX)

    content = first.content.decode()
    assert [detail_href(e) in content for e in events] == [True, True, False]
    assert "cursor=" in more_url
    escaped = more_url.replace("&", "&amp;")
    assert f'href="{escaped}" hx-get="{escaped}" hx-target="#agenda-more"' in content
    assert detail_href(events[2]) in plain.content.decode()
    assert b"<html" in plain.content
    assert detail_href(events[2]) in fragment.content.decode()
    assert b'id="calendar-body"' not in fragment.content
    assert "HX-Request" in fragment["Vary"]


def test_a_tampered_agenda_cursor_is_a_400(owner_client, business):
    response = owner_client.get(calendar_url("agenda", date="2026-06-01", cursor="nonsense"))

    assert response.status_code == 400
    assert "This page link is not valid any more" in response.content.decode()


# Filters


def test_cancelled_events_are_hidden_unless_asked_for(owner_client, owner_membership, schedule):
    event = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9))
    cancel_event(actor=owner_membership, event=event, expected_revision=event.revision)

    hidden = owner_client.get(calendar_url("week", date="2026-06-01"))
    shown = owner_client.get(calendar_url("week", date="2026-06-01", cancelled=1))

    assert detail_href(event) not in hidden.content.decode()
    slot = timed_html(shown.content.decode(), "2026-06-01", "09:00")
    assert f'class="cal-event cancelled" {detail_href(event)}' in slot
    assert '<mark class="cancelled">Cancelled</mark>' in slot


def test_the_schedule_filter_shows_only_that_schedule(owner_client, business, schedule):
    other = ScheduleFactory(business=business, name="Appointments")
    mine = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9))
    theirs = EventFactory(schedule=other, start_local=datetime(2026, 6, 1, 10))

    response = owner_client.get(calendar_url("week", date="2026-06-01", schedule=schedule.pk))

    content = response.content.decode()
    assert detail_href(mine) in content
    assert detail_href(theirs) not in content
    assert f'<option value="{schedule.pk}" selected>Classes</option>' in content
    assert '<option value="' + other.pk + '">Appointments</option>' in content


def test_the_resource_filter_shows_only_events_holding_that_resource(
    owner_client, business, schedule
):
    room = ResourceFactory(business=business, name="Room A")
    with_room = EventResourceFactory(
        resource=room, event__schedule=schedule, event__start_local=datetime(2026, 6, 1, 9)
    ).event
    without = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 10))

    response = owner_client.get(calendar_url("week", date="2026-06-01", resource=room.pk))

    content = response.content.decode()
    assert detail_href(with_room) in content
    assert detail_href(with_room) in timed_html(content, "2026-06-01", "09:00")
    assert "Room A" in peek_html(owner_client, with_room)
    assert detail_href(without) not in content


def test_a_window_with_too_many_events_says_so(owner_client, schedule, monkeypatch):
    monkeypatch.setattr(layouts.grids, "CALENDAR_EVENT_LIMIT", 2)
    for hour in (9, 10, 11):
        EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, hour))

    response = owner_client.get(calendar_url("week", date="2026-06-01"))

    content = response.content.decode()
    assert "Only the first 2 events of this period are shown" in content
    assert content.count("data-event-id=") == 2


def test_the_filter_lists_only_the_business_s_schedules_and_resources(
    owner_client, business, other_business
):
    ScheduleFactory(business=business, name="Ours")
    ResourceFactory(business=business, name="Our room")
    ScheduleFactory(business=other_business, name="Theirs")
    ResourceFactory(business=other_business, name="Their room")

    content = owner_client.get(calendar_url("week")).content.decode()

    assert "Ours" in content
    assert "Our room" in content
    assert "Theirs" not in content
    assert "Their room" not in content


# HTMX


def test_an_htmx_request_gets_only_the_calendar_body(owner_client, schedule):
    event = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9))

    response = owner_client.get(calendar_url("week", date="2026-06-01"), headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<section id="calendar-body"' in content
    assert "<html" not in content and "<body" not in content
    assert detail_href(event) in content
    assert "HX-Request" in response["Vary"]


def test_a_filter_submitted_with_htmx_pushes_a_tidy_address(owner_client, schedule):
    response = owner_client.get(
        calendar_url("week", date="2026-06-01", schedule=schedule.pk, resource="", cancelled=1),
        headers=HTMX,
    )

    assert response["HX-Push-Url"] == calendar_url(
        "week", date="2026-06-01", schedule=schedule.pk, cancelled=1
    )


def test_a_full_page_also_varies_on_hx_request(owner_client, business):
    response = owner_client.get(calendar_url("month"))

    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_request_gets_the_full_page(owner_client, business):
    response = owner_client.get(
        calendar_url("week"), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


# Constant queries


@pytest.mark.parametrize(("view", "days"), [("week", 7), ("month", 30), ("day", 1)])
def test_a_calendar_page_runs_the_same_queries_for_10_and_1000_events(
    owner_client, business, schedule, django_assert_num_queries, view, days
):
    room = ResourceFactory(business=business)
    url = calendar_url(view, date="2026-06-01")
    make_events(schedule, room, 10, date(2026, 6, 1), days)
    with CaptureQueriesContext(connection) as with_ten:
        assert owner_client.get(url).status_code == 200
    make_events(schedule, room, 990, date(2026, 6, 1), days)

    with django_assert_num_queries(len(with_ten)):
        response = owner_client.get(url)

    assert len(with_ten) <= 9
    if view == "month":  # the month lists the first few per day and counts the rest
        assert sum(day.total for day in response.context["days"]) == 1000
    else:
        assert sum(len(day.entries) for day in response.context["days"]) == 1000


def test_a_month_with_20000_events_shows_the_right_count_on_every_day(
    owner_client, business, schedule
):
    days = 30
    per_day = [600 + (day % 7) * 25 for day in range(days)]
    per_day[0] += 20_000 - sum(per_day)
    zone = business.time_zone
    rows = []
    for day, count in enumerate(per_day):
        for i in range(count):
            start_local = datetime(2026, 6, 1 + day, 6) + timedelta(minutes=i % 900)
            start = recurrence.to_utc(start_local, zone)
            rows.append(
                Event(
                    business=business,
                    schedule=schedule,
                    title=f"Class {day}-{i}",
                    start_local_date=start_local.isoformat(),
                    end_local_date=(start_local + timedelta(minutes=30)).isoformat(),
                    start=start,
                    end=start + timedelta(minutes=30),
                    time_zone=zone,
                )
            )
    Event.objects.bulk_create(rows, batch_size=2000)
    spanning = EventFactory(
        schedule=schedule, start_local=datetime(2026, 6, 29, 20), duration=timedelta(days=2)
    )

    response = owner_client.get(calendar_url("month", date="2026-06-01"))

    assert response.status_code == 200
    june = {d.date: d for d in response.context["days"] if d.in_month}
    expected = {date(2026, 6, 1 + day): count for day, count in enumerate(per_day)}
    expected[date(2026, 6, 29)] += 1
    expected[date(2026, 6, 30)] += 1
    assert {day: d.total for day, d in june.items()} == expected
    assert all(len(d.month_entries) == layouts.MONTH_DAY_EVENTS for d in june.values())
    assert all(d.more_count == d.total - layouts.MONTH_DAY_EVENTS for d in june.values())
    assert june[date(2026, 6, 30)].month_entries[0].event.id == spanning.id
    july_first = next(d for d in response.context["days"] if d.date == date(2026, 7, 1))
    assert [e.event.id for e in july_first.entries] == [spanning.id]
    content = response.content.decode()
    assert f'data-date="2026-06-15" data-count="{expected[date(2026, 6, 15)]}"' in content
    assert "Only the first" not in content


def test_an_htmx_navigation_carries_the_new_tab_title(owner_client, business):
    response = owner_client.get(calendar_url("month", date="2026-06-01"), headers=HTMX)

    assert response.content.decode().lstrip().startswith("<title>June 2026 · Demo Studio</title>")


# By resource (day and week)


def resource_column(content: str, day: str, resource_id: str) -> str:
    """The markup of one resource's column on one day."""
    start = content.index(f'data-day="{day}" data-resource-id="{resource_id}"')
    following = re.compile(r'<div class="cal-day[ "]').search(content, start)
    return content[start : following.start() if following else len(content)]


@pytest.fixture
def rooms(business):
    return [ResourceFactory(business=business, name=name, type="ROOM") for name in ("Hall", "Loft")]


def test_the_day_by_resource_has_a_column_per_resource_with_its_events(
    owner_client, owner_membership, business, schedule, rooms
):
    hall, loft = rooms
    trainer = ResourceFactory(business=business, name="Tom Trainer")
    yoga = EventResourceFactory(
        resource=hall, event__schedule=schedule, event__start_local=datetime(2026, 6, 1, 9)
    ).event
    EventResourceFactory(event=yoga, resource=trainer)
    blocked = block_time(
        actor=owner_membership,
        business=business,
        resource_ids=[hall.pk, loft.pk],
        start_local=datetime(2026, 6, 1, 12),
        end_local=datetime(2026, 6, 1, 13),
        reason="Floor repair",
    )[0]
    no_resource = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 15))

    response = owner_client.get(calendar_url("day", date="2026-06-01", by="resource"))

    content = response.content.decode()
    assert response.status_code == 200
    assert [d.resource_name for d in response.context["days"]] == ["Hall", "Loft", "Tom Trainer"]
    assert '<span class="cal-resname">Hall</span>' in resource_column(
        content, "2026-06-01", hall.pk
    )
    assert detail_href(yoga) in resource_column(content, "2026-06-01", hall.pk)
    assert detail_href(yoga) in resource_column(content, "2026-06-01", trainer.pk)
    assert detail_href(yoga) not in resource_column(content, "2026-06-01", loft.pk)
    for room in rooms:  # blocked time across resources: in each column it holds
        assert detail_href(blocked) in resource_column(content, "2026-06-01", room.pk)
    assert detail_href(no_resource) not in content
    assert 'aria-pressed="true"' in content


def test_the_week_by_resource_has_a_column_per_resource_and_day(owner_client, rooms):
    response = owner_client.get(calendar_url("week", date="2026-06-03", by="resource"))

    columns = response.context["days"]
    assert len(columns) == 14
    assert [(c.date.day, c.resource_name) for c in columns[:3]] == [
        (1, "Hall"),
        (1, "Loft"),
        (2, "Hall"),
    ]
    assert "by=resource" in response.context["prev_url"]


def test_working_hours_shade_the_rest_of_the_day_and_a_closed_day_whole(
    owner_client, business, rooms
):
    hall, loft = rooms
    WorkingHoursFactory(resource=hall, weekday=0, start_time="09:00", end_time="17:00")
    WorkingHoursFactory(resource=loft, weekday=0, start_time="09:00", end_time="17:00")
    WorkingHoursOverrideFactory(resource=loft, date=date(2026, 6, 1), closed=True)

    response = owner_client.get(calendar_url("day", date="2026-06-01", by="resource"))

    content = response.content.decode()
    hall_column = resource_column(content, "2026-06-01", hall.pk)
    assert (
        '<div class="cal-off" data-start="2026-06-01T00:00+02:00"'
        ' data-end="2026-06-01T09:00+02:00">' in hall_column
    )
    assert 'data-start="2026-06-01T17:00+02:00" data-end="2026-06-02T00:00+02:00"' in hall_column
    loft_column = resource_column(content, "2026-06-01", loft.pk)
    assert 'data-start="2026-06-01T00:00+02:00" data-end="2026-06-02T00:00+02:00"' in loft_column


def test_the_filter_shows_only_the_resources_asked_for_and_the_phone_picks_one(owner_client, rooms):
    loft = rooms[1]

    response = owner_client.get(
        reverse("calendar_app:calendar", args=["day"]),
        {"date": "2026-06-01", "by": "resource", "show": [loft.pk], "pick": loft.pk},
    )

    assert response.status_code == 200
    assert [(d.resource_name, d.picked) for d in response.context["days"]] == [("Loft", True)]
    content = response.content.decode()
    assert f'<input type="checkbox" name="show" value="{loft.pk}" checked>' in content
    assert f'<option value="{loft.pk}" selected>Loft</option>' in content


@pytest.mark.parametrize(
    ("view", "params", "sentence"),
    [
        ("day", {"by": "room"}, "“room” is not a way to show the calendar"),
        ("month", {"by": "resource"}, "By resource is for the day and week views"),
        ("day", {"by": "resource", "show": [""]}, "A resource to show was left empty"),
        ("day", {"by": "resource", "show": ["x"] * 101}, "Choose at most 100 resources"),
    ],
)
def test_a_resource_view_that_cannot_be_read_is_a_400_with_a_sentence(
    owner_client, rooms, view, params, sentence
):
    url = reverse("calendar_app:calendar", args=[view])

    response = owner_client.get(url, {"date": "2026-06-01", **params})

    assert response.status_code == 400
    assert sentence in response.content.decode()


def test_a_picked_resource_that_is_not_shown_is_a_400(owner_client, rooms):
    hall, loft = rooms
    url = reverse("calendar_app:calendar", args=["day"])

    response = owner_client.get(url, {"by": "resource", "show": [hall.pk], "pick": loft.pk})

    assert response.status_code == 400
    assert "The resource picked is not among those shown" in response.content.decode()


@pytest.mark.parametrize("param", ["show", "pick"])
def test_another_business_s_resource_in_the_resource_view_is_a_404(
    owner_client, rooms, other_business, param
):
    theirs = ResourceFactory(business=other_business, name="Their room")
    url = reverse("calendar_app:calendar", args=["day"])

    response = owner_client.get(url, {"by": "resource", param: theirs.pk})

    assert response.status_code == 404
    assert "Their room" not in response.content.decode()


def test_the_resource_day_s_queries_do_not_grow_with_resources_or_events(
    owner_client, business, schedule, rooms
):
    url = calendar_url("day", date="2026-06-01", by="resource")
    WorkingHoursFactory(resource=rooms[0], weekday=0)
    make_events(schedule, rooms[0], 1, date(2026, 6, 1), 1)
    owner_client.get(url)
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    more_rooms = [ResourceFactory(business=business) for _ in range(5)]
    for room in [*rooms, *more_rooms]:
        WorkingHoursFactory(resource=room, weekday=0)
        make_events(schedule, room, 6, date(2026, 6, 1), 1)

    with CaptureQueriesContext(connection) as many:
        owner_client.get(url)

    assert len(many) == len(few)


# The month's "+N more" and the popover's details


def test_more_in_a_month_cell_opens_that_day_s_whole_list_in_place(owner_client, schedule):
    events = [
        EventFactory(schedule=schedule, start_local=datetime(2026, 6, 10, 8 + hour))
        for hour in range(6)
    ]

    response = owner_client.get(calendar_url("day", date="2026-06-10", part="list"), headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="cal-daylist"' in content
    assert all(detail_href(event) in content for event in events)
    assert "<html" not in content and 'class="cal-days' not in content


def test_more_without_htmx_is_the_day_view(owner_client, schedule):
    response = owner_client.get(calendar_url("day", date="2026-06-10", part="list"))

    assert response.status_code == 200
    assert 'class="cal-days' in response.content.decode()


def test_the_popover_details_say_time_schedule_resources_and_free_places(
    owner_client, schedule, rooms
):
    event = EventResourceFactory(
        resource=rooms[0],
        event__schedule=schedule,
        event__title="Yoga",
        event__start_local=datetime(2026, 6, 1, 9),
        event__total_capacity=12,
        event__remaining_capacity=5,
    ).event

    peek = peek_html(owner_client, event)

    assert "Yoga" in peek
    assert "Mon 1 Jun, 09:00\u201310:00" in peek
    assert "Classes" in peek and "Hall" in peek
    assert "5 of 12" in peek
    assert len(peek) < 1500


def test_the_popover_of_another_business_s_event_is_a_404(owner_client, other_business):
    theirs = EventFactory(schedule=ScheduleFactory(business=other_business), title="Secret")

    response = owner_client.get(reverse("calendar_app:event_peek", args=[theirs.id]))

    assert response.status_code == 404
    assert "Secret" not in response.content.decode()
