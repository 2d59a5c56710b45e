"""Apply rate of one worker for whole deliveries, in process (no broker round trip): stored
projection webhooks applied as the connection's drain task does (batches of up to
``BATCH_SIZE`` stored deliveries, each locked, applied, audited, marked), and as the tasks of
single deliveries do (queued again by the stalled-delivery sweep or the retry button: the first
takes a batch, the others find theirs applied). ``test_wix_apply_bench.py`` times the apply
alone, ``test_wix_worker_bench.py`` a real worker."""

import os
import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from calendar_app.models import Event
from calendar_app.wix import deliveries, webhooks
from calendar_app.wix.models import WebhookDelivery
from tests.factories import WixConnectionFactory, days_ahead_at_ten
from tests.fakes import wix_signing as signing
from tests.fakes.wix_server import FakeWixServer

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

EVENTS = 1_000
# Per delivery: its share of its batch's constant queries (and, run one task per delivery, the
# task's read of its row).
QUERY_BUDGET_PER_DELIVERY = {"drain": 0.1, "task per delivery": 1.2}


@pytest.mark.parametrize("how", QUERY_BUDGET_PER_DELIVERY)
def test_delivery_apply_rate_per_worker(
    require_postgresql, report, django_capture_on_commit_callbacks, how
):
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
        with django_capture_on_commit_callbacks():  # stored, not queued: applied below
            for change in fake.changes:
                token = signing.sign(change.domain_event(), instance_id=wix.instance_id)
                webhooks.receive_delivery(body=token.encode())
        pks = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))

        deliveries.apply_delivery(delivery_pk=pks[0])  # the schedule
        began, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(db) as queries:
            if how == "drain":
                deliveries.drain(connection_id=wix.pk)
            else:
                for pk in pks[1:]:
                    deliveries.apply_delivery(delivery_pk=pk)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu

    applied = len(pks) - 1
    assert Event.objects.filter(title__startswith="Class ").count() == EVENTS
    assert not WebhookDelivery.objects.filter(status="received").exists()
    per_delivery = len(queries) / applied
    report(
        f"webhook apply ({how}, one worker, in process, batches of {deliveries.BATCH_SIZE}): "
        f"{applied / elapsed:,.0f} event changes/s over {applied:,} projection deliveries "
        f"({EVENTS:,} events added then updated), {per_delivery:.2f} queries per delivery "
        f"(goal >= 1,000 changes/s); this process's CPU {cpu * 1000 / applied:.2f} ms per "
        f"change (PostgreSQL's not counted), load average {os.getloadavg()[0]:.1f}"
    )
    assert per_delivery <= QUERY_BUDGET_PER_DELIVERY[how], [q["sql"] for q in queries[:40]]
