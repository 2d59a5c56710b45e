"""The reports page in a real browser (DEBUG on and off: the conftest's ``app_debug``): an owner
opens it from the settings hub, sees the charts drawn as SVG with their numbers, changes the
range, and downloads a CSV; a range that is not allowed is said on the form."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import EventFactory, ParticipationFactory, ScheduleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def last_week(business):
    """A Yoga class a week ago (3 of 4 places, one a no-show) and a Pilates class."""
    day = timezone.localdate(timezone=business.zone) - timedelta(days=7)
    yoga = EventFactory(
        schedule=ScheduleFactory(business=business, name="Yoga"),
        start_local=datetime(day.year, day.month, day.day, 9),
        total_capacity=4,
    )
    ParticipationFactory.create_batch(2, event=yoga, attendance="CHECKED_IN")
    ParticipationFactory(event=yoga, attendance="NO_SHOW")
    pilates = EventFactory(
        schedule=ScheduleFactory(business=business, name="Pilates"),
        start_local=datetime(day.year, day.month, day.day, 18),
        total_capacity=2,
    )
    ParticipationFactory(event=pilates)
    return day


def test_owner_sees_the_charts_and_downloads_a_csv(
    live_server, log_in, owner, business, last_week, artifacts_dir
):
    page = log_in(owner)
    page.locator(".topnav").get_by_role("link", name="Settings").click()
    page.locator(".settings-hub").get_by_role("link", name="Reports", exact=True).click()

    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(5)
    expect(page.get_by_role("img", name="Fill rate per week")).to_be_visible()
    expect(page.get_by_role("img", name="Busiest hours")).to_be_visible()
    fill_bars = page.locator("#report-fill svg rect")
    expect(fill_bars).to_have_count(1)  # only the week with classes has a rate
    assert fill_bars.first.bounding_box()["height"] > 0
    expect(page.locator("#report-fill table")).to_contain_text("4 / 6")
    expect(page.locator("#report-fill table")).to_contain_text("67%")
    expect(page.locator("#report-schedules table")).to_contain_text("Pilates")
    expect(page.locator("#report-no-shows table")).to_contain_text("33%")
    page.screenshot(path=str(artifacts_dir / "reports.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("#report-schedules").get_by_role("link", name="Download per schedule").click()
    download = download_info.value
    assert download.suggested_filename.startswith("report-schedules-")
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith('"Schedule","Occurrences"')
    assert lines[1].startswith('"Pilates","1","2","1","50.0"')
    assert lines[2].startswith('"Yoga","1","4","3","75.0"')


def test_a_range_longer_than_a_year_is_refused_on_the_form(live_server, log_in, owner):
    page = log_in(owner)
    page.goto(f"{live_server.url}/reports/")

    page.fill("#report-start", "2024-01-01")
    page.fill("#report-end", "2026-01-01")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#report-end-error")).to_have_text(
        "A report covers at most a year; choose a shorter range."
    )
    expect(page.locator("svg.chart")).to_have_count(0)


def test_staff_are_told_the_reports_are_for_owners(live_server, log_in, staff):
    page = log_in(staff)

    page.goto(f"{live_server.url}/reports/")

    expect(page.get_by_role("alert")).to_contain_text(
        "Only an owner can see the attendance reports."
    )
