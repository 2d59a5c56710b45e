"""The backlog drain: one event delivery's task applies a batch of the connection's stored event
deliveries in one transaction, by the same rules as one at a time."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection as db_connection
from django.db import transaction

from calendar_app.models import ChangeRecord, Event
from calendar_app.wix import deliveries, tasks, webhooks
from calendar_app.wix.models import WebhookDelivery
from tests.factories import WixConnectionFactory
from tests.fakes import wix_signing as signing
from tests.fakes.wix_server import FakeWixServer

pytestmark = pytest.mark.django_db

EVENT = "wix.calendar.v3.event"
SOON = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        yield server


@pytest.fixture
def connection(fake):
    return WixConnectionFactory.mirroring(fake)


def store(connection, domain_events) -> list[int]:
    """Stored through the intake itself, not applied yet (the tasks are not run)."""
    for domain_event in domain_events:
        token = signing.sign(domain_event, instance_id=connection.instance_id)
        assert webhooks.receive_delivery(body=token.encode()).status == 200
    return list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))


def statuses() -> list[str]:
    return list(WebhookDelivery.objects.order_by("pk").values_list("status", flat=True))


def history(fake, events=3):
    schedule = fake.add_schedule(name="Yoga")
    for n in range(events):
        event = fake.add_event(
            schedule_id=schedule["id"],
            start_local=SOON + timedelta(hours=n),
            end_local=SOON + timedelta(hours=n, minutes=45),
        )
        fake.update_event(event["id"], title=f"Yoga {n}")
    fake.cancel_event(event["id"])
    return [change.domain_event() for change in fake.changes if change.kind == "event"]


def test_one_task_applies_the_stored_event_deliveries_of_its_connection(
    connection, fake, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        pks = store(connection, reversed(history(fake)))  # newest first

    assert deliveries.apply_delivery(delivery_pk=pks[0]) == "applied"

    assert statuses() == ["applied"] * len(pks)
    stored = {e.title: (e.revision, e.status) for e in Event.objects.all()}
    assert stored == {
        "Yoga 0": (2, "CONFIRMED"),
        "Yoga 1": (2, "CONFIRMED"),
        "Yoga 2": (3, "CANCELLED"),
    }
    # Stored newest first, judged in revision order: every change is applied and audited.
    audited = ChangeRecord.objects.filter(actor_kind="upstream", object_type="Event")
    assert sorted(audited.values_list("action", flat=True)) == ["create"] * 3 + ["update"] * 4
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    for pk in pks[1:]:  # their own tasks find them applied and change nothing
        assert deliveries.apply_delivery(delivery_pk=pk) == "applied"
    assert audited.count() == 7


def test_a_batch_is_bounded(connection, fake, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(deliveries, "BATCH_SIZE", 2)
    with django_capture_on_commit_callbacks():
        pks = store(connection, history(fake))

    deliveries.apply_delivery(delivery_pk=pks[-1])

    assert statuses() == ["applied"] + ["received"] * (len(pks) - 2) + ["applied"]


def test_a_malformed_delivery_fails_alone_with_a_reason_naming_the_field(
    connection, fake, django_capture_on_commit_callbacks
):
    broken = signing.projection_updated({"id": "evt-9", "revision": "1"})
    broken["actionEvent"]["body"] = {"somethingElse": {}}
    unmappable = signing.projection_updated({"revision": "1"})  # an event without an id
    undated = signing.projection_updated(
        {"id": "evt-8", "revision": "1", "start": {"localDate": "yesterday"}}
    )
    unnumbered = signing.entity_event(EVENT, "updated", {"id": "evt-7", "revision": "abc"})
    with django_capture_on_commit_callbacks():
        pks = store(connection, [*history(fake, events=1), broken, unmappable, undated, unnumbered])

    assert deliveries.apply_delivery(delivery_pk=pks[0]) == "applied"

    assert statuses() == ["applied"] * 3 + ["failed"] * 4
    failed = WebhookDelivery.objects.filter(status="failed").order_by("pk")
    assert [d.error for d in failed] == [
        "The projection update names neither eventAddedOrUpdated nor eventRemoved.",
        "The delivery has no actionEvent.body.eventAddedOrUpdated.event.id.",
        "The delivery's actionEvent.body.eventAddedOrUpdated.event.start.localDate is not "
        "valid: 'yesterday' is not a local date-time (YYYY-MM-DDThh:mm:ss).",
        "The delivery's updatedEvent.currentEntity.revision is not valid: 'abc' is not a "
        "revision number (an integer as a string).",
    ]
    assert [d.attempts for d in failed] == [1] * 4
    assert Event.objects.get().revision == 3


def test_the_task_of_a_malformed_delivery_fails_it_and_still_applies_the_rest(
    connection, fake, django_capture_on_commit_callbacks
):
    broken = signing.projection_updated({"id": "evt-9", "revision": "1"})
    broken["actionEvent"]["body"] = {"somethingElse": {}}
    with django_capture_on_commit_callbacks():
        pks = store(connection, [broken, *history(fake, events=1)])

    tasks.apply_delivery.apply(args=[pks[0]])

    assert statuses() == ["failed", "applied", "applied", "applied"]
    assert WebhookDelivery.objects.get(pk=pks[0]).attempts == 1


def test_other_kinds_are_left_to_their_own_tasks(
    connection, fake, django_capture_on_commit_callbacks
):
    schedule = fake.add_schedule(name="Yoga")
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    fake.add_participation(event_id=event["id"])
    fake.cancel_schedule(schedule["id"])
    with django_capture_on_commit_callbacks():
        pks = store(connection, [change.domain_event() for change in fake.changes])
    kinds = dict(WebhookDelivery.objects.values_list("pk", "entity_fqdn"))
    event_pk = next(pk for pk in pks if kinds[pk] == "wix.calendar.v3.events_view")

    deliveries.apply_delivery(delivery_pk=event_pk)

    assert {kinds[d.pk]: d.status for d in WebhookDelivery.objects.all()} == {
        "wix.calendar.v3.schedule": "received",
        "wix.calendar.v3.events_view": "applied",
        "wix.calendar.v3.participation": "received",
    }


@pytest.mark.django_db(transaction=True)
def test_a_batch_cancelled_by_a_deadlock_applies_its_own_delivery_alone(connection, fake):
    """Another transaction holds the second event's row and then asks for the first one, which
    the batch already holds while waiting for the second: PostgreSQL cancels the batch (it
    waited first), and its task applies its own delivery alone."""
    schedule = fake.add_schedule(name="Yoga")
    first, second = (
        fake.add_event(
            schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
        )
        for _ in range(2)
    )
    pks = store(connection, [change.domain_event() for change in fake.changes])
    for pk in pks:
        deliveries.apply_delivery(delivery_pk=pk)
    low, high = sorted([first["id"], second["id"]])
    for event_id in (low, high):
        fake.update_event(event_id, title=f"New {event_id}")
    own, other = store(connection, [c.domain_event() for c in fake.changes[-2:]])[-2:]
    own_event = WebhookDelivery.objects.get(pk=own).payload["actionEvent"]["body"]
    assert own_event["eventAddedOrUpdated"]["event"]["id"] == low

    holding, outcome = threading.Event(), {}

    def other_transaction():
        with transaction.atomic():
            list(Event.objects.select_for_update().filter(pk=high))
            holding.set()
            time.sleep(0.5)  # the batch now holds the low row and waits for the high one
            list(Event.objects.select_for_update().filter(pk=low))
        db_connection.close()

    def batch():
        holding.wait(10)
        outcome["status"] = deliveries.apply_delivery(delivery_pk=own)
        db_connection.close()

    threads = [threading.Thread(target=other_transaction), threading.Thread(target=batch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcome == {"status": "applied"}
    assert WebhookDelivery.objects.get(pk=other).status == "received"  # left to its own task
    assert Event.objects.get(pk=low).title == f"New {low}"


def test_a_drain_applies_the_whole_backlog_batch_after_batch(
    connection, fake, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(deliveries, "BATCH_SIZE", 2)
    with django_capture_on_commit_callbacks():
        pks = store(connection, history(fake))

    assert deliveries.drain(connection_id=connection.pk) == len(pks)

    assert statuses() == ["applied"] * len(pks)
    assert Event.objects.get(title="Yoga 2").status == "CANCELLED"
