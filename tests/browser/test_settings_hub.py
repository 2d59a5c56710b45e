"""The settings hub in a real browser, at desktop and phone width (DEBUG on and off: the
conftest's ``app_debug``): the top bar leads to it, each section's link opens its page with
the section marked current, and "All settings" leads back."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import WixConnectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = {
    "Reports": "reports:page",
    "Team": "calendar_app:team",
    "Resources": "bookings:resources",
    "Subscribe": "feeds:subscribe",
    "Notifications": "notifications:settings",
    "Outbox": "notifications:outbox",
    "Wix": "wix:settings",
    "Magicline": "magicline:settings",
    "API": "api_settings:page",
    "Conferencing": "conferencing:settings",
}
# Whether an element ends within the window (nothing of it needs a sideways scroll).
FITS = "e => e.getBoundingClientRect().right <= window.innerWidth && e.scrollWidth <= e.clientWidth"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_owner_clicks_through_every_section_of_the_hub_and_back(
    live_server, log_in, owner, business, viewport, artifacts_dir
):
    WixConnectionFactory(business=business)
    page = log_in(owner)
    page.set_viewport_size(viewport)
    top_bar = page.locator(".topnav")
    expect(top_bar.get_by_role("link")).to_have_text(
        ["Calendar", "Bookings", "Customers", "Settings"]
    )
    expect(top_bar.get_by_role("link", name="Calendar")).to_have_attribute("aria-current", "page")

    top_bar.get_by_role("link", name="Settings").click()

    expect(page).to_have_url(live_server.url + reverse("calendar_app:settings"))
    expect(top_bar.get_by_role("link", name="Settings")).to_have_attribute("aria-current", "page")
    hub = page.locator(".settings-hub")
    expect(hub.get_by_role("listitem")).to_have_count(len(SECTIONS))
    expect(hub.get_by_role("listitem").filter(has_text="Wix")).to_contain_text(
        "connected, no delivery yet"
    )
    expect(hub.get_by_role("listitem").filter(has_text="Magicline")).to_contain_text(
        "not connected"
    )
    assert page.locator("body").evaluate(FITS), "the hub page never scrolls sideways"
    page.screenshot(path=str(artifacts_dir / f"settings-hub-{viewport['width']}.png"))
    for name, url_name in SECTIONS.items():
        hub.get_by_role("link", name=name, exact=True).click()

        expect(page).to_have_url(live_server.url + reverse(url_name))
        expect(top_bar.get_by_role("link", name="Settings")).to_have_attribute(
            "aria-current", "page"
        )
        second_row = page.locator(".subnav")
        expect(second_row.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        assert second_row.evaluate(FITS), "the second row fits the width, wrapping if need be"
        second_row.get_by_role("link", name="All settings").click()
        expect(page).to_have_url(live_server.url + reverse("calendar_app:settings"))


def test_staff_find_only_subscribe_and_the_outbox_in_the_hub(live_server, log_in, staff):
    page = log_in(staff)

    page.locator(".topnav").get_by_role("link", name="Settings").click()

    links = page.locator(".settings-hub").get_by_role("link")
    expect(links).to_have_text(["Subscribe", "Outbox"])
    links.first.click()
    expect(page).to_have_url(live_server.url + reverse("feeds:subscribe"))
