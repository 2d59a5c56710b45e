"""Moving events in the week and day grids: drag, resize, the series question, a clash, a stale
revision, Undo and the keyboard, on a desktop (mouse, week) and a phone (touch, day).

The mouse is Playwright's (down, moves, up); the phone's finger is Chromium's touch input
(``Input.dispatchTouchEvent``), which raises the touch and pointer events a phone does.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calendar_app.models import Event
from tests.factories import EventFactory, EventResourceFactory, ResourceFactory, next_monday

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = [
    pytest.param("desktop", marks=pytest.mark.browser_context_args(viewport=DESKTOP)),
    pytest.param(
        "phone",
        marks=pytest.mark.browser_context_args(viewport=PHONE, has_touch=True, is_mobile=True),
    ),
]


@pytest.fixture(params=DEVICES)
def form_factor(request):
    return request.param


class Grid:
    """The calendar page on one form_factor: the week with a mouse, the day with a finger."""

    def __init__(self, page, live_server, form_factor):
        self.page = page
        self.live_server = live_server
        self.form_factor = form_factor
        self.touch = None

    def open(self, day):
        view = "week" if self.form_factor == "desktop" else "day"
        path = reverse("calendar_app:calendar", args=[view])
        self.page.goto(f"{self.live_server.url}{path}?date={day:%Y-%m-%d}")
        self.page.evaluate("window.__noReload = true")

    def block(self, event):
        return self.page.locator(f'.cal-days .cal-timed[data-event-id="{event.pk}"]')

    def minute(self) -> float:
        """CSS pixels per minute of the grid."""
        return self.page.evaluate(
            "document.querySelector('.cal-days .cal-slot').getBoundingClientRect().height / 60"
        )

    def drag(self, event, *, minutes: int = 0, days: int = 0, resize: bool = False):
        """Press on the block (its bottom edge to resize), move in steps, let go."""
        box = self.block(event).bounding_box()
        x = box["x"] + box["width"] / 2
        y = box["y"] + (box["height"] - 3 if resize else min(10, box["height"] / 3))
        dx = days * self._column_width()
        dy = minutes * self.minute()
        self._press(x, y)
        for step in range(1, 9):
            self._move(x + dx * step / 8, y + dy * step / 8)
        if not resize:  # the ghost shows the new time while dragging
            expect(self.page.locator(".cal-ghost")).to_be_visible()
        self._release(x + dx, y + dy)

    def _column_width(self) -> float:
        return self.page.evaluate(
            "document.querySelector('.cal-days [data-date]').getBoundingClientRect().width"
        )

    def _press(self, x, y):
        if self.form_factor == "desktop":
            self.page.mouse.move(x, y)
            self.page.mouse.down()
        else:
            self.touch = self.page.context.new_cdp_session(self.page)
            self._touch("touchStart", x, y)

    def _move(self, x, y):
        if self.form_factor == "desktop":
            self.page.mouse.move(x, y)
        else:
            self._touch("touchMove", x, y)
        self.page.wait_for_timeout(20)

    def _release(self, x, y):
        if self.form_factor == "desktop":
            self.page.mouse.up()
        else:
            self._touch("touchEnd", x, y)

    def _touch(self, kind, x, y):
        points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
        self.touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    def panel(self):
        return self.page.locator("#move-panel")

    def still_no_reload(self):
        assert self.page.evaluate("window.__noReload") is True


@pytest.fixture
def grid(page, log_in, owner, live_server, form_factor):
    log_in(owner)
    return Grid(page, live_server, form_factor)


@pytest.fixture
def pilates(schedule):
    return EventFactory(schedule=schedule, title="Pilates", start_local=next_monday(10))


def stored(event) -> Event:
    return Event.objects.get(pk=event.pk)


def test_dragging_an_event_by_two_hours_moves_it_in_place(grid, pilates, artifacts_dir, form_factor):
    grid.open(pilates.start_local.date())

    grid.drag(pilates, minutes=120)

    expect(grid.panel()).to_contain_text("moved to")
    expect(grid.block(pilates)).to_contain_text("12:00")
    assert stored(pilates).start - pilates.start == timedelta(hours=2)
    assert stored(pilates).end - pilates.end == timedelta(hours=2)
    grid.still_no_reload()
    grid.page.screenshot(path=str(artifacts_dir / f"drag-moved-{form_factor}.png"))
