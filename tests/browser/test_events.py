"""Event actions in a real browser: cancel an occurrence, create a series, block time, conflicts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calendar_app import services
from calendar_app.models import Event
from tests.conftest import PASSWORD
from tests.factories import ParticipationFactory, ResourceFactory, ScheduleFactory, next_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def week_url(live_server, day, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"date": day.isoformat(), **params}.items())
    return f"{live_server.url}{reverse('calendar_app:calendar', args=['week'])}?{query}"


def test_owner_cancels_one_occurrence_and_it_leaves_the_calendar(
    live_server, log_in, owner, series, artifacts_dir
):
    second = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[1]
    page = log_in(owner)
    page.goto(week_url(live_server, second.start_local.date()))
    entry = page.locator(f'a.cal-event[data-event-id="{second.pk}"]')
    expect(entry).to_contain_text("Morning yoga")

    entry.click()
    expect(page.locator("h1")).to_contain_text("Morning yoga")
    expect(page.locator("#event")).to_contain_text("Weekly on Monday")
    page.evaluate("window.__noReload = true")
    page.locator("summary", has_text="Cancel…").click()
    cancel = page.get_by_role("form", name="Cancel")
    cancel.get_by_label("Only this occurrence").check()
    cancel.get_by_role("button", name="Cancel event").click()

    expect(page.locator("#event-summary .badge.cancelled")).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Restore")).to_be_visible()
    assert page.evaluate("window.__noReload") is True  # swapped in place by HTMX
    page.screenshot(path=str(artifacts_dir / "event-cancelled.png"), full_page=True)

    page.goto(week_url(live_server, second.start_local.date()))
    expect(page.locator(f'a.cal-event[data-event-id="{second.pk}"]')).to_have_count(0)
    page.goto(week_url(live_server, second.start_local.date() + timedelta(weeks=1)))
    expect(page.locator("a.cal-event", has_text="Morning yoga")).to_have_count(1)
    assert Event.objects.get(pk=second.pk).status == "CANCELLED"
    assert Event.objects.get(pk=series.pk).status == "CONFIRMED"


def test_owner_creates_a_weekly_event_from_a_calendar_slot(
    live_server, log_in, owner, schedule, artifacts_dir
):
    monday = next_monday().date()
    page = log_in(owner)
    page.goto(week_url(live_server, monday))
    page.locator(
        f'.cal-day[data-date="{monday.isoformat()}"] .cal-slot[data-hour="09:00"] a.cal-add'
    ).click()

    expect(page.locator("h1")).to_have_text("New event")
    expect(page.locator("#id_date")).to_have_value(monday.isoformat())
    expect(page.locator("#id_start_time")).to_have_value("09:00")
    expect(page.locator("#id_end_time")).to_have_value("10:00")
    page.fill("#id_title", "Evening pilates")
    page.fill("#id_end_time", "08:00")
    page.get_by_role("button", name="Create event").click()
    expect(page.locator("#id_end_time_error")).to_contain_text("after the start time")
    expect(page.locator("#id_title")).to_have_value("Evening pilates")

    page.fill("#id_end_time", "10:15")
    page.get_by_label("Repeat weekly").check()
    page.get_by_label("Monday").check()
    page.get_by_label("Wednesday").check()
    page.screenshot(path=str(artifacts_dir / "event-create-weekly.png"), full_page=True)
    page.get_by_role("button", name="Create event").click()

    expect(page.locator("h1")).to_contain_text("Evening pilates")
    expect(page.locator(".messages")).to_contain_text("repeating every Monday and Wednesday.")
    page.goto(week_url(live_server, monday + timedelta(weeks=2)))
    entries = page.locator("a.cal-event", has_text="Evening pilates")
    expect(entries).to_have_count(2)
    expect(
        page.locator(f'.cal-day[data-date="{(monday + timedelta(weeks=2, days=2)).isoformat()}"]')
    ).to_contain_text("Evening pilates")


def test_owner_blocks_two_resources_and_both_calendars_show_it(
    live_server, log_in, owner, business, artifacts_dir
):
    room = ResourceFactory(business=business, name="Room A", type="ROOM")
    anna = ResourceFactory(business=business, name="Anna", type="STAFF")
    ResourceFactory(business=business, name="Ben", type="STAFF")
    day = next_monday().date() + timedelta(days=1)
    page = log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:block_time"))

    page.get_by_label("Room A (Room)").check()
    page.get_by_label("Anna (Staff)").check()
    page.fill("#id_reason", "Floor repair")
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "12:00")
    page.fill("#id_end_time", "14:00")
    page.get_by_role("button", name="Block time").click()

    expect(page.locator("h1")).to_contain_text("Blocked: Floor repair")
    expect(page.locator("#event")).to_contain_text("Room A")
    expect(page.locator("#event")).to_contain_text("Anna")
    expect(page.locator("#event")).to_contain_text("Blocked time")
    page.screenshot(path=str(artifacts_dir / "block-time.png"), full_page=True)
    for resource in (room, anna):
        page.goto(week_url(live_server, day, resource=resource.pk))
        expect(page.locator("a.cal-event", has_text="Blocked: Floor repair")).to_have_count(1)
    ben = business.resources.get(name="Ben")
    page.goto(week_url(live_server, day, resource=ben.pk))
    expect(page.locator("a.cal-event", has_text="Blocked: Floor repair")).to_have_count(0)


def test_a_stale_edit_shows_the_conflict_and_keeps_the_stored_event(
    live_server, log_in, owner, series, owner_membership, artifacts_dir
):
    occurrence = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[1]
    page = log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:event_edit", args=[occurrence.pk]))
    page.fill("#id_title", "My edit")
    services.update_event(
        actor=owner_membership,
        event=occurrence,
        expected_revision=occurrence.revision,
        changes={"title": "Their edit"},
    )

    page.get_by_role("button", name="Save changes").click()

    conflict = page.locator("#conflict-slot .conflict")
    expect(conflict).to_contain_text("changed since you opened it")
    expect(conflict).to_contain_text("Their edit")
    expect(page.locator("#id_title")).to_have_value("My edit")
    page.screenshot(path=str(artifacts_dir / "event-edit-conflict.png"), full_page=True)
    assert Event.objects.get(pk=occurrence.pk).title == "Their edit"
    conflict.get_by_role("link", name="Reload to see the latest version").click()
    expect(page.locator("#id_title")).to_have_value("Their edit")


def test_cancel_works_without_javascript(live_server, browser, owner, series):
    occurrence = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[2]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(live_server.url + reverse("calendar_app:event_detail", args=[occurrence.pk]))
    page.locator("summary", has_text="Cancel…").click()  # the confirmation needs no script
    page.get_by_role("button", name="Cancel event").click()

    expect(page.locator(".messages")).to_contain_text("was cancelled")
    expect(page.locator("#event-summary .badge.cancelled")).to_be_visible()
    assert Event.objects.get(pk=occurrence.pk).status == "CANCELLED"
    context.close()


def test_cancelling_this_and_following_asks_first_names_the_participants_and_keeps_the_earlier(
    live_server, log_in, owner, series, artifacts_dir
):
    first, second, third, *later = Event.objects.filter(recurring_event_id=series.pk).order_by(
        "start"
    )
    for name in ("Ada", "Ben", "Cleo"):
        ParticipationFactory(event=third, name=name)
    ParticipationFactory(event=later[0], name="Dan", party_size=2)
    page = log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:event_detail", args=[third.pk]))

    cancel = page.get_by_role("form", name="Cancel")
    expect(cancel).to_be_hidden()  # asks first: the choice opens from "Cancel…"
    page.locator("summary", has_text="Cancel…").click()
    expect(cancel.get_by_label("Only this occurrence")).to_be_visible()
    expect(cancel).to_contain_text("Only this occurrence (3 participants booked)")
    following = len(later) + 1
    expect(cancel).to_contain_text(
        f"This and the following occurrences ({following} occurrences, 5 participants booked)"
    )
    page.screenshot(path=str(artifacts_dir / "cancel-confirm.png"), full_page=True)
    cancel.get_by_label("This and the following occurrences").check()
    cancel.get_by_role("button", name="Cancel event").click()

    expect(page.locator("#event-summary .badge.cancelled")).to_have_text("Cancelled")
    statuses = [
        e.status for e in Event.objects.filter(recurring_event_id=series.pk).order_by("start")
    ]
    assert statuses[:2] == ["CONFIRMED", "CONFIRMED"]
    assert set(statuses[2:]) == {"CANCELLED"}
    assert Event.objects.get(pk=series.pk).status == "CONFIRMED"
    assert {first.pk, second.pk} == {
        e.pk for e in Event.objects.filter(recurring_event_id=series.pk, status="CONFIRMED")
    }


def test_a_clash_warning_appears_and_the_owner_may_save_anyway(
    live_server, log_in, owner, schedule, business, artifacts_dir
):
    room = ResourceFactory(business=business, name="Room A", type="ROOM")
    monday = next_monday(17)
    held = services.create_event(
        actor=None,
        schedule=schedule,
        title="Yoga",
        start_local=monday,
        end_local=monday + timedelta(hours=1),
        resource_ids=[room.pk],
    )
    page = log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:event_create"))
    page.evaluate("window.__noReload = true")
    page.fill("#id_title", "Pilates")
    page.fill("#id_date", monday.date().isoformat())
    page.fill("#id_start_time", "17:30")
    page.fill("#id_end_time", "18:30")
    page.get_by_label("Room A (Room)").check()
    page.get_by_role("button", name="Create event").click()

    warning = page.locator(".clash-warning")
    expect(warning).to_contain_text("Already taken at that time")
    expect(warning.get_by_role("link", name="Yoga")).to_be_visible()
    assert page.evaluate("window.__noReload") is True  # in place, with DEBUG on too
    assert not Event.objects.filter(title="Pilates").exists()
    page.screenshot(path=str(artifacts_dir / "clash-warning.png"), full_page=True)
    warning.get_by_role("button", name="Save anyway").click()

    expect(page.locator("h1")).to_contain_text("Pilates")
    page.goto(week_url(live_server, monday.date()))
    expect(page.locator(f'a.cal-event.clash[data-event-id="{held.pk}"]')).to_contain_text("Clash")


def test_editing_this_and_following_from_a_mid_series_occurrence_keeps_the_earlier_ones(
    live_server, log_in, owner, series, artifacts_dir
):
    first, second, third, *later = Event.objects.filter(recurring_event_id=series.pk).order_by(
        "start"
    )
    ParticipationFactory(event=later[0], name="Dan")
    page = log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:event_edit", args=[third.pk]))

    page.get_by_label("This and the following occurrences").check()
    page.fill("#id_title", "Evening yoga")
    page.fill("#id_start_time", "18:00")
    page.fill("#id_end_time", "19:00")
    page.screenshot(path=str(artifacts_dir / "edit-this-and-following.png"), full_page=True)
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator("h1")).to_contain_text("Evening yoga")
    earlier = Event.objects.filter(pk__in=[first.pk, second.pk]).order_by("start")
    assert [(e.title, e.start_local.hour) for e in earlier] == [("Morning yoga", 9)] * 2
    assert Event.objects.get(pk=series.pk).title == "Morning yoga"
    follower = Event.objects.get(recurrence_type="MASTER", title="Evening yoga")
    moved = Event.objects.filter(recurring_event_id=follower.pk, removed_date__isnull=True)
    assert moved.count() == len(later) + 1
    assert {(e.title, e.start_local.strftime("%A %H:%M")) for e in moved} <= {
        ("Evening yoga", "Monday 18:00"),
        ("Evening yoga", "Monday 09:00"),  # the booked one keeps its time, as a series edit does
    }
    assert Event.objects.get(pk=later[0].pk).participations.get().name == "Dan"

    # The week of the second occurrence still shows it at 09:00 under the old title.
    page.goto(week_url(live_server, second.start_local.date()))
    expect(page.locator(".cal-event", has_text="Morning yoga")).to_have_count(1)
    expect(page.locator(".cal-event", has_text="Evening yoga")).to_have_count(0)


def test_picking_a_schedule_fills_in_its_defaults_and_keeps_what_was_typed(
    live_server, log_in, owner, schedule
):
    other = ScheduleFactory(
        business=schedule.business,
        name="Zumba",
        default_title="Zumba party",
        default_capacity=25,
        default_location={"type": "CUSTOM", "name": "Gym", "address": "Park 2"},
    )
    page = log_in(owner)
    page.goto(live_server.url + reverse("calendar_app:event_create"))
    page.select_option("#id_schedule", schedule.pk)
    expect(page.locator("#id_title")).to_have_value(schedule.default_title)
    expect(page.locator("#id_capacity")).to_have_value(str(schedule.default_capacity))
    expect(page.locator("#id_capacity_helptext")).to_contain_text("schedule's default capacity")

    page.select_option("#id_schedule", other.pk)
    expect(page.locator("#id_title")).to_have_value("Zumba party")
    expect(page.locator("#id_capacity")).to_have_value("25")
    expect(page.locator("#id_location_name")).to_have_value("Gym")
    expect(page.locator("#id_location_address")).to_have_value("Park 2")

    page.fill("#id_title", "Zumba for kids")  # typed: a later pick leaves it alone
    page.select_option("#id_schedule", schedule.pk)
    expect(page.locator("#id_title")).to_have_value("Zumba for kids")
    expect(page.locator("#id_capacity")).to_have_value(str(schedule.default_capacity))
    expect(page.locator("#id_location_name")).to_have_value("")
