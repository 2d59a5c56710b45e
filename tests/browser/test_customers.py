"""The Customers pages in a real browser: find a customer by phone from the top bar, and see on
a customer's page the attendance marked with the participant dashboard's buttons."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from participants.customers.services import sync_directory
from participants.models import Participation
from tests.factories import CustomerFactory, EventFactory, ParticipationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def results(page):
    return page.locator("#results tr.customer")


def test_staff_find_a_customer_by_phone(
    live_server, log_in, staff, business, schedule, artifacts_dir
):
    event = EventFactory(schedule=schedule, title="Morning Flow")
    ParticipationFactory(
        event=event, name="Ada Lovelace", email="ada@example.com", phone="+49 151 2345678"
    )
    ParticipationFactory(
        event=event, name="Grace Hopper", email="grace@example.com", phone="+49 160 111"
    )
    CustomerFactory(
        business=business,
        first_name="Alan",
        last_name="Turing",
        email="alan@example.com",
        phone="0171 5559876",
    )
    sync_directory(business=business)
    page = log_in(staff)

    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page.get_by_role("link", name="Customers", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(results(page)).to_have_count(3)
    page.evaluate("window.__noReload = true")
    page.fill("#customer-search", "0171 555")
    expect(results(page)).to_have_count(1)
    expect(results(page).nth(0)).to_contain_text("Alan Turing")
    assert page.evaluate("window.__noReload") is True
    page.fill("#customer-search", "2345678")
    expect(results(page)).to_have_count(1)
    expect(results(page).nth(0)).to_contain_text("Ada Lovelace")
    page.screenshot(path=artifacts_dir / "customers-search.png", full_page=True)

    results(page).nth(0).get_by_role("link", name="Ada Lovelace").click()
    expect(page.locator("h1")).to_have_text("Ada Lovelace")
    expect(page.locator(".facts")).to_contain_text("+49 151 2345678")
    expect(page.locator("#upcoming, #past").first).to_contain_text("Morning Flow")


def test_attendance_marked_on_the_dashboard_shows_on_the_customer_page(
    live_server, log_in, owner, schedule, artifacts_dir
):
    earlier = EventFactory(
        schedule=schedule, title="Sunday Stretch", start_local=datetime(2026, 6, 28, 10, 0)
    )
    ParticipationFactory(
        event=earlier,
        name="Ann Archer",
        email="ann@example.com",
        attendance=Participation.Attendance.NO_SHOW,
    )
    event = EventFactory(
        schedule=schedule,
        title="Evening Spin",
        start_local=datetime(2026, 7, 6, 18, 0),
        duration=timedelta(hours=1),
        total_capacity=5,
    )
    for name in ("Ann Archer", "Bob Baker", "Cleo Cole"):
        ParticipationFactory(event=event, name=name, email=f"{name.split()[0].lower()}@example.com")
    sync_directory(business=schedule.business)
    page = log_in(owner)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))

    def row(name):
        return page.locator("#participations-body tr.participation", has_text=name)

    row("Ann Archer").get_by_role("button", name="Check in").click()
    expect(row("Ann Archer").locator(".status")).to_contain_text("Checked in")
    row("Bob Baker").get_by_role("button", name="Check in").click()
    expect(row("Bob Baker").locator(".status")).to_contain_text("Checked in")
    row("Cleo Cole").get_by_role("button", name="No-show").click()
    expect(row("Cleo Cole").locator(".status")).to_contain_text("No-show")

    page.get_by_role("link", name="Customers", exact=True).click()
    page.fill("#customer-search", "ann@example")
    expect(results(page)).to_have_count(1)
    results(page).get_by_role("link", name="Ann Archer").click()
    expect(page.locator("#past-visits")).to_have_text("2")
    expect(page.locator("#attendance")).to_contain_text("50% (1 attended of 2 recorded)")
    expect(page.locator("#no-shows")).to_have_text("1")
    past = page.locator("#past tr.visit")
    expect(past.nth(0)).to_contain_text("Evening Spin")
    expect(past.nth(0)).to_contain_text("Checked in")
    expect(past.nth(1)).to_contain_text("Sunday Stretch")
    expect(past.nth(1)).to_contain_text("No-show")
    page.screenshot(path=artifacts_dir / "customers-attendance.png", full_page=True)

    page.get_by_role("link", name="Customers", exact=True).click()
    page.fill("#customer-search", "cleo")
    expect(results(page)).to_have_count(1)
    results(page).get_by_role("link", name="Cleo Cole").click()
    expect(page.locator("#attendance")).to_contain_text("0% (0 attended of 1 recorded)")
    expect(page.locator("#no-shows")).to_have_text("1")
