"""The backfill against the fake Calendar V3 server."""

from datetime import timedelta

import pytest

from calendar_app.models import Event, EventResource, Resource, Schedule
from calendar_app.wix import backfill, services, tasks
from calendar_app.wix.backfill import BackfillError, run_backfill
from calendar_app.wix.models import WixConnection
from participants.models import Participation
from tests.factories import WixConnectionFactory, days_ahead_at_ten

pytestmark = pytest.mark.django_db

SOON = days_ahead_at_ten(2)


@pytest.fixture
def connection(wix_server):
    return WixConnectionFactory(
        base_url=wix_server.base_url,
        api_key=wix_server.api_key,
        site_id=wix_server.site_id,
        history_days=30,
    )


@pytest.fixture
def site(wix_server):
    """A schedule with a resource, one-off events inside and outside the window, a series and
    participations."""
    schedule = wix_server.add_schedule(name="Yoga")
    anna = wix_server.add_resource(name="Anna")
    hour = timedelta(hours=1)
    inside = [
        wix_server.add_event(
            schedule_id=schedule["id"],
            start_local=SOON + timedelta(days=day),
            end_local=SOON + timedelta(days=day) + hour,
            title=f"Class {day}",
            resources=[anna],
        )
        for day in range(-10, 150, 5)
    ]
    too_old = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=SOON - timedelta(days=60),
        end_local=SOON - timedelta(days=60) + hour,
    )
    beyond_view = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=SOON + timedelta(days=500),
        end_local=SOON + timedelta(days=500) + hour,
    )
    master, instances = wix_server.add_series(
        schedule_id=schedule["id"], start_local=SOON, duration=hour, weeks=4, title="Pilates"
    )
    participation = wix_server.add_participation(event_id=inside[3]["id"], party_size=2)
    return {
        "schedule": schedule,
        "resource": anna,
        "inside": inside,
        "too_old": too_old,
        "beyond_view": beyond_view,
        "master": master,
        "instances": instances,
        "participation": participation,
    }


def test_it_mirrors_the_window_with_masters_schedules_resources_and_participations(
    connection, wix_server, site
):
    lines = []

    result = run_backfill(connection=connection, progress=lines.append)

    stored = dict(Event.objects.values_list("pk", "revision"))
    expected_ids = {e["id"] for e in site["inside"]} | {i["id"] for i in site["instances"]}
    expected_ids.add(site["master"]["id"])
    assert set(stored) == expected_ids
    assert all(stored[i] == int(wix_server.events[i]["revision"]) for i in stored)
    assert Event.objects.get(pk=site["master"]["id"]).recurrence_type == "MASTER"
    assert Schedule.objects.get(pk=site["schedule"]["id"]).name == "Yoga"
    assert Resource.objects.get(pk=site["resource"]["id"]).revision == 1
    assert EventResource.objects.filter(resource_id=site["resource"]["id"]).count() == len(
        site["inside"]
    )
    assert Participation.objects.get().party_size == 2
    connection.refresh_from_db()
    assert connection.backfill_status == WixConnection.BackfillStatus.DONE
    assert connection.backfill_done == connection.backfill_total > 365
    assert result.events == len(site["inside"]) + len(site["instances"])
    assert any("days of the window covered" in line for line in lines)


def test_reordered_pages_give_the_same_mirror(connection, wix_server, site):
    wix_server.reorder_pages = True

    run_backfill(connection=connection)

    assert Event.objects.count() == len(site["inside"]) + len(site["instances"]) + 1


def test_running_it_twice_changes_nothing(connection, wix_server, site):
    run_backfill(connection=connection)
    before = list(Event.objects.order_by("pk").values_list("pk", "revision", "updated_date"))

    result = run_backfill(connection=connection)

    assert result.applied == 0
    assert (
        list(Event.objects.order_by("pk").values_list("pk", "revision", "updated_date")) == before
    )


def test_a_refused_key_fails_the_backfill_visibly(connection, wix_server, site):
    connection.api_key = "IST.wrong-secret-key"

    with pytest.raises(BackfillError):
        run_backfill(connection=connection)

    connection.refresh_from_db()
    assert connection.backfill_status == WixConnection.BackfillStatus.FAILED
    assert "refused the credentials" in connection.backfill_error
    assert "wrong-secret" not in connection.backfill_error
    assert not Event.objects.exists()


def test_only_the_chosen_apps_are_mirrored(connection, wix_server, site):
    other = wix_server.add_schedule(name="Other app")
    wix_server.add_event(
        schedule_id=other["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    connection.app_ids = [other["appId"]]

    run_backfill(connection=connection)

    assert set(Event.objects.values_list("app_id", flat=True)) == {other["appId"]}


def test_working_hours_are_mirrored_too(connection, wix_server):
    """Query Events leaves WORKING_HOURS out unless named: the backfill names them."""
    schedule = wix_server.add_schedule(name="Business hours")
    hours = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=SOON,
        end_local=SOON + timedelta(hours=8),
        type="WORKING_HOURS",
    )
    weekly, _ = wix_server.add_series(
        schedule_id=schedule["id"],
        start_local=SOON,
        duration=timedelta(hours=8),
        weeks=1,
        type="WORKING_HOURS",
    )

    run_backfill(connection=connection)

    assert Event.objects.get(pk=hours["id"]).type == "WORKING_HOURS"
    assert Event.objects.get(pk=weekly["id"]).recurrence_type == "MASTER"
    assert Event.objects.filter(recurring_event_id=weekly["id"]).count() == 1


def test_the_task_runs_a_queued_backfill_once(connection, site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        assert services.start_backfill(connection=connection)
        assert not services.start_backfill(connection=connection)  # one at a time
    assert len(queued) == 1
    assert connection.backfill_status == "queued"

    answer = tasks.backfill_connection.apply(args=[connection.pk]).get()

    connection.refresh_from_db()
    assert answer.startswith("Backfill done:")
    assert connection.backfill_status == "done"
    assert connection.backfill_done == connection.backfill_total > 0
    assert Event.objects.filter(pk=site["master"]["id"]).exists()
    again = tasks.backfill_connection.apply(args=[connection.pk]).get()  # a redelivery
    assert again == "No backfill is queued for this connection."


def test_a_backfill_a_dead_worker_left_running_runs_again(connection, site):
    WixConnection.objects.filter(pk=connection.pk).update(
        backfill_status="running", backfill_done=3, backfill_total=400
    )

    assert tasks.backfill_connection.apply(args=[connection.pk]).get().startswith("Backfill done")
    connection.refresh_from_db()
    assert connection.backfill_status == "done"


def test_the_task_stores_why_the_backfill_stopped(connection, wix_server):
    backfill.request_backfill(connection=connection)
    wix_server.script(*[503] * 40)

    answer = tasks.backfill_connection.apply(args=[connection.pk]).get()

    connection.refresh_from_db()
    assert connection.backfill_status == "failed"
    assert "503" in connection.backfill_error
    assert answer == connection.backfill_error


def test_an_unexpected_error_ends_the_bar_with_its_reason(connection, monkeypatch):
    backfill.request_backfill(connection=connection)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(backfill, "run_backfill", broken)

    result = tasks.backfill_connection.apply(args=[connection.pk])

    assert result.failed()
    connection.refresh_from_db()
    assert connection.backfill_status == "failed"
    assert connection.backfill_error == "The backfill stopped: disk full"
