"""Refusals a person can read: a deactivated member's login, and a 403 inside the app."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import PASSWORD

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
