"""Cancelling a big schedule in a real browser: the schedule is cancelled at once, a progress
bar polls while a real Celery worker cancels the future events, and it ends with the result."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calendar_app.models import BulkOperation, Event
from tests.factories import EventFactory, ScheduleFactory, next_monday
from tests.integration.conftest import celery_queue, worker_factory  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENTS = 120


def test_cancelling_a_big_schedule_shows_a_progress_bar_until_the_result(
    live_server,
    log_in,
    owner,
    business,
    settings,
    worker_factory,  # noqa: F811 (the fixture imported above)
    artifacts_dir,
):
    settings.BULK_OPERATION_BATCH_SIZE = 10
    schedule = ScheduleFactory(business=business, name="Gym floor")
    for n in range(EVENTS):
        EventFactory(schedule=schedule, start_local=next_monday() + timedelta(hours=n))
    page = log_in(owner)
    page.goto(f"{live_server.url}{reverse('calendar_app:schedules')}")
    polls = []
    page.on("request", lambda request: "/operations/" in request.url and polls.append(request))

    page.locator("summary", has_text="Cancel…").click()
    page.get_by_role("button", name="Cancel schedule and future events").click()

    status = page.locator("#schedules .operation")
    expect(page.locator("#schedules")).to_contain_text("its future events are being cancelled")
    expect(status.locator("progress")).to_be_visible()
    expect(status).to_contain_text(f"0 of {EVENTS} (waiting to start)")
    expect(page.locator(f"#schedule-{schedule.pk} .badge.cancelled")).to_have_text("Cancelled")
    page.screenshot(path=str(artifacts_dir / "schedule-cancel-progress.png"), full_page=True)

    worker_factory(BULK_OPERATION_BATCH_SIZE="10")  # the queued task now runs

    expect(status).to_contain_text(
        f"Cancelled {EVENTS} future events of “Gym floor”.", timeout=60_000
    )
    expect(status.locator("progress")).to_have_count(0)
    expect(status.get_by_role("link", name="Open the calendar")).to_be_visible()
    polled = len(polls)
    page.wait_for_timeout(3_500)
    assert polled > 0
    assert len(polls) == polled  # finished: the fragment no longer polls
    assert BulkOperation.objects.get(schedule=schedule).state == "done"
    assert not Event.objects.filter(schedule=schedule, status="CONFIRMED").exists()
