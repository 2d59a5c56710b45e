"""The sync health page in a real browser: last delivery and its age, backlog, failures with
a Retry that a real Celery worker then applies, refused-delivery counts, and the backfill's
progress bar, which HTMX polls while it runs and stops polling when it is done."""

import re
from datetime import timedelta

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from calendar_app.models import Event
from calendar_app.wix.models import WebhookDelivery, WixConnection
from tests.factories import WixConnectionFactory, days_ahead_at_ten
from tests.fakes import wix_signing as signing
from tests.fakes.wix_server import FakeWixServer
from tests.integration.conftest import celery_queue, wait_for, worker_factory  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOON = days_ahead_at_ten(2)
FAILURE = "Calendar service unavailable (503)"


@pytest.fixture
def fake():
    with FakeWixServer() as server:
        yield server


@pytest.fixture
def connection(business, fake):
    """The demo business mirrors the fake; its backfill is a quarter through."""
    return WixConnectionFactory(
        business=business,
        base_url=fake.base_url,
        api_key=fake.api_key,
        site_id=fake.site_id,
        public_key_pem=signing.PUBLIC_KEY_PEM,
        backfill_status="running",
        backfill_done=30,
        backfill_total=120,
    )


@pytest.fixture
def upstream_event(fake):
    schedule = fake.add_schedule(name="Yoga")
    return fake.add_event(
        schedule_id=schedule["id"], start_local=SOON, end_local=SOON + timedelta(hours=1)
    )


def post_webhooks(live_server, connection, upstream_event) -> WebhookDelivery:
    """Through the real intake: one forged body, one for an unknown instance, and one good
    delivery, which is then marked failed as a worker that gave up would leave it."""
    url = f"{live_server.url}/webhooks/wix/"
    update = signing.projection_updated(upstream_event)
    answers = [
        httpx.post(
            url,
            content=signing.sign(
                update, instance_id=connection.instance_id, private_key=signing.OTHER_PRIVATE_KEY
            ),
        ),
        httpx.post(url, content=signing.sign(update, instance_id="no-such-instance")),
        httpx.post(url, content=signing.sign(update, instance_id=connection.instance_id)),
    ]
    assert [answer.status_code for answer in answers] == [401, 200, 200]
    delivery = WebhookDelivery.objects.get(connection=connection)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED,
        attempts=7,
        error=FAILURE,
        received_at=timezone.now() - timedelta(minutes=3),
    )
    return delivery


def test_an_owner_reads_the_sync_health_retries_a_failure_and_watches_the_backfill(
    request, live_server, log_in, owner, connection, upstream_event, artifacts_dir
):
    delivery = post_webhooks(live_server, connection, upstream_event)
    page = log_in(owner)
    polls = []
    page.on(
        "request",
        lambda r: polls.append(r.url) if r.headers.get("hx-request") and "/health" in r.url else 0,
    )

    page.goto(live_server.url + reverse("wix:health"))

    expect(page.locator("h1")).to_have_text("Sync health")
    expect(page.locator("#last-delivery")).to_contain_text("3\xa0minutes ago")
    expect(page.locator("#backlog")).to_have_text("0")
    expect(page.locator("#failed")).to_have_text("1")
    expect(page.locator("#rejected-signatures")).to_have_text("1")
    expect(page.locator("#unknown-instances")).to_have_text("1")
    failure = page.locator(f"#delivery-{delivery.pk}")
    expect(failure).to_contain_text(FAILURE)
    expect(failure).to_contain_text("wix.calendar.v3.events_view projection_updated")
    bar = page.get_by_label("Backfill progress")
    expect(bar).to_have_attribute("value", "25")
    expect(page.locator("#backfill")).to_contain_text("Running: 30 of 120 days read (25%)")
    page.screenshot(path=str(artifacts_dir / "wix-health-running.png"), full_page=True)

    # The bar follows the backfill (HTMX polls the page's fragment) and stops when it is done.
    WixConnection.objects.filter(pk=connection.pk).update(backfill_done=90)
    expect(bar).to_have_attribute("value", "75", timeout=10_000)
    WixConnection.objects.filter(pk=connection.pk).update(backfill_status="done", backfill_done=120)
    expect(page.locator("#backfill")).to_contain_text("Done: 120 of 120 days read (100%)")
    expect(page.get_by_label("Backfill progress")).to_have_attribute("value", "100")
    expect(page.locator("#health")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    seen = len(polls)
    assert seen >= 2
    page.wait_for_timeout(3_500)  # more than two polling periods
    assert len(polls) == seen

    # Retry: the delivery is queued again, and a real worker applies it.
    worker = request.getfixturevalue("worker_factory")()
    failure.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_contain_text("The delivery was queued again.")
    expect(page.locator("#failed")).to_have_text("0")
    expect(page.get_by_text("No failed deliveries.")).to_be_visible()
    wait_for(
        lambda: Event.objects.filter(pk=upstream_event["id"]).exists(),
        timeout=60,
        what="the worker to apply the retried delivery",
        log=worker.log,
    )
    page.reload()
    expect(page.locator("#backlog")).to_have_text("0")
    expect(page.locator("#failed")).to_have_text("0")
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.APPLIED
    page.screenshot(path=str(artifacts_dir / "wix-health-done.png"), full_page=True)
