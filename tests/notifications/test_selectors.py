"""The event page's told line and the Outbox's rows."""

import pytest

from calendar_app.models import Event
from calendar_app.notifications.models import Message
from calendar_app.notifications.selectors import outbox, outbox_health, told_summary
from calendar_app.notifications.services import queue_cancellation
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def cancelled(event):
    event.status = Event.Status.CANCELLED
    event.save()
    queue_cancellation(event=event, event_ids=[event.pk], notify=True, message="")
    return event


def test_the_told_line_counts_told_skipped_and_failed(yoga_class):
    cancelled(yoga_class)
    Message.objects.filter(email="person0@example.org").update(
        state=Message.State.FAILED, reason="550"
    )

    assert told_summary(yoga_class) == "told 7, skipped 2 (2 no email), failed 1"


def test_an_event_nobody_was_told_of_has_no_line(schedule, django_assert_num_queries):
    confirmed = EventFactory(schedule=schedule)

    with django_assert_num_queries(0):
        assert told_summary(confirmed) is None
    assert told_summary(cancelled(EventFactory(schedule=schedule))) is None


def test_the_outbox_filters_by_state_and_ignores_unknown_states(yoga_class, business):
    cancelled(yoga_class)

    assert outbox(business=business, state="skipped").count() == 2
    assert outbox(business=business, state="nonsense").count() == 10


def test_queueing_takes_the_same_queries_for_two_or_twenty_participants(
    schedule, django_assert_num_queries
):
    small, large = EventFactory(schedule=schedule), EventFactory(schedule=schedule)
    ParticipationFactory.create_batch(2, event=small)
    ParticipationFactory.create_batch(20, event=large)
    Event.objects.update(status=Event.Status.CANCELLED)
    small.refresh_from_db()
    large.refresh_from_db()

    with django_assert_num_queries(5) as few:  # business, events, people, unsubscribed, insert
        queue_cancellation(event=small, event_ids=[small.pk], notify=True, message="")
    with django_assert_num_queries(len(few.captured_queries)):
        queue_cancellation(event=large, event_ids=[large.pk], notify=True, message="")


def test_the_outbox_health_counts_queued_and_failed_and_names_the_oldest_queued(
    yoga_class, business
):
    assert outbox_health(business=business) == {"queued": 0, "failed": 0, "oldest_queued": None}
    cancelled(yoga_class)
    Message.objects.filter(email="person0@example.org").update(state=Message.State.FAILED)

    health = outbox_health(business=business)

    assert (health["queued"], health["failed"]) == (7, 1)
    queued = Message.objects.filter(state=Message.State.QUEUED).order_by("created_date")
    assert health["oldest_queued"] == queued[0].created_date
