"""Subscribe in a real browser: an owner makes a schedule's link, sees its QR code, the feed
answers, and a new link retires the old one (DEBUG on and off: the conftest's ``app_debug``)."""

import pytest
from playwright.sync_api import expect

from calendar_app.feeds.models import CalendarFeed
from tests.factories import EventFactory, next_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_makes_a_feed_link_scans_it_and_replaces_it(
    live_server, log_in, owner, schedule, settings, artifacts_dir
):
    EventFactory(schedule=schedule, title="Open class", start_local=next_monday())
    page = log_in(owner)
    page.locator(".topnav").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Subscribe").click()
    card = page.locator(f"#feed-schedule-{schedule.pk}")
    page.evaluate("window.__noReload = true")

    card.get_by_role("button", name="Make a link").click()

    expect(card.get_by_role("img", name="QR code of the link to Classes")).to_be_visible()
    assert page.evaluate("window.__noReload") is True  # swapped in place by HTMX
    feed = CalendarFeed.objects.get(schedule=schedule)
    link = card.get_by_role("textbox", name="Link")
    expect(link).to_have_value(f"{live_server.url}/ical/{feed.token}.ics")
    expect(card.get_by_role("link", name="Subscribe in your calendar app")).to_have_attribute(
        "href", f"webcal://{live_server.url.split('://')[1]}/ical/{feed.token}.ics"
    )
    answer = page.request.get(link.input_value())
    assert answer.status == 200
    assert "SUMMARY:Open class" in answer.text()
    page.screenshot(path=str(artifacts_dir / f"subscribe-debug-{settings.DEBUG}.png"))

    old = link.input_value()
    card.get_by_role("button", name="New link").click()
    expect(page.get_by_role("status")).to_contain_text("has a new link")
    expect(card.get_by_role("textbox", name="Link")).not_to_have_value(old)
    assert page.request.get(old).status == 404
    assert page.request.get(card.get_by_role("textbox", name="Link").input_value()).status == 200
