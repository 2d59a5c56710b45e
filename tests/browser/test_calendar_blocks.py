"""Readable blocks in the week and day grids, in a desktop browser (DEBUG on and off): a block
reads title first, then its time, and a short one keeps its title on one line inside it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import EventFactory, next_monday

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
    title = block.locator(".cal-event-title")
    time = block.locator(".cal-event-time")
    assert block.evaluate("a => a.firstElementChild.className") == "cal-event-title"
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
    title_box = block.locator(".cal-event-title").bounding_box()
    time_box = block.locator(".cal-event-time").bounding_box()
    assert time_box["y"] >= title_box["y"] + title_box["height"] - 1
    assert time_box["y"] + time_box["height"] <= block.bounding_box()["y"] + 2 * 48
