"""The audit trail: one record per changed row (cascades included) with the fields before →
after, the actor and the revisions; the History panel. (Read-only in Django admin:
tests/calendar_app/test_admin.py.)"""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app import services
from calendar_app.backends import Scope
from calendar_app.models import ChangeRecord, Event
from tests.factories import ChangeRecordFactory, EventFactory, weekly_series

pytestmark = pytest.mark.django_db


def occurrences(master):
    return Event.objects.filter(recurring_event_id=master.id, removed_date__isnull=True)


def test_cancelling_a_54_week_series_records_every_row_it_cancelled(series, owner_membership):
    count = occurrences(series).count()
    assert count >= 54  # a year and a bit: the events view

    services.cancel_event(
        actor=owner_membership, event=series, expected_revision=series.revision, scope=Scope.ALL
    )

    records = ChangeRecord.objects.filter(action="cancel_series")
    assert records.count() == count + 1  # the MASTER and each occurrence
    assert {r.object_id for r in records} == {
        series.pk,
        *occurrences(series).values_list("pk", flat=True),
    }
    one = records.exclude(object_id=series.pk).first()
    assert one.changes["status"] == ["CONFIRMED", "CANCELLED"]
    assert one.revision_after == one.revision_before + 1
    assert (one.actor, one.actor_kind) == (owner_membership.user, "user")


def test_creating_a_series_records_the_master_and_each_instance(schedule, owner_membership):
    master = weekly_series(schedule, actor=owner_membership)

    created = ChangeRecord.objects.filter(action="create", object_type="Event")
    assert created.count() == occurrences(master).count() + 1
    instance = created.exclude(object_id=master.pk).first()
    assert instance.changes["recurrence_type"] == [None, "INSTANCE"]
    assert instance.revision_before is None


def test_a_capacity_change_of_a_series_is_recorded_on_every_occurrence_it_reached(
    series, owner_membership
):
    services.update_event(
        actor=owner_membership,
        event=series,
        expected_revision=series.revision,
        changes={"total_capacity": 12},
    )

    updates = ChangeRecord.objects.filter(action="update")
    assert updates.count() == occurrences(series).count() + 1
    assert {tuple(r.changes["total_capacity"]) for r in updates} == {(8, 12)}


def test_instances_the_system_adds_to_the_events_view_are_recorded(series, business):
    last = occurrences(series).order_by("-start").first()
    Event.objects.filter(pk=last.pk).delete()
    business.events_view_end_date = last.start - timedelta(days=1)
    business.save()

    created = services.extend_events_view(business=business)

    records = ChangeRecord.objects.filter(action="create", actor_kind="system")
    assert created >= 1
    assert records.count() == created
    assert last.pk in set(records.values_list("object_id", flat=True))


def test_the_event_page_shows_the_history_newest_first(owner_client, schedule, owner_membership):
    event = services.create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Spin",
        start_local=EventFactory.build().start_local,
        end_local=EventFactory.build().start_local + timedelta(hours=1),
    )
    services.update_event(
        actor=owner_membership,
        event=event,
        expected_revision=event.revision,
        changes={"title": "Spin & Stretch"},
    )

    html = owner_client.get(reverse("calendar_app:event_detail", args=[event.pk])).content.decode()

    assert "History (2)" in html
    assert html.index("title: Spin → Spin &amp; Stretch") < html.index("· create")
    assert "<strong>owner</strong>" in html


def test_another_business_s_records_never_show_in_the_history(
    owner_client, schedule, other_business
):
    event = EventFactory(schedule=schedule)
    ChangeRecordFactory(business=other_business, object_id=event.pk, action="leaked")

    html = owner_client.get(reverse("calendar_app:event_detail", args=[event.pk])).content.decode()

    assert "leaked" not in html
