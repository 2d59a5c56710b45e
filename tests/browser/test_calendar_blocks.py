"""Readable blocks in the week and day grids, in a desktop browser (DEBUG on and off): a block
reads title first, then its time, and a short one keeps its title on one line inside it; its
details are in a popover that the keyboard reaches; a month cell's "+N more" opens in place."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import EventFactory, EventResourceFactory, ResourceFactory, next_monday

HOURS_2 = timedelta(hours=2)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(viewport={"width": 1280, "height": 900}),
]


@pytest.mark.parametrize("view", ["week", "day"])
def test_a_short_block_shows_its_title_first_on_one_line_inside_the_block(
    live_server, log_in, owner, schedule, view, artifacts_dir
):
    monday = next_monday(9)
    short = EventFactory(
        schedule=schedule,
        title="Physio check: Jonas Schmidt",
        start_local=monday,
        duration=timedelta(minutes=30),
    )
    page = log_in(owner)
    path = reverse("calendar_app:calendar", args=[view])
    page.goto(f"{live_server.url}{path}?date={monday:%Y-%m-%d}")

    block = page.locator(f'a.cal-event[data-event-id="{short.pk}"]')
    title = block.locator("b")
    time = block.locator("small")
    assert block.evaluate("a => a.firstElementChild.tagName") == "B"  # the title first
    block_box, title_box = block.bounding_box(), title.bounding_box()
    line = float(title.evaluate("t => parseFloat(getComputedStyle(t).lineHeight)"))
    assert title_box["height"] <= line + 1, "the title is one line, not cut mid-line"
    assert title_box["y"] + title_box["height"] <= block_box["y"] + block_box["height"] + 1
    time_box = time.bounding_box()
    assert time_box["y"] == title_box["y"], "the time follows on the same line"
    if view == "day":  # a wide column has room for both in full
        assert time_box["x"] + time_box["width"] <= block_box["x"] + block_box["width"]
    page.screenshot(path=str(artifacts_dir / f"short-block-{view}.png"))


def test_a_long_block_shows_its_title_then_its_time_below(
    live_server, log_in, owner, schedule, artifacts_dir
):
    monday = next_monday(9)
    long = EventFactory(schedule=schedule, title="Yoga", start_local=monday, duration=HOURS_2)
    page = log_in(owner)
    path = reverse("calendar_app:calendar", args=["week"])
    page.goto(f"{live_server.url}{path}?date={monday:%Y-%m-%d}")

    block = page.locator(f'a.cal-event[data-event-id="{long.pk}"]')
    title_box = block.locator("b").bounding_box()
    time_box = block.locator("small").bounding_box()
    assert time_box["y"] >= title_box["y"] + title_box["height"] - 1
    assert time_box["y"] + time_box["height"] <= block.bounding_box()["y"] + 2 * 48


@pytest.mark.parametrize("view", ["week", "day"])
def test_tab_to_a_block_shows_its_details_in_a_popover_it_points_at(
    live_server, log_in, owner, schedule, view, artifacts_dir
):
    monday = next_monday(9)
    room = ResourceFactory(business=schedule.business, name="Studio 2")
    event = EventResourceFactory(
        resource=room,
        event__schedule=schedule,
        event__title="Physio check: Jonas Schmidt",
        event__start_local=monday,
        event__duration=timedelta(minutes=30),
        event__total_capacity=8,
        event__remaining_capacity=3,
    ).event
    page = log_in(owner)
    path = reverse("calendar_app:calendar", args=[view])
    page.goto(f"{live_server.url}{path}?date={monday:%Y-%m-%d}")
    block = page.locator(f'a.cal-event[data-event-id="{event.pk}"]')
    popover = page.locator("#cal-peek")
    expect(popover).to_be_hidden()

    page.locator(".cal-add").last.focus()  # the last link before the blocks of the day
    for _ in range(40):
        page.keyboard.press("Tab")
        if block.evaluate("a => a === document.activeElement"):
            break
    expect(block).to_be_focused()

    expect(popover).to_be_visible()
    expect(popover).to_have_attribute("role", "tooltip")
    expect(popover).to_contain_text("Physio check: Jonas Schmidt")
    expect(popover).to_contain_text("09:00")
    expect(popover).to_contain_text("Studio 2")
    expect(popover).to_contain_text("3 of 8")
    expect(block).to_have_attribute("aria-describedby", "cal-peek")
    page.screenshot(path=str(artifacts_dir / f"peek-{view}.png"))
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()


def test_hovering_a_block_shows_its_details(live_server, log_in, owner, schedule):
    monday = next_monday(9)
    event = EventFactory(schedule=schedule, title="Yoga", start_local=monday, duration=HOURS_2)
    page = log_in(owner)
    path = reverse("calendar_app:calendar", args=["week"])
    page.goto(f"{live_server.url}{path}?date={monday:%Y-%m-%d}")

    page.locator(f'a.cal-event[data-event-id="{event.pk}"]').hover()

    expect(page.locator("#cal-peek")).to_be_visible()
    expect(page.locator("#cal-peek")).to_contain_text("Classes")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_more_in_a_month_cell_opens_the_day_s_list_in_place(
    live_server, log_in, owner, schedule, width, artifacts_dir
):
    monday = next_monday(8)
    events = [
        EventFactory(schedule=schedule, title=f"Class {n}", start_local=monday + timedelta(hours=n))
        for n in range(7)
    ]
    page = log_in(owner)
    page.set_viewport_size({"width": width, "height": 900})
    path = reverse("calendar_app:calendar", args=["month"])
    page.goto(f"{live_server.url}{path}?date={monday:%Y-%m-%d}")
    cell = page.locator(f'.cal-cell[data-date="{monday:%Y-%m-%d}"]')
    expect(cell.locator("a.cal-event")).to_have_count(4)
    address = page.url

    cell.locator(".cal-more").click()

    expect(cell.locator("a.cal-event")).to_have_count(7)
    for event in events:
        expect(cell.locator(f'a.cal-event[data-event-id="{event.pk}"]')).to_be_visible()
    expect(cell.locator(".cal-more")).to_have_count(0)
    assert page.url == address, "the month stays; the list opened in its cell"
    expect(page.locator(".cal-month")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / f"month-more-{width}.png"), full_page=True)


def test_more_in_a_month_cell_without_scripts_is_the_day_view(
    live_server, browser, owner, schedule
):
    monday = next_monday(8)
    for n in range(6):
        EventFactory(schedule=schedule, title=f"Class {n}", start_local=monday + timedelta(hours=n))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    path = reverse("calendar_app:calendar", args=["month"])
    page.goto(f"{live_server.url}{path}?date={monday:%Y-%m-%d}")

    page.locator(f'.cal-cell[data-date="{monday:%Y-%m-%d}"] .cal-more').click()

    expect(page).to_have_url(re.compile(r"/calendar/day/\?date=" + f"{monday:%Y-%m-%d}"))
    expect(page.locator("a.cal-event")).to_have_count(6)
    context.close()
