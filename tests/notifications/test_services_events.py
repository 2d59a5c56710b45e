"""Notices of a moved event (edit form, service, series edits) and of a cancelled schedule:
one per active participant, keyed so a second move tells again and the same change twice
does not."""

import re
from datetime import datetime

import pytest
from django.urls import reverse

from calendar_app import services
from calendar_app.audit import series_rows
from calendar_app.models import Event, Schedule
from calendar_app.notifications import services as notifications
from calendar_app.notifications.models import NO_EMAIL, Message
from tests.factories import EventFactory, ParticipationFactory, ScheduleFactory

pytestmark = pytest.mark.django_db


def move(event, actor, *, hour, notify=True, message="", **changes):
    event.refresh_from_db()
    return services.update_event(
        actor=actor,
        event=event,
        expected_revision=event.revision,
        changes={
            "start_local_date": f"{event.start_local:%Y-%m-%d}T{hour:02d}:00:00",
            "end_local_date": f"{event.start_local:%Y-%m-%d}T{hour + 1:02d}:00:00",
            **changes,
        },
        notify=notify,
        message=message,
    )


def test_a_moved_class_tells_each_participant_the_old_and_new_time(
    yoga_class, owner_membership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        move(yoga_class, owner_membership, hour=11, message="The room is free later.")

    rows = Message.objects.filter(event_id=yoga_class.pk, kind=Message.Kind.MOVED)
    assert rows.filter(state=Message.State.QUEUED).count() == 8
    assert rows.filter(state=Message.State.SKIPPED, reason=NO_EMAIL).count() == 2
    assert len(callbacks) == 1
    row = rows.filter(state=Message.State.QUEUED).first()
    assert row.subject == "Moved: Morning Yoga, now on Mon 1 Jun 2026"
    assert "Was: Monday 1 June 2026, 09:00 to 10:00 (Europe/Berlin)" in row.text_body
    assert "Now: Monday 1 June 2026, 11:00 to 12:00 (Europe/Berlin)" in row.text_body
    assert "The room is free later." in row.text_body
    assert row.ics_method == "REQUEST" and "DTSTART;TZID=Europe/Berlin:20260601T110000" in row.ics
    yoga_class.refresh_from_db()
    assert row.revision == yoga_class.revision


def test_a_new_place_is_a_move_too(yoga_class, owner_membership):
    yoga_class.refresh_from_db()
    services.update_event(
        actor=owner_membership,
        event=yoga_class,
        expected_revision=yoga_class.revision,
        changes={"location": {"type": "CUSTOM", "name": "Park", "address": "Am See 2"}},
        notify=True,
    )

    row = Message.objects.filter(kind=Message.Kind.MOVED, state=Message.State.QUEUED).first()
    assert "Now: Monday 1 June 2026, 09:00 to 10:00 (Europe/Berlin) at Park, Am See 2" in (
        row.text_body
    )


def test_a_second_move_tells_again_and_the_same_change_applied_twice_does_not(
    yoga_class, owner_membership
):
    before = series_rows(yoga_class)
    move(yoga_class, owner_membership, hour=11)
    moved = list(Message.objects.filter(kind=Message.Kind.MOVED).values_list("pk", flat=True))
    yoga_class.refresh_from_db()
    # The same change delivered again (a retried write or a duplicate webhook): same revision.
    notifications.queue_moves(
        business=yoga_class.business,
        moves=[(yoga_class.pk, before[yoga_class.pk])],
        notify=True,
        message="",
    )
    assert list(Message.objects.filter(kind=Message.Kind.MOVED).values_list("pk", flat=True)) == (
        moved
    )

    move(yoga_class, owner_membership, hour=12)

    assert Message.objects.filter(kind=Message.Kind.MOVED).count() == 20
    latest = Message.objects.filter(kind=Message.Kind.MOVED, state="queued").first()
    assert "Was: Monday 1 June 2026, 11:00 to 12:00" in latest.text_body


def test_an_edit_of_other_fields_or_without_notify_tells_nobody(yoga_class, owner_membership):
    services.update_event(
        actor=owner_membership,
        event=yoga_class,
        expected_revision=yoga_class.revision,
        changes={"title": "Slow Yoga", "notes": "Bring water"},
        notify=True,
    )
    move(yoga_class, owner_membership, hour=11, notify=False)

    assert not Message.objects.exists()


def test_a_series_edit_tells_the_participants_of_each_occurrence_it_moves(series, owner_membership):
    occurrences = list(Event.objects.filter(recurring_event_id=series.pk).order_by("start")[:2])
    for occurrence in occurrences:
        ParticipationFactory(event=occurrence, email=f"{occurrence.pk}@example.org")
    series.refresh_from_db()
    park = {"type": "CUSTOM", "name": "Park", "address": "Am See 2"}

    services.update_event(
        actor=owner_membership,
        event=series,
        expected_revision=series.revision,
        changes={"location": park},
        notify=True,
    )
    # A new time for the series keeps booked occurrences where they are: nobody is moved.
    series.refresh_from_db()
    services.update_event(
        actor=owner_membership,
        event=series,
        expected_revision=series.revision,
        changes={
            "start_local_date": series.start_local_date[:11] + "18:00:00",
            "end_local_date": series.start_local_date[:11] + "19:00:00",
        },
        notify=True,
    )

    rows = Message.objects.filter(kind=Message.Kind.MOVED)
    assert sorted(rows.values_list("event_id", flat=True)) == sorted(o.pk for o in occurrences)
    assert all("at Park, Am See 2" in row.text_body for row in rows)


def test_the_edit_form_offers_notify_checked_when_there_are_participants_and_sends_the_message(
    yoga_class, owner_client
):
    empty = EventFactory(schedule=yoga_class.schedule)
    empty_page = owner_client.get(reverse("calendar_app:event_edit", args=[empty.pk]))
    tag = re.search(r'<input[^>]*name="notify"[^>]*>', empty_page.content.decode()).group()
    assert "checked" not in tag

    url = reverse("calendar_app:event_edit", args=[yoga_class.pk])
    page = owner_client.get(url).content.decode()
    assert "checked" in re.search(r'<input[^>]*name="notify"[^>]*>', page).group()

    response = owner_client.post(
        url,
        {
            "title": "Morning Yoga",
            "date": "2026-06-01",
            "start_time": "10:00",
            "end_time": "11:00",
            "capacity": "10",
            "revision": yoga_class.revision,
            "notify": "on",
            "message": "Half an hour later, sorry!",
        },
    )

    assert response.status_code in (200, 302)
    row = Message.objects.filter(kind=Message.Kind.MOVED, state="queued").first()
    assert "Half an hour later, sorry!" in row.text_body


def test_the_edit_form_refuses_a_message_over_5000_characters_and_changes_nothing(
    yoga_class, owner_client
):
    response = owner_client.post(
        reverse("calendar_app:event_edit", args=[yoga_class.pk]),
        {
            "title": "Morning Yoga",
            "date": "2026-06-01",
            "start_time": "10:00",
            "end_time": "11:00",
            "capacity": "10",
            "revision": yoga_class.revision,
            "notify": "on",
            "message": "x" * 5001,
        },
    )

    assert response.status_code == 400
    assert "it may be at most 5000" in response.content.decode()
    yoga_class.refresh_from_db()
    assert yoga_class.start_local == datetime(2026, 6, 1, 9, 0)
    assert not Message.objects.exists()


def test_cancelling_a_schedule_tells_the_participants_of_its_future_events(
    owner_membership, business
):
    schedule = ScheduleFactory(business=business, name="Spin")
    later = [
        EventFactory(schedule=schedule, title="Spin", start_local=datetime(2030, 1, day, 9))
        for day in (7, 14)
    ]
    for event in later:
        ParticipationFactory(event=event, email=f"{event.pk}@example.org")
        ParticipationFactory(event=event, email="")

    services.cancel_schedule(
        actor=owner_membership,
        schedule=schedule,
        expected_revision=schedule.revision,
        notify=True,
        message="The Spin course ends.",
    )

    rows = Message.objects.filter(kind=Message.Kind.CANCELLED)
    assert rows.filter(state="queued").count() == 2 and rows.filter(state="skipped").count() == 2
    assert all("The Spin course ends." in row.text_body for row in rows)
    assert all(row.ics_method == "CANCEL" for row in rows.filter(state="queued"))
    assert set(Event.objects.filter(schedule=schedule).values_list("status", flat=True)) == {
        "CANCELLED"
    }
    # Cancelling one of those events again (a retry, a webhook) tells nobody twice.
    notifications.queue_cancellation(
        event=later[0], event_ids=[later[0].pk], notify=True, message=""
    )
    assert rows.count() == 4


def test_cancelling_a_schedule_without_notify_tells_nobody(owner_membership, schedule):
    event = EventFactory(schedule=schedule, start_local=datetime(2030, 1, 7, 9))
    ParticipationFactory(event=event, email="a@example.org")
    services.cancel_schedule(
        actor=owner_membership, schedule=schedule, expected_revision=schedule.revision
    )

    assert not Message.objects.exists()


def test_the_schedule_list_offers_notify_and_refuses_a_too_long_message(owner_client, yoga_class):
    schedule = yoga_class.schedule
    page = owner_client.get(reverse("calendar_app:schedules")).content.decode()
    assert 'name="notify" value="on" checked' in page

    response = owner_client.post(
        reverse("calendar_app:schedule_cancel", args=[schedule.pk]),
        {"revision": schedule.revision, "notify": "on", "message": "x" * 5001},
    )

    assert response.status_code == 400
    assert "it may be at most 5000" in response.content.decode()
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.ACTIVE
