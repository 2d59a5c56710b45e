"""The Magicline sync health page: the shared delivery partial (failures and stalled deliveries
with a Retry, refused counts), its HTMX answers, and its constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.magicline.models import MagiclineIntakeRefusal, MagiclineWebhookDelivery
from calendar_app.sync.deliveries import STALLED_AFTER
from calendar_app.sync.refusals import count_refusal
from tests.factories import MagiclineConnectionFactory

HEALTH = reverse("magicline:health")
REASON = MagiclineIntakeRefusal.Reason


@pytest.fixture
def connection(business):
    return MagiclineConnectionFactory(business=business)


def delivery(connection, name, status="received", *, ago=timedelta(0), **fields):
    return MagiclineWebhookDelivery.objects.create(
        connection=connection,
        uuid=name,
        entity_id=900001,
        payload=[{"timestamp": 1, "type": "APPOINTMENT_BOOKING_UPDATED"}],
        status=status,
        received_date=timezone.now() - ago,
        **fields,
    )


def retry_url(delivery) -> str:
    return reverse("magicline:retry", args=[delivery.pk])


def test_a_stalled_delivery_is_listed_with_a_retry(owner_client, connection):
    stalled = delivery(connection, "lost", ago=STALLED_AFTER + timedelta(minutes=1))
    fresh = delivery(connection, "fresh", ago=timedelta(seconds=20))

    page = owner_client.get(HEALTH).content.decode()

    assert f'id="delivery-{stalled.pk}"' in page
    assert "<strong>Stalled.</strong>" in page
    assert retry_url(stalled) in page
    assert f'id="delivery-{fresh.pk}"' not in page
    assert '<dd id="backlog">2</dd>' in page


def test_retry_queues_a_stalled_delivery_again(
    owner_client, connection, django_capture_on_commit_callbacks
):
    stalled = delivery(connection, "lost", ago=STALLED_AFTER + timedelta(minutes=1))

    with django_capture_on_commit_callbacks() as queued:
        answer = owner_client.post(retry_url(stalled), follow=True)

    assert "queued again" in answer.content.decode()
    assert len(queued) == 1
    stalled.refresh_from_db()
    assert stalled.status == "received"


def test_retry_answers_htmx_with_the_health_section_and_a_notice(owner_client, connection):
    failed = delivery(connection, "broken", "failed", error="Magicline 500")

    answer = owner_client.post(retry_url(failed), headers={"HX-Request": "true"})

    page = answer.content.decode()
    assert answer.status_code == 200
    assert page.lstrip().startswith('<section id="health"')
    assert f"Delivery {failed.uuid} queued again." in page
    assert "No failed deliveries." in page
    assert "HX-Request" in answer["Vary"]


def test_a_fresh_waiting_delivery_cannot_be_retried_yet(owner_client, connection):
    fresh = delivery(connection, "fresh")

    answer = owner_client.post(retry_url(fresh), headers={"HX-Request": "true"})

    assert "Only a failed delivery can be retried." in answer.content.decode()
    fresh.refresh_from_db()
    assert (fresh.status, fresh.attempts) == ("received", 0)


def test_refused_deliveries_are_counted_on_the_page(owner_client, connection, other_business):
    count_refusal(MagiclineIntakeRefusal, connection_id=connection.pk, reason=REASON.MALFORMED)
    count_refusal(MagiclineIntakeRefusal, connection_id=None, reason=REASON.UNKNOWN_KEY)
    theirs = MagiclineConnectionFactory(business=other_business)
    count_refusal(MagiclineIntakeRefusal, connection_id=theirs.pk, reason=REASON.OTHER_STUDIO)

    page = owner_client.get(HEALTH).content.decode()

    assert '<dd id="malformed">1</dd>' in page
    assert '<dd id="unknown-keys">1</dd>' in page
    assert '<dd id="other-studio">0</dd>' in page  # another studio's counter is theirs


def test_refresh_answers_htmx_with_the_health_section(owner_client, connection):
    answer = owner_client.post(reverse("magicline:refresh"), headers={"HX-Request": "true"})

    assert "Refresh queued" in answer.content.decode()


def test_it_takes_a_constant_number_of_queries(owner_client, connection):
    delivery(connection, "one", "failed", error="boom")
    with CaptureQueriesContext(db) as few:
        owner_client.get(HEALTH)
    for n in range(30):
        delivery(connection, f"failed-{n}", "failed", error="boom")
        delivery(connection, f"stalled-{n}", ago=STALLED_AFTER * 2)
    with CaptureQueriesContext(db) as many:
        owner_client.get(HEALTH)

    assert len(many) == len(few) <= 12


def test_staff_may_not_retry(staff_client, connection):
    failed = delivery(connection, "broken", "failed")

    assert staff_client.post(retry_url(failed)).status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"
