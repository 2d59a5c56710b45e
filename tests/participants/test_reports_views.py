"""The reports page and its CSVs: owners only, the filter's refusals, formula-safe cells."""

import csv
import io
from datetime import datetime

import pytest

from tests.factories import EventFactory, ParticipationFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-06-01", "end": "2026-06-14"}


@pytest.fixture
def yoga(business):
    schedule = ScheduleFactory(business=business, name="Yoga")
    event = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9), total_capacity=4)
    ParticipationFactory.create_batch(3, event=event, attendance="CHECKED_IN")
    ParticipationFactory(event=event, attendance="NO_SHOW")
    return schedule


def rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_page_draws_each_report_as_svg_with_its_numbers(owner_client, yoga):
    response = owner_client.get("/reports/", RANGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 5
    for title in (
        "Fill rate per week",
        "No-show rate per week",
        "Waitlist demand per week",
        "Fill rate per schedule",
        "Busiest hours",
    ):
        assert f">{title}</title>" in page
    assert "<title>Week of 1 Jun 2026: 100%</title>" in page
    assert "<td>4 / 4</td><td>100%</td>" in page
    assert "<td>3</td><td>1</td><td>0</td><td>25%</td>" in page  # no-shows
    assert "<script" not in page.split("<main", 1)[1]


def test_the_default_range_is_the_last_12_weeks(owner_client):
    page = owner_client.get("/reports/").content.decode()

    assert page.count('<th scope="row">') >= 12


def test_staff_are_refused_with_a_sentence(staff_client):
    response = staff_client.get("/reports/")

    assert response.status_code == 403
    assert "Only an owner can see the attendance reports." in response.content.decode()
    assert staff_client.get("/reports/export.csv", {"report": "weeks"}).status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-06-14", "end": "2026-06-01"}, "on or after the first day"),
        ({"start": "2025-06-01", "end": "2026-06-14"}, "at most a year"),
        ({"start": "1 June"}, "Enter a valid date."),
        ({"end": "2026-02-30"}, "Enter a valid date."),
    ],
)
def test_a_bad_range_is_a_form_error_and_a_400(owner_client, query, message):
    response = owner_client.get("/reports/", query)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<svg" not in page.split("<main", 1)[1]
    export = owner_client.get("/reports/export.csv", {"report": "weeks", **query})
    assert export.status_code == 400
    assert message in export.content.decode()


def test_a_whole_year_is_allowed(owner_client):
    assert (
        owner_client.get("/reports/", {"start": "2025-06-15", "end": "2026-06-14"}).status_code
        == 200
    )


def test_another_business_s_schedule_is_a_404(owner_client, other_business):
    theirs = ScheduleFactory(business=other_business)

    assert owner_client.get("/reports/", {"schedule": theirs.pk}).status_code == 404
    export = owner_client.get("/reports/export.csv", {"report": "weeks", "schedule": theirs.pk})
    assert export.status_code == 404


def test_an_unknown_report_is_a_400(owner_client):
    response = owner_client.get("/reports/export.csv", {"report": "people"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_weekly_csv(owner_client, yoga):
    response = owner_client.get("/reports/export.csv", {"report": "weeks", **RANGE})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="report-weeks-2026-06-01-2026-06-14.csv"' in response["Content-Disposition"]
    header, first, second, total = rows(response)
    assert header[0] == "Week starting"
    assert first == ["2026-06-01", "1", "4", "4", "100.0", "3", "1", "0", "25.0", "0"]
    assert second == ["2026-06-08", "0", "0", "0", "", "0", "0", "0", "", "0"]
    assert total[0] == "All"


def test_the_schedule_csv_defuses_formulas(owner_client, business):
    schedule = ScheduleFactory(business=business, name='=HYPERLINK("http://x","y")')
    ParticipationFactory(event=EventFactory(schedule=schedule, start_local=datetime(2026, 6, 2, 9)))

    response = owner_client.get("/reports/export.csv", {"report": "schedules", **RANGE})

    _header, row, _total = rows(response)
    assert row[0] == '\'=HYPERLINK("http://x","y")'
    assert row[1:4] == ["1", "10", "1"]


def test_the_hours_csv_has_every_hour_of_every_weekday(owner_client, yoga):
    response = owner_client.get(
        "/reports/export.csv", {"report": "hours", "schedule": yoga.pk, **RANGE}
    )

    header, *days = rows(response)
    assert header[1] == "00:00" and header[-1] == "23:00"
    assert [day[0] for day in days] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert days[0][1 + 9] == "4"
    assert sum(int(seats) for day in days for seats in day[1:]) == 4


def test_the_settings_hub_links_the_reports_for_owners(owner_client):
    assert 'href="/reports/"' in owner_client.get("/settings/").content.decode()


def test_the_settings_hub_does_not_offer_staff_the_reports(staff_client):
    assert 'href="/reports/"' not in staff_client.get("/settings/").content.decode()
