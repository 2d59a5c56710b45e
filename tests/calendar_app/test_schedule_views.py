"""Schedules: the list (staff read it), and owners editing, cancelling and restoring them."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from calendar_app import services, tasks
from calendar_app.errors import CalendarError
from calendar_app.models import BulkOperation, ChangeRecord, Event, Schedule
from tests.factories import (
    BulkOperationFactory,
    EventFactory,
    MembershipFactory,
    ScheduleFactory,
    next_monday,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
LIST = reverse("calendar_app:schedules")


def url(name: str, schedule: Schedule) -> str:
    return reverse(f"calendar_app:{name}", args=[schedule.pk])


def edit_data(schedule: Schedule, **overrides) -> dict:
    data = {
        "name": schedule.name,
        "default_capacity": schedule.default_capacity or "",
        "default_location_name": (schedule.default_location or {}).get("name", ""),
        "revision": schedule.revision,
    }
    return {**data, **overrides}


@pytest.fixture
def cancelled(business):
    return ScheduleFactory(business=business, name="Aqua", status=Schedule.Status.CANCELLED)


@pytest.fixture
def blocked(business):
    return ScheduleFactory(
        business=business, name="Blocked time", is_blocked_time=True, default_capacity=None
    )


def changed_elsewhere(schedule: Schedule, owner_membership, **changes) -> Schedule:
    """Someone else saves the schedule first (its revision moves on)."""
    return services.update_schedule(
        actor=owner_membership,
        schedule=schedule,
        expected_revision=schedule.revision,
        changes=changes,
    )


# The list


def test_the_owner_sees_each_schedule_with_its_status_and_defaults(
    owner_client, schedule, cancelled, blocked, other_business
):
    schedule.default_location = {"type": "CUSTOM", "name": "Studio 2"}
    schedule.save()
    ScheduleFactory(business=other_business, name="Their classes")

    response = owner_client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    listed = [s.name for s in response.context["page"].schedules]
    assert listed == ["Aqua", "Blocked time", "Classes"]
    assert "Their classes" not in html
    assert f'<tr id="schedule-{cancelled.pk}" class="cancelled">' in html
    assert '<span class="badge cancelled">Cancelled</span>' in html
    assert '<td data-label="Default capacity">10</td>' in html
    assert '<td data-label="Default capacity">No limit</td>' in html
    assert '<td data-label="Default location">Studio 2</td>' in html
    assert f'href="{url("schedule_edit", schedule)}"' in html
    assert f'action="{url("schedule_cancel", schedule)}"' in html
    assert f'action="{url("schedule_restore", cancelled)}"' in html
    assert f'href="{reverse("calendar_app:schedule_create")}"' in html


def test_the_cancel_control_says_it_also_cancels_the_future_events(owner_client, schedule):
    html = owner_client.get(LIST).content.decode()

    assert "<summary" in html
    assert "Cancelling “Classes” also cancels all its future events." in html


def test_the_blocked_time_schedule_is_listed_but_managed_by_block_time(owner_client, blocked):
    html = owner_client.get(LIST).content.decode()

    assert "Blocked time" in html
    assert f'href="{reverse("calendar_app:block_time")}">Managed by Block time</a>' in html
    for name in ("schedule_edit", "schedule_cancel", "schedule_restore"):
        assert url(name, blocked) not in html


def test_staff_see_the_list_without_any_controls(staff_client, schedule, cancelled):
    response = staff_client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Classes" in html
    assert "Aqua" in html
    assert "/edit/" not in html
    assert 'name="revision"' not in html
    assert reverse("calendar_app:schedule_create") not in html


def test_the_schedules_link_is_in_the_menu_of_owners_and_staff(owner_client, staff, client):
    client.force_login(staff)

    for menu_client in (owner_client, client):
        page = menu_client.get(reverse("calendar_app:calendar", args=["week"]))
        assert f'<a href="{LIST}">Schedules</a>' in page.content.decode()


@pytest.mark.parametrize("count", [2, 30])
def test_the_list_runs_a_constant_number_of_queries(
    owner_client, business, count, django_assert_max_num_queries
):
    ScheduleFactory.create_batch(count, business=business)
    BulkOperationFactory.create_batch(count, schedule__business=business)  # their progress bars

    with django_assert_max_num_queries(6):
        response = owner_client.get(LIST)

    html = response.content.decode()
    assert html.count('<tr id="schedule-') == count * 2  # and the operations' schedules
    assert html.count("<progress ") == count


def test_an_htmx_request_for_the_list_gets_only_the_list(owner_client, schedule):
    response = owner_client.get(LIST, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="schedules"')
    assert "<header" not in html
    assert "HX-Request" in response["Vary"]


# Editing


def test_the_edit_form_shows_the_schedule_as_it_is(owner_client, schedule):
    schedule.default_location = {"type": "CUSTOM", "name": "Studio 2"}
    schedule.save()

    html = owner_client.get(url("schedule_edit", schedule)).content.decode()

    assert 'value="Classes"' in html
    assert 'value="10"' in html
    assert 'value="Studio 2"' in html
    assert f'name="revision" value="{schedule.revision}"' in html
    assert f'action="{url("schedule_edit", schedule)}"' in html


def test_the_owner_renames_a_schedule_and_changes_its_defaults(owner_client, schedule):
    response = owner_client.post(
        url("schedule_edit", schedule),
        edit_data(schedule, name="Pilates", default_capacity="14", default_location_name="Hall"),
    )

    fresh = Schedule.objects.get(pk=schedule.pk)
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert (fresh.name, fresh.default_title, fresh.default_capacity) == ("Pilates", "Pilates", 14)
    assert fresh.default_location == {"type": "CUSTOM", "name": "Hall"}
    assert fresh.revision == schedule.revision + 1
    assert ChangeRecord.objects.filter(object_id=schedule.pk, action="update").count() == 1
    assert "Schedule “Pilates” was saved." in owner_client.get(LIST).content.decode()


def test_a_default_title_set_apart_from_the_name_stays_on_rename(owner_client, business):
    schedule = ScheduleFactory(business=business, name="Yoga", default_title="Yoga class")

    owner_client.post(url("schedule_edit", schedule), edit_data(schedule, name="Yin yoga"))

    fresh = Schedule.objects.get(pk=schedule.pk)
    assert (fresh.name, fresh.default_title) == ("Yin yoga", "Yoga class")


def test_an_unchanged_location_name_keeps_the_location_as_it_is(owner_client, schedule):
    schedule.default_location = {"type": "CUSTOM", "name": "Hall", "address": "Main St 1"}
    schedule.save()

    owner_client.post(url("schedule_edit", schedule), edit_data(schedule, default_capacity="3"))

    fresh = Schedule.objects.get(pk=schedule.pk)
    assert fresh.default_capacity == 3
    assert fresh.default_location == {"type": "CUSTOM", "name": "Hall", "address": "Main St 1"}


def test_emptying_capacity_and_location_removes_the_defaults(owner_client, schedule):
    schedule.default_location = {"type": "CUSTOM", "name": "Hall"}
    schedule.save()

    owner_client.post(
        url("schedule_edit", schedule),
        edit_data(schedule, default_capacity="", default_location_name=""),
    )

    fresh = Schedule.objects.get(pk=schedule.pk)
    assert (fresh.default_capacity, fresh.default_location) == (None, None)


def test_saving_without_changes_writes_nothing(owner_client, schedule):
    response = owner_client.post(url("schedule_edit", schedule), edit_data(schedule))

    assert response.status_code == 302
    assert Schedule.objects.get(pk=schedule.pk).revision == schedule.revision
    assert not ChangeRecord.objects.filter(object_id=schedule.pk).exists()


def test_an_htmx_save_loads_the_list_as_a_whole_page(owner_client, schedule):
    response = owner_client.post(
        url("schedule_edit", schedule), edit_data(schedule, name="Pilates"), headers=HTMX
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == LIST
    assert Schedule.objects.get(pk=schedule.pk).name == "Pilates"


def test_invalid_input_is_a_400_that_keeps_what_was_typed(owner_client, schedule):
    response = owner_client.post(
        url("schedule_edit", schedule),
        edit_data(schedule, name="Pilates", default_capacity="0"),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<form id="schedule-form"')
    assert "id_default_capacity_error" in html
    assert 'value="Pilates"' in html
    assert Schedule.objects.get(pk=schedule.pk).name == "Classes"


def test_a_stale_save_is_a_409_that_keeps_the_input_and_shows_the_current_values(
    owner_client, schedule, owner_membership
):
    opened = edit_data(schedule, name="Pilates", default_location_name="Hall")
    current = changed_elsewhere(schedule, owner_membership, name="Yoga", default_capacity=20)

    response = owner_client.post(url("schedule_edit", schedule), opened)

    html = response.content.decode()
    fresh = Schedule.objects.get(pk=schedule.pk)
    assert response.status_code == 409
    assert "This schedule changed since you opened it." in html
    assert "<dt>Name</dt><dd>Yoga</dd>" in html
    assert "<dt>Default capacity</dt><dd>20</dd>" in html
    assert 'value="Pilates"' in html
    assert 'value="Hall"' in html
    assert f'name="revision" value="{current.revision}"' in html
    assert (fresh.name, fresh.default_capacity, fresh.default_location) == ("Yoga", 20, None)


def test_saving_again_after_a_conflict_applies_the_kept_input(
    owner_client, schedule, owner_membership
):
    opened = edit_data(schedule, name="Pilates")
    current = changed_elsewhere(schedule, owner_membership, name="Yoga")
    owner_client.post(url("schedule_edit", schedule), opened)

    response = owner_client.post(
        url("schedule_edit", schedule), {**opened, "revision": current.revision}
    )

    assert response.status_code == 302
    assert Schedule.objects.get(pk=schedule.pk).name == "Pilates"


def test_an_htmx_conflict_answers_the_form_with_409(owner_client, schedule, owner_membership):
    opened = edit_data(schedule, name="Pilates")
    changed_elsewhere(schedule, owner_membership, name="Yoga")

    response = owner_client.post(url("schedule_edit", schedule), opened, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 409
    assert html.lstrip().startswith('<form id="schedule-form"')
    assert "This schedule changed since you opened it." in html


def test_a_cancelled_schedule_cannot_be_edited(owner_client, cancelled):
    response = owner_client.post(url("schedule_edit", cancelled), edit_data(cancelled, name="X"))

    assert response.status_code == 400
    assert "A cancelled schedule cannot be changed." in response.content.decode()
    assert Schedule.objects.get(pk=cancelled.pk).name == "Aqua"


# Cancelling and restoring


def test_the_owner_cancels_a_schedule_with_its_future_events(owner_client, schedule):
    future = EventFactory(schedule=schedule, start_local=next_monday(10))
    past = EventFactory(schedule=schedule, start_local=datetime(2020, 1, 6, 9))

    response = owner_client.post(url("schedule_cancel", schedule), {"revision": schedule.revision})

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert Schedule.objects.get(pk=schedule.pk).status == Schedule.Status.CANCELLED
    assert Event.objects.get(pk=future.pk).status == Event.Status.CANCELLED
    assert Event.objects.get(pk=past.pk).status == Event.Status.CONFIRMED
    assert ChangeRecord.objects.filter(object_id=schedule.pk, action="cancel").exists()
    html = owner_client.get(LIST).content.decode()
    assert "Schedule “Classes” was cancelled, with its future events." in html


def test_cancelling_over_htmx_answers_the_list_with_a_notice(owner_client, schedule):
    response = owner_client.post(
        url("schedule_cancel", schedule), {"revision": schedule.revision}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="schedules"')
    assert "Schedule “Classes” was cancelled, with its future events." in html
    assert f'action="{url("schedule_restore", schedule)}"' in html
    assert "HX-Request" in response["Vary"]


def test_the_owner_restores_a_cancelled_schedule(owner_client, cancelled):
    event = EventFactory(
        schedule=cancelled, start_local=next_monday(10), status=Event.Status.CANCELLED
    )

    response = owner_client.post(
        url("schedule_restore", cancelled), {"revision": cancelled.revision}, headers=HTMX
    )

    assert response.status_code == 200
    assert "is active again; its cancelled events stay cancelled." in response.content.decode()
    assert Schedule.objects.get(pk=cancelled.pk).status == Schedule.Status.ACTIVE
    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED


def test_cancelling_from_a_stale_page_is_a_409_that_changes_nothing(
    owner_client, schedule, owner_membership
):
    EventFactory(schedule=schedule, start_local=next_monday(10))
    seen = schedule.revision
    changed_elsewhere(schedule, owner_membership, name="Yoga")

    response = owner_client.post(url("schedule_cancel", schedule), {"revision": seen})

    assert response.status_code == 409
    assert "“Yoga” changed since this page was loaded" in response.content.decode()
    assert Schedule.objects.get(pk=schedule.pk).status == Schedule.Status.ACTIVE
    assert not Event.objects.filter(status=Event.Status.CANCELLED).exists()


def test_restoring_from_a_stale_page_is_a_409(owner_client, cancelled, owner_membership):
    seen = cancelled.revision
    services.restore_schedule(actor=owner_membership, schedule=cancelled, expected_revision=seen)
    again = services.cancel_schedule(
        actor=owner_membership, schedule=cancelled, expected_revision=seen + 1
    )

    response = owner_client.post(url("schedule_restore", cancelled), {"revision": seen})

    assert response.status_code == 409
    assert Schedule.objects.get(pk=cancelled.pk).revision == again.revision


def test_a_cancel_without_a_revision_is_a_400(owner_client, schedule):
    response = owner_client.post(url("schedule_cancel", schedule), headers=HTMX)

    assert response.status_code == 400
    assert "This page is out of date; reload it." in response.content.decode()
    assert Schedule.objects.get(pk=schedule.pk).status == Schedule.Status.ACTIVE


def test_a_cancel_the_calendar_refuses_is_a_400_with_its_reason(
    owner_client, schedule, monkeypatch
):
    def refuse(**kwargs):
        raise CalendarError("The calendar is read-only right now.")

    monkeypatch.setattr(services, "cancel_schedule", refuse)

    response = owner_client.post(url("schedule_cancel", schedule), {"revision": schedule.revision})

    assert response.status_code == 400
    assert "The calendar is read-only right now." in response.content.decode()


def test_schedule_actions_require_post(owner_client, schedule):
    assert owner_client.get(url("schedule_cancel", schedule)).status_code == 405
    assert owner_client.get(url("schedule_restore", schedule)).status_code == 405


# Who may change what


def test_staff_get_a_403_on_every_schedule_change(staff_client, schedule, cancelled):
    responses = [
        staff_client.get(reverse("calendar_app:schedule_create")),
        staff_client.get(url("schedule_edit", schedule)),
        staff_client.post(url("schedule_edit", schedule), edit_data(schedule, name="Staff")),
        staff_client.post(url("schedule_cancel", schedule), {"revision": schedule.revision}),
        staff_client.post(url("schedule_restore", cancelled), {"revision": cancelled.revision}),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert Schedule.objects.get(pk=schedule.pk).name == "Classes"
    assert Schedule.objects.get(pk=schedule.pk).status == Schedule.Status.ACTIVE
    assert Schedule.objects.get(pk=cancelled.pk).status == Schedule.Status.CANCELLED


def test_the_blocked_time_schedule_cannot_be_changed_here(owner_client, blocked):
    responses = [
        owner_client.get(url("schedule_edit", blocked)),
        owner_client.post(url("schedule_edit", blocked), edit_data(blocked, name="Free")),
        owner_client.post(url("schedule_cancel", blocked), {"revision": blocked.revision}),
        owner_client.post(url("schedule_restore", blocked), {"revision": blocked.revision}),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    fresh = Schedule.objects.get(pk=blocked.pk)
    assert (fresh.name, fresh.status, fresh.revision) == ("Blocked time", "ACTIVE", 1)


def test_another_business_s_schedule_is_a_404_on_every_schedule_url(owner_client, other_business):
    theirs = ScheduleFactory(business=other_business, name="Theirs")

    responses = [
        owner_client.get(url("schedule_edit", theirs)),
        owner_client.post(url("schedule_edit", theirs), edit_data(theirs, name="Mine")),
        owner_client.post(url("schedule_cancel", theirs), {"revision": theirs.revision}),
        owner_client.post(url("schedule_restore", theirs), {"revision": theirs.revision}),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    fresh = Schedule.objects.get(pk=theirs.pk)
    assert (fresh.name, fresh.status, fresh.revision) == ("Theirs", "ACTIVE", 1)


# A schedule with more future events than one request cancels: a task, and its progress bar.


@pytest.fixture
def big_schedule(schedule, settings):
    settings.BULK_OPERATION_BATCH_SIZE = 3
    for day in range(8):
        EventFactory(schedule=schedule, start_local=next_monday() + timedelta(days=day))
    return schedule


def operation_url(operation) -> str:
    return reverse("calendar_app:bulk_operation", args=[operation.pk])


def test_cancelling_a_big_schedule_over_htmx_shows_a_polling_progress_bar(
    owner_client, big_schedule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(
            url("schedule_cancel", big_schedule), {"revision": 1}, headers=HTMX
        )

    assert len(queued) == 1
    operation = BulkOperation.objects.get(schedule=big_schedule)
    html = response.content.decode()
    assert response.status_code == 200
    assert "its future events are being cancelled now (progress below)" in html
    assert f'hx-get="{operation_url(operation)}" hx-trigger="every 1.5s"' in html
    assert '<progress max="8" value="0"' in html
    assert "0 of 8 (waiting to start)" in html
    assert "Its events are being cancelled." in html  # no Restore until it is done
    assert f'action="{url("schedule_restore", big_schedule)}"' not in html


def test_the_progress_fragment_polls_until_done_then_shows_the_result(
    owner_client, big_schedule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        owner_client.post(url("schedule_cancel", big_schedule), {"revision": 1})
    operation = BulkOperation.objects.get(schedule=big_schedule)
    progress = BulkOperation.objects.filter(pk=operation.pk)
    progress.update(state="running", done=3)  # as the worker's first batch leaves it

    running = owner_client.get(operation_url(operation), headers=HTMX).content.decode()
    progress.update(state="queued", done=0)
    tasks.run_bulk_operation(str(operation.pk))
    done = owner_client.get(operation_url(operation), headers=HTMX)

    assert running.lstrip().startswith(f'<div id="operation-{operation.pk}"')
    assert 'hx-trigger="every 1.5s"' in running
    assert '<progress max="8" value="3"' in running
    html = done.content.decode()
    assert "HX-Request" in done["Vary"]
    assert "hx-trigger" not in html  # finished: the poll stops here
    assert "Cancelled 8 future events of “Classes”." in html
    assert f'href="{reverse("calendar_app:calendar", args=["week"])}"' in html
    assert "<progress" not in owner_client.get(LIST).content.decode()  # no longer listed


def test_a_failed_operation_says_what_was_done_and_stops_polling(owner_client, business):
    operation = BulkOperationFactory(
        schedule__business=business, schedule__name="Gym", state="failed", done=500, total=900
    )

    html = owner_client.get(operation_url(operation)).content.decode()

    assert "stopped after 500 of 900" in html
    assert "hx-trigger" not in html
    assert "<h1>Cancel a schedule" in html  # the whole page without HTMX


def test_the_progress_of_an_operation_is_for_owners_of_its_business(
    staff_client, business, other_business
):
    ours = BulkOperationFactory(schedule__business=business)
    theirs = BulkOperationFactory(schedule__business=other_business)

    assert staff_client.get(operation_url(ours)).status_code == 403
    staff_client.force_login(MembershipFactory(business=business, role="owner").user)
    assert staff_client.get(operation_url(ours)).status_code == 200
    assert staff_client.get(operation_url(theirs)).status_code == 404
    missing = reverse("calendar_app:bulk_operation", args=["not-a-uuid"])
    assert staff_client.get(missing).status_code == 404
