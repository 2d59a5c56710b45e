"""Outgoing booking webhooks: queued on commit into the real Redis broker, delivered by the
Celery task (``apply``: the task's own retry machinery, synchronously) to a loopback receiver."""

import base64
import json
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from bookings.models import WebhookSubscription
from bookings.services import book_appointment, cancel_booking
from bookings.tasks import deliver_webhook
from calendar_app.sync.egress import EgressRefused
from tests.bookings.conftest import berlin
from tests.factories import WebhookSubscriptionFactory
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db

QUEUE = "celery"


@pytest.fixture
def broker():
    """The test's Redis database, its default queue emptied first."""
    connection = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    connection.delete(QUEUE)
    yield connection
    connection.delete(QUEUE)


def queued_tasks(broker) -> list[tuple[str, list]]:
    """(task name, args) of every webhook delivery waiting in the queue, oldest first (the
    customer's confirmation email is queued beside them, and is the notifications' to test)."""
    found = []
    for raw in reversed(broker.lrange(QUEUE, 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        if message["headers"]["task"] == "bookings.tasks.deliver_webhook":
            found.append((message["headers"]["task"], args))
    return found


@pytest.fixture
def receiver():
    fake = WebhookReceiver()
    yield fake
    fake.close()


@pytest.fixture
def subscription(business, receiver):
    return WebhookSubscriptionFactory(business=business, url=receiver.url, api_key="dk_hook-key")


def _book(training, member):
    return book_appointment(
        actor=None, appointment=training, customer=member, start=berlin(9), end=berlin(10)
    )


def test_a_booking_queues_one_delivery_per_subscription_after_commit(
    training, member, subscription, business, broker, django_capture_on_commit_callbacks
):
    second = WebhookSubscriptionFactory(business=business, url="http://127.0.0.1:9/other")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking = _book(training, member)
        assert queued_tasks(broker) == []  # nothing before the commit
    for callback in callbacks:
        callback()

    tasks = queued_tasks(broker)
    assert [(name, args[0]) for name, args in tasks] == [
        ("bookings.tasks.deliver_webhook", subscription.pk),
        ("bookings.tasks.deliver_webhook", second.pk),
    ]
    envelope = tasks[0][1][1]
    assert envelope["entityId"] == booking.pk
    assert envelope["payload"][0]["type"] == "APPOINTMENT_BOOKING_CREATED"
    assert tasks[0][1][1]["uuid"] != tasks[1][1][1]["uuid"]


def test_the_queued_delivery_reaches_the_receiver_in_the_contract_s_envelope(
    training, member, subscription, receiver, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(training, member)
    [(_name, args)] = queued_tasks(broker)

    result = deliver_webhook.apply(args=args)

    assert result.get() == 200
    [delivery] = receiver.received
    assert delivery.headers["x-api-key"] == "dk_hook-key"
    assert delivery.headers["Content-Type"] == "application/json"
    assert set(delivery.body) == {"entityId", "uuid", "payload"}
    assert delivery.body["entityId"] == booking.pk
    [event] = delivery.body["payload"]
    assert event["type"] == "APPOINTMENT_BOOKING_CREATED"
    assert isinstance(event["timestamp"], int)
    assert abs(event["timestamp"] / 1000 - booking.created_date.timestamp()) < 60


def test_a_cancellation_sends_appointment_booking_cancelled(
    training, member, subscription, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(training, member)
        cancel_booking(actor=None, booking=booking)

    types = [args[1]["payload"][0]["type"] for _name, args in queued_tasks(broker)]
    assert types == ["APPOINTMENT_BOOKING_CREATED", "APPOINTMENT_BOOKING_CANCELLED"]


def test_another_facility_s_subscription_hears_nothing(
    training, member, other_business, broker, django_capture_on_commit_callbacks
):
    WebhookSubscriptionFactory(business=other_business)

    with django_capture_on_commit_callbacks(execute=True):
        _book(training, member)

    assert queued_tasks(broker) == []


def test_a_failing_receiver_gets_the_same_event_again_until_it_accepts(subscription, receiver):
    receiver.statuses = [503, 429]
    envelope = {"entityId": 1, "uuid": "same-every-time", "payload": []}

    result = deliver_webhook.apply(args=[subscription.pk, envelope])

    assert result.get() == 200
    assert [r.body["uuid"] for r in receiver.received] == ["same-every-time"] * 3


def test_retries_are_bounded(subscription, receiver):
    receiver.statuses = [500] * 20
    envelope = {"entityId": 1, "uuid": "u", "payload": []}

    result = deliver_webhook.apply(args=[subscription.pk, envelope])

    assert result.failed()
    assert len(receiver.received) == deliver_webhook.max_retries + 1


def test_a_refusal_by_the_receiver_is_not_retried(subscription, receiver):
    receiver.statuses = [401]

    result = deliver_webhook.apply(args=[subscription.pk, {"entityId": 1, "uuid": "u"}])

    assert result.get() == 401
    assert len(receiver.received) == 1


def test_an_unreachable_receiver_is_retried_then_given_up(business):
    closed_port = WebhookSubscriptionFactory(business=business, url="http://127.0.0.1:9/hook")

    result = deliver_webhook.apply(args=[closed_port.pk, {"entityId": 1, "uuid": "u"}])

    assert result.failed()
    assert result.result.__class__.__name__ == "ConnectError"


def test_a_removed_subscription_is_not_delivered_to(subscription, receiver):
    subscription_id = subscription.pk
    subscription.delete()

    result = deliver_webhook.apply(args=[subscription_id, {"entityId": 1, "uuid": "u"}])

    assert result.get() is None
    assert receiver.received == []


def test_a_webhook_to_loopback_is_refused_by_the_form_when_egress_allow_is_empty(
    owner_client, receiver
):
    with override_settings(EGRESS_ALLOW=[]):
        response = owner_client.post(reverse("api_settings:webhook_create"), {"url": receiver.url})

    assert response.status_code == 400
    assert "127.0.0.1 is a loopback address: the server does not call internal" in response.text
    assert not WebhookSubscription.objects.exists()


def test_a_webhook_to_loopback_is_delivered_when_egress_allow_names_its_port(
    owner_client, receiver
):
    port = urlsplit(receiver.url).port
    with override_settings(EGRESS_ALLOW=[f"127.0.0.1:{port}"]):
        response = owner_client.post(reverse("api_settings:webhook_create"), {"url": receiver.url})
        subscription = WebhookSubscription.objects.get()
        result = deliver_webhook.apply(args=[subscription.pk, {"entityId": 1, "uuid": "u"}])

    assert response.status_code == 200
    assert result.get() == 200
    assert [delivery.body["uuid"] for delivery in receiver.received] == ["u"]


def test_a_refused_destination_at_send_time_is_a_failed_delivery_saying_why_not_retried(
    subscription, receiver, caplog
):
    """A subscription stored before the rule (or whose name now resolves inside) fails once."""
    with override_settings(EGRESS_ALLOW=[]):
        result = deliver_webhook.apply(args=[subscription.pk, {"entityId": 1, "uuid": "u"}])

    assert result.failed()
    assert isinstance(result.result, EgressRefused)
    assert "127.0.0.1 is a loopback address" in str(result.result)
    assert receiver.received == []
    refusals = [r for r in caplog.records if "refused: 127.0.0.1 is a loopback" in r.getMessage()]
    assert len(refusals) == 1
