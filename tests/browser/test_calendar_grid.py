"""The week and day time grid in a desktop browser: hours labelled, events placed and sized by
minute, overlapping events side by side, and an empty slot that creates an event then."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import EventFactory, next_monday

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(viewport={"width": 1280, "height": 900}),
]


def calendar_url(live_server, view: str, day) -> str:
    path = reverse("calendar_app:calendar", args=[view])
    return f"{live_server.url}{path}?date={day:%Y-%m-%d}"


def box(page, event):
    return page.locator(f'a.cal-event[data-event-id="{event.pk}"]').bounding_box()


def hour_height(page) -> float:
    return page.locator(".cal-hour").first.bounding_box()["height"]


@pytest.fixture
def monday():
    return next_monday(9)


def test_the_day_view_on_a_desktop_shows_hour_labels_and_every_event(
    live_server, log_in, owner, schedule, monday, artifacts_dir
):
    events = [
        EventFactory(
            schedule=schedule, title=f"Class {hour}", start_local=monday.replace(hour=hour)
        )
        for hour in (8, 12, 18)
    ]
    page = log_in(owner)
    page.goto(calendar_url(live_server, "day", monday))

    labels = page.locator(".cal-hours .cal-hour")
    expect(labels.first).to_have_text("07:00")
    expect(labels.last).to_have_text("19:00")
    expect(labels.nth(1)).to_be_visible()
    for event in events:
        expect(page.locator(f'a.cal-event[data-event-id="{event.pk}"]')).to_be_visible()
    eight, noon, six = (box(page, e) for e in events)
    assert noon["y"] - eight["y"] == pytest.approx(4 * hour_height(page), abs=2)
    assert six["y"] > noon["y"]
    page.screenshot(path=str(artifacts_dir / "day-desktop.png"), full_page=True)


def test_a_13_to_17_block_spans_four_hours_in_the_week(
    live_server, log_in, owner, schedule, monday, artifacts_dir
):
    block = EventFactory(
        schedule=schedule,
        title="Workshop",
        start_local=monday.replace(hour=13),
        duration=timedelta(hours=4),
    )
    page = log_in(owner)
    page.goto(calendar_url(live_server, "week", monday))

    block_box = box(page, block)
    row = page.locator(
        f'.cal-day[data-date="{monday:%Y-%m-%d}"] .cal-slot[data-hour="13:00"]'
    ).bounding_box()
    assert block_box["y"] == pytest.approx(row["y"], abs=2)
    assert block_box["height"] == pytest.approx(4 * hour_height(page), abs=3)
    page.screenshot(path=str(artifacts_dir / "week-four-hour-block.png"), full_page=True)


def test_two_overlapping_events_sit_side_by_side(
    live_server, log_in, owner, schedule, monday, artifacts_dir
):
    first = EventFactory(schedule=schedule, title="Yoga", start_local=monday.replace(hour=10))
    second = EventFactory(
        schedule=schedule, title="Pilates", start_local=monday.replace(hour=10, minute=30)
    )
    page = log_in(owner)
    page.goto(calendar_url(live_server, "week", monday))

    left, right = box(page, first), box(page, second)
    assert left["x"] + left["width"] <= right["x"] + 1
    assert right["y"] - left["y"] == pytest.approx(hour_height(page) / 2, abs=2)
    column = page.locator(f'.cal-day[data-date="{monday:%Y-%m-%d}"]').bounding_box()
    assert column["x"] <= left["x"] and right["x"] + right["width"] <= column["x"] + column["width"]
    page.screenshot(path=str(artifacts_dir / "week-side-by-side.png"), full_page=True)


def test_a_click_on_an_empty_slot_creates_an_event_at_that_time(
    live_server, log_in, owner, schedule, monday
):
    page = log_in(owner)
    page.goto(calendar_url(live_server, "day", monday))

    page.locator('.cal-slot[data-hour="15:00"]').click()

    expect(page.locator("h1")).to_have_text("New event")
    expect(page.locator("#id_date")).to_have_value(f"{monday:%Y-%m-%d}")
    expect(page.locator("#id_start_time")).to_have_value("15:00")
