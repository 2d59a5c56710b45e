"""Event, schedule and blocked-time forms: parsing, errors next to fields, what they send on."""

import json
from datetime import date, datetime, time

import pytest

from calendar_app.forms import (
    BlockTimeForm,
    EventActionForm,
    EventCreateForm,
    EventEditForm,
    ScheduleForm,
    create_initial,
)
from tests.factories import EventFactory, EventResourceFactory, ResourceFactory, ScheduleFactory

pytestmark = pytest.mark.django_db


def create_form(business, schedule, **overrides):
    data = {
        "schedule": schedule.pk,
        "title": "Pilates",
        "type": "CLASS",
        "date": "2026-06-03",
        "start_time": "17:00",
        "end_time": "18:00",
    }
    data.update(overrides)
    return EventCreateForm(data, business=business)


@pytest.fixture
def event(schedule):
    return EventFactory(
        schedule=schedule,
        title="Open studio",
        start_local=datetime(2026, 6, 1, 18),
        location={"type": "BUSINESS", "id": "loc-1", "name": "Main hall", "address": "Str. 1"},
        conferencing_details={"type": "ZOOM", "guestUrl": "https://zoom.example/j/1"},
    )


def edit_form(business, event, **overrides):
    data = {
        "revision": event.revision,
        "title": event.title,
        "date": event.start_local.date().isoformat(),
        "start_time": event.start_local.strftime("%H:%M"),
        "end_time": event.end_local.strftime("%H:%M"),
        "location_name": (event.location or {}).get("name", ""),
        "location_address": (event.location or {}).get("address", ""),
        "capacity": event.total_capacity,
        "resources": [er.resource_id for er in event.event_resources.all()],
        "guest_url": (event.conferencing_details or {}).get("guestUrl", ""),
        "host_url": (event.conferencing_details or {}).get("hostUrl", ""),
        "notes": event.notes,
    }
    data.update(overrides)
    return EventEditForm(data, business=business, event=event)


def test_it_combines_the_date_and_times(business, schedule):
    form = create_form(business, schedule)

    assert form.is_valid(), form.errors
    kwargs = form.service_kwargs()
    assert kwargs["start_local"] == datetime(2026, 6, 3, 17)
    assert kwargs["end_local"] == datetime(2026, 6, 3, 18)
    assert kwargs["schedule"] == schedule
    assert kwargs["location"] is None
    assert kwargs["conferencing_details"] is None


def test_an_end_before_the_start_is_an_error_on_the_end_time(business, schedule):
    form = create_form(business, schedule, start_time="18:00", end_time="18:00")

    assert not form.is_valid()
    assert form.errors["end_time"] == ["The end time must be after the start time."]


def test_location_and_conferencing_take_the_spec_shapes(business, schedule):
    form = create_form(
        business,
        schedule,
        location_name="Garden",
        location_address="Parkweg 2",
        guest_url="https://meet.example/g",
        host_url="https://meet.example/h",
    )

    assert form.is_valid(), form.errors
    kwargs = form.service_kwargs()
    assert kwargs["location"] == {"type": "CUSTOM", "name": "Garden", "address": "Parkweg 2"}
    assert kwargs["conferencing_details"] == {
        "type": "CUSTOM",
        "guestUrl": "https://meet.example/g",
        "hostUrl": "https://meet.example/h",
    }


def test_a_host_link_needs_a_guest_link(business, schedule):
    form = create_form(business, schedule, host_url="https://meet.example/h")

    assert not form.is_valid()
    assert "guest_url" in form.errors


def test_repeat_without_ticked_days_uses_the_first_days_weekday(business, schedule):
    form = create_form(business, schedule, repeat_weekly="on", interval="3")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["days"] == ["WEDNESDAY"]  # 3 June 2026
    assert form.cleaned_data["interval"] == 3


def test_a_series_cannot_end_before_it_starts(business, schedule):
    form = create_form(business, schedule, repeat_weekly="on", until="2026-06-01")

    assert not form.is_valid()
    assert "until" in form.errors


def test_the_last_day_of_a_series_is_included(business, schedule):
    form = create_form(business, schedule, repeat_weekly="on", until="2026-06-24")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["until_local"] == datetime(2026, 6, 24, 23, 59)


def test_an_interval_outside_one_to_four_weeks_is_refused(business, schedule):
    form = create_form(business, schedule, repeat_weekly="on", interval="5")

    assert not form.is_valid()
    assert "interval" in form.errors


def test_only_active_schedules_of_the_business_are_offered(business, schedule, other_business):
    ScheduleFactory(business=business, name="Old", status="CANCELLED")
    ScheduleFactory(business=business, name="Blocked time", is_blocked_time=True)
    ScheduleFactory(business=other_business, name="Theirs")

    form = EventCreateForm(business=business)

    assert list(form.fields["schedule"].queryset) == [schedule]


def test_only_the_businesss_resources_are_offered(business, schedule, other_business):
    mine = ResourceFactory(business=business)
    theirs = ResourceFactory(business=other_business)

    form = create_form(business, schedule, resources=[theirs.pk])

    assert list(form.fields["resources"].queryset) == [mine]
    assert not form.is_valid()
    assert "resources" in form.errors


def test_the_calendar_click_pre_fills_an_hour(schedule):
    initial = create_initial(start="2026-06-03T09:30", schedule=schedule.pk)

    assert initial["date"] == date(2026, 6, 3)
    assert (initial["start_time"], initial["end_time"]) == (time(9, 30), time(10, 30))
    assert initial["schedule"] == schedule.pk


def test_a_click_late_in_the_day_stays_on_that_day():
    initial = create_initial(start="2026-06-03T23:30", schedule=None)

    assert (initial["start_time"], initial["end_time"]) == (time(23, 30), time(23, 59))


def test_an_unreadable_start_is_ignored():
    assert "date" not in create_initial(start="soon", schedule=None)


def test_an_unchanged_edit_sends_no_changes(business, event):
    form = edit_form(business, event)

    assert form.is_valid(), form.errors
    assert form.changes() == {}


def test_an_edit_sends_only_what_changed(business, event):
    form = edit_form(business, event, title="Evening flow", capacity=12)

    assert form.is_valid(), form.errors
    assert form.changes() == {"title": "Evening flow", "total_capacity": 12}


def test_an_unchanged_place_and_link_keep_their_upstream_shape(business, event):
    form = edit_form(business, event, notes="New notes")

    assert form.is_valid(), form.errors
    assert "location" not in form.changes()
    assert "conferencing_details" not in form.changes()


def test_clearing_the_place_and_link_removes_them(business, event):
    form = edit_form(business, event, location_name="", location_address="", guest_url="")

    assert form.is_valid(), form.errors
    changes = form.changes()
    assert changes["location"] is None
    assert changes["conferencing_details"] is None


def test_a_new_time_sends_both_ends(business, event):
    form = edit_form(business, event, start_time="19:00", end_time="20:15")

    assert form.is_valid(), form.errors
    assert form.changes() == {
        "start_local_date": "2026-06-01T19:00:00",
        "end_local_date": "2026-06-01T20:15:00",
    }


def test_resources_are_compared_as_a_set(business, event):
    first = EventResourceFactory(event=event).resource
    second = EventResourceFactory(event=event).resource

    same = edit_form(business, event, resources=[second.pk, first.pk])
    fewer = edit_form(business, event, resources=[first.pk])

    assert same.is_valid() and fewer.is_valid()
    assert same.changes() == {}
    assert fewer.changes() == {"resource_ids": [first.pk]}


def test_a_series_edit_keeps_the_series_first_day(business, schedule):
    master = EventFactory(
        schedule=schedule,
        recurrence_type="MASTER",
        recurrence_rule={"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY"]},
        start_local=datetime(2026, 6, 1, 9),
    )
    occurrence = EventFactory(
        schedule=schedule,
        recurrence_type="INSTANCE",
        recurring_event_id=master.pk,
        title=master.title,
        start_local=datetime(2026, 6, 15, 9),
    )
    data = edit_form(business, occurrence, start_time="10:00", end_time="11:30").data
    data.update(scope="series", series_revision=master.revision)

    form = EventEditForm(data, business=business, event=occurrence, master=master)

    assert form.is_valid(), form.errors
    assert form.applies_to_series
    assert form.series_changes() == {
        "start_local_date": "2026-06-01T10:00:00",
        "end_local_date": "2026-06-01T11:30:00",
    }


def test_a_one_off_event_has_no_scope_choice(business, event):
    assert "scope" not in EventEditForm(business=business, event=event).fields


def test_the_action_form_needs_a_revision():
    assert not EventActionForm({"scope": "this"}).is_valid()
    assert EventActionForm({"revision": "3", "scope": "series"}).is_valid()
    assert not EventActionForm({"revision": "3", "scope": "everything"}).is_valid()


def test_a_schedule_gets_a_custom_default_location():
    form = ScheduleForm(
        {"name": " Yoga ", "default_capacity": "8", "default_location_name": "Hall"}
    )

    assert form.is_valid(), form.errors
    assert form.service_kwargs() == {
        "name": "Yoga",
        "default_capacity": 8,
        "default_location": {"type": "CUSTOM", "name": "Hall"},
    }


def test_blocking_time_needs_a_resource_and_a_sane_time(business):
    form = BlockTimeForm(
        {"date": "2026-06-03", "start_time": "12:00", "end_time": "11:00"}, business=business
    )

    assert not form.is_valid()
    assert form.errors["resources"] == ["Pick at least one resource to block."]
    assert "end_time" in form.errors


def test_blocking_time_sends_what_the_service_takes(business):
    rooms = [ResourceFactory(business=business), ResourceFactory(business=business)]
    form = BlockTimeForm(
        {
            "resources": [r.pk for r in rooms],
            "reason": "Painting",
            "date": "2026-06-03",
            "start_time": "12:00",
            "end_time": "14:00",
            "repeat_weekly": "on",
            "days": ["WEDNESDAY", "FRIDAY"],
            "interval": "1",
        },
        business=business,
    )

    assert form.is_valid(), form.errors
    kwargs = form.service_kwargs()
    assert sorted(kwargs["resource_ids"]) == sorted(r.pk for r in rooms)
    assert kwargs["days"] == ["WEDNESDAY", "FRIDAY"]
    assert (kwargs["start_local"], kwargs["end_local"]) == (
        datetime(2026, 6, 3, 12),
        datetime(2026, 6, 3, 14),
    )
    assert kwargs["reason"] == "Painting"


def test_a_master_keeps_its_first_day(business, schedule):
    master = EventFactory(
        schedule=schedule,
        recurrence_type="MASTER",
        recurrence_rule={"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY"]},
        start_local=datetime(2026, 6, 1, 9),
    )

    moved = edit_form(business, master, date="2026-06-02")
    retimed = edit_form(business, master, start_time="10:00", end_time="11:00")

    assert not moved.is_valid()
    assert "date" in moved.errors
    assert retimed.is_valid(), retimed.errors


def test_the_schedule_pick_carries_each_schedule_s_defaults(business, schedule):
    studio = ScheduleFactory(
        business=business,
        name="Studio",
        default_title="Open studio",
        default_capacity=None,
        default_location={"type": "BUSINESS", "name": "Hall", "address": {"formatted": "Main 1"}},
    )

    form = EventCreateForm(business=business)

    defaults = json.loads(form.fields["schedule"].widget.attrs["data-defaults"])
    assert defaults[studio.pk] == {
        "title": "Open studio",
        "location_name": "Hall",
        "location_address": "Main 1",
        "capacity": "",
    }
    assert defaults[schedule.pk]["capacity"] == str(schedule.default_capacity)
    assert "schedule's default capacity" in form.fields["capacity"].help_text


def test_the_schedule_s_own_place_is_kept_when_its_prefill_is_left_as_it_is(business):
    place = {"type": "BUSINESS", "name": "Hall", "address": "Main 1"}
    studio = ScheduleFactory(business=business, default_location=place)

    kept = create_form(business, studio, location_name="Hall", location_address="Main 1")
    typed = create_form(business, studio, location_name="Garden", location_address="")
    empty = create_form(business, studio)

    assert kept.is_valid() and typed.is_valid() and empty.is_valid()
    assert kept.service_kwargs()["location"] == place
    assert typed.service_kwargs()["location"] == {
        "type": "CUSTOM",
        "name": "Garden",
        "address": "",
    }
    assert empty.service_kwargs()["location"] is None  # the service then takes the default
