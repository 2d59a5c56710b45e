"""The calendar on a phone (390x844): no page scrolls sideways and events open their page."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import EventFactory, EventResourceFactory, next_monday

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(viewport=PHONE),
]


@pytest.fixture
def events(schedule):
    """A week with a long title, an evening class with a room and an early appointment."""
    monday = next_monday(9)
    long_one = EventFactory(
        schedule=schedule,
        title="Vinyasa flow for beginners and everyone returning after a long break",
        start_local=monday,
    )
    evening = EventFactory(schedule=schedule, title="Pilates", start_local=monday.replace(hour=18))
    EventResourceFactory(event=evening, resource__name="Studio room with a long name")
    EventFactory(
        schedule=schedule,
        title="Personal training",
        type="APPOINTMENT",
        start_local=monday + timedelta(days=2, hours=-2),
        total_capacity=1,
    )
    return long_one, evening


def calendar_url(live_server, view: str, day) -> str:
    path = reverse("calendar_app:calendar", args=[view])
    return f"{live_server.url}{path}?date={day:%Y-%m-%d}"


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing overflows)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_calendar_fits_a_phone_and_an_event_opens_its_page(
    live_server, log_in, owner, events, view, artifacts_dir
):
    long_one, evening = events
    page = log_in(owner)
    page.goto(calendar_url(live_server, view, long_one.start_local.date()))

    for event in events:
        entry = page.locator(f'a.cal-event[data-event-id="{event.pk}"]')
        expect(entry).to_be_visible()
        box = entry.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=str(artifacts_dir / f"phone-{view}.png"), full_page=True)
    assert overflow(page) == 0

    page.locator(f'a.cal-event[data-event-id="{evening.pk}"]').click()

    expect(page).to_have_url(
        f"{live_server.url}{reverse('calendar_app:event_detail', args=[evening.pk])}"
    )
    expect(page.locator("h1")).to_contain_text("Pilates")
    assert overflow(page) == 0


def test_on_a_phone_the_filters_fold_behind_a_disclosure(
    live_server, log_in, owner, events, schedule, artifacts_dir
):
    long_one, _ = events
    page = log_in(owner)
    page.goto(calendar_url(live_server, "week", long_one.start_local.date()))
    summary = page.locator("details.cal-filters > summary")
    schedules = page.locator("#cal-schedule")

    expect(summary).to_have_text("Filters")
    expect(schedules).to_be_hidden()
    page.screenshot(path=str(artifacts_dir / "calendar-phone-filters-folded.png"))
    summary.click()
    expect(schedules).to_be_visible()
    schedules.select_option(schedule.pk)  # the calendar reloads in place; the filters stay open
    expect(page).to_have_url(re.compile(f"schedule={schedule.pk}"))
    expect(page.locator("#cal-schedule")).to_be_visible()
    page.locator("a[rel=next]").click()
    expect(page.locator("#cal-schedule")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 900})  # a wide screen shows them as they are
    expect(summary).to_be_hidden()
    expect(page.locator("#cal-schedule")).to_be_visible()
