"""The participant dashboard in a real browser: reach it from the calendar, add, inline edit,
capacity, search, cancel and undo."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from participants.models import Participation
from participants.selectors import PAGE_SIZE
from tests.conftest import PASSWORD
from tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event(schedule):
    return EventFactory(
        schedule=schedule,
        title="Morning Flow",
        start_local=datetime(2026, 7, 6, 9, 0),
        duration=timedelta(hours=1),
        total_capacity=3,
        location={"type": "BUSINESS", "name": "Studio A", "address": "Main St 1"},
    )


def row(page, name):
    return page.locator("#participations-body tr.participation", has_text=name)


def add(page, name, party_size):
    page.fill("#add-name", name)
    page.fill("#add-email", f"{name.split()[0].lower()}@example.com")
    page.fill("#add-party_size", str(party_size))
    page.click("#add-participant button.primary[type=submit]")


def test_staff_finds_a_class_in_the_week_and_adds_a_participant(
    live_server, log_in, staff, schedule, artifacts_dir
):
    today = timezone.now().astimezone(schedule.business.zone).date()
    EventFactory(
        schedule=schedule,
        title="Lunch Yoga",
        start_local=datetime.combine(today, time(12, 0)),
        total_capacity=3,
    )
    page = log_in(staff)
    expect(page).to_have_url(re.compile(r"/calendar/week/"))

    page.locator(".cal-week a.cal-event", has_text="Lunch Yoga").click()
    expect(page.locator("h1")).to_contain_text("Lunch Yoga")
    page.get_by_role("link", name="Participants", exact=True).click()
    expect(page.locator("#event-title")).to_contain_text("Lunch Yoga")
    expect(page.locator("#capacity")).to_contain_text("0 / 3")
    add(page, "Jane Doe", 2)

    expect(row(page, "Jane Doe")).to_be_visible()
    expect(row(page, "Jane Doe").locator(".party-size")).to_have_text("2")
    expect(page.locator("#capacity")).to_contain_text("2 / 3")
    expect(page.locator("#capacity")).to_contain_text("1 free")
    page.screenshot(path=artifacts_dir / "participants-from-the-week.png", full_page=True)


def test_owner_manages_participants_inline(
    live_server, log_in, owner, event, artifacts_dir, app_debug
):
    page = log_in(owner)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))
    # As under make run: with DEBUG on django-htmx's debug script is on the page.
    expect(page.locator('script[src*="django-htmx.js"]')).to_have_count(1 if app_debug else 0)
    expect(page.locator("h1")).to_contain_text("Morning Flow")
    expect(page.locator("#capacity")).to_contain_text("0 / 3")
    page.evaluate("window.__noReload = true")

    # Add a participant.
    add(page, "Jane Doe", 1)
    expect(row(page, "Jane Doe")).to_be_visible()
    expect(page.locator("#capacity")).to_contain_text("1 / 3")
    expect(page.locator("#dashboard-status")).to_contain_text("Added Jane Doe.")
    expect(page.locator("#add-name")).to_have_value("")

    # Edit the party size in place.
    row(page, "Jane Doe").get_by_role("link", name="Edit").click()
    jane = Participation.objects.get(name="Jane Doe")
    size = page.locator(f"#edit-{jane.pk}-party_size")
    expect(size).to_be_focused()
    size.fill("2")
    page.locator(f"#p-{jane.pk}").get_by_role("button", name="Save").click()
    expect(row(page, "Jane Doe").locator(".party-size")).to_have_text("2")
    expect(page.locator("#capacity")).to_contain_text("2 / 3")

    # Hit the capacity limit: the error sits next to the field and the input stays.
    add(page, "Max Muster", 2)
    expect(page.locator("#add-participant .errorlist")).to_contain_text(
        "Only 1 place left; this party needs 2."
    )
    expect(page.locator("#add-name")).to_have_value("Max Muster")
    expect(page.locator("#add-party_size")).to_have_value("2")
    page.fill("#add-party_size", "1")
    page.click("#add-participant button.primary[type=submit]")
    expect(row(page, "Max Muster")).to_be_visible()
    expect(page.locator("#capacity")).to_contain_text("3 / 3")
    expect(page.locator("#capacity")).to_contain_text("Full")
    assert Participation.objects.filter(event=event).count() == 2

    # Cancel (after confirming), then undo.
    page.once("dialog", lambda dialog: dialog.accept())
    row(page, "Jane Doe").get_by_role("button", name="Cancel").click()
    expect(row(page, "Jane Doe")).to_have_class("participation cancelled")
    expect(page.locator("#capacity")).to_contain_text("1 / 3")
    row(page, "Jane Doe").get_by_role("button", name="Undo cancel").click()
    expect(row(page, "Jane Doe")).to_have_class("participation")
    expect(page.locator("#capacity")).to_contain_text("3 / 3")

    assert page.evaluate("window.__noReload") is True
    page.screenshot(path=artifacts_dir / "participants-dashboard.png", full_page=True)


def test_dismissing_the_confirm_keeps_the_participation(live_server, log_in, owner, event):
    Participation.objects.create(business=event.business, event=event, name="Jane Doe")
    page = log_in(owner)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))

    page.once("dialog", lambda dialog: dialog.dismiss())
    row(page, "Jane Doe").get_by_role("button", name="Cancel").click()

    page.wait_for_timeout(300)
    expect(row(page, "Jane Doe")).to_have_class("participation")
    assert Participation.objects.get(name="Jane Doe").cancelled_date is None


def test_search_narrows_the_list_as_you_type(live_server, log_in, staff, event):
    for name in ("Jane Doe", "Max Muster"):
        Participation.objects.create(business=event.business, event=event, name=name)
    page = log_in(staff)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))

    page.fill("#participant-search", "max")

    expect(row(page, "Jane Doe")).to_have_count(0)
    expect(row(page, "Max Muster")).to_be_visible()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('participants:dashboard', args=[event.pk])}?q=max"
    )


def test_adding_during_a_search_keeps_the_list_and_its_count_true(
    live_server, log_in, staff, event
):
    Participation.objects.create(business=event.business, event=event, name="Jane Doe")
    page = log_in(staff)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))
    page.fill("#participant-search", "jane")
    expect(page.locator("#participations")).to_contain_text("1 match for “jane”.")

    add(page, "Max Muster", 1)
    expect(page.locator("#dashboard-status")).to_contain_text("Not listed")
    expect(row(page, "Max Muster")).to_have_count(0)
    expect(page.locator("#participations")).to_contain_text("1 match for “jane”.")
    expect(page.locator("#capacity")).to_contain_text("2 / 3")

    add(page, "Jane Roe", 1)
    expect(row(page, "Jane Roe")).to_be_visible()
    expect(page.locator("#participations")).to_contain_text("2 matches for “jane”.")


def test_it_works_without_javascript(live_server, browser, owner, event):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))

    add(page, "Jane Doe", 2)
    expect(page.locator(".messages")).to_contain_text("Added Jane Doe (party of 2).")
    expect(page.locator("#capacity")).to_contain_text("2 / 3")

    row(page, "Jane Doe").get_by_role("link", name="Edit").click()
    jane = Participation.objects.get(name="Jane Doe")
    page.fill(f"#edit-{jane.pk}-party_size", "3")
    page.locator(f"#p-{jane.pk}").get_by_role("button", name="Save").click()
    expect(page.locator("#capacity")).to_contain_text("3 / 3")

    row(page, "Jane Doe").get_by_role("button", name="Cancel").click()
    expect(row(page, "Jane Doe")).to_have_class("participation cancelled")
    row(page, "Jane Doe").get_by_role("button", name="Undo cancel").click()
    expect(row(page, "Jane Doe")).to_have_class("participation")
    context.close()


def test_the_dashboard_fits_a_phone(live_server, log_in, owner, event, artifacts_dir):
    Participation.objects.create(
        business=event.business, event=event, name="Jane Doe", email="jane@example.com"
    )
    page = log_in(owner)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))

    expect(row(page, "Jane Doe").get_by_role("link", name="Edit")).to_be_visible()
    expect(page.locator("#participations-body tr.empty-row")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts_dir / "participants-dashboard-phone.png", full_page=True)


def test_load_more_appends_the_next_page_and_search_reaches_every_row(
    live_server, log_in, owner, event
):
    event.total_capacity = None
    event.save()
    Participation.objects.bulk_create(
        [
            Participation(business=event.business, event=event, name=f"Guest {n:03d}")
            for n in range(PAGE_SIZE + 10)
        ]
    )
    page = log_in(owner)
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))
    page.evaluate("window.__noReload = true")
    expect(page.locator("#participations-body tr.participation")).to_have_count(PAGE_SIZE)
    expect(page.locator("#load-more")).to_contain_text(
        f"Showing 1\N{EN DASH}{PAGE_SIZE} of {PAGE_SIZE + 10}"
    )

    # Added while page 2 is not loaded yet: shown at once, then once only after "Load more".
    add(page, "Zoe Newcomer", 1)
    expect(row(page, "Zoe Newcomer")).to_be_visible()
    page.get_by_role("link", name="Load more").click()
    expect(page.locator("#participations-body tr.participation")).to_have_count(PAGE_SIZE + 11)
    expect(row(page, "Zoe Newcomer")).to_have_count(1)
    expect(page.locator("#participations-body tr.participation").last).to_contain_text(
        "Zoe Newcomer"
    )
    expect(page.locator("#load-more")).to_contain_text(f"of {PAGE_SIZE + 11}")
    expect(page.get_by_role("link", name="Load more")).to_have_count(0)

    # A row of the second page is cancelled in place, as on the first.
    page.once("dialog", lambda dialog: dialog.accept())
    row(page, f"Guest {PAGE_SIZE + 5:03d}").get_by_role("button", name="Cancel").click()
    expect(row(page, f"Guest {PAGE_SIZE + 5:03d}")).to_have_class("participation cancelled")

    # The search asks the server: a row far beyond the first page is found.
    page.fill("#participant-search", f"Guest {PAGE_SIZE + 9:03d}")
    expect(page.locator("#participations-body tr.participation")).to_have_count(1)
    expect(page.locator("#participations")).to_contain_text("1 match for")
    assert page.evaluate("window.__noReload") is True


def test_without_javascript_the_next_page_is_a_link(live_server, browser, owner, event):
    Participation.objects.bulk_create(
        [
            Participation(business=event.business, event=event, name=f"Guest {n:03d}")
            for n in range(PAGE_SIZE + 2)
        ]
    )
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("participants:dashboard", args=[event.pk]))

    page.get_by_role("link", name="Load more").click()

    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(page.locator("#participations-body tr.participation")).to_have_count(2)
    expect(row(page, f"Guest {PAGE_SIZE + 1:03d}")).to_be_visible()
    context.close()
