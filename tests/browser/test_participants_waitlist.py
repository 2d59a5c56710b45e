"""The waitlist and attendance in a real browser: fill a class, wait, a cancel promotes the first
person waiting without a reload; check in and no-show with undo; and all of it without JS."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from participants.models import Participation, WaitlistEntry
from tests.conftest import PASSWORD
from tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event(schedule):
    return EventFactory(
        schedule=schedule,
        title="Evening Spin",
        start_local=datetime(2026, 7, 6, 18, 0),
        duration=timedelta(hours=1),
        total_capacity=2,
    )


def row(page, name):
    return page.locator("#participations-body tr.participation", has_text=name)


def waiting(page):
    return page.locator("#waitlist tr.waiting")


def add(page, name):
    page.fill("#add-name", name)
    page.fill("#add-party_size", "1")
    page.click("#add-participant button.primary[type=submit]")
    expect(row(page, name)).to_be_visible()


def join_waitlist(page, name):
    page.fill("#wait-name", name)
    page.fill("#wait-party_size", "1")
    page.locator("#waitlist-join").get_by_role("button", name="Add to waitlist").click()
    expect(waiting(page).filter(has_text=name)).to_be_visible()


def test_a_cancel_gives_the_place_to_the_first_person_waiting_without_a_reload(
    live_server, log_in, owner, event, artifacts_dir
):
    page = log_in(owner)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))
    page.evaluate("window.__noReload = true")
    expect(page.locator("#waitlist")).to_be_hidden()

    add(page, "Ann Archer")
    add(page, "Bob Baker")
    expect(page.locator("#capacity")).to_contain_text("Full")
    join_waitlist(page, "Cleo Cole")
    join_waitlist(page, "Dan Dunn")
    expect(waiting(page)).to_have_count(2)
    expect(waiting(page).nth(0).locator(".position")).to_have_text("1")
    expect(waiting(page).nth(0)).to_contain_text("Cleo Cole")

    page.once("dialog", lambda dialog: dialog.accept())
    row(page, "Ann Archer").get_by_role("button", name="Cancel").click()

    expect(row(page, "Cleo Cole")).to_be_visible()
    expect(waiting(page)).to_have_count(1)
    expect(waiting(page).nth(0)).to_contain_text("Dan Dunn")
    expect(waiting(page).nth(0).locator(".position")).to_have_text("1")
    expect(page.locator("#capacity")).to_contain_text("2 / 2")
    expect(page.locator("#dashboard-status")).to_contain_text("Cleo Cole got a place")
    assert page.evaluate("window.__noReload") is True
    page.screenshot(path=artifacts_dir / "participants-waitlist.png", full_page=True)


def test_check_in_and_no_show_with_undo_in_one_tap(live_server, log_in, staff, event):
    for name in ("Ann Archer", "Bob Baker"):
        Participation.objects.create(business=event.business, event=event, name=name)
    page = log_in(staff)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))
    page.evaluate("window.__noReload = true")

    row(page, "Ann Archer").get_by_role("button", name="Check in").click()
    expect(row(page, "Ann Archer").locator(".status")).to_contain_text("Checked in")
    row(page, "Bob Baker").get_by_role("button", name="No-show").click()
    expect(row(page, "Bob Baker").locator(".status")).to_contain_text("No-show")
    row(page, "Bob Baker").get_by_role("button", name="Undo no-show").click()
    expect(row(page, "Bob Baker").get_by_role("button", name="Check in")).to_be_visible()

    page.get_by_role("button", name="Check in everyone").click()
    expect(row(page, "Bob Baker").locator(".status")).to_contain_text("Checked in")
    expect(page.locator("#dashboard-status")).to_contain_text("Checked in 1 participant.")
    assert page.evaluate("window.__noReload") is True
    assert set(Participation.objects.values_list("attendance", flat=True)) == {"CHECKED_IN"}


def test_the_waitlist_and_check_in_work_without_javascript(live_server, browser, owner, event):
    for name in ("Ann Archer", "Bob Baker"):
        Participation.objects.create(business=event.business, event=event, name=name)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))

    join_waitlist(page, "Cleo Cole")
    join_waitlist(page, "Dan Dunn")
    waiting(page).filter(has_text="Dan Dunn").get_by_role("button", name="Move up").click()
    expect(waiting(page).nth(0)).to_contain_text("Dan Dunn")

    row(page, "Ann Archer").get_by_role("button", name="Check in").click()
    expect(row(page, "Ann Archer").locator(".status")).to_contain_text("Checked in")
    row(page, "Bob Baker").get_by_role("button", name="Cancel").click()
    expect(row(page, "Dan Dunn")).to_be_visible()
    expect(waiting(page)).to_have_count(1)
    assert WaitlistEntry.objects.get(name="Dan Dunn").participation is not None
    context.close()
