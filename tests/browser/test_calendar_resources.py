"""Day and week by resource in a browser (DEBUG on and off): a column per resource with its
name, the filter of the resources shown, the hours outside work shaded, and on a phone one
column at a time chosen with a picker (with scripts, and as a plain GET form without)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import (
    EventResourceFactory,
    ResourceFactory,
    WorkingHoursFactory,
    next_monday,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def studio(schedule):
    """Two rooms and a trainer; a class in Hall with the trainer, one in Loft, Monday."""
    business = schedule.business
    monday = next_monday(9)
    hall = ResourceFactory(business=business, name="Hall", type="ROOM")
    loft = ResourceFactory(business=business, name="Loft", type="ROOM")
    tom = ResourceFactory(business=business, name="Tom Trainer")
    WorkingHoursFactory(resource=hall, weekday=0, start_time="10:00", end_time="18:00")
    yoga = EventResourceFactory(
        resource=hall, event__schedule=schedule, event__title="Yoga", event__start_local=monday
    ).event
    EventResourceFactory(event=yoga, resource=tom)
    pilates = EventResourceFactory(
        resource=loft,
        event__schedule=schedule,
        event__title="Pilates",
        event__start_local=monday + timedelta(hours=2),
    ).event
    return {
        "monday": monday,
        "hall": hall,
        "loft": loft,
        "tom": tom,
        "yoga": yoga,
        "pilates": pilates,
    }


def day_url(live_server, monday, **params) -> str:
    path = reverse("calendar_app:calendar", args=["day"])
    extra = "".join(f"&{key}={value}" for key, value in params.items())
    return f"{live_server.url}{path}?date={monday:%Y-%m-%d}{extra}"


def column(page, resource):
    return page.locator(f'.cal-day[data-resource-id="{resource.pk}"]')


def test_the_switch_shows_a_column_per_resource_with_its_name_and_events(
    live_server, log_in, owner, studio, artifacts_dir
):
    page = log_in(owner)
    page.set_viewport_size(DESKTOP)
    page.goto(day_url(live_server, studio["monday"]))

    page.get_by_role("button", name="By resource").click()

    expect(page).to_have_url(re.compile(r"by=resource"))
    for name in ("Hall", "Loft", "Tom Trainer"):
        expect(page.locator(".cal-dayhead", has_text=name)).to_be_visible()
    hall, loft, tom = (
        column(page, studio["hall"]),
        column(page, studio["loft"]),
        column(page, studio["tom"]),
    )
    yoga = f'a.cal-event[data-event-id="{studio["yoga"].pk}"]'
    expect(hall.locator(yoga)).to_be_visible()
    expect(tom.locator(yoga)).to_be_visible()
    expect(loft.locator(yoga)).to_have_count(0)
    expect(loft.locator(f'a.cal-event[data-event-id="{studio["pilates"].pk}"]')).to_be_visible()
    # Side by side, each inside its own column.
    hall_box, loft_box = hall.bounding_box(), loft.bounding_box()
    assert hall_box["x"] + hall_box["width"] <= loft_box["x"] + 1
    block = hall.locator(yoga).bounding_box()
    assert (
        hall_box["x"] <= block["x"]
        and block["x"] + block["width"] <= hall_box["x"] + hall_box["width"] + 1
    )
    # Hall works 10-18: the morning before is shaded, from the grid's top to 10:00.
    shade = hall.locator(".cal-off").first
    expect(shade).to_be_visible()
    ten = hall.locator('.cal-slot[data-hour="10:00"]').bounding_box()
    shade_box = shade.bounding_box()
    assert shade_box["y"] + shade_box["height"] == pytest.approx(ten["y"], abs=2)
    expect(loft.locator(".cal-off")).to_have_count(0)  # no hours kept for Loft: nothing shaded
    page.screenshot(path=str(artifacts_dir / "day-by-resource.png"), full_page=True)


def test_the_filter_picks_the_resources_shown(live_server, log_in, owner, studio):
    page = log_in(owner)
    page.set_viewport_size(DESKTOP)
    page.goto(day_url(live_server, studio["monday"], by="resource"))

    page.get_by_role("checkbox", name="Loft").check()

    expect(page.locator(".cal-day[data-resource-id]")).to_have_count(1)
    expect(column(page, studio["loft"])).to_be_visible()
    expect(page).to_have_url(re.compile(f"show={studio['loft'].pk}"))
    page.get_by_role("checkbox", name="Hall").check()
    expect(page.locator(".cal-day[data-resource-id]")).to_have_count(2)


def test_the_week_by_resource_has_each_day_s_resource_columns(live_server, log_in, owner, studio):
    page = log_in(owner)
    page.set_viewport_size(DESKTOP)
    path = reverse("calendar_app:calendar", args=["week"])
    page.goto(f"{live_server.url}{path}?date={studio['monday']:%Y-%m-%d}&by=resource")

    expect(page.locator(".cal-day[data-resource-id]")).to_have_count(21)
    monday = f"{studio['monday']:%Y-%m-%d}"
    hall = page.locator(f'.cal-day[data-day="{monday}"][data-resource-id="{studio["hall"].pk}"]')
    expect(hall.locator(f'a.cal-event[data-event-id="{studio["yoga"].pk}"]')).to_be_visible()
    expect(hall.locator(".cal-resname")).to_have_text("Hall")


def test_a_phone_shows_one_column_and_the_picker_changes_it(
    live_server, log_in, owner, studio, artifacts_dir
):
    page = log_in(owner)
    page.set_viewport_size(PHONE)
    page.goto(day_url(live_server, studio["monday"], by="resource"))

    expect(column(page, studio["hall"])).to_be_visible()
    expect(column(page, studio["loft"])).to_be_hidden()
    expect(column(page, studio["tom"])).to_be_hidden()
    picker = page.get_by_label("Resource", exact=True)
    expect(picker).to_be_visible()

    picker.select_option(label="Loft")

    expect(column(page, studio["loft"])).to_be_visible()
    expect(column(page, studio["hall"])).to_be_hidden()
    pilates = f'a.cal-event[data-event-id="{studio["pilates"].pk}"]'
    expect(column(page, studio["loft"]).locator(pilates)).to_be_visible()
    assert page.locator(".cal-days").bounding_box()["width"] <= PHONE["width"]
    page.screenshot(path=str(artifacts_dir / "day-by-resource-phone.png"), full_page=True)


def test_the_phone_picker_works_without_scripts(live_server, browser, owner, studio):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(day_url(live_server, studio["monday"], by="resource"))

    page.get_by_label("Resource", exact=True).select_option(label="Tom Trainer")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(f"pick={studio['tom'].pk}"))
    expect(column(page, studio["tom"])).to_be_visible()
    expect(column(page, studio["hall"])).to_be_hidden()
    expect(column(page, studio["tom"]).locator("a.cal-event", has_text="Yoga")).to_be_visible()
    context.close()
