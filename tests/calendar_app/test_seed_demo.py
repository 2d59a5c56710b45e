"""The demo data that ``make run`` loads."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.http import HttpRequest  # django-axes needs the request to authenticate

from calendar_app.models import ChangeRecord, Event, EventResource, Resource, Schedule
from calendar_app.selectors import query_events
from calendar_app.tenancy.models import Business, Membership
from participants.models import Participation

pytestmark = pytest.mark.django_db

COUNTED = (
    Business,
    Membership,
    Schedule,
    Resource,
    Event,
    EventResource,
    Participation,
    ChangeRecord,
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*COUNTED, get_user_model())}


def this_monday() -> date:
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    return today - timedelta(days=today.weekday())


def test_it_prints_the_demo_logins():
    output = seed()

    assert "owner / demo-owner-pass" in output
    assert "staff / demo-staff-pass" in output
    assert "admin / demo-admin-pass" in output


def test_running_it_twice_changes_nothing_the_second_time():
    seed()
    first = counts()

    output = seed()

    assert "already loaded" in output
    assert counts() == first
    assert first["Business"] == 1
    assert first["Event"] > 50


def test_the_owner_and_the_staff_member_can_log_in(client):
    seed()
    business = Business.objects.get(slug="demo-studio")

    assert client.login(request=HttpRequest(), username="owner", password="demo-owner-pass")
    assert Membership.objects.get(user__username="owner", business=business).is_owner
    client.logout()
    assert client.login(request=HttpRequest(), username="staff", password="demo-staff-pass")
    assert Membership.objects.get(user__username="staff", business=business).role == "staff"


def test_the_admin_is_a_superuser(client):
    seed()

    assert get_user_model().objects.get(username="admin").is_superuser
    assert client.login(request=HttpRequest(), username="admin", password="demo-admin-pass")


def test_the_studio_has_its_schedules_and_resources():
    seed()
    business = Business.objects.get(slug="demo-studio")

    schedules = {s.name: s for s in business.schedules.all()}
    assert schedules["Group classes"].default_capacity == 12
    assert schedules["Personal training"].default_capacity == 1
    assert "Rooms" in schedules
    assert schedules["Blocked time"].is_blocked_time
    assert business.time_zone == "Europe/Berlin"
    kinds = sorted(business.resources.values_list("type", flat=True))
    assert kinds == ["EQUIPMENT"] * 2 + ["ROOM"] * 2 + ["STAFF"] * 3


def test_the_current_week_shows_recurring_instances():
    seed()
    business = Business.objects.get(slug="demo-studio")
    monday = this_monday()

    page = query_events(
        business,
        from_local_date=datetime.combine(monday, datetime.min.time()),
        to_local_date=datetime.combine(monday + timedelta(days=7), datetime.min.time()),
        limit=500,
    )

    recurring = [e for e in page.events if e.recurrence_type == "INSTANCE"]
    assert len({e.recurring_event_id for e in recurring}) == 12
    assert Event.objects.filter(business=business, recurrence_type="MASTER").count() == 12


def test_it_places_about_forty_single_events_around_today():
    seed()
    business = Business.objects.get(slug="demo-studio")
    monday = this_monday()

    singles = Event.objects.filter(business=business, recurrence_type="NONE").exclude(
        app_id="bookings"
    )

    assert 38 <= singles.count() <= 45
    assert Event.objects.filter(business=business, app_id="bookings").exists()
    assert {e.type for e in singles} >= {"CLASS", "APPOINTMENT"}
    earliest = (monday - timedelta(days=28)).isoformat()
    latest = (monday + timedelta(days=29)).isoformat()
    assert all(earliest <= e.start_local_date <= latest for e in singles)
    assert singles.filter(event_resources__isnull=False).exists()


def test_remaining_capacity_matches_the_participants():
    seed()

    events = Event.objects.filter(participations__isnull=False).annotate(
        booked=Sum("participations__party_size")
    )

    assert events.count() > 10
    for event in events:
        assert event.remaining_capacity == event.total_capacity - event.booked
        assert event.remaining_capacity >= 0


def test_one_event_has_a_conferencing_link_and_blocked_time_covers_two_rooms():
    seed()

    online = Event.objects.get(conferencing_details__isnull=False)
    blocked = Event.objects.get(schedule__is_blocked_time=True)

    assert online.conferencing_details["guestUrl"] == "https://meet.example.com/demo-yoga"
    assert online.conferencing_details["type"] == "CUSTOM"
    assert sorted(r.resource.type for r in blocked.event_resources.all()) == ["ROOM", "ROOM"]


def test_the_writes_are_audited_as_the_system():
    seed()

    records = ChangeRecord.objects.all()

    assert records.filter(object_type="Event", action="create").count() >= 12 + 40
    assert set(records.values_list("actor_kind", flat=True)) == {"system"}


def test_it_builds_the_same_content_each_time():
    seed()
    first = sorted(Event.objects.values_list("title", "start_local_date", "recurrence_type"))
    people = sorted(Participation.objects.values_list("name", "party_size"))
    Business.objects.all().delete()

    seed()

    assert sorted(Event.objects.values_list("title", "start_local_date", "recurrence_type")) == (
        first
    )
    assert sorted(Participation.objects.values_list("name", "party_size")) == people
