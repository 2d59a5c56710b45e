"""The move endpoint behind the calendar's drag, resize and keyboard moves: each answer's status
and what it stored (or did not)."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from calendar_app.models import Event, format_local_date
from calendar_app.notifications.models import Message
from calendar_app.signals import event_moved
from tests.factories import (
    EventFactory,
    EventResourceFactory,
    ParticipationFactory,
    ResourceFactory,
    next_monday,
)

HX = {"HTTP_HX_REQUEST": "true"}


def move_url(event) -> str:
    return reverse("calendar_app:event_move", args=[event.pk])


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def drop(event, *, hours: float = 0, resize: float = 0, **extra) -> dict:
    """What the grid posts for a drop of ``event`` moved by ``hours`` (end by ``resize`` more)."""
    start = event.start_local + timedelta(hours=hours)
    end = event.end_local + timedelta(hours=hours + resize)
    return {"revision": event.revision, "start": iso(start), "end": iso(end), **extra}


@pytest.fixture
def one_off(schedule):
    return EventFactory(schedule=schedule, title="Pilates", start_local=next_monday(10))


def test_a_drop_moves_a_one_off_event_by_exactly_the_dragged_time(owner_client, one_off):
    before = Event.objects.get(pk=one_off.pk)

    response = owner_client.post(move_url(one_off), drop(one_off, hours=2), **HX)

    assert response.status_code == 200
    moved = Event.objects.get(pk=one_off.pk)
    assert moved.start - before.start == timedelta(hours=2)
    assert moved.end - before.end == timedelta(hours=2)
    assert moved.revision == before.revision + 1
    assert 'data-move-state="done"' in response.text
    assert "Undo" in response.text


def test_a_resize_moves_only_the_end(owner_client, one_off):
    before = Event.objects.get(pk=one_off.pk)

    response = owner_client.post(move_url(one_off), drop(one_off, resize=0.5), **HX)

    assert response.status_code == 200
    moved = Event.objects.get(pk=one_off.pk)
    assert moved.start == before.start
    assert moved.end - before.end == timedelta(minutes=30)


def test_undo_moves_it_back_from_the_new_revision(owner_client, one_off):
    original = Event.objects.get(pk=one_off.pk)
    owner_client.post(move_url(one_off), drop(one_off, hours=2), **HX)
    moved = Event.objects.get(pk=one_off.pk)

    undo = {
        "revision": moved.revision,
        "start": iso(original.start_local),
        "end": iso(original.end_local),
        "confirmed": "1",
        "save_anyway": "1",
    }
    response = owner_client.post(move_url(one_off), undo, **HX)

    assert response.status_code == 200
    assert Event.objects.get(pk=one_off.pk).start == original.start


def test_a_stale_revision_is_a_conflict_that_overwrites_nothing(owner_client, one_off):
    payload = drop(one_off, hours=2)
    Event.objects.filter(pk=one_off.pk).update(revision=one_off.revision + 1, title="Renamed")

    response = owner_client.post(move_url(one_off), payload, **HX)

    assert response.status_code == 409
    assert "changed since you opened it" in response.text
    assert Event.objects.get(pk=one_off.pk).start == one_off.start


def test_a_clash_asks_first_then_move_anyway_moves(owner_client, one_off, schedule):
    room = ResourceFactory(business=one_off.business, name="Room 1")
    EventResourceFactory(event=one_off, resource=room)
    other = EventFactory(schedule=schedule, title="Yin", start_local=next_monday(12))
    EventResourceFactory(event=other, resource=room)

    response = owner_client.post(move_url(one_off), drop(one_off, hours=2), **HX)

    assert response.status_code == 409
    assert "Already taken at that time" in response.text
    assert "Move anyway" in response.text
    assert Event.objects.get(pk=one_off.pk).start == one_off.start

    response = owner_client.post(move_url(one_off), drop(one_off, hours=2, save_anyway="1"), **HX)
    assert response.status_code == 200
    assert Event.objects.get(pk=one_off.pk).start == one_off.start + timedelta(hours=2)


def test_a_drop_in_another_resource_column_swaps_the_resource(owner_client, one_off):
    room, hall = (ResourceFactory(business=one_off.business, name=n) for n in ("Room", "Hall"))
    EventResourceFactory(event=one_off, resource=room)

    payload = drop(one_off, resource_id=hall.pk, from_resource_id=room.pk)
    response = owner_client.post(move_url(one_off), payload, **HX)

    assert response.status_code == 200
    held = list(one_off.event_resources.values_list("resource_id", flat=True))
    assert held == [hall.pk]


def test_a_drop_in_another_resource_column_is_checked_for_clashes(owner_client, one_off, schedule):
    room, hall = (ResourceFactory(business=one_off.business, name=n) for n in ("Room", "Hall"))
    EventResourceFactory(event=one_off, resource=room)
    busy = EventFactory(schedule=schedule, start_local=one_off.start_local)
    EventResourceFactory(event=busy, resource=hall)

    payload = drop(one_off, resource_id=hall.pk, from_resource_id=room.pk)
    response = owner_client.post(move_url(one_off), payload, **HX)

    assert response.status_code == 409
    assert list(one_off.event_resources.values_list("resource_id", flat=True)) == [room.pk]


def test_another_business_s_resource_is_refused(owner_client, one_off, other_business):
    room = ResourceFactory(business=one_off.business)
    EventResourceFactory(event=one_off, resource=room)
    foreign = ResourceFactory(business=other_business)

    payload = drop(one_off, resource_id=foreign.pk, from_resource_id=room.pk)
    response = owner_client.post(move_url(one_off), payload, **HX)

    assert response.status_code == 400
    assert "does not exist" in response.text
    assert list(one_off.event_resources.values_list("resource_id", flat=True)) == [room.pk]


def test_an_occurrence_asks_how_far_then_moves_it_and_the_following(owner_client, series):
    occurrences = list(Event.objects.filter(recurring_event_id=series.pk).order_by("start")[:3])
    second = occurrences[1]

    response = owner_client.post(move_url(second), drop(second, hours=1), **HX)

    assert response.status_code == 200
    assert 'data-move-state="ask"' in response.text
    assert "This and the following ones" in response.text
    assert Event.objects.get(pk=second.pk).start == second.start  # asked, nothing moved

    series.refresh_from_db()
    answer = drop(second, hours=1, scope="following", series_revision=series.revision)
    response = owner_client.post(move_url(second), {**answer, "confirmed": "1"}, **HX)

    assert response.status_code == 200, response.text
    first = Event.objects.get(pk=occurrences[0].pk)
    assert first.start_local.hour == 9  # the earlier one keeps its time
    later = Event.objects.filter(
        business=series.business,
        start_local_date__startswith=format_local_date(occurrences[2].start_local)[:10],
        removed_date__isnull=True,
    ).exclude(recurrence_type=Event.RecurrenceType.MASTER)
    assert [e.start_local.hour for e in later] == [10]


def test_staff_move_only_the_occurrence_without_being_asked(staff_client, series):
    second = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[1]

    response = staff_client.post(move_url(second), drop(second, hours=1), **HX)

    assert response.status_code == 200
    assert 'data-move-state="done"' in response.text
    assert Event.objects.get(pk=second.pk).start_local.hour == 10


def test_staff_may_not_move_the_following_occurrences(staff_client, series):
    second = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[1]
    payload = drop(
        second, hours=1, scope="following", series_revision=series.revision, confirmed="1"
    )

    response = staff_client.post(move_url(second), payload, **HX)

    assert response.status_code == 403
    assert Event.objects.get(pk=second.pk).start == second.start


def test_an_event_with_participants_asks_whether_to_tell_them(owner_client, one_off):
    ParticipationFactory(event=one_off, party_size=2)
    told = []

    def receiver(**kwargs):
        told.append((kwargs["notify"], kwargs["message"]))

    event_moved.connect(receiver)
    try:
        response = owner_client.post(move_url(one_off), drop(one_off, hours=1), **HX)
        assert response.status_code == 200
        assert "Notify participants" in response.text
        assert "2 places booked" in response.text
        assert told == []

        payload = drop(one_off, hours=1, confirmed="1", notify="on", message="Room change")
        response = owner_client.post(move_url(one_off), payload, **HX)
    finally:
        event_moved.disconnect(receiver)

    assert response.status_code == 200
    assert told == [(True, "Room change")]


@pytest.mark.parametrize(
    ("payload", "sentence"),
    [
        ({"start": "tomorrow", "end": "2026-01-01T10:00"}, "YYYY-MM-DDTHH:MM"),
        ({"start": "2026-01-01T11:00", "end": "2026-01-01T10:00"}, "end after it starts"),
        ({"start": "0999-01-01T10:00", "end": "0999-01-01T11:00"}, "between the years"),
        ({"revision": "x"}, "reload it"),
        ({"resource_id": "abc"}, "names the resource it leaves"),
    ],
)
def test_bad_input_is_a_400_with_a_sentence_and_stores_nothing(
    owner_client, one_off, payload, sentence
):
    response = owner_client.post(move_url(one_off), {**drop(one_off, hours=1), **payload}, **HX)

    assert response.status_code == 400
    assert sentence in response.text
    assert Event.objects.get(pk=one_off.pk).start == one_off.start


def test_another_business_s_event_is_a_404(client, outsider, one_off):
    client.force_login(outsider)

    response = client.post(move_url(one_off), drop(one_off, hours=1), **HX)

    assert response.status_code == 404
    assert Event.objects.get(pk=one_off.pk).start == one_off.start


def test_a_get_is_refused(owner_client, one_off):
    assert owner_client.get(move_url(one_off)).status_code == 405


def test_without_scripts_the_move_lands_on_the_event_page(owner_client, one_off):
    response = owner_client.post(move_url(one_off), drop(one_off, hours=1))

    assert response.status_code == 302
    assert response["Location"] == reverse("calendar_app:event_detail", args=[one_off.pk])


def test_an_unreachable_calendar_is_a_503_and_nothing_moves(owner_client, business, wix_server):
    from calendar_app.tenancy.models import Business
    from calendar_app.wix.apply import apply_remote_event, apply_remote_schedule
    from tests.factories import WixConnectionFactory

    Business.objects.filter(pk=business.pk).update(backend=Business.Backend.WIX)
    connection = WixConnectionFactory(
        business=Business.objects.get(pk=business.pk),
        base_url=wix_server.base_url,
        api_key=wix_server.api_key,
        site_id=wix_server.site_id,
    )
    remote = wix_server.add_schedule(name="Yoga")
    apply_remote_schedule(connection=connection, data=remote, source="backfill")
    start = next_monday(10)
    data = wix_server.add_event(
        schedule_id=remote["id"], start_local=start, end_local=start + timedelta(hours=1)
    )
    apply_remote_event(connection=connection, data=data, source="backfill")
    event = Event.objects.get(pk=data["id"])
    wix_server.script(*[(503, 0)] * 4)

    response = owner_client.post(move_url(event), drop(event, hours=1), **HX)

    assert response.status_code == 503
    assert "not reachable" in response.text
    assert Event.objects.get(pk=event.pk).start == event.start


def test_a_cancelled_event_is_not_moved(owner_client, one_off):
    Event.objects.filter(pk=one_off.pk).update(status=Event.Status.CANCELLED)

    response = owner_client.post(move_url(one_off), drop(one_off, hours=1), **HX)

    assert response.status_code == 400
    assert "restore it first" in response.text
    assert Event.objects.get(pk=one_off.pk).start == one_off.start


def test_a_series_master_is_not_moved_from_the_grid(owner_client, series):
    response = owner_client.post(move_url(series), drop(series, hours=1), **HX)

    assert response.status_code == 400
    assert "occurrences of a series" in response.text
    assert Event.objects.get(pk=series.pk).start == series.start


def test_staff_may_not_move_blocked_time(staff_client, business):
    from tests.factories import ScheduleFactory

    blocked = ScheduleFactory(business=business, is_blocked_time=True)
    event = EventFactory(schedule=blocked, start_local=next_monday(10))

    response = staff_client.post(move_url(event), drop(event, hours=1), **HX)

    assert response.status_code == 403
    assert Event.objects.get(pk=event.pk).start == event.start


def test_a_drop_with_notify_queues_a_moved_notice_per_participant(owner_client, one_off):
    ParticipationFactory(event=one_off, email="ada@example.com")
    ParticipationFactory(event=one_off, email="grace@example.com")
    payload = drop(one_off, hours=2, confirmed="1", notify="on", message="Room 2 is free")

    response = owner_client.post(move_url(one_off), payload, **HX)

    assert response.status_code == 200
    notices = Message.objects.filter(event_id=one_off.pk, kind=Message.Kind.MOVED)
    assert sorted(notices.values_list("email", flat=True)) == [
        "ada@example.com",
        "grace@example.com",
    ]
    assert all("Room 2 is free" in notice.text_body for notice in notices)
