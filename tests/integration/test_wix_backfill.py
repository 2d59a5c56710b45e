"""The backfill and "Resync now" as Celery tasks on a real worker process (not eager mode):
the owner's request only queues them, the worker reads the fake Calendar V3 server, and the
health page's progress bars end at 100% and stop polling."""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app.models import Event
from calendar_app.wix.health.models import Reconciliation
from calendar_app.wix.models import WixConnection
from tests.factories import MembershipFactory, WixConnectionFactory, days_ahead_at_ten
from tests.fakes.wix_server import FakeWixServer
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SOON = days_ahead_at_ten(2)
HEALTH = reverse("wix:health")


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        schedule = server.add_schedule(name="Yoga")
        for day in range(0, 200, 4):
            start = SOON + timedelta(days=day)
            server.add_event(
                schedule_id=schedule["id"], start_local=start, end_local=start + timedelta(hours=1)
            )
        server.add_series(
            schedule_id=schedule["id"], start_local=SOON, duration=timedelta(hours=1), weeks=6
        )
        yield server


@pytest.fixture
def connection(fake):
    return WixConnectionFactory.mirroring(fake)


def test_the_worker_backfills_and_resyncs_while_the_page_shows_progress(
    client, fake, connection, worker_factory
):
    owner = MembershipFactory(business=connection.business, role="owner")
    client.force_login(owner.user)
    htmx = {"HX-Request": "true"}

    queued = client.post(reverse("wix:backfill"), headers=htmx).content.decode()
    assert "The backfill runs in the background" in queued
    assert 'hx-trigger="every 1500ms"' in queued
    assert fake.requests == []  # the request only queued it
    worker = worker_factory()

    def backfill_status():
        return WixConnection.objects.get(pk=connection.pk).backfill_status

    wait_for(
        lambda: backfill_status() in ("done", "failed"),
        timeout=90,
        what="the backfill task",
        log=worker.log,
    )
    stored = WixConnection.objects.get(pk=connection.pk)
    assert (stored.backfill_status, stored.backfill_error) == ("done", "")
    assert stored.backfill_done == stored.backfill_total > 300
    upstream = {event_id for event_id in fake.events}
    assert set(Event.objects.values_list("pk", flat=True)) == upstream
    done = client.get(HEALTH, headers=htmx).content.decode()
    assert 'value="100"' in done
    assert "hx-trigger" not in done

    removed = next(iter(fake.events))
    fake.remove_event(removed)
    client.post(reverse("wix:resync"), headers=htmx)
    wait_for(
        lambda: Reconciliation.objects.filter(status__in=("done", "failed")).exists(),
        timeout=90,
        what="the resync task",
        log=worker.log,
    )
    run = Reconciliation.objects.get()
    assert (run.status, run.repaired) == ("done", 1)
    assert Event.objects.get(pk=removed).removed_date is not None
    page = client.get(HEALTH, headers=htmx).content.decode()
    assert "<strong>1</strong> rows repaired" in page
    assert "hx-trigger" not in page
