"""Reminders: written by the beat task's function at chosen "now" values, once per
participation and occurrence, never for a cancelled event or participation, and sent to the
loopback SMTP server."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from calendar_app import services
from calendar_app.notifications.models import NO_EMAIL, Message, ReminderSetting
from calendar_app.notifications.reminders import queue_reminders
from calendar_app.notifications.sending import EVENT_CHANGED, PARTICIPATION_CANCELLED
from participants.services import cancel_participation
from tests.factories import EventFactory, ParticipationFactory
from tests.notifications.conftest import send_queued

pytestmark = pytest.mark.django_db

# The factories' events start on Monday 1 June 2026 at 09:00 in Berlin: 07:00 UTC.
NINE_ON_MONDAY = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def reminders() -> list[Message]:
    return list(Message.objects.filter(kind=Message.Kind.REMINDER).order_by("id"))


@pytest.fixture
def two_occurrences(schedule):
    """Monday's and Tuesday's class, each with the same participant booked."""
    monday = EventFactory(schedule=schedule, title="Morning Yoga")
    tuesday = EventFactory(
        schedule=schedule, title="Morning Yoga", start_local=datetime(2026, 6, 2, 9, 0)
    )
    for event in (monday, tuesday):
        ParticipationFactory(event=event, name="Ada", email="ada@example.org")
    return monday, tuesday


def test_two_occurrences_one_cancelled_give_exactly_one_reminder_at_the_lead_time(
    smtp, two_occurrences, owner_membership
):
    monday, tuesday = two_occurrences
    services.cancel_event(actor=owner_membership, event=monday, expected_revision=monday.revision)
    tuesday_start = NINE_ON_MONDAY + timedelta(days=1)

    assert queue_reminders(now=tuesday_start - timedelta(hours=24, minutes=5)) == []
    assert len(queue_reminders(now=tuesday_start - timedelta(hours=24))) == 1
    assert queue_reminders(now=tuesday_start - timedelta(hours=23, minutes=55)) == []
    assert queue_reminders(now=tuesday_start - timedelta(minutes=1)) == []
    assert send_queued() == ["sent"]

    (row,) = reminders()
    assert row.event_id == tuesday.pk
    (received,) = smtp.inbox.messages
    assert received["To"].addresses[0].addr_spec == "ada@example.org"
    assert received["Subject"] == "Reminder: Morning Yoga on Tue 2 Jun 2026 at 09:00"
    assert received["Message-ID"] == row.message_id
    text = received.get_body(("plain",)).get_content()
    assert "Tuesday 2 June 2026, 09:00 to 10:00 (Europe/Berlin)" in text
    assert "<strong>Morning Yoga</strong>" in received.get_body(("html",)).get_content()


def test_the_schedule_s_lead_time_and_switch_decide(schedule, two_occurrences):
    monday, _tuesday = two_occurrences
    ReminderSetting.objects.create(schedule=schedule, lead_time=timedelta(hours=2))

    assert queue_reminders(now=NINE_ON_MONDAY - timedelta(hours=3)) == []
    assert len(queue_reminders(now=NINE_ON_MONDAY - timedelta(hours=2))) == 1
    assert reminders()[0].event_id == monday.pk

    ReminderSetting.objects.filter(schedule=schedule).update(enabled=False)
    assert queue_reminders(now=NINE_ON_MONDAY + timedelta(days=1) - timedelta(hours=1)) == []


def test_an_occurrence_that_has_started_gets_no_reminder(two_occurrences):
    assert queue_reminders(now=NINE_ON_MONDAY + timedelta(days=1)) == []


def test_a_cancelled_participation_is_not_reminded_and_one_without_email_is_skipped(
    schedule, owner_membership
):
    event = EventFactory(schedule=schedule)
    gone = ParticipationFactory(event=event, email="gone@example.org")
    ParticipationFactory(event=event, name="No Mail", email="")
    cancel_participation(
        actor=owner_membership, participation=gone, expected_revision=gone.revision
    )

    assert queue_reminders(now=NINE_ON_MONDAY - timedelta(hours=1)) == []

    (row,) = reminders()
    assert (row.name, row.state, row.reason) == ("No Mail", Message.State.SKIPPED, NO_EMAIL)


def test_a_moved_class_is_reminded_at_and_of_its_new_time(smtp, schedule, owner_membership):
    event = EventFactory(schedule=schedule, title="Spin")
    ParticipationFactory(event=event, email="a@example.org")
    services.update_event(
        actor=owner_membership,
        event=event,
        expected_revision=event.revision,
        changes={
            "start_local_date": datetime(2026, 6, 3, 18, 0),
            "end_local_date": datetime(2026, 6, 3, 19, 0),
        },
    )
    new_start = datetime(2026, 6, 3, 16, 0, tzinfo=UTC)

    assert queue_reminders(now=NINE_ON_MONDAY - timedelta(hours=23)) == []
    assert len(queue_reminders(now=new_start - timedelta(hours=24))) == 1
    send_queued()

    text = smtp.inbox.messages[0].get_body(("plain",)).get_content()
    assert "Wednesday 3 June 2026, 18:00 to 19:00 (Europe/Berlin)" in text


def test_a_reminder_still_queued_when_its_class_is_cancelled_or_moved_is_not_sent(
    smtp, two_occurrences, owner_membership
):
    _monday, tuesday = two_occurrences
    queue_reminders(now=NINE_ON_MONDAY + timedelta(hours=1))  # Tuesday's is due
    tuesday.refresh_from_db()
    services.cancel_event(actor=owner_membership, event=tuesday, expected_revision=tuesday.revision)

    assert send_queued() == ["nothing to send"]

    row = Message.objects.get(kind=Message.Kind.REMINDER)
    assert (row.state, row.reason) == (Message.State.SKIPPED, EVENT_CHANGED)
    assert smtp.inbox.raw == []


def test_a_reminder_still_queued_when_its_participation_is_cancelled_is_not_sent(
    smtp, two_occurrences, owner_membership
):
    _monday, tuesday = two_occurrences
    queue_reminders(now=NINE_ON_MONDAY + timedelta(hours=1))
    booked = tuesday.participations.get()
    cancel_participation(
        actor=owner_membership, participation=booked, expected_revision=booked.revision
    )

    send_queued()

    row = Message.objects.get(kind=Message.Kind.REMINDER)
    assert (row.state, row.reason) == (Message.State.SKIPPED, PARTICIPATION_CANCELLED)
    # The person is told of the cancellation itself, never reminded of the class.
    told = Message.objects.get(kind=Message.Kind.PARTICIPATION_CANCELLED)
    assert [m["Message-ID"].strip() for m in smtp.inbox.messages] == [told.message_id]


def test_a_participant_of_the_whole_schedule_is_reminded_of_each_occurrence(
    schedule, two_occurrences
):
    ParticipationFactory(
        event=None, schedule=schedule, business=schedule.business, email="course@example.org"
    )

    queue_reminders(now=NINE_ON_MONDAY - timedelta(hours=1))
    queue_reminders(now=NINE_ON_MONDAY + timedelta(days=1) - timedelta(hours=1))

    assert sorted(
        (m.email, m.event_id) for m in reminders() if m.email == "course@example.org"
    ) == sorted(("course@example.org", e.pk) for e in two_occurrences)


def test_queueing_reminders_takes_the_same_queries_for_two_or_forty_participants(
    schedule, django_assert_num_queries
):
    small = EventFactory(schedule=schedule)
    ParticipationFactory.create_batch(2, event=small)
    # savepoint, events, people, reminders written, unsubscribed, insert, release
    with django_assert_num_queries(7) as few:
        queue_reminders(now=NINE_ON_MONDAY - timedelta(hours=1))

    Message.objects.all().delete()
    large = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 11, 0))
    ParticipationFactory.create_batch(40, event=large)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(queue_reminders(now=NINE_ON_MONDAY - timedelta(hours=1))) == 42


def test_the_beat_task_queues_the_due_reminders_for_sending(schedule, settings):
    from calendar_app.notifications.tasks import queue_due_reminders

    event = EventFactory(schedule=schedule, start_local=timezone.localtime().replace(tzinfo=None))
    event.start = timezone.now() + timedelta(hours=1)
    event.save()
    ParticipationFactory(event=event, email="soon@example.org")

    assert queue_due_reminders() == 1
    assert Message.objects.get(kind=Message.Kind.REMINDER).email == "soon@example.org"
