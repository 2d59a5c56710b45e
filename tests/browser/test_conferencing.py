"""Conferencing in a real browser: an owner switches a schedule's automatic meetings on from the
settings page (swapped in place by HTMX), and an event's page shows its meeting's links."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calendar_app.conferencing.models import ConferencingAutomation
from tests.factories import EventFactory, MeetingFactory, next_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_switches_automatic_meetings_on_and_sees_an_event_s_meeting(
    live_server, log_in, owner, schedule, settings, artifacts_dir
):
    page = log_in(owner)
    page.locator(".topnav").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Conferencing").click()
    row = page.locator(f"#automation-schedule-{schedule.pk}")
    page.evaluate("window.__noReload = true")

    row.get_by_role("checkbox", name="On", exact=True).check()
    row.get_by_role("combobox", name="Provider").select_option("builtin")
    row.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Events of “Classes” now get a meeting automatically."
    )
    assert page.evaluate("window.__noReload") is True
    expect(row.get_by_role("checkbox", name="On", exact=True)).to_be_checked()
    automation = ConferencingAutomation.objects.get()
    assert (automation.schedule_id, automation.enabled) == (schedule.pk, True)

    meeting = MeetingFactory(
        event=EventFactory(schedule=schedule, title="Online yoga", start_local=next_monday())
    )
    page.goto(f"{live_server.url}{reverse('calendar_app:event_detail', args=[meeting.event_id])}")
    block = page.locator("#meeting")
    expect(block).to_contain_text("Ready")
    guest = block.get_by_role("link", name="Guest link")
    expect(guest).to_have_attribute("href", meeting.guest_url)
    expect(guest).to_have_attribute("rel", "noopener noreferrer")
    page.screenshot(path=str(artifacts_dir / f"conferencing-debug-{settings.DEBUG}.png"))
