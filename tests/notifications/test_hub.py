"""The Outbox line of the settings hub."""

import pytest

from calendar_app.models import Event
from calendar_app.notifications.hub import outbox_status
from calendar_app.notifications.models import Message
from calendar_app.notifications.services import queue_cancellation

pytestmark = pytest.mark.django_db


def test_an_empty_outbox_has_nothing_waiting(business):
    assert outbox_status(business) == "nothing waiting"


def test_the_line_counts_what_waits_and_what_failed(
    yoga_class, business, django_assert_num_queries
):
    yoga_class.status = Event.Status.CANCELLED
    yoga_class.save()
    queue_cancellation(event=yoga_class, event_ids=[yoga_class.pk], notify=True, message="")
    Message.objects.filter(email="person0@example.org").update(state=Message.State.FAILED)

    with django_assert_num_queries(1):
        assert outbox_status(business) == "7 waiting, 1 failed"
