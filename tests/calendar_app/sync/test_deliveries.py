"""The shared delivery store, for both upstreams' tables: stored once, failed alone, retried,
requeued when stalled, claimed with SKIP LOCKED, applied under the row lock, a deadlock retried
on its own."""

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.utils import timezone

from bookings.magicline.deliveries import STORE as MAGICLINE
from bookings.magicline.models import MagiclineWebhookDelivery
from calendar_app.sync.deliveries import STALLED_AFTER, DeliveryFailed, first_without_deadlock
from calendar_app.wix.deliveries import STORE as WIX
from calendar_app.wix.models import WebhookDelivery
from tests.factories import MagiclineConnectionFactory, WixConnectionFactory

pytestmark = pytest.mark.django_db

LONG_AGO = STALLED_AFTER + timedelta(minutes=1)


def wix_delivery(name: str, **fields) -> WebhookDelivery:
    connection = fields.pop("connection", None) or WixConnectionFactory()
    return WebhookDelivery(
        connection=connection,
        delivery_id=name,
        entity_fqdn="wix.calendar.v3.events_view",
        slug="projection_updated",
        payload={},
        **fields,
    )


def magicline_delivery(name: str, **fields) -> MagiclineWebhookDelivery:
    connection = fields.pop("connection", None) or MagiclineConnectionFactory()
    return MagiclineWebhookDelivery(
        connection=connection,
        uuid=name,
        entity_id=7,
        payload=[{"type": "APPOINTMENT_BOOKING_CREATED"}],
        **fields,
    )


UPSTREAMS = pytest.mark.parametrize(
    ("store", "make"), [(WIX, wix_delivery), (MAGICLINE, magicline_delivery)], ids=["wix", "ml"]
)


def stored(make, name: str, *, ago: timedelta = timedelta(0), **fields):
    """A delivery saved as received ``ago``."""
    delivery = make(name, **fields)
    store = WIX if isinstance(delivery, WebhookDelivery) else MAGICLINE
    setattr(delivery, store.received_at, timezone.now() - ago)
    delivery.save()
    return delivery


@UPSTREAMS
def test_a_delivery_is_stored_once_per_upstream_id(store, make):
    first = make("same-id")
    again = make("same-id", connection=first.connection)

    pk = store.insert_once(first)

    assert pk is not None
    assert store.insert_once(again) is None
    assert store.model.objects.get().pk == pk


@UPSTREAMS
def test_the_insert_is_prepared_on_the_server_after_its_fifth_delivery(store, make):
    """Each web worker's connection parses and plans the intake's INSERT once, not per delivery
    (psycopg's ``prepare_threshold``; Django's own cursors never prepare)."""
    if db_connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    first = make("delivery-0")
    table = store.model._meta.db_table

    def prepared() -> int:
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                [f'INSERT INTO "{table}"%'],
            )
            return cursor.fetchone()[0]

    pks = [store.insert_once(make(f"delivery-{n}", connection=first.connection)) for n in range(4)]
    assert prepared() == 0
    pks += [store.insert_once(make(f"delivery-{n}", connection=first.connection)) for n in (4, 5)]

    assert prepared() == 1
    assert None not in pks and store.model.objects.count() == 6
    assert store.insert_once(make("delivery-5", connection=first.connection)) is None


@UPSTREAMS
def test_a_failure_fails_that_delivery_alone_with_its_reason(store, make):
    failing, other = stored(make, "failing"), stored(make, "other")

    store.record_error(delivery_pk=failing.pk, error="The payload is broken.", failed=True)

    failing.refresh_from_db()
    other.refresh_from_db()
    assert (failing.status, failing.error, failing.attempts) == (
        "failed",
        "The payload is broken.",
        1,
    )
    assert (other.status, other.attempts) == ("received", 0)


@UPSTREAMS
def test_an_attempt_that_will_be_retried_keeps_the_delivery_waiting(store, make):
    delivery = stored(make, "retrying")

    store.record_error(delivery_pk=delivery.pk, error="Retrying: 503", failed=False)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.error, delivery.attempts) == ("received", "Retrying: 503", 1)


@UPSTREAMS
def test_an_error_never_overwrites_an_applied_delivery(store, make):
    delivery = stored(make, "done", status=store.applied)

    store.record_error(delivery_pk=delivery.pk, error="late", failed=True)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.error) == (store.applied, "")


@UPSTREAMS
def test_a_failed_or_stalled_delivery_can_be_retried_and_nothing_else(store, make):
    failed = stored(make, "failed", status="failed", error="boom", attempts=3)
    stalled = stored(make, "stalled", ago=LONG_AGO)
    fresh = stored(make, "fresh", ago=timedelta(seconds=30))
    applied = stored(make, "applied", status=store.applied, ago=LONG_AGO)

    outcomes = [store.retry(delivery_pk=d.pk) for d in (failed, stalled, fresh, applied)]

    assert outcomes == [True, True, False, False]
    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.attempts) == ("received", "", 3)


@UPSTREAMS
def test_only_deliveries_waiting_past_the_threshold_are_stalled(store, make):
    stalled = stored(make, "stalled", ago=LONG_AGO)
    stored(make, "fresh", ago=timedelta(seconds=30))
    stored(make, "failed", status="failed", ago=LONG_AGO)
    stored(make, "applied", status=store.applied, ago=LONG_AGO)

    assert list(store.stalled().values_list("pk", flat=True)) == [stalled.pk]
    assert store.stalled(older_than=timedelta(0)).count() == 2


@UPSTREAMS
def test_apply_one_writes_what_it_read_and_marks_it_applied(store, make):
    delivery = stored(make, "one")
    seen = []

    outcome = store.apply_one(
        delivery_pk=delivery.pk,
        read=lambda d: f"read {d.pk}",
        write=lambda d, answer: seen.append(answer) or "written",
    )

    delivery.refresh_from_db()
    assert (outcome, seen) == ("written", [f"read {delivery.pk}"])
    assert (delivery.status, delivery.attempts) == (store.applied, 1)
    assert store.apply_one(delivery_pk=delivery.pk, read=None, write=None) == store.applied


@UPSTREAMS
def test_a_delivery_that_fails_to_apply_leaves_nothing_applied(store, make):
    delivery = stored(make, "broken")
    other = stored(make, "other")

    def write(d, answer):
        store.model.objects.filter(pk=other.pk).update(error="written by the failed apply")
        raise DeliveryFailed("The payload is not the spec's shape.")

    with pytest.raises(DeliveryFailed):
        store.apply_one(delivery_pk=delivery.pk, read=lambda d: None, write=write)

    other.refresh_from_db()
    delivery.refresh_from_db()
    assert (other.error, delivery.status) == ("", "received")


@pytest.mark.django_db(transaction=True)
@UPSTREAMS
def test_a_claim_skips_the_deliveries_another_worker_holds(store, make):
    held, free = stored(make, "held"), stored(make, "free")
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            list(store.model.objects.select_for_update().filter(pk=held.pk))
            holding.set()
            release.wait(10)
        db_connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    holding.wait(10)
    with transaction.atomic():
        claimed = store.claim(store.model.objects.all(), size=10, columns=["pk"])
    release.set()
    thread.join(10)

    assert claimed == [(free.pk,)]


class Deadlock(Exception):
    sqlstate = "40P01"


def cancelled_by_a_deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = Deadlock()
    return error


def test_a_deadlock_runs_the_next_attempt_on_its_own():
    tries = []

    def batch():
        tries.append("batch")
        raise cancelled_by_a_deadlock()

    def alone():
        tries.append("alone")
        return "applied"

    assert first_without_deadlock(batch, alone) == "applied"
    assert tries == ["batch", "alone"]


def test_any_other_database_error_is_raised_at_once():
    def broken():
        raise OperationalError("connection lost")

    with pytest.raises(OperationalError, match="connection lost"):
        first_without_deadlock(broken, lambda: "never")


def test_the_last_attempt_s_deadlock_is_raised():
    def batch():
        raise cancelled_by_a_deadlock()

    with pytest.raises(OperationalError, match="deadlock"):
        first_without_deadlock(batch, batch)
