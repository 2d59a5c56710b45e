"""Moving events in the week and day grids: drag, resize, the series question, a clash, a stale
revision, Undo and the keyboard, on a desktop (mouse, week) and a phone (touch, day).

The mouse is Playwright's (down, moves, up); the phone's finger is Chromium's touch input
(``Input.dispatchTouchEvent``), which raises the touch and pointer events a phone does.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calendar_app.layouts.query import DASH
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
        return self.page.locator(
            f'.cal-days .cal-timeline > .cal-event[data-event-id="{event.pk}"]'
        )

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


def test_dragging_an_event_by_two_hours_moves_it_in_place(
    grid, pilates, artifacts_dir, form_factor
):
    refused = []  # the policy holds: the library and the script are static files
    grid.page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    grid.page.on("pageerror", lambda error: refused.append(f"page error: {error}"))
    grid.open(pilates.start_local.date())

    grid.drag(pilates, minutes=120)

    expect(grid.panel()).to_contain_text("moved to")
    expect(grid.block(pilates)).to_contain_text("12:00")
    assert stored(pilates).start - pilates.start == timedelta(hours=2)
    assert stored(pilates).end - pilates.end == timedelta(hours=2)
    grid.still_no_reload()
    grid.page.screenshot(path=str(artifacts_dir / f"drag-moved-{form_factor}.png"))
    assert refused == []


def test_resizing_by_the_bottom_edge_adds_thirty_minutes(grid, pilates):
    grid.open(pilates.start_local.date())

    grid.drag(pilates, minutes=30, resize=True)

    expect(grid.panel()).to_contain_text("moved to")
    expect(grid.block(pilates)).to_contain_text(f"10:00{DASH}11:30")
    assert stored(pilates).start == pilates.start
    assert stored(pilates).end - pilates.end == timedelta(minutes=30)
    grid.still_no_reload()


def test_dragging_an_occurrence_asks_and_moves_it_and_the_following(grid, series, artifacts_dir):
    first, second, third = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[:3]
    grid.open(second.start_local.date())

    grid.drag(second, minutes=60)

    dialog = grid.panel()
    expect(dialog).to_contain_text("Which occurrences?")
    grid.page.screenshot(path=str(artifacts_dir / f"drag-series-{grid.form_factor}.png"))
    dialog.get_by_label("This and the following ones").check()
    dialog.get_by_role("button", name="Move", exact=True).click()

    expect(dialog).to_contain_text("moved to")
    expect(
        grid.page.locator(".cal-days .cal-timeline > .cal-event", has_text="Morning yoga")
    ).to_contain_text("10:00")
    assert stored(first).start_local.hour == 9  # the earlier occurrence keeps its time
    moved_on = Event.objects.filter(
        business=series.business,
        removed_date__isnull=True,
        start_local_date__startswith=third.start_local_date[:10],
    ).exclude(recurrence_type=Event.RecurrenceType.MASTER)
    assert [event.start_local.hour for event in moved_on] == [10]
    grid.still_no_reload()


def test_a_drop_onto_a_clash_warns_then_move_anyway_moves(grid, pilates, schedule):
    room = ResourceFactory(business=pilates.business, name="Room 1")
    EventResourceFactory(event=pilates, resource=room)
    yin = EventFactory(schedule=schedule, title="Yin", start_local=next_monday(12))
    EventResourceFactory(event=yin, resource=room)
    grid.open(pilates.start_local.date())

    grid.drag(pilates, minutes=120)

    expect(grid.panel()).to_contain_text("Already taken at that time")
    expect(grid.panel()).to_contain_text("Yin")
    assert stored(pilates).start == pilates.start  # nothing saved yet
    grid.panel().get_by_role("button", name="Move anyway").click()

    expect(grid.panel()).to_contain_text("moved to")
    assert stored(pilates).start - pilates.start == timedelta(hours=2)
    grid.still_no_reload()


def test_a_drop_after_someone_else_edited_shows_the_conflict_and_keeps_their_edit(grid, pilates):
    from calendar_app import services

    grid.open(pilates.start_local.date())
    services.update_event(  # someone else, after the grid was drawn
        actor=None,
        event=stored(pilates),
        expected_revision=pilates.revision,
        changes={"title": "Pilates (renamed)"},
    )

    grid.drag(pilates, minutes=120)

    expect(grid.panel()).to_contain_text("changed since you opened it")
    expect(grid.panel()).to_contain_text("Pilates (renamed)")
    now = stored(pilates)
    assert now.start == pilates.start
    assert now.title == "Pilates (renamed)"
    expect(grid.block(pilates)).to_contain_text("10:00")  # back where it is, freshly drawn
    expect(grid.page.locator(".cal-ghost")).to_have_count(0)
    grid.still_no_reload()


def test_undo_moves_the_event_back(grid, pilates):
    grid.open(pilates.start_local.date())
    grid.drag(pilates, minutes=120)
    expect(grid.panel()).to_contain_text(f"12:00{DASH}13:00.")
    expect(grid.block(pilates)).to_contain_text(f"12:00{DASH}13:00")  # the grid was redrawn

    grid.panel().get_by_role("button", name="Undo").click()

    expect(grid.panel()).to_contain_text(f"10:00{DASH}11:00.")
    expect(grid.block(pilates)).to_contain_text(f"10:00{DASH}11:00")
    assert stored(pilates).start == pilates.start
    assert stored(pilates).revision == pilates.revision + 2
    grid.still_no_reload()


def test_moving_with_the_keyboard_alone(grid, pilates):
    grid.open(pilates.start_local.date())
    grid.block(pilates).focus()
    keyboard = grid.page.keyboard
    live = grid.page.locator("#move-live")

    keyboard.press("ArrowDown")
    expect(live).to_contain_text(f"10:15{DASH}11:15")
    keyboard.press("Escape")
    expect(live).to_contain_text("Move cancelled")

    for _ in range(4):
        keyboard.press("ArrowDown")
    keyboard.press("ArrowRight")
    keyboard.press("Shift+ArrowDown")
    expect(live).to_contain_text("Tue")
    expect(live).to_contain_text(f"11:00{DASH}12:15")
    keyboard.press("Enter")

    expect(live).to_contain_text("moved to")
    moved = stored(pilates)
    assert moved.start - pilates.start == timedelta(days=1, hours=1)
    assert moved.end - pilates.end == timedelta(days=1, hours=1, minutes=15)
    grid.still_no_reload()


def test_the_event_page_s_move_action_opens_the_edit_form_time_first(
    page, log_in, owner, live_server, pilates
):
    log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:event_detail", args=[pilates.pk]))

    page.get_by_role("link", name="Move…").click()

    fields = page.locator("#event-form input:not([type=hidden]), #event-form select")
    expect(fields.first).to_have_attribute("name", "date")
    page.fill("#id_start_time", "12:00")
    page.fill("#id_end_time", "13:00")
    page.get_by_role("button", name="Save changes").click()
    detail = reverse("calendar_app:event_detail", args=[pilates.pk])
    expect(page).to_have_url(f"{live_server.url}{detail}")
    expect(page.locator(".when")).to_contain_text(f"12:00{DASH}13:00")
    assert stored(pilates).start - pilates.start == timedelta(hours=2)


@pytest.mark.browser_context_args(viewport=DESKTOP)
def test_a_drag_between_two_columns_of_the_resource_view_reassigns_the_resource(
    page, log_in, owner, live_server, pilates
):
    """The real day view by resource: Pilates dragged from Room's column into Hall's keeps its
    time and takes Hall instead of Room."""
    room, hall = (ResourceFactory(business=pilates.business, name=n) for n in ("Room", "Hall"))
    EventResourceFactory(event=pilates, resource=room)
    log_in(owner)
    path = reverse("calendar_app:calendar", args=["day"])
    page.goto(f"{live_server.url}{path}?date={pilates.start_local:%Y-%m-%d}&by=resource")
    page.evaluate("window.__noReload = true")
    block = page.locator(f'.cal-day[data-resource-id="{room.pk}"] .cal-event')
    target = page.locator(f'.cal-day[data-resource-id="{hall.pk}"]')
    from_box, to_box = block.bounding_box(), target.bounding_box()
    x, y = from_box["x"] + from_box["width"] / 2, from_box["y"] + min(10, from_box["height"] / 3)
    to_x = to_box["x"] + to_box["width"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x + (to_x - x) * step / 8, y)
        page.wait_for_timeout(20)
    page.mouse.up()

    expect(page.locator("#move-panel")).to_contain_text("moved")
    assert stored(pilates).start == pilates.start
    assert list(pilates.event_resources.values_list("resource_id", flat=True)) == [hall.pk]
    expect(page.locator(f'.cal-day[data-resource-id="{hall.pk}"] .cal-event')).to_have_count(1)
    assert page.evaluate("window.__noReload") is True


@pytest.fixture
def wix_pilates(business):
    """Pilates in a business whose calendar is a fake Calendar V3 site."""
    from calendar_app.tenancy.models import Business
    from calendar_app.wix.apply import apply_remote_event, apply_remote_schedule
    from tests.factories import WixConnectionFactory
    from tests.fakes.wix_server import FakeWixServer

    Business.objects.filter(pk=business.pk).update(backend=Business.Backend.WIX)
    with FakeWixServer() as server:
        connection = WixConnectionFactory(
            business=Business.objects.get(pk=business.pk),
            base_url=server.base_url,
            api_key=server.api_key,
            site_id=server.site_id,
        )
        schedule = server.add_schedule(name="Classes")
        apply_remote_schedule(connection=connection, data=schedule, source="backfill")
        start = next_monday(10)
        data = server.add_event(
            schedule_id=schedule["id"], start_local=start, end_local=start + timedelta(hours=1)
        )
        apply_remote_event(connection=connection, data=data, source="backfill")
        yield server, Event.objects.get(pk=data["id"])


def test_a_drop_while_the_calendar_service_is_down_says_so_and_puts_it_back(grid, wix_pilates):
    server, event = wix_pilates
    grid.open(event.start_local.date())
    server.script(*[(503, 0)] * 4)

    grid.drag(event, minutes=120)

    expect(grid.panel()).to_contain_text("The calendar service is not reachable")
    expect(grid.page.locator(".cal-ghost")).to_have_count(0)
    expect(grid.block(event)).not_to_have_class("moving")
    assert stored(event).start == event.start
    grid.still_no_reload()
