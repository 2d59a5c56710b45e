"""Applying stored deliveries: the task path from a verified webhook to the local store, with
the fake Calendar V3 server on loopback wherever the upstream is read."""

import base64
import json
from datetime import datetime, timedelta

import pytest
import redis
from django.conf import settings

from calendar_app.models import ChangeRecord, Event
from calendar_app.tenancy.models import Business
from calendar_app.wix import deliveries, services, tasks, webhooks
from calendar_app.wix.apply import apply_remote_event
from calendar_app.wix.models import WebhookDelivery
from participants import services as participant_services
from participants.models import Participation, WaitlistEntry
from tests.factories import MembershipFactory, WixConnectionFactory
from tests.fakes import wix_signing as signing
from tests.fakes.wix_server import FakeWixServer
from tests.integration.conftest import celery_queue  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

SOON = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        yield server


@pytest.fixture
def connection(fake):
    return WixConnectionFactory.mirroring(fake)


@pytest.fixture
def schedule(fake):
    return fake.add_schedule(name="Yoga")


def receive(connection, domain_event: dict) -> WebhookDelivery:
    """Store a delivery through the intake itself (verified, as Wix would post it)."""
    token = signing.sign(domain_event, instance_id=connection.instance_id)
    assert webhooks.receive_delivery(body=token.encode()).status == 200
    return WebhookDelivery.objects.get(delivery_id=domain_event["id"])


def run(delivery: WebhookDelivery) -> WebhookDelivery:
    """The task, run in this process (the real worker is the integration test's)."""
    tasks.apply_delivery.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    return delivery


def last_change(fake, kind: str = "event"):
    return [change for change in fake.changes if change.kind == kind][-1]


def test_a_projection_update_stores_the_event_of_the_body(fake, connection, schedule):
    fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    change = last_change(fake)

    delivery = run(receive(connection, change.domain_event()))

    assert delivery.status == "applied"
    assert delivery.applied_at is not None
    assert delivery.attempts == 1
    event = Event.objects.get()
    assert event.pk == change.entity["id"]  # from body.*.event.id, not the envelope's entityId
    assert event.business == connection.business
    assert event.revision == 1
    assert event.schedule_id == schedule["id"]
    assert ChangeRecord.objects.filter(object_id=event.pk, actor_kind="upstream").count() == 1


def test_the_envelope_s_entity_id_is_never_taken_for_the_event(connection, fake, schedule):
    fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    domain_event = last_change(fake).domain_event()
    domain_event["entityId"] = "view-projection-id"

    run(receive(connection, domain_event))

    assert list(Event.objects.values_list("pk", flat=True)) == [last_change(fake).entity["id"]]


def test_applying_a_delivery_again_changes_nothing(connection, fake, schedule):
    fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    delivery = run(receive(connection, last_change(fake).domain_event()))
    audited = ChangeRecord.objects.count()

    assert deliveries.apply_delivery(delivery_pk=delivery.pk) == "applied"
    assert ChangeRecord.objects.count() == audited
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_deliveries_in_any_order_end_at_the_highest_revision(connection, fake, schedule):
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    fake.update_event(event["id"], title="Yin yoga")
    fake.cancel_event(event["id"])
    added, retitled, cancelled = (c.domain_event() for c in fake.changes if c.kind == "event")

    for domain_event in (cancelled, added, retitled):
        run(receive(connection, domain_event))

    stored = Event.objects.get()
    assert (stored.revision, stored.status, stored.title) == (3, "CANCELLED", "Yin yoga")


def test_a_removal_soft_deletes_and_a_late_stale_update_cannot_revive(connection, fake, schedule):
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    added = last_change(fake).domain_event()
    fake.remove_event(event["id"])

    run(receive(connection, last_change(fake).domain_event()))
    run(receive(connection, added))

    stored = Event.objects.get()
    assert stored.removed_date is not None
    assert stored.revision == 2


def test_an_event_moved_out_of_the_view_and_back_is_removed_then_revived(
    connection, fake, schedule
):
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    far = fake.view_end.replace(tzinfo=None) + timedelta(days=10)
    fake.move_event(event["id"], start_local=far, end_local=far + timedelta(hours=1))
    fake.move_event(event["id"], start_local=SOON, end_local=SOON + timedelta(hours=2))
    changes = [c.domain_event() for c in fake.changes if c.kind == "event"]
    assert [c.action for c in fake.changes if c.kind == "event"] == ["added", "removed", "added"]

    for domain_event in changes:
        run(receive(connection, domain_event))

    stored = Event.objects.get()
    assert (stored.removed_date, stored.revision) == (None, 3)
    assert stored.end - stored.start == timedelta(hours=2)


def test_a_participation_change_refreshes_the_event_s_participations(connection, fake, schedule):
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    run(receive(connection, last_change(fake).domain_event()))
    first = fake.add_participation(event_id=event["id"], name="Ann")
    second = fake.add_participation(event_id=event["id"], name="Ben", party_size=2)
    run(receive(connection, last_change(fake, "participation").domain_event()))
    assert set(Participation.objects.values_list("pk", flat=True)) == {first["id"], second["id"]}

    fake.delete_participation(first["id"])
    fake.update_participation(second["id"], partySize=3)
    run(receive(connection, last_change(fake, "participation").domain_event()))

    assert Participation.objects.get(pk=first["id"]).cancelled_date is not None
    stored = Participation.objects.get(pk=second["id"])
    assert (stored.party_size, stored.revision, stored.cancelled_date) == (3, 2, None)


def test_a_view_extension_reads_the_newly_covered_range(connection, fake, schedule):
    business = connection.business
    business.events_view_end_date = fake.view_end
    business.save()
    beyond = fake.view_end.replace(tzinfo=None) + timedelta(days=3, hours=10)
    outside = fake.add_event(
        schedule_id=schedule["id"], start_local=beyond, end_local=beyond + timedelta(hours=1)
    )
    fake.view_end += timedelta(days=7)

    delivery = run(receive(connection, signing.view_extended(fake.view_end.isoformat())))

    assert delivery.status == "applied"
    assert list(Event.objects.values_list("pk", flat=True)) == [outside["id"]]
    assert Business.objects.get(pk=business.pk).events_view_end_date == fake.view_end


def test_a_schedule_update_is_applied(connection, fake, schedule):
    fake.cancel_schedule(schedule["id"])

    run(receive(connection, last_change(fake, "schedule").domain_event()))

    stored = connection.business.schedules.get()
    assert (stored.pk, stored.status, stored.revision) == (schedule["id"], "CANCELLED", 2)


def test_a_payload_that_is_not_the_spec_s_shape_fails_with_its_reason(connection):
    domain_event = signing.projection_updated({"id": "evt-1", "revision": "1"})
    domain_event["actionEvent"]["body"] = {"somethingElse": {}}

    delivery = run(receive(connection, domain_event))

    assert delivery.status == "failed"
    assert "neither eventAddedOrUpdated nor eventRemoved" in delivery.error
    assert not Event.objects.exists()


def test_a_schedule_delivery_that_is_not_the_spec_s_shape_fails_naming_the_field(connection):
    nameless = signing.entity_event(
        "wix.calendar.v3.schedule", "updated", {"name": "Yoga", "revision": "2"}
    )

    delivery = run(receive(connection, nameless))

    assert delivery.status == "failed"
    assert delivery.error == "The delivery has no updatedEvent.currentEntity.id."
    assert not connection.business.schedules.exists()


def test_an_upstream_answer_that_is_not_the_spec_s_shape_fails_naming_the_field(
    connection, fake, schedule
):
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    participation = fake.add_participation(event_id=event["id"])
    fake.participations[participation["id"]]["partySize"] = 0  # what Query Participations says

    delivery = run(receive(connection, last_change(fake, "participation").domain_event()))

    assert delivery.status == "failed"
    assert delivery.error.startswith(
        "The upstream's answer is not the spec's shape: The participation's partySize is not valid"
    )
    assert not Participation.objects.exists()


def test_an_unreachable_upstream_is_retried_then_shown_as_failed(connection, fake, schedule):
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    fake.add_participation(event_id=event["id"])
    delivery = receive(connection, last_change(fake, "participation").domain_event())
    fake.script(*[503] * 40, path="/calendar/v3/participations")

    delivery = run(delivery)

    assert delivery.status == "failed"
    assert "503" in delivery.error
    assert delivery.attempts == tasks.RETRY["max_retries"] + 1
    assert not Participation.objects.exists()


def test_a_failed_delivery_retried_from_the_health_page_applies(connection, fake, schedule):
    event = fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )
    fake.add_participation(event_id=event["id"])
    delivery = receive(connection, last_change(fake, "participation").domain_event())
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", error="503")

    services.retry_delivery(delivery=delivery)
    delivery = run(delivery)

    assert delivery.status == "applied"
    assert Participation.objects.count() == 1


def test_a_participation_deleted_in_wix_gives_its_place_to_the_first_waiting(
    connection, fake, schedule
):
    owner = MembershipFactory(business=connection.business, role="owner")
    data = fake.add_event(
        schedule_id=schedule["id"],
        start_local=SOON,
        end_local=SOON + timedelta(hours=1),
        total_capacity=1,
    )
    apply_remote_event(connection=connection, data=data, source="webhook")
    event = Event.objects.get(pk=data["id"])
    ann, _ = participant_services.add_participation(actor=owner, event=event, name="Ann")
    participant_services.join_waitlist(actor=owner, event=event, name="Cleo")
    fake.delete_participation(ann.pk)  # cancelled in Wix

    delivery = run(receive(connection, last_change(fake, "participation").domain_event()))

    assert delivery.status == "applied"
    assert Participation.objects.get(pk=ann.pk).is_cancelled
    cleo = WaitlistEntry.objects.get(name="Cleo")
    assert cleo.participation is not None and not cleo.is_waiting
    assert [p["participant"]["name"] for p in fake.participations.values()] == ["Cleo"]


def test_the_deletion_of_a_participation_never_stored_here_changes_nothing(connection):
    domain_event = signing.entity_event("wix.calendar.v3.participation", "deleted", {})

    delivery = run(receive(connection, domain_event))

    assert delivery.status == "applied"
    assert not Participation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_backlog_of_event_deliveries_queues_one_drain_until_it_starts(
    connection,
    fake,
    schedule,
    celery_queue,  # noqa: F811
):
    queue = redis.Redis.from_url(settings.REDIS_URL)
    for hour in range(3):
        start = SOON + timedelta(hours=hour)
        fake.add_event(schedule_id=schedule["id"], start_local=start, end_local=start)
        receive(connection, last_change(fake).domain_event())
    assert queue.llen(celery_queue) == 1  # one drain task for the three deliveries

    message = json.loads(queue.rpop(celery_queue))  # what a worker takes, run as it would
    args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    tasks.drain_deliveries.apply(args=args, kwargs=kwargs)  # started: its mark is released
    fake.update_event(last_change(fake).entity["id"], title="Later")
    receive(connection, last_change(fake).domain_event())

    assert queue.llen(celery_queue) == 1  # the next drain
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"applied", "received"}
