"""The Content-Security-Policy holds while the pages work: no violation on the calendar (every
view), an event, the participant dashboard and an HTMX add, with DEBUG on and off."""

import re
from datetime import datetime, time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import EventFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def watched(page):
    """The page, recording CSP violations (events and the console's "Refused to ...")."""
    refused = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Refused to" in message.text or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(f"page error: {error}"))

    def violations() -> list[str]:
        return refused + page.evaluate("window.cspViolations || []")

    return violations


def test_the_calendar_and_the_participant_dashboard_work_under_the_policy(
    live_server, log_in, owner, schedule, other_business, watched
):
    MembershipFactory(user=owner, business=other_business, role="staff")  # shows the switcher
    today = timezone.now().astimezone(schedule.business.zone).date()
    event = EventFactory(
        schedule=schedule,
        title="Lunch Yoga",
        start_local=datetime.combine(today, time(12, 0)),
        total_capacity=3,
    )
    page = log_in(owner)
    expect(page).to_have_url(re.compile(r"/calendar/week/"))
    expect(page.locator(".cal-week a.cal-event", has_text="Lunch Yoga")).to_be_visible()
    for view in ("month", "day", "agenda"):
        page.goto(f"{live_server.url}/calendar/{view}/")
        expect(page.locator("a.cal-event, .agenda a", has_text="Lunch Yoga").first).to_be_visible()

    page.goto(f"{live_server.url}/participants/events/{event.pk}/")
    page.fill("#add-name", "Jane Doe")
    page.fill("#add-party_size", "2")
    page.click("#add-participant button[type=submit]")
    expect(page.locator("#capacity")).to_contain_text("2 / 3")

    page.select_option("#business-switch", str(other_business.pk))  # app.js submits it
    expect(page.locator(".brand")).to_have_text("Other Studio")
    assert watched() == []


def test_no_page_asks_for_anything_that_is_missing(live_server, log_in, owner, schedule, page):
    """Every request a page makes (the favicon too, which browsers fetch on their own) is
    answered: no 404 in the network log of the calendar, an event form and the dashboard."""
    missing = []
    page.on(
        "response",
        lambda response: missing.append(response.url) if response.status >= 400 else None,
    )
    event = EventFactory(schedule=schedule, title="Lunch Yoga")
    log_in(owner)
    for path in ("/calendar/week/", "/events/new/", f"/participants/events/{event.pk}/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")

    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).status == 200
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200  # after the redirect
    assert missing == []
