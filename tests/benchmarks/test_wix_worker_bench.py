"""Apply rate of one real Celery worker process (one prefork child, as ``make worker`` runs it,
on real Redis): a stored backlog of signed projection deliveries, with the drain task(s) the
intake queued for it.

The rate is read from the rows themselves (``applied_at`` of the first and the last batch), so
the worker's start is not counted. Asserted: the whole backlog applied, nothing failed. Goal
(issue 6): at least 1,000 event changes/s per worker.
"""

import os
from datetime import timedelta

import pytest
from django.db.models import Max, Min

from calendar_app.models import Event
from calendar_app.wix import webhooks
from calendar_app.wix.deliveries import BATCH_SIZE
from calendar_app.wix.models import WebhookDelivery
from tests.factories import WixConnectionFactory, days_ahead_at_ten
from tests.fakes import wix_signing as signing
from tests.fakes.wix_server import FakeWixServer
from tests.integration.conftest import Worker, celery_queue, wait_for  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]

EVENTS = 1_000
TIMEOUT = 300


def test_one_worker_applies_a_stored_backlog(require_postgresql, celery_queue, tmp_path, report):  # noqa: F811
    with FakeWixServer() as fake:
        wix = WixConnectionFactory.mirroring(fake)
        schedule = fake.add_schedule(name="Classes")
        start = days_ahead_at_ten(1)
        for n in range(EVENTS):
            event = fake.add_event(
                schedule_id=schedule["id"],
                start_local=start + timedelta(hours=n),
                end_local=start + timedelta(hours=n + 1),
            )
            fake.update_event(event["id"], title=f"Class {n}")
        for change in fake.changes:  # stored and queued: no worker runs yet
            token = signing.sign(change.domain_event(), instance_id=wix.instance_id)
            assert webhooks.receive_delivery(body=token.encode()).status == 200
        stored = WebhookDelivery.objects.count()

        worker = Worker(celery_queue, tmp_path / "worker.log", concurrency=1).start()
        try:
            wait_for(
                lambda: not WebhookDelivery.objects.filter(status="received").exists(),
                timeout=TIMEOUT,
                what="the worker to apply the backlog",
                log=worker.log,
            )
        finally:
            worker.stop()

    assert not WebhookDelivery.objects.exclude(status="applied").exists()
    assert Event.objects.filter(title__startswith="Class ").count() == EVENTS
    event_deliveries = WebhookDelivery.objects.filter(entity_fqdn="wix.calendar.v3.events_view")
    span = event_deliveries.aggregate(first=Min("applied_at"), last=Max("applied_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    first_batch = event_deliveries.filter(applied_at=span["first"]).count()
    changes = event_deliveries.count() - first_batch  # applied after the first batch's commit
    report(
        f"webhook apply (one real Celery worker, 1 process, the connection's drain task on Redis, "
        f"batches of {BATCH_SIZE}): {changes / seconds:,.0f} event changes/s over {changes:,} "
        f"deliveries of a {stored:,}-delivery backlog; load average "
        f"{os.getloadavg()[0]:.1f} (goal >= 1,000 changes/s)"
    )
