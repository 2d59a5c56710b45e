"""Reconciliation re-reads the upstream's events view and repairs drift both ways."""

from datetime import datetime, timedelta

import pytest

from calendar_app.models import Event
from calendar_app.wix import apply, reconcile, tasks
from calendar_app.wix.health.models import Reconciliation
from tests.factories import WixConnectionFactory
from tests.fakes.wix_server import FakeWixServer

pytestmark = pytest.mark.django_db

DAY = (datetime.now() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        yield server


@pytest.fixture
def connection(fake):
    return WixConnectionFactory.mirroring(fake)


@pytest.fixture
def mirrored(fake, connection):
    """Five one-off events and a weekly series upstream, all stored here as they are."""
    schedule = fake.add_schedule(name="Pilates")
    events = [
        fake.add_event(
            schedule_id=schedule["id"],
            start_local=DAY + timedelta(days=n),
            end_local=DAY + timedelta(days=n, hours=1),
            title=f"Class {n}",
        )
        for n in range(5)
    ]
    master, instances = fake.add_series(
        schedule_id=schedule["id"], start_local=DAY, duration=timedelta(hours=1), weeks=3
    )
    for data in [master, *events, *instances]:
        apply.apply_remote_event(connection=connection, data=data, source="backfill")
    return events


def run_now(connection, *, requested_by_user: bool = False) -> Reconciliation:
    assert reconcile.request_reconciliation(
        connection=connection, requested_by_user=requested_by_user
    )
    run = Reconciliation.objects.get(status="queued")
    tasks.reconcile_connection.apply(args=[run.pk])
    run.refresh_from_db()
    return run


def stored(event_id: str) -> Event:
    return Event.objects.get(pk=event_id)


def test_nothing_to_repair_when_both_sides_agree(connection, mirrored):
    run = run_now(connection)

    assert (run.status, run.repaired, run.percent_done) == ("done", 0, 100)
    assert run.events_read == 1 + 5 + 3  # the MASTER, the one-offs, the instances
    assert run.finished_date is not None


def test_it_repairs_drift_both_ways(connection, fake, mirrored):
    missing, stale, revived, gone, kept = mirrored
    Event.objects.filter(pk=missing["id"]).delete()
    fake.update_event(stale["id"], title="Renamed upstream")
    apply.apply_remote_event(
        connection=connection, data=revived, removed=True, source="webhook"
    )  # a removal here that the upstream did not make (it changed the event since)
    fake.update_event(revived["id"], title="Still there")
    fake.remove_event(gone["id"])

    run = run_now(connection)

    assert run.repaired == 4
    assert stored(missing["id"]).title == "Class 0"
    assert (stored(stale["id"]).title, stored(stale["id"]).revision) == ("Renamed upstream", 2)
    assert stored(revived["id"]).removed_date is None
    assert stored(gone["id"]).removed_date is not None
    assert stored(kept["id"]).removed_date is None
    assert run_now(connection).repaired == 0  # repaired for good


def test_instances_regenerated_upstream_under_new_ids_are_swapped(connection, fake, mirrored):
    master_id = Event.objects.get(recurrence_type="MASTER").pk
    old_ids = set(Event.objects.filter(recurring_event_id=master_id).values_list("pk", flat=True))
    new_ids = {instance["id"] for instance in fake.regenerate_instances(master_id)}

    run = run_now(connection)

    assert run.repaired == 6
    live = Event.objects.filter(recurring_event_id=master_id, removed_date__isnull=True)
    assert set(live.values_list("pk", flat=True)) == new_ids
    assert all(stored(pk).removed_date for pk in old_ids)


def test_events_outside_the_window_are_left_alone(connection, fake, mirrored):
    old = fake.add_event(
        schedule_id=mirrored[0]["scheduleId"],
        start_local=DAY - timedelta(days=90),
        end_local=DAY - timedelta(days=90, hours=-1),
    )
    apply.apply_remote_event(connection=connection, data=old, source="backfill")
    fake.remove_event(old["id"])

    assert run_now(connection).repaired == 0
    assert stored(old["id"]).removed_date is None  # older than history_days: not checked


def test_a_run_that_cannot_reach_the_upstream_fails_with_its_reason(connection, fake, mirrored):
    fake.script(*[503] * 40)

    run = run_now(connection, requested_by_user=True)

    assert run.status == "failed"
    assert "503" in run.error
    assert run.requested_by_user
    assert Event.objects.filter(removed_date__isnull=True).count() == 9  # nothing removed


def test_the_beat_task_queues_one_run_per_connection(
    connection, django_capture_on_commit_callbacks
):
    WixConnectionFactory()

    with django_capture_on_commit_callbacks() as queued:
        assert tasks.reconcile_connections.apply().get() == 2
        assert tasks.reconcile_connections.apply().get() == 0  # still queued: not twice

    assert len(queued) == 2
    assert Reconciliation.objects.filter(status="queued").count() == 2


def test_the_beat_task_leaves_out_a_connection_without_its_key(
    connection, django_capture_on_commit_callbacks
):
    incomplete = WixConnectionFactory(api_key="")

    with django_capture_on_commit_callbacks():
        assert tasks.reconcile_connections.apply().get() == 1

    assert not Reconciliation.objects.filter(connection=incomplete).exists()


def test_a_finished_run_is_not_run_again(connection, mirrored):
    run = run_now(connection)

    assert reconcile.run_reconciliation(reconciliation_pk=run.pk) == run.repaired
    run.refresh_from_db()
    assert run.status == "done"


def master_of(connection) -> Event:
    return Event.objects.get(business=connection.business, recurrence_type="MASTER")


def test_a_series_gone_upstream_is_soft_deleted(connection, fake, mirrored):
    master = master_of(connection)
    fake.remove_event(master.pk)  # the MASTER only; its occurrences are still listed

    run = run_now(connection)

    assert run.repaired == 1
    assert stored(master.pk).removed_date is not None
    assert stored(master.pk).revision == master.revision  # the tombstone keeps our revision
    assert not Event.objects.filter(recurring_event_id=master.pk, removed_date__isnull=False)
    assert run_now(connection).repaired == 0


def test_a_series_is_repaired_like_any_event(connection, fake, mirrored):
    master = master_of(connection)
    fake.update_event(master.pk, title="Pilates (new room)")  # stale here
    other, _ = fake.add_series(  # missing here
        schedule_id=master.schedule_id,
        start_local=DAY + timedelta(days=1),
        duration=timedelta(hours=1),
        weeks=0,
    )

    run = run_now(connection)

    assert run.repaired >= 2
    assert stored(master.pk).title == "Pilates (new room)"
    assert stored(other["id"]).recurrence_type == "MASTER"
    assert stored(other["id"]).removed_date is None


@pytest.mark.parametrize("kind", ["one-off", "series"])
def test_a_tombstone_at_the_revision_the_upstream_still_lists_is_revived(
    connection, fake, mirrored, kind
):
    """A removal here that the upstream never made, at the very revision it still lists: the
    revision rule alone leaves it (an equal revision is a duplicate), the reconciliation is
    authoritative over its window and revives it."""
    event = mirrored[2] if kind == "one-off" else fake.events[master_of(connection).pk]
    apply.apply_remote_event(connection=connection, data=event, removed=True, source="webhook")
    assert stored(event["id"]).removed_date is not None
    assert stored(event["id"]).revision == int(event["revision"])

    run = run_now(connection)

    assert run.repaired == 1
    assert stored(event["id"]).removed_date is None
    assert stored(event["id"]).revision == int(event["revision"])
    assert run_now(connection).repaired == 0


def test_working_hours_are_reconciled_too(connection, fake, mirrored):
    """Query Events leaves WORKING_HOURS out unless asked: they must not look "gone"."""
    schedule_id = mirrored[0]["scheduleId"]
    hours = [
        fake.add_event(
            schedule_id=schedule_id,
            start_local=DAY + timedelta(days=n, hours=-1),
            end_local=DAY + timedelta(days=n, hours=8),
            type="WORKING_HOURS",
        )
        for n in range(3)
    ]
    kept, gone, missing = hours
    for data in (kept, gone):
        apply.apply_remote_event(connection=connection, data=data, source="webhook")
    fake.remove_event(gone["id"])

    run = run_now(connection)

    assert run.repaired == 2
    assert stored(kept["id"]).removed_date is None
    assert stored(gone["id"]).removed_date is not None
    assert stored(missing["id"]).type == "WORKING_HOURS"


def test_only_the_mirrored_apps_are_judged(connection, fake, mirrored):
    mine_schedule = fake.add_schedule(name="Mine", app_id="my-app")
    other_schedule = fake.add_schedule(name="Other app", app_id="another-app")
    mine, foreign = (
        fake.add_event(schedule_id=s["id"], start_local=DAY, end_local=DAY + timedelta(hours=1))
        for s in (mine_schedule, other_schedule)
    )
    for data in (mine, foreign):  # stored while every app was mirrored
        apply.apply_remote_event(connection=connection, data=data, source="backfill")
    connection.app_ids = ["my-app"]
    connection.save()
    fake.remove_event(mine["id"])
    fake.remove_event(foreign["id"])

    run = run_now(connection)

    assert run.repaired == 1
    assert stored(mine["id"]).removed_date is not None
    assert stored(foreign["id"]).removed_date is None  # not this connection's to judge
