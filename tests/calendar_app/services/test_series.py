"""Series services on the local backend: weekly rules, materialized instances and the events
view, series edits and cancellations, this and the following occurrences."""

from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app import services
from calendar_app.backends import Scope, events_view_end, instance_id
from calendar_app.errors import CalendarError, CapacityError, RevisionConflict
from calendar_app.models import ChangeRecord, Event
from calendar_app.recurrence import weekly_rule
from tests.factories import (
    EventFactory,
    ParticipationFactory,
    ResourceFactory,
    ScheduleFactory,
    WixConnectionFactory,
    next_monday,
    weekly_series,
)

pytestmark = pytest.mark.django_db


def occurrences(master):
    """The series' occurrences as the calendar shows them (soft-deleted ones left out)."""
    return Event.objects.filter(recurring_event_id=master.id, removed_date__isnull=True).order_by(
        "start"
    )


def test_creating_a_series_materializes_instances_up_to_the_events_view_end(series, business):
    business.refresh_from_db()
    instances = list(occurrences(series))

    assert series.recurrence_type == "MASTER"
    assert business.events_view_end_date >= timezone.now() + timedelta(days=365)
    assert instances[-1].start <= business.events_view_end_date
    assert instances[-1].start + timedelta(weeks=1) > business.events_view_end_date
    assert len(instances) >= 52
    assert {i.recurrence_type for i in instances} == {"INSTANCE"}
    assert {i.start_local.strftime("%A %H:%M") for i in instances} == {"Monday 09:00"}
    assert instances[0].id == instance_id(series, instances[0].start_local)
    assert all(i.total_capacity == 8 and i.remaining_capacity == 8 for i in instances)


def test_a_series_respects_interval_and_until(schedule):
    start = next_monday()
    master = services.create_event(
        actor=None,
        schedule=schedule,
        title="Fortnightly",
        start_local=start,
        end_local=start + timedelta(hours=1),
        recurrence_rule=weekly_rule(
            day="MONDAY", interval=2, until_local=start + timedelta(weeks=6)
        ),
    )

    starts = [o.start_local for o in occurrences(master)]

    assert starts == [start + timedelta(weeks=w) for w in (0, 2, 4, 6)]


def test_a_master_starts_on_its_rule_weekday(schedule):
    monday = next_monday()
    master = services.create_event(
        actor=None,
        schedule=schedule,
        title="Wednesday class",
        start_local=monday,
        end_local=monday + timedelta(hours=1),
        recurrence_rule=weekly_rule(day="WEDNESDAY"),
    )

    assert master.start_local == monday + timedelta(days=2)
    assert occurrences(master).first().start_local == monday + timedelta(days=2)


def test_several_weekdays_create_one_master_per_day(schedule, owner_membership):
    start = next_monday()
    masters = services.create_weekly_events(
        actor=owner_membership,
        schedule=schedule,
        days=["MONDAY", "THURSDAY"],
        title="Pilates",
        start_local=start,
        end_local=start + timedelta(hours=1),
    )

    assert [m.recurrence_rule["days"] for m in masters] == [["MONDAY"], ["THURSDAY"]]
    assert {m.recurrence_type for m in masters} == {"MASTER"}


@pytest.mark.parametrize(
    "rule",
    [
        {"frequency": "DAILY", "interval": 1, "days": ["MONDAY"]},
        {"frequency": "WEEKLY", "interval": 5, "days": ["MONDAY"]},
        {"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY", "TUESDAY"]},
    ],
)
def test_it_refuses_a_rule_the_spec_does_not_allow(schedule, rule):
    with pytest.raises(CalendarError):
        services.create_event(
            actor=None,
            schedule=schedule,
            title="Bad",
            start_local=next_monday(),
            end_local=next_monday(10),
            recurrence_rule=rule,
        )
    assert not Event.objects.exists()


def test_materializing_twice_creates_nothing_twice(series, business):
    before = occurrences(series).count()

    created = services.extend_events_view(business=business)

    assert created == 0
    assert occurrences(series).count() == before


def test_a_series_that_began_before_its_schedule_was_cancelled_gets_no_new_occurrences(
    schedule, business, owner_membership, settings
):
    start = next_monday() - timedelta(weeks=3)
    master = services.create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Yoga",
        start_local=start,
        end_local=start + timedelta(hours=1),
        recurrence_rule=weekly_rule(day="MONDAY"),
    )
    services.cancel_schedule(actor=owner_membership, schedule=schedule, expected_revision=1)
    before = occurrences(master).count()
    settings.EVENTS_VIEW_FUTURE_DAYS += 28

    created = services.extend_events_view(business=business)

    assert created == 0
    assert occurrences(master).count() == before
    assert not occurrences(master).filter(start__gte=timezone.now(), status="CONFIRMED").exists()


def test_the_horizon_extension_adds_the_weeks_that_came_into_view(series, business, settings):
    before = occurrences(series).count()
    settings.EVENTS_VIEW_FUTURE_DAYS += 28

    created = services.extend_events_view(business=business)

    business.refresh_from_db()
    assert created == 4
    assert occurrences(series).count() == before + 4
    assert business.events_view_end_date > events_view_end() - timedelta(minutes=1)


def test_the_periodic_task_extends_every_business(series, business, settings, monkeypatch):
    from calendar_app.tasks import extend_events_views
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the in-process runner
    settings.EVENTS_VIEW_FUTURE_DAYS += 14
    before = occurrences(series).count()

    extend_events_views.delay()

    assert occurrences(series).count() == before + 2


def test_make_run_extends_the_horizon_at_start_without_a_worker(series, settings):
    settings.EVENTS_VIEW_FUTURE_DAYS += 21
    before = occurrences(series).count()
    out = StringIO()

    call_command("extend_events_views", stdout=out)

    assert occurrences(series).count() == before + 3
    assert "(3 new)" in out.getvalue()


def test_editing_the_master_reaches_future_instances_but_not_edited_fields_of_exceptions(
    series, owner_membership
):
    exception = occurrences(series)[3]
    services.update_event(
        actor=owner_membership,
        event=exception,
        expected_revision=exception.revision,
        changes={"title": "Special"},
    )
    series.refresh_from_db()

    services.update_event(
        actor=owner_membership,
        event=series,
        expected_revision=series.revision,
        changes={"title": "Sunrise yoga", "total_capacity": 5},
    )

    exception.refresh_from_db()
    instance = occurrences(series)[4]
    assert instance.title == "Sunrise yoga"
    assert instance.total_capacity == 5 and instance.remaining_capacity == 5
    assert exception.title == "Special"
    assert exception.total_capacity == 5


def test_retiming_a_series_soft_deletes_the_replaced_instances(series, owner_membership):
    replaced = occurrences(series)[0]
    nine = series.start_local

    def retime(master, start):
        return services.update_event(
            actor=owner_membership,
            event=master,
            expected_revision=master.revision,
            changes={"start_local_date": start, "end_local_date": start + timedelta(hours=1)},
        )

    moved = retime(series, nine + timedelta(hours=1))

    kept = Event.objects.get(pk=replaced.pk)
    assert kept.removed_date is not None
    assert kept.revision == replaced.revision + 1
    assert not occurrences(series).filter(pk=replaced.pk).exists()

    retime(moved, nine)  # back to 09:00: the same ids come back to life

    revived = Event.objects.get(pk=replaced.pk)
    assert revived.removed_date is None
    assert revived.revision == kept.revision + 1
    assert len({o.start_local.date() for o in occurrences(series)}) == occurrences(series).count()


def test_the_horizon_is_extended_only_for_local_businesses(business):
    connected = WixConnectionFactory()
    series_schedule = ScheduleFactory(business=connected.business)
    EventFactory(
        schedule=series_schedule,
        recurrence_type="MASTER",
        recurrence_rule=weekly_rule(day="MONDAY"),
    )

    assert services.extend_events_view(business=connected.business) == 0
    assert not Event.objects.filter(
        business=connected.business, recurrence_type="INSTANCE"
    ).exists()


def test_retiming_a_series_moves_free_instances_and_keeps_booked_ones(series, owner_membership):
    booked = occurrences(series)[1]
    ParticipationFactory(event=booked)
    new_start = series.start_local + timedelta(hours=1)

    services.update_event(
        actor=owner_membership,
        event=series,
        expected_revision=series.revision,
        changes={"start_local_date": new_start, "end_local_date": new_start + timedelta(hours=1)},
    )

    hours = {o.start_local.hour for o in occurrences(series).exclude(pk=booked.pk)}
    booked.refresh_from_db()
    assert hours == {10}
    assert booked.start_local.hour == 9
    assert booked.recurrence_type == "EXCEPTION"


def test_a_cancelled_instance_is_not_recreated_by_materialization(series, business):
    instance = occurrences(series)[1]
    services.cancel_event(actor=None, event=instance, expected_revision=instance.revision)

    services.extend_events_view(business=business)

    instance.refresh_from_db()
    assert instance.status == "CANCELLED"


def test_cancelling_the_whole_series_cancels_the_master_and_the_future(series, owner_membership):
    instance = occurrences(series)[2]

    services.cancel_event(
        actor=owner_membership,
        event=instance,
        expected_revision=instance.revision,
        scope=Scope.ALL,
    )

    series.refresh_from_db()
    assert series.status == "CANCELLED"
    assert not occurrences(series).filter(status="CONFIRMED").exists()


def test_cancelling_this_and_following_keeps_the_earlier_occurrences(series, owner_membership):
    third = occurrences(series)[2]

    services.cancel_event(
        actor=owner_membership,
        event=third,
        expected_revision=third.revision,
        scope=Scope.FOLLOWING,
    )

    series.refresh_from_db()
    assert series.status == "CONFIRMED"
    statuses = [e.status for e in occurrences(series)]
    assert statuses == ["CONFIRMED", "CONFIRMED"] + ["CANCELLED"] * (len(statuses) - 2)
    assert ChangeRecord.objects.filter(object_id=third.pk, action="cancel_following").exists()


def test_days_added_to_a_series_cancelled_from_an_occurrence_on_come_cancelled(
    series, owner_membership, business, settings
):
    third = occurrences(series)[2]
    services.cancel_event(
        actor=owner_membership, event=third, expected_revision=third.revision, scope=Scope.FOLLOWING
    )
    before = occurrences(series).count()
    settings.EVENTS_VIEW_FUTURE_DAYS += 60

    services.extend_events_view(business=business)

    added = occurrences(series)[before:]
    assert len(added) > 0
    assert {(e.status, e.cancelled_with_series) for e in added} == {("CANCELLED", True)}


def test_restoring_this_and_following_mirrors_the_cancel(series, owner_membership):
    second, third = occurrences(series)[1:3]
    services.cancel_event(actor=owner_membership, event=second, expected_revision=second.revision)
    services.cancel_event(
        actor=owner_membership, event=third, expected_revision=third.revision, scope=Scope.FOLLOWING
    )
    fourth = occurrences(series)[3]

    services.restore_event(
        actor=owner_membership,
        event=fourth,
        expected_revision=fourth.revision,
        scope=Scope.FOLLOWING,
    )

    statuses = [e.status for e in occurrences(series)[:5]]
    assert statuses == ["CONFIRMED", "CANCELLED", "CANCELLED", "CONFIRMED", "CONFIRMED"]


def test_cancelling_all_from_an_occurrence_reaches_the_earlier_ones_too(series, owner_membership):
    third = occurrences(series)[2]

    services.cancel_event(
        actor=owner_membership, event=third, expected_revision=third.revision, scope=Scope.ALL
    )

    series.refresh_from_db()
    assert series.status == "CANCELLED"
    assert {e.status for e in occurrences(series)} == {"CANCELLED"}


def test_staff_cannot_cancel_this_and_following(series, staff_membership):
    third = occurrences(series)[2]

    with pytest.raises(PermissionDenied):
        services.cancel_event(
            actor=staff_membership,
            event=third,
            expected_revision=third.revision,
            scope=Scope.FOLLOWING,
        )
    assert not occurrences(series).filter(status="CANCELLED").exists()


def test_restoring_a_series_brings_back_its_future_occurrences(series, owner_membership):
    services.cancel_event(actor=owner_membership, event=series, expected_revision=series.revision)
    series.refresh_from_db()

    services.restore_event(actor=owner_membership, event=series, expected_revision=series.revision)

    series.refresh_from_db()
    assert series.status == "CONFIRMED"
    assert not occurrences(series).filter(status="CANCELLED").exists()


def test_staff_cannot_change_a_whole_series(series, staff_membership):
    instance = occurrences(series)[0]

    with pytest.raises(PermissionDenied):
        services.cancel_event(
            actor=staff_membership,
            event=instance,
            expected_revision=instance.revision,
            scope=Scope.ALL,
        )
    with pytest.raises(PermissionDenied):
        services.update_event(
            actor=staff_membership,
            event=series,
            expected_revision=series.revision,
            changes={"title": "Mine now"},
        )
    with pytest.raises(PermissionDenied):
        services.create_schedule(actor=staff_membership, business=series.business, name="Staff's")

    assert not Event.objects.filter(status="CANCELLED").exists()


def test_restoring_a_series_leaves_an_occurrence_cancelled_on_its_own_cancelled(
    series, owner_membership
):
    on_its_own = occurrences(series)[1]
    services.cancel_event(
        actor=owner_membership, event=on_its_own, expected_revision=on_its_own.revision
    )
    services.cancel_event(actor=owner_membership, event=series, expected_revision=series.revision)
    series.refresh_from_db()

    services.restore_event(actor=owner_membership, event=series, expected_revision=series.revision)

    cancelled = list(occurrences(series).filter(status="CANCELLED").values_list("pk", flat=True))
    assert cancelled == [on_its_own.pk]
    assert occurrences(series).filter(status="CONFIRMED").count() == occurrences(series).count() - 1


def test_a_series_capacity_below_an_occurrence_bookings_is_refused_and_changes_nothing(
    series, owner_membership
):
    booked = occurrences(series)[3]
    ParticipationFactory(event=booked, party_size=5)
    before = list(occurrences(series).values_list("pk", "revision", "total_capacity"))

    with pytest.raises(
        CapacityError, match=f"5 places are already booked on .*{booked.start_local:%B}"
    ):
        services.update_event(
            actor=owner_membership,
            event=series,
            expected_revision=series.revision,
            changes={"total_capacity": 4},
        )

    series.refresh_from_db()
    assert series.total_capacity == 8
    assert list(occurrences(series).values_list("pk", "revision", "total_capacity")) == before


def test_a_series_capacity_edit_recounts_every_occurrence(series, owner_membership):
    booked = occurrences(series)[2]
    ParticipationFactory(event=booked, party_size=4)

    services.update_event(
        actor=owner_membership,
        event=series,
        expected_revision=series.revision,
        changes={"total_capacity": 5},
    )

    remaining = dict(occurrences(series).values_list("pk", "remaining_capacity"))
    assert remaining.pop(booked.pk) == 1
    assert set(remaining.values()) == {5}


def test_a_series_edit_runs_the_same_queries_however_many_occurrences(schedule, owner_membership):
    trainer = ResourceFactory(business=schedule.business)
    weekly = weekly_series(schedule, actor=owner_membership, interval=1)
    monthly = weekly_series(schedule, actor=owner_membership, interval=4)
    assert occurrences(weekly).count() > 3 * occurrences(monthly).count()
    changes = {"title": "Renamed", "total_capacity": 6, "resource_ids": [trainer.pk]}

    counts = []
    for master in (weekly, monthly):
        with CaptureQueriesContext(connection) as queries:
            services.update_event(
                actor=owner_membership,
                event=master,
                expected_revision=master.revision,
                changes=changes,
            )
        counts.append(len(queries))

    assert counts[0] == counts[1]
    renamed = occurrences(weekly).filter(title="Renamed", event_resources__resource=trainer)
    assert renamed.count() == occurrences(weekly).count()


def test_staff_cannot_create_a_recurring_series(schedule, staff_membership):
    with pytest.raises(PermissionDenied, match="recurring series"):
        weekly_series(schedule, actor=staff_membership)

    assert not Event.objects.exists()


def test_a_weekly_class_in_the_spring_forward_gap_keeps_its_length(business, owner_membership):
    schedule = ScheduleFactory(business=business, time_zone="Europe/Berlin")
    sunday = next_monday(2) + timedelta(days=6, minutes=30)  # Sundays 02:30-03:30

    master = services.create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Night owls",
        start_local=sunday,
        end_local=sunday + timedelta(hours=1),
        recurrence_rule=weekly_rule(day="SUNDAY"),
    )

    zone = ZoneInfo("Europe/Berlin")
    lengths = {o.end - o.start for o in occurrences(master)}
    gap_day = [o for o in occurrences(master) if o.start.astimezone(zone).hour == 3]
    assert lengths == {timedelta(hours=1)}
    assert len(gap_day) == 1  # the last Sunday of March, within the year ahead
    assert gap_day[0].start.astimezone(zone).month == 3
    assert gap_day[0].end.astimezone(zone).hour == 4


def test_a_member_s_series_may_start_at_most_90_days_ago(schedule, owner_membership):
    long_ago = next_monday() - timedelta(weeks=52)

    with pytest.raises(CalendarError, match="at most 90 days in the past"):
        services.create_weekly_events(
            actor=owner_membership,
            schedule=schedule,
            days=["MONDAY", "TUESDAY", "WEDNESDAY"],
            title="Typo in the year",
            start_local=long_ago,
            end_local=long_ago + timedelta(hours=1),
        )
    assert not Event.objects.exists()


def test_a_series_from_last_month_is_created_up_to_the_events_view(schedule, owner_membership):
    start = next_monday() - timedelta(weeks=4)

    master = services.create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Started last month",
        start_local=start,
        end_local=start + timedelta(hours=1),
        recurrence_rule=weekly_rule(day="MONDAY"),
    )

    assert occurrences(master).first().start_local == start
    assert occurrences(master).last().start <= schedule.business.events_view_end_date


# This and the following occurrences: the series is split at the chosen occurrence.


def edit_following(occurrence, actor, master, **changes):
    return services.update_following(
        actor=actor, occurrence=occurrence, expected_revision=master.revision, changes=changes
    )


def test_editing_this_and_following_splits_the_series_there(series, owner_membership):
    first, second, third, fourth = occurrences(series)[:4]
    booked = ParticipationFactory(event=fourth, party_size=2)

    follower = edit_following(
        third, owner_membership, series, title="Evening yoga", total_capacity=12
    )

    series.refresh_from_db()
    assert follower.pk != series.pk
    assert follower.recurrence_type == "MASTER"
    assert follower.start_local == third.start_local
    assert (follower.title, follower.total_capacity) == ("Evening yoga", 12)
    assert follower.recurrence_rule["days"] == ["MONDAY"]
    # The earlier occurrences stay with the old MASTER and keep its values.
    assert series.title == "Morning yoga"
    assert series.recurrence_rule["until"]["localDate"] == (
        f"{(third.start_local - timedelta(days=1)):%Y-%m-%d}T23:59:00"
    )
    assert [(o.pk, o.title, o.total_capacity) for o in occurrences(series)] == [
        (first.pk, "Morning yoga", 8),
        (second.pk, "Morning yoga", 8),
    ]
    # From the chosen one on: the same rows (bookings kept), moved to the new MASTER.
    moved = list(occurrences(follower))
    assert moved[0].pk == third.pk and moved[1].pk == fourth.pk
    assert {(o.title, o.total_capacity) for o in moved} == {("Evening yoga", 12)}
    assert Event.objects.get(pk=fourth.pk).remaining_capacity == 10
    booked.refresh_from_db()
    assert booked.event_id == fourth.pk
    assert ChangeRecord.objects.filter(object_id=follower.pk, action="create").exists()
    assert ChangeRecord.objects.filter(object_id=fourth.pk, action="update").exists()


def test_a_new_time_from_an_occurrence_on_leaves_the_earlier_ones_at_the_old_time(
    series, owner_membership
):
    third = occurrences(series)[2]
    ten = third.start_local + timedelta(hours=1)

    follower = edit_following(
        third,
        owner_membership,
        series,
        start_local_date=ten,
        end_local_date=ten + timedelta(minutes=90),
    )

    assert {o.start_local.hour for o in occurrences(series)} == {9}
    later = list(occurrences(follower))
    assert {(o.start_local.hour, o.end_local - o.start_local) for o in later} == {
        (10, timedelta(minutes=90))
    }
    assert later[0].start_local.date() == third.start_local.date()
    every_day = [
        o.start_local.date()
        for o in Event.objects.filter(
            removed_date__isnull=True, recurrence_type__in=["INSTANCE", "EXCEPTION"]
        )
    ]
    assert len(every_day) == len(set(every_day))  # one occurrence per Monday, none lost


def test_the_split_series_grow_only_from_their_own_part(series, owner_membership, settings):
    third = occurrences(series)[2]
    follower = edit_following(third, owner_membership, series, title="Evening yoga")
    before = occurrences(series).count()
    settings.EVENTS_VIEW_FUTURE_DAYS += 28

    services.extend_events_view(business=series.business)

    assert occurrences(series).count() == before == 2
    assert (
        occurrences(follower).filter(title="Evening yoga").count() == occurrences(follower).count()
    )


def test_this_and_following_from_the_first_occurrence_edits_the_whole_series(
    series, owner_membership
):
    first = occurrences(series)[0]

    edited = edit_following(first, owner_membership, series, title="Evening yoga")

    assert edited.pk == series.pk
    assert Event.objects.filter(recurrence_type="MASTER").count() == 1
    assert set(occurrences(series).values_list("title", flat=True)) == {"Evening yoga"}


def test_this_and_following_with_a_stale_series_revision_changes_nothing(series, owner_membership):
    third = occurrences(series)[2]

    with pytest.raises(RevisionConflict):
        services.update_following(
            actor=owner_membership,
            occurrence=third,
            expected_revision=series.revision - 1,
            changes={"title": "Evening yoga"},
        )

    assert Event.objects.filter(recurrence_type="MASTER").count() == 1
    assert not Event.objects.filter(title="Evening yoga").exists()


def test_staff_cannot_edit_this_and_following(series, staff_membership):
    third = occurrences(series)[2]

    with pytest.raises(PermissionDenied):
        edit_following(third, staff_membership, series, title="Evening yoga")

    assert not Event.objects.filter(title="Evening yoga").exists()


def test_a_following_capacity_below_a_booking_is_refused_and_changes_nothing(
    series, owner_membership
):
    third, fourth = occurrences(series)[2:4]
    ParticipationFactory(event=fourth, party_size=5)

    with pytest.raises(CapacityError):
        edit_following(third, owner_membership, series, total_capacity=3)

    assert Event.objects.filter(recurrence_type="MASTER").count() == 1
    assert Event.objects.get(pk=fourth.pk).recurring_event_id == series.pk


def test_this_and_following_needs_an_occurrence_of_a_series(series, schedule, owner_membership):
    one_off = EventFactory(schedule=schedule)

    for event in (one_off, series):
        with pytest.raises(CalendarError, match="Only an occurrence of a series"):
            edit_following(event, owner_membership, event, title="Evening yoga")

    assert not Event.objects.filter(title="Evening yoga").exists()
