"""Refusals a person can read: a deactivated member's login, a 403 inside the app, and an
unreachable calendar service, said in place."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calendar_app.models import Event
from calendar_app.tenancy.models import Business
from calendar_app.wix.apply import apply_remote_event, apply_remote_schedule
from tests.conftest import PASSWORD
from tests.factories import WixConnectionFactory, days_ahead_at_ten
from tests.fakes.wix_server import FakeWixServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_deactivated_member_s_login_is_refused_with_a_message(
    live_server, page, staff, staff_membership
):
    staff_membership.is_active = False
    staff_membership.save()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    expect(page.get_by_role("alert")).to_contain_text("This account is deactivated")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_staff_opening_an_owner_page_get_a_403_with_the_app_s_navigation(
    live_server, log_in, staff, artifacts_dir
):
    page = log_in(staff)

    response = page.goto(live_server.url + reverse("calendar_app:team"))

    assert response.status == 403
    expect(page.locator("h1")).to_have_text("You cannot open this page")
    expect(page.locator(".topnav").get_by_role("link", name="Calendar")).to_be_visible()
    page.get_by_role("link", name="Back to the calendar").click()
    expect(page.locator(".cal-toolbar h1")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "refusal-403.png"), full_page=True)


@pytest.fixture
def wix_event(business):
    """An event of the demo business, which mirrors a fake Calendar V3 site."""
    Business.objects.filter(pk=business.pk).update(backend=Business.Backend.WIX)
    with FakeWixServer() as server:
        connection = WixConnectionFactory(
            business=Business.objects.get(pk=business.pk),
            base_url=server.base_url,
            api_key=server.api_key,
            site_id=server.site_id,
        )
        schedule = server.add_schedule(name="Yoga")
        apply_remote_schedule(connection=connection, data=schedule, source="backfill")
        start = days_ahead_at_ten(3)
        data = server.add_event(
            schedule_id=schedule["id"], start_local=start, end_local=start + timedelta(hours=1)
        )
        apply_remote_event(connection=connection, data=data, source="backfill")
        yield server, Event.objects.get(pk=data["id"])


def test_a_cancel_while_the_calendar_service_is_down_says_so_in_place(
    live_server, log_in, owner, wix_event, artifacts_dir
):
    server, event = wix_event
    page = log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:event_detail", args=[event.pk]))
    page.evaluate("window.__noReload = true")
    server.script(*[(503, 0)] * 4)

    page.locator("summary", has_text="Cancel…").click()
    page.get_by_role("button", name="Cancel event").click()

    expect(page.locator("#event-summary .error")).to_have_text(
        "The calendar service is not reachable; nothing was changed."
    )
    expect(page.locator("#event-summary .badge")).to_have_text("Confirmed")
    assert page.evaluate("window.__noReload") is True  # swapped in place by HTMX
    assert Event.objects.get(pk=event.pk).status == Event.Status.CONFIRMED
    page.screenshot(path=str(artifacts_dir / "refusal-503.png"), full_page=True)
