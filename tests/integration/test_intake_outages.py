"""The webhook intakes when the sync's own infrastructure is down, on ``make serve``'s gunicorn.

- The database unreachable (the test database refusing connections, every app connection to it
  dropped): Wix and Magicline deliveries are answered 503 with a sentence saying to send them
  again, and nothing of them is stored; once the database is back, the same web workers
  (reconnecting by themselves) store the deliveries sent again, once each.
- Redis down: a delivery is still stored and answered 200 (it is safe in the database); when
  Redis is back, empty, the beat's sweep queues it and a real worker applies it.
"""

import json
import uuid
from datetime import datetime, timedelta

import httpx
import pytest

from bookings.magicline.models import MagiclineWebhookDelivery
from calendar_app.models import Event
from calendar_app.sync.intake import DATABASE_DOWN
from calendar_app.wix.models import WebhookDelivery
from tests.benchmarks.gunicorn_server import PROXY_HEADERS, gunicorn
from tests.factories import BusinessFactory, MagiclineConnectionFactory, WixConnectionFactory
from tests.fakes import wix_signing as signing
from tests.integration.conftest import Worker, database_refusing_connections, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MAGICLINE_KEY = "studio-webhook-key-0001"


def wix_deliveries(connection, count: int) -> list[str]:
    return [
        signing.sign(
            signing.projection_updated(
                {"id": f"evt-{n}", "revision": "1", "status": "CONFIRMED"},
                event_id=f"delivery-{n}",
            ),
            instance_id=connection.instance_id,
        )
        for n in range(count)
    ]


def magicline_delivery(n: int) -> str:
    return json.dumps(
        {
            "entityId": 7_000 + n,
            "uuid": str(uuid.UUID(int=n + 1)),
            "payload": [{"timestamp": 1642779144176, "type": "APPOINTMENT_BOOKING_CREATED"}],
        }
    )


@pytest.fixture
def web(tmp_path, celery_queue):
    """gunicorn queuing onto this test's private queue (nobody consumes it; it is deleted)."""
    env = {"CELERY_TASK_DEFAULT_QUEUE": celery_queue}
    with gunicorn(log_path=tmp_path / "web.log", workers=2, env=env) as server:
        yield server


def test_wix_deliveries_while_the_database_is_down_are_503_and_store_nothing(web):
    connection = WixConnectionFactory(public_key_pem=signing.PUBLIC_KEY_PEM)
    first, *during = wix_deliveries(connection, 6)
    url = f"{web.base_url}/webhooks/wix/"
    with httpx.Client(headers=PROXY_HEADERS, timeout=30) as client:
        assert client.post(url, content=first).status_code == 200  # the workers are connected
        with database_refusing_connections():
            answers = [client.post(url, content=token) for token in during]
        assert [(a.status_code, a.text) for a in answers] == [(503, DATABASE_DOWN)] * len(during)
        assert list(WebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["delivery-0"]

        again = [client.post(url, content=token).status_code for token in during]  # Wix retries
    assert again == [200] * len(during), web.log()[-3000:]
    assert WebhookDelivery.objects.count() == 6
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"received"}


def test_magicline_deliveries_while_the_database_is_down_are_503_and_store_nothing(web):
    studio = MagiclineConnectionFactory(
        business=BusinessFactory(slug=f"outage-{uuid.uuid4().hex[:6]}"), webhook_key=MAGICLINE_KEY
    )
    url = f"{web.base_url}/webhooks/magicline/"
    headers = {**PROXY_HEADERS, "x-api-key": MAGICLINE_KEY, "content-type": "application/json"}
    with httpx.Client(headers=headers, timeout=30) as client:
        assert client.post(url, content=magicline_delivery(0)).status_code == 200
        with database_refusing_connections():
            answers = [client.post(url, content=magicline_delivery(n)) for n in range(1, 5)]
        for answer in answers:
            assert answer.status_code == 503
            assert answer.headers["Retry-After"] == "30"
            assert answer.json()["errorMessage"] == DATABASE_DOWN
            assert answer.json()["errorCode"] == "SERVICE_UNAVAILABLE"
        assert MagiclineWebhookDelivery.objects.count() == 1

        again = [client.post(url, content=magicline_delivery(n)) for n in range(1, 5)]
    assert [a.json()["duplicate"] for a in again] == [False] * 4, web.log()[-3000:]
    assert set(MagiclineWebhookDelivery.objects.values_list("connection", flat=True)) == {studio.pk}
    assert MagiclineWebhookDelivery.objects.count() == 5


def test_a_delivery_taken_while_redis_is_down_is_applied_once_redis_is_back(
    wix_server, own_redis, tmp_path
):
    connection = WixConnectionFactory.mirroring(wix_server)
    schedule = wix_server.add_schedule(name="Classes")
    tomorrow = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(1)
    event = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=tomorrow,
        end_local=tomorrow + timedelta(hours=1),
        title="Morning class",
    )
    token = signing.sign(wix_server.changes[-1].domain_event(), instance_id=connection.instance_id)
    queue = f"outage-{uuid.uuid4().hex[:8]}"
    env = {"REDIS_URL": own_redis.url, "CELERY_TASK_DEFAULT_QUEUE": queue}
    with gunicorn(log_path=tmp_path / "web.log", workers=1, env=env) as server:
        own_redis.stop()
        answer = httpx.post(
            f"{server.base_url}/webhooks/wix/", content=token, headers=PROXY_HEADERS, timeout=30
        )
        web_log = server.log()
    assert (answer.status_code, answer.text) == (200, "Received."), web_log[-3000:]
    assert "Error calling" in web_log  # the lost publish is logged
    assert WebhookDelivery.objects.get().status == "received"

    own_redis.start()  # empty: nothing was queued
    worker = Worker(
        queue,
        tmp_path / "worker.log",
        {**env, "SYNC_REQUEUE_SECONDS": "1"},
        beat_schedule=tmp_path / "beat",
    ).start()
    try:
        wait_for(
            lambda: WebhookDelivery.objects.get().status == "applied",
            timeout=60,
            what="the beat's sweep to queue the delivery and the worker to apply it",
            log=worker.log,
        )
    finally:
        worker.stop()
    assert Event.objects.get(pk=event["id"]).title == "Morning class"
