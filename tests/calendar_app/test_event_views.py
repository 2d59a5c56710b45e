"""Event detail and event actions: edit, cancel, restore, create, schedules, blocked time."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from calendar_app import services
from calendar_app.backends import Scope
from calendar_app.models import Event, EventResource, Schedule
from calendar_app.selectors import query_events
from tests.factories import (
    EventFactory,
    EventResourceFactory,
    ParticipationFactory,
    ResourceFactory,
    ScheduleFactory,
    next_monday,
    weekly_series,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DASH = "\u2013"  # en dash between times


def url(name: str, event: Event | None = None) -> str:
    return reverse(f"calendar_app:{name}", args=[event.pk] if event else [])


@pytest.fixture
def one_off(schedule):
    return EventFactory(
        schedule=schedule, title="Open studio", start_local=next_monday(18), total_capacity=10
    )


@pytest.fixture
def series(schedule, owner_membership):
    return weekly_series(schedule, actor=owner_membership, interval=2)


def occurrences(master: Event) -> list[Event]:
    """The series' occurrences as the calendar shows them (soft-deleted ones left out)."""
    return list(
        Event.objects.filter(recurring_event_id=master.pk, removed_date__isnull=True).order_by(
            "start"
        )
    )


@pytest.fixture
def occurrence(series):
    return occurrences(series)[1]


@pytest.fixture
def foreign_event(other_business):
    return EventFactory(
        schedule=ScheduleFactory(business=other_business), start_local=next_monday(10)
    )


def edit_data(event: Event, **overrides) -> dict:
    """The edit form as the browser would post it, unchanged unless overridden."""
    data = {
        "revision": event.revision,
        "title": event.title,
        "date": event.start_local.date().isoformat(),
        "start_time": event.start_local.strftime("%H:%M"),
        "end_time": event.end_local.strftime("%H:%M"),
        "location_name": (event.location or {}).get("name", ""),
        "location_address": (event.location or {}).get("address", ""),
        "capacity": event.total_capacity or "",
        "resources": [er.resource_id for er in event.event_resources.all()],
        "guest_url": (event.conferencing_details or {}).get("guestUrl", ""),
        "host_url": (event.conferencing_details or {}).get("hostUrl", ""),
        "notes": event.notes,
    }
    if event.recurring_event_id:
        data["series_revision"] = Event.objects.get(pk=event.recurring_event_id).revision
    data.update(overrides)
    return data


def fresh(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


# Detail -----------------------------------------------------------------------------------------


def test_the_detail_shows_time_place_resources_capacity_and_links(owner_client, one_off, business):
    room = ResourceFactory(business=business, name="Studio A", type="ROOM")
    EventResourceFactory(event=one_off, resource=room)
    Event.objects.filter(pk=one_off.pk).update(
        location={"type": "CUSTOM", "name": "Main hall", "address": "Hauptstr. 1"},
        remaining_capacity=7,
        conferencing_details={
            "type": "CUSTOM",
            "guestUrl": "https://meet.example/guest",
            "hostUrl": "https://meet.example/host",
        },
        notes="Bring a mat",
    )

    response = owner_client.get(url("event_detail", one_off))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Open studio" in html
    assert one_off.start_local.strftime("%H:%M") + DASH in html
    assert "Europe/Berlin" in html
    assert "Main hall" in html and "Hauptstr. 1" in html
    assert "Studio A" in html
    assert "3 of 10 places taken · 7 left" in html
    assert 'href="https://meet.example/guest"' in html
    assert 'href="https://meet.example/host"' in html
    assert "Bring a mat" in html
    assert reverse("participants:dashboard", args=[one_off.pk]) in html
    assert url("event_edit", one_off) in html
    assert url("event_cancel", one_off) in html
    assert response["Vary"].startswith("HX-Request") or "HX-Request" in response["Vary"]


STRUCTURED = {
    "type": "CUSTOM",
    "name": "Main hall",
    "address": {"formatted": "Hauptstr. 1, 10115 Berlin", "city": "Berlin"},
}


def test_the_detail_shows_a_structured_address_as_one_line(owner_client, one_off):
    Event.objects.filter(pk=one_off.pk).update(location=STRUCTURED)

    html = owner_client.get(url("event_detail", one_off)).content.decode()

    assert 'Main hall<br><span class="muted">Hauptstr. 1, 10115 Berlin</span>' in html
    assert "formatted" not in html


def test_an_unchanged_structured_address_is_kept_as_it_is(owner_client, one_off):
    Event.objects.filter(pk=one_off.pk).update(location=STRUCTURED)

    form = owner_client.get(url("event_edit", one_off)).content.decode()
    response = owner_client.post(
        url("event_edit", one_off),
        edit_data(
            one_off,
            title="Renamed",
            location_name="Main hall",
            location_address="Hauptstr. 1, 10115 Berlin",
        ),
    )

    assert 'value="Hauptstr. 1, 10115 Berlin"' in form
    assert response.status_code == 302
    assert (fresh(one_off).title, fresh(one_off).location) == ("Renamed", STRUCTURED)


def test_the_detail_shows_the_events_own_zone_when_it_differs(owner_client, schedule):
    event = EventFactory(
        schedule=schedule, time_zone="America/New_York", start_local=datetime(2026, 6, 1, 9)
    )

    html = owner_client.get(url("event_detail", event)).content.decode()

    assert f"15:00{DASH}16:00" in html  # 09:00 in New York is 15:00 in Berlin
    assert f"09:00{DASH}10:00 America/New_York" in html


def test_the_detail_of_an_occurrence_describes_its_series(owner_client, series, occurrence):
    html = owner_client.get(url("event_detail", occurrence)).content.decode()

    assert "Occurrence of" in html
    assert url("event_detail", series) in html
    assert "Weekly on Monday, every 2 weeks" in html
    assert "This and the following occurrences" in html
    assert "All occurrences of the series" in html
    assert "Edited occurrence" not in html


def test_the_detail_marks_an_edited_occurrence(owner_client, occurrence, owner_membership):
    services.update_event(
        actor=owner_membership,
        event=occurrence,
        expected_revision=occurrence.revision,
        changes={"title": "Yoga with a guest teacher"},
    )

    html = owner_client.get(url("event_detail", occurrence)).content.decode()

    assert "Edited occurrence" in html


def test_staff_are_not_offered_the_whole_series(staff_client, occurrence):
    html = staff_client.get(url("event_detail", occurrence)).content.decode()

    assert "This and the following occurrences" not in html
    assert "All occurrences of the series" not in html
    assert url("event_cancel", occurrence) in html


def test_an_htmx_request_gets_the_event_fragment(owner_client, one_off):
    response = owner_client.get(url("event_detail", one_off), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="event"' in html
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(owner_client, one_off):
    response = owner_client.get(
        url("event_detail", one_off), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


def test_the_detail_runs_a_constant_number_of_queries(
    owner_client, series, business, django_assert_num_queries
):
    few, many = occurrences(series)[1:3]
    EventResourceFactory(event=few, resource=ResourceFactory(business=business))
    for _ in range(6):
        EventResourceFactory(event=many, resource=ResourceFactory(business=business))
    owner_client.get(url("event_detail", few))  # warm the session

    # 2 of them: what a cancel would reach; 1: the History panel; 1: the meeting; 1: the
    # messages about it
    with django_assert_num_queries(11) as few_queries:
        owner_client.get(url("event_detail", few))
    with django_assert_num_queries(len(few_queries.captured_queries)):
        response = owner_client.get(url("event_detail", many))
    assert response.status_code == 200


# Tenancy ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "event_detail"),
        ("get", "event_edit"),
        ("post", "event_edit"),
        ("post", "event_cancel"),
        ("post", "event_restore"),
    ],
)
def test_another_businesss_event_is_a_404_on_every_action(
    owner_client, foreign_event, method, name
):
    data = edit_data(foreign_event) if method == "post" else None

    response = getattr(owner_client, method)(url(name, foreign_event), data)

    assert response.status_code == 404
    assert fresh(foreign_event).revision == foreign_event.revision
    assert fresh(foreign_event).status == "CONFIRMED"


def test_an_unknown_event_id_is_a_404(owner_client):
    assert owner_client.get("/events/does-not-exist/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login(client, one_off):
    response = client.get(url("event_detail", one_off))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Cancel and restore ----------------------------------------------------------------------------


def test_it_cancels_a_one_off_event_and_redirects_without_javascript(owner_client, one_off):
    response = owner_client.post(url("event_cancel", one_off), {"revision": one_off.revision})

    assert response.status_code == 302
    assert response["Location"] == url("event_detail", one_off)
    assert fresh(one_off).status == "CANCELLED"
    follow = owner_client.get(response["Location"])
    assert "was cancelled" in follow.content.decode()


def test_an_htmx_cancel_returns_the_summary_with_the_new_status(owner_client, one_off):
    response = owner_client.post(
        url("event_cancel", one_off), {"revision": one_off.revision}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="event-summary"' in html
    assert "<html" not in html
    assert 'data-status="CANCELLED"' in html
    assert url("event_restore", one_off) in html
    assert "HX-Request" in response["Vary"]


def test_cancelling_one_occurrence_leaves_the_rest_of_the_series(owner_client, series, occurrence):
    response = owner_client.post(
        url("event_cancel", occurrence), {"revision": occurrence.revision, "scope": "this"}
    )

    assert response.status_code == 302
    statuses = {e.pk: e.status for e in occurrences(series)}
    assert statuses.pop(occurrence.pk) == "CANCELLED"
    assert set(statuses.values()) == {"CONFIRMED"}
    assert fresh(series).status == "CONFIRMED"
    week = query_events(
        occurrence.business,
        from_local_date=occurrence.start_local.replace(hour=0),
        to_local_date=occurrence.start_local.replace(hour=23),
        filter={"status": "CONFIRMED"},
    )
    assert occurrence.pk not in {e.pk for e in week.events}


def test_an_owner_cancels_the_whole_series_from_an_occurrence(owner_client, series, occurrence):
    response = owner_client.post(
        url("event_cancel", occurrence), {"revision": occurrence.revision, "scope": "series"}
    )

    assert response.status_code == 302
    assert fresh(series).status == "CANCELLED"
    assert {e.status for e in occurrences(series)} == {"CANCELLED"}


def test_staff_cancel_a_single_occurrence(staff_client, series, occurrence):
    response = staff_client.post(
        url("event_cancel", occurrence), {"revision": occurrence.revision, "scope": "this"}
    )

    assert response.status_code == 302
    assert fresh(occurrence).status == "CANCELLED"


def test_staff_cannot_cancel_the_whole_series(staff_client, series, occurrence):
    response = staff_client.post(
        url("event_cancel", occurrence), {"revision": occurrence.revision, "scope": "series"}
    )

    assert response.status_code == 403
    assert {e.status for e in occurrences(series)} == {"CONFIRMED"}
    assert fresh(occurrence).revision == occurrence.revision


def test_staff_cannot_cancel_a_master(staff_client, series):
    response = staff_client.post(url("event_cancel", series), {"revision": series.revision})

    assert response.status_code == 403
    assert fresh(series).status == "CONFIRMED"


def test_a_cancel_on_a_stale_revision_is_a_conflict_that_changes_nothing(
    owner_client, one_off, owner_membership
):
    services.update_event(
        actor=owner_membership,
        event=one_off,
        expected_revision=one_off.revision,
        changes={"title": "Renamed meanwhile"},
    )

    response = owner_client.post(
        url("event_cancel", one_off), {"revision": one_off.revision}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "changed since you opened it" in html
    assert "Renamed meanwhile" in html
    assert url("event_detail", one_off) in html
    assert response["HX-Retarget"] == "#conflict-slot"
    assert fresh(one_off).status == "CONFIRMED"
    assert fresh(one_off).revision == one_off.revision + 1


def test_a_stale_cancel_without_javascript_shows_the_page_with_the_conflict(owner_client, one_off):
    Event.objects.filter(pk=one_off.pk).update(revision=5)

    response = owner_client.post(url("event_cancel", one_off), {"revision": 4})

    assert response.status_code == 409
    assert "<html" in response.content.decode()
    assert "changed since you opened it" in response.content.decode()
    assert fresh(one_off).status == "CONFIRMED"


def test_a_cancel_without_a_revision_is_a_bad_request(owner_client, one_off):
    response = owner_client.post(url("event_cancel", one_off), {}, headers=HTMX)

    assert response.status_code == 400
    assert fresh(one_off).status == "CONFIRMED"


def test_cancelling_twice_says_it_is_already_cancelled(owner_client, one_off, owner_membership):
    cancelled = services.cancel_event(
        actor=owner_membership, event=one_off, expected_revision=one_off.revision
    )

    response = owner_client.post(
        url("event_cancel", one_off), {"revision": cancelled.revision}, headers=HTMX
    )

    assert response.status_code == 400
    assert "already cancelled" in response.content.decode()


def test_cancel_refuses_a_get(owner_client, one_off):
    assert owner_client.get(url("event_cancel", one_off)).status_code == 405


def test_cancel_requires_the_csrf_token(owner, one_off):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(url("event_cancel", one_off), {"revision": one_off.revision})

    assert response.status_code == 403
    assert fresh(one_off).status == "CONFIRMED"


def test_it_restores_a_cancelled_occurrence(staff_client, occurrence, staff_membership):
    cancelled = services.cancel_event(
        actor=staff_membership, event=occurrence, expected_revision=occurrence.revision
    )

    response = staff_client.post(
        url("event_restore", occurrence), {"revision": cancelled.revision}, headers=HTMX
    )

    assert response.status_code == 200
    assert 'data-status="CONFIRMED"' in response.content.decode()
    assert fresh(occurrence).status == "CONFIRMED"


def test_an_owner_restores_the_whole_series(owner_client, series, occurrence, owner_membership):
    cancelled = services.cancel_event(
        actor=owner_membership,
        event=occurrence,
        expected_revision=occurrence.revision,
        scope=Scope.ALL,
    )

    response = owner_client.post(
        url("event_restore", occurrence), {"revision": cancelled.revision, "scope": "series"}
    )

    assert response.status_code == 302
    assert fresh(series).status == "CONFIRMED"
    assert {e.status for e in occurrences(series)} == {"CONFIRMED"}


def test_staff_cannot_restore_the_whole_series(staff_client, series, occurrence, owner_membership):
    cancelled = services.cancel_event(
        actor=owner_membership,
        event=occurrence,
        expected_revision=occurrence.revision,
        scope=Scope.ALL,
    )

    response = staff_client.post(
        url("event_restore", occurrence), {"revision": cancelled.revision, "scope": "series"}
    )

    assert response.status_code == 403
    assert fresh(series).status == "CANCELLED"
    assert fresh(occurrence).status == "CANCELLED"


def test_a_restore_on_a_stale_revision_is_a_conflict(owner_client, one_off, owner_membership):
    cancelled = services.cancel_event(
        actor=owner_membership, event=one_off, expected_revision=one_off.revision
    )

    response = owner_client.post(url("event_restore", one_off), {"revision": one_off.revision})

    assert response.status_code == 409
    assert fresh(one_off).status == "CANCELLED"
    assert fresh(one_off).revision == cancelled.revision


# Edit -------------------------------------------------------------------------------------------


def test_the_edit_form_carries_the_revision_and_the_current_values(owner_client, one_off):
    response = owner_client.get(url("event_edit", one_off))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="revision" value="{one_off.revision}"' in html
    assert 'value="Open studio"' in html
    assert 'value="18:00"' in html
    assert "HX-Request" in response["Vary"]


def test_it_saves_title_time_location_capacity_resources_and_conferencing(
    owner_client, one_off, business
):
    room = ResourceFactory(business=business, name="Studio B")
    day = one_off.start_local.date() + timedelta(days=1)

    response = owner_client.post(
        url("event_edit", one_off),
        edit_data(
            one_off,
            title="Evening flow",
            date=day.isoformat(),
            start_time="19:00",
            end_time="20:30",
            location_name="Garden",
            location_address="Parkweg 2",
            capacity=12,
            resources=[room.pk],
            guest_url="https://meet.example/g",
            host_url="https://meet.example/h",
            notes="Outdoors",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == url("event_detail", one_off)
    event = fresh(one_off)
    assert event.title == "Evening flow"
    assert (event.start_local, event.end_local) == (
        datetime.combine(day, time(19)),
        datetime.combine(day, time(20, 30)),
    )
    assert event.location == {"type": "CUSTOM", "name": "Garden", "address": "Parkweg 2"}
    assert (event.total_capacity, event.remaining_capacity) == (12, 12)
    assert list(event.event_resources.values_list("resource_id", flat=True)) == [room.pk]
    assert event.conferencing_details == {
        "type": "CUSTOM",
        "guestUrl": "https://meet.example/g",
        "hostUrl": "https://meet.example/h",
    }
    assert event.notes == "Outdoors"
    assert event.revision == one_off.revision + 1


def test_an_htmx_save_sends_the_browser_to_the_detail(owner_client, one_off):
    response = owner_client.post(
        url("event_edit", one_off), edit_data(one_off, title="New title"), headers=HTMX
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == url("event_detail", one_off)


def test_invalid_input_keeps_what_was_typed_and_says_what_is_wrong(owner_client, one_off):
    response = owner_client.post(
        url("event_edit", one_off),
        edit_data(one_off, title="Typed title", start_time="18:00", end_time="17:00"),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in html
    assert 'value="Typed title"' in html
    assert 'id="id_end_time_error"' in html
    assert "The end time must be after the start time." in html
    assert fresh(one_off).title == "Open studio"


def test_an_edit_on_a_stale_revision_is_a_conflict_that_overwrites_nothing(
    owner_client, one_off, owner_membership
):
    services.update_event(
        actor=owner_membership,
        event=one_off,
        expected_revision=one_off.revision,
        changes={"title": "Changed by someone else"},
    )

    response = owner_client.post(
        url("event_edit", one_off), edit_data(one_off, title="My title", capacity=3), headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "changed since you opened it" in html
    assert "Changed by someone else" in html
    assert url("event_edit", one_off) in html
    assert response["HX-Retarget"] == "#conflict-slot"
    event = fresh(one_off)
    assert (event.title, event.total_capacity) == ("Changed by someone else", 10)
    assert event.revision == one_off.revision + 1


def test_a_stale_edit_without_javascript_keeps_the_typed_values(owner_client, one_off):
    Event.objects.filter(pk=one_off.pk).update(revision=one_off.revision + 1)

    response = owner_client.post(url("event_edit", one_off), edit_data(one_off, title="Mine"))

    html = response.content.decode()
    assert response.status_code == 409
    assert "changed since you opened it" in html
    assert 'value="Mine"' in html
    assert fresh(one_off).title == "Open studio"


def test_an_unchanged_stale_form_is_still_a_conflict(owner_client, one_off):
    Event.objects.filter(pk=one_off.pk).update(revision=one_off.revision + 1)

    response = owner_client.post(url("event_edit", one_off), edit_data(one_off))

    assert response.status_code == 409


def test_editing_an_occurrence_only_changes_that_occurrence(owner_client, series, occurrence):
    response = owner_client.post(
        url("event_edit", occurrence), edit_data(occurrence, title="Guest teacher", scope="this")
    )

    assert response.status_code == 302
    edited = fresh(occurrence)
    assert edited.title == "Guest teacher"
    assert edited.recurrence_type == "EXCEPTION"
    assert "TITLE" not in edited.inherited_fields
    assert "LOCATION" in edited.inherited_fields
    assert fresh(series).title == "Morning yoga"
    assert {e.title for e in occurrences(series) if e.pk != occurrence.pk} == {"Morning yoga"}


def test_an_owner_edits_the_whole_series_from_an_occurrence(owner_client, series, occurrence):
    response = owner_client.post(
        url("event_edit", occurrence),
        edit_data(occurrence, title="Sunrise yoga", capacity=6, scope="series"),
    )

    assert response.status_code == 302
    master = fresh(series)
    assert (master.title, master.total_capacity) == ("Sunrise yoga", 6)
    assert master.revision == series.revision + 1
    assert {(e.title, e.total_capacity) for e in occurrences(series)} == {("Sunrise yoga", 6)}


def test_a_new_series_time_keeps_the_series_day_and_lands_on_the_moved_occurrence(
    owner_client, series, occurrence
):
    response = owner_client.post(
        url("event_edit", occurrence),
        edit_data(occurrence, start_time="10:30", end_time="11:45", scope="series"),
    )

    master = fresh(series)
    assert master.start_local == datetime.combine(series.start_local.date(), time(10, 30))
    assert master.end_local == datetime.combine(series.start_local.date(), time(11, 45))
    assert {e.start_local.strftime("%A %H:%M") for e in occurrences(series)} == {"Monday 10:30"}
    moved = Event.objects.get(
        recurring_event_id=series.pk,
        start_local_date=f"{occurrence.start_local.date().isoformat()}T10:30:00",
    )
    assert response.status_code == 302
    assert response["Location"] == url("event_detail", moved)


def test_an_owner_is_offered_the_three_reaches_of_an_edit(owner_client, occurrence):
    form = owner_client.get(url("event_edit", occurrence)).content.decode()

    for label in (
        "Only this occurrence",
        "This and the following occurrences",
        "All occurrences of the series",
    ):
        assert label in form


def test_an_owner_edits_this_and_the_following_occurrences(owner_client, series, occurrence):
    first = occurrences(series)[0]

    response = owner_client.post(
        url("event_edit", occurrence),
        edit_data(occurrence, title="Sunrise yoga", start_time="07:00", end_time="08:00")
        | {"scope": "following"},
    )

    assert response.status_code == 302
    assert (fresh(first).title, fresh(first).start_local.hour) == ("Morning yoga", 9)
    assert fresh(series).title == "Morning yoga"
    follower = Event.objects.get(recurrence_type="MASTER", title="Sunrise yoga")
    assert follower.recurrence_rule["interval"] == 2
    later = occurrences(follower)
    assert later[0].start_local == datetime.combine(occurrence.start_local.date(), time(7, 0))
    assert response["Location"] == url("event_detail", later[0])
    assert {(e.title, e.start_local.strftime("%A %H:%M")) for e in later} == {
        ("Sunrise yoga", "Monday 07:00")
    }


def test_this_and_following_cannot_move_the_series_to_another_day(owner_client, series, occurrence):
    other_day = occurrence.start_local.date() + timedelta(days=1)

    response = owner_client.post(
        url("event_edit", occurrence),
        edit_data(occurrence, date=other_day.isoformat(), scope="following"),
    )

    assert response.status_code == 400
    assert "A series keeps its weekday" in response.content.decode()
    assert Event.objects.filter(recurrence_type="MASTER").count() == 1


def test_a_series_edit_cannot_move_the_series_to_another_day(owner_client, series, occurrence):
    other_day = occurrence.start_local.date() + timedelta(days=1)

    response = owner_client.post(
        url("event_edit", occurrence),
        edit_data(occurrence, date=other_day.isoformat(), scope="series"),
    )

    assert response.status_code == 400
    assert "A series keeps its weekday" in response.content.decode()
    assert fresh(series).revision == series.revision


def test_a_series_edit_on_a_stale_series_revision_changes_nothing(owner_client, series, occurrence):
    data = edit_data(occurrence, title="Late edit", scope="series")
    Event.objects.filter(pk=series.pk).update(revision=series.revision + 1)

    response = owner_client.post(url("event_edit", occurrence), data, headers=HTMX)

    assert response.status_code == 409
    assert "This series changed since you opened it" in response.content.decode()
    assert fresh(series).title == "Morning yoga"
    assert {e.title for e in occurrences(series)} == {"Morning yoga"}


def test_staff_edit_a_one_off_event_and_a_single_occurrence(staff_client, one_off, occurrence):
    first = staff_client.post(url("event_edit", one_off), edit_data(one_off, title="By staff"))
    second = staff_client.post(
        url("event_edit", occurrence), edit_data(occurrence, title="Staff occurrence")
    )

    assert (first.status_code, second.status_code) == (302, 302)
    assert fresh(one_off).title == "By staff"
    assert fresh(occurrence).title == "Staff occurrence"


def test_staff_are_not_offered_and_cannot_edit_the_whole_series(staff_client, series, occurrence):
    form = staff_client.get(url("event_edit", occurrence)).content.decode()
    response = staff_client.post(
        url("event_edit", occurrence), edit_data(occurrence, title="Nope", scope="series")
    )

    assert 'name="scope"' not in form
    assert "This and the following occurrences" not in form
    assert response.status_code == 403
    assert fresh(series).title == "Morning yoga"
    assert fresh(occurrence).title == "Morning yoga"


def test_staff_cannot_open_or_save_a_master(staff_client, series):
    assert staff_client.get(url("event_edit", series)).status_code == 403
    response = staff_client.post(url("event_edit", series), edit_data(series, title="Nope"))

    assert response.status_code == 403
    assert fresh(series).title == "Morning yoga"


def test_the_capacity_cannot_go_below_the_places_booked(owner_client, one_off):
    ParticipationFactory(event=one_off, party_size=4)

    response = owner_client.post(url("event_edit", one_off), edit_data(one_off, capacity=3))

    assert response.status_code == 400
    assert "4 places are already booked" in response.content.decode()
    assert fresh(one_off).total_capacity == 10


def test_another_businesss_resource_is_refused(owner_client, one_off, other_business):
    theirs = ResourceFactory(business=other_business)

    response = owner_client.post(
        url("event_edit", one_off), edit_data(one_off, resources=[theirs.pk])
    )

    assert response.status_code == 400
    assert "id_resources_error" in response.content.decode()
    assert not EventResource.objects.filter(event=one_off).exists()


def test_a_cancelled_event_cannot_be_edited(owner_client, one_off, owner_membership):
    cancelled = services.cancel_event(
        actor=owner_membership, event=one_off, expected_revision=one_off.revision
    )

    response = owner_client.post(
        url("event_edit", one_off), edit_data(cancelled, title="While cancelled")
    )

    assert response.status_code == 400
    assert "restore it first" in response.content.decode()
    assert fresh(one_off).title == "Open studio"


# Create -----------------------------------------------------------------------------------------


def create_data(schedule: Schedule, **overrides) -> dict:
    day = next_monday().date()
    data = {
        "schedule": schedule.pk,
        "title": "Pilates",
        "type": "CLASS",
        "date": day.isoformat(),
        "start_time": "17:00",
        "end_time": "18:00",
        "capacity": "",
        "interval": "1",
    }
    data.update(overrides)
    return data


def test_a_click_on_the_calendar_pre_fills_the_form(owner_client, schedule):
    response = owner_client.get(
        f"{url('event_create')}?start=2026-06-03T09:30&schedule={schedule.pk}"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-06-03"' in html
    assert 'value="09:30"' in html
    assert 'value="10:30"' in html
    assert f'<option value="{schedule.pk}" selected>' in html


def test_a_bad_start_parameter_just_leaves_the_form_empty(owner_client, schedule):
    assert owner_client.get(f"{url('event_create')}?start=yesterday").status_code == 200


def test_it_creates_a_one_off_event(owner_client, schedule, business):
    room = ResourceFactory(business=business)

    response = owner_client.post(
        url("event_create"),
        create_data(schedule, resources=[room.pk], location_name="Room 1", capacity="5"),
    )

    event = Event.objects.get(title="Pilates")
    assert response.status_code == 302
    assert response["Location"] == url("event_detail", event)
    assert event.recurrence_type == "NONE"
    assert event.type == "CLASS"
    assert event.start_local == datetime.combine(next_monday().date(), time(17))
    assert event.location == {"type": "CUSTOM", "name": "Room 1", "address": ""}
    assert event.total_capacity == 5
    assert [er.resource_id for er in event.event_resources.all()] == [room.pk]


def test_an_empty_capacity_takes_the_schedules_default(owner_client, schedule):
    owner_client.post(url("event_create"), create_data(schedule))

    assert Event.objects.get(title="Pilates").total_capacity == schedule.default_capacity


def test_it_creates_a_weekly_series_on_several_days(owner_client, schedule):
    last_day = next_monday().date() + timedelta(weeks=6)

    response = owner_client.post(
        url("event_create"),
        create_data(
            schedule,
            repeat_weekly="on",
            days=["MONDAY", "WEDNESDAY"],
            interval="2",
            until=last_day.isoformat(),
        ),
    )

    masters = Event.objects.filter(title="Pilates", recurrence_type="MASTER").order_by("start")
    assert [m.recurrence_rule["days"] for m in masters] == [["MONDAY"], ["WEDNESDAY"]]
    assert {m.recurrence_rule["interval"] for m in masters} == {2}
    instances = Event.objects.filter(recurring_event_id__in=[m.pk for m in masters])
    assert instances.count() == 7  # Mondays of weeks 0, 2, 4, 6; Wednesdays of weeks 0, 2, 4
    assert max(i.start_local.date() for i in instances) == last_day
    first = instances.order_by("start").first()
    assert response.status_code == 302
    assert response["Location"] == url("event_detail", first)
    message = next(iter(get_messages(response.wsgi_request))).message
    assert message == "“Pilates” was created, repeating every 2 weeks on Monday and Wednesday."


def test_staff_create_one_off_events_but_not_series(staff_client, schedule):
    one_off = staff_client.post(url("event_create"), create_data(schedule, title="Staff class"))
    series = staff_client.post(
        url("event_create"), create_data(schedule, title="Staff series", repeat_weekly="on")
    )

    assert one_off.status_code == 302
    assert series.status_code == 403
    assert Event.objects.filter(title="Staff class").exists()
    assert not Event.objects.filter(title="Staff series").exists()


def test_invalid_create_input_is_kept_with_the_errors(owner_client, schedule):
    response = owner_client.post(
        url("event_create"),
        create_data(schedule, title="Kept", end_time="16:00", guest_url="not a link"),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="Kept"' in html
    assert 'id="id_end_time_error"' in html
    assert 'id="id_guest_url_error"' in html
    assert not Event.objects.filter(title="Kept").exists()


def test_a_cancelled_or_foreign_schedule_is_not_offered(owner_client, business, other_business):
    cancelled = ScheduleFactory(business=business, status="CANCELLED")
    foreign = ScheduleFactory(business=other_business)

    for schedule in (cancelled, foreign):
        response = owner_client.post(url("event_create"), create_data(schedule))
        assert response.status_code == 400
        assert "id_schedule_error" in response.content.decode()
    assert not Event.objects.exists()


# Schedules --------------------------------------------------------------------------------------


def test_an_owner_creates_a_schedule(owner_client, business):
    response = owner_client.post(
        url("schedule_create"),
        {"name": "Yoga classes", "default_capacity": "12", "default_location_name": "Hall"},
    )

    schedule = Schedule.objects.get(business=business, name="Yoga classes")
    assert response.status_code == 302
    assert response["Location"] == f"{url('event_create')}?schedule={schedule.pk}"
    assert schedule.default_capacity == 12
    assert schedule.default_location == {"type": "CUSTOM", "name": "Hall"}


def test_a_schedule_needs_a_name(owner_client, business):
    response = owner_client.post(url("schedule_create"), {"name": "  "}, headers=HTMX)

    assert response.status_code == 400
    assert "id_name_error" in response.content.decode()
    assert not Schedule.objects.filter(business=business).exists()


def test_staff_cannot_create_schedules(staff_client, business):
    assert staff_client.get(url("schedule_create")).status_code == 403
    response = staff_client.post(url("schedule_create"), {"name": "Staff schedule"})

    assert response.status_code == 403
    assert not Schedule.objects.filter(business=business).exists()


# Blocked time -----------------------------------------------------------------------------------


@pytest.fixture
def rooms(business):
    return [
        ResourceFactory(business=business, name="Room A", type="ROOM"),
        ResourceFactory(business=business, name="Anna", type="STAFF"),
    ]


def block_data(resources, **overrides) -> dict:
    data = {
        "resources": [r.pk for r in resources],
        "reason": "Maintenance",
        "date": next_monday().date().isoformat(),
        "start_time": "12:00",
        "end_time": "14:00",
        "interval": "1",
    }
    data.update(overrides)
    return data


def test_blocking_two_resources_makes_one_event_on_the_blocked_time_schedule(
    owner_client, business, rooms
):
    response = owner_client.post(url("block_time"), block_data(rooms))

    event = Event.objects.get(business=business)
    assert response.status_code == 302
    assert response["Location"] == url("event_detail", event)
    assert event.schedule.is_blocked_time
    assert event.schedule.name == "Blocked time"
    assert (event.title, event.type, event.transparency) == (
        "Blocked: Maintenance",
        "DEFAULT",
        "OPAQUE",
    )
    assert {er.resource_id for er in event.event_resources.all()} == {r.pk for r in rooms}
    for room in rooms:
        page = query_events(business, filter={"resources.id": {"$hasSome": [room.pk]}})
        assert [e.pk for e in page.events] == [event.pk]


def test_blocked_time_reuses_its_schedule(owner_client, business, rooms):
    owner_client.post(url("block_time"), block_data(rooms[:1]))
    owner_client.post(
        url("block_time"), block_data(rooms[1:], start_time="15:00", end_time="16:00")
    )

    assert Schedule.objects.filter(business=business, is_blocked_time=True).count() == 1
    assert Event.objects.filter(schedule__is_blocked_time=True).count() == 2


def test_blocked_time_can_repeat_weekly(owner_client, business, rooms):
    owner_client.post(url("block_time"), block_data(rooms, repeat_weekly="on", days=["FRIDAY"]))

    master = Event.objects.get(business=business, recurrence_type="MASTER")
    assert master.recurrence_rule["days"] == ["FRIDAY"]
    first = occurrences(master)[0]
    assert first.start_local.strftime("%A %H:%M") == "Friday 12:00"
    assert {er.resource_id for er in first.event_resources.all()} == {r.pk for r in rooms}


def test_the_blocked_time_schedule_is_not_offered_for_events(owner_client, business, rooms):
    owner_client.post(url("block_time"), block_data(rooms))
    blocked = Schedule.objects.get(business=business, is_blocked_time=True)

    html = owner_client.get(url("event_create")).content.decode()

    assert blocked.pk not in html


def test_blocking_needs_a_resource(owner_client, business):
    response = owner_client.post(url("block_time"), block_data([]), headers=HTMX)

    assert response.status_code == 400
    assert "Pick at least one resource to block." in response.content.decode()
    assert not Event.objects.filter(business=business).exists()


def test_another_businesss_resource_cannot_be_blocked(owner_client, business, other_business):
    theirs = ResourceFactory(business=other_business)

    response = owner_client.post(url("block_time"), block_data([theirs]))

    assert response.status_code == 400
    assert not Event.objects.exists()


def test_staff_cannot_block_time(staff_client, business, rooms):
    assert staff_client.get(url("block_time")).status_code == 403
    response = staff_client.post(url("block_time"), block_data(rooms))

    assert response.status_code == 403
    assert not Event.objects.filter(business=business).exists()
    assert not Schedule.objects.filter(business=business, is_blocked_time=True).exists()


def test_retiming_a_series_keeps_cancellations_and_one_occurrence_a_day(
    owner_client, series, owner_membership
):
    cancelled, booked, edited = occurrences(series)[1:4]
    services.cancel_event(
        actor=owner_membership, event=cancelled, expected_revision=cancelled.revision
    )
    ParticipationFactory(event=booked)
    services.update_event(
        actor=owner_membership,
        event=edited,
        expected_revision=edited.revision,
        changes={"title": "Guest teacher"},
    )
    before = len(occurrences(series))

    response = owner_client.post(
        url("event_edit", edited),
        edit_data(fresh(edited), start_time="10:00", end_time="11:00", scope="series"),
    )

    assert response.status_code == 302
    after = occurrences(series)
    assert len(after) == before
    assert len({e.start_local.date() for e in after}) == len(after)
    assert fresh(cancelled).status == "CANCELLED"
    assert fresh(cancelled).start_local.hour == 10
    assert fresh(booked).start_local.hour == 9
    assert (fresh(edited).title, fresh(edited).start_local.hour) == ("Guest teacher", 10)
    assert response["Location"] == url("event_detail", edited)


def test_staff_cannot_edit_or_cancel_blocked_time(staff_client, owner_membership, business, rooms):
    start = next_monday(12)
    [blocked] = services.block_time(
        actor=owner_membership,
        business=business,
        resource_ids=[r.pk for r in rooms],
        start_local=start,
        end_local=start + timedelta(hours=2),
        reason="Repairs",
    )

    page = staff_client.get(url("event_detail", blocked)).content.decode()
    edit = staff_client.post(url("event_edit", blocked), edit_data(blocked, title="Free"))
    cancel = staff_client.post(url("event_cancel", blocked), {"revision": blocked.revision})

    assert url("event_cancel", blocked) not in page
    assert url("event_edit", blocked) not in page
    assert (edit.status_code, cancel.status_code) == (403, 403)
    assert (fresh(blocked).title, fresh(blocked).status) == ("Blocked: Repairs", "CONFIRMED")
