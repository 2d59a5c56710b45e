"""Who may open the calendar and team pages, and what never leaks across businesses."""

from datetime import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import (
    EventFactory,
    EventResourceFactory,
    MembershipFactory,
    ResourceFactory,
    ScheduleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def calendar_url(view: str) -> str:
    return reverse("calendar_app:calendar", args=[view])


PAGES = [
    ("get", reverse("calendar_app:home")),
    *(("get", calendar_url(view)) for view in ("month", "week", "day", "agenda")),
    ("get", reverse("calendar_app:team")),
    ("post", reverse("calendar_app:team")),
    ("post", reverse("calendar_app:team_membership_active", args=[1])),
    ("post", reverse("calendar_app:team_membership_role", args=[1])),
]


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={url}"


@pytest.mark.parametrize("url", [calendar_url("week"), reverse("calendar_app:team")])
def test_a_user_without_a_business_gets_a_404(client, url):
    client.force_login(UserFactory())

    assert client.get(url).status_code == 404


def test_another_business_s_schedule_id_in_the_filter_is_a_404(owner_client, other_business):
    theirs = ScheduleFactory(business=other_business)
    EventFactory(schedule=theirs, start_local=datetime(2026, 6, 1, 9))

    response = owner_client.get(f"{calendar_url('week')}?date=2026-06-01&schedule={theirs.pk}")

    assert response.status_code == 404


def test_another_business_s_resource_id_in_the_filter_is_a_404(owner_client, other_business):
    room = ResourceFactory(business=other_business)
    EventResourceFactory(
        resource=room,
        event__schedule=ScheduleFactory(business=other_business),
        event__start_local=datetime(2026, 6, 1, 9),
    )

    response = owner_client.get(f"{calendar_url('week')}?date=2026-06-01&resource={room.pk}")

    assert response.status_code == 404


@pytest.mark.parametrize("view", ["month", "week", "day", "agenda"])
def test_another_business_s_events_never_show(owner_client, schedule, other_business, view):
    ours = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9))
    theirs = EventFactory(
        schedule=ScheduleFactory(business=other_business),
        start_local=datetime(2026, 6, 1, 9),
    )

    content = owner_client.get(f"{calendar_url(view)}?date=2026-06-01").content.decode()

    assert ours.id in content
    assert theirs.id not in content


def test_the_calendar_shows_the_business_chosen_in_the_session(owner_client, owner, schedule):
    second = ScheduleFactory(business__name="Second Studio")
    MembershipFactory(user=owner, business=second.business, role="staff")
    ours = EventFactory(schedule=schedule, start_local=datetime(2026, 6, 1, 9))
    theirs = EventFactory(schedule=second, start_local=datetime(2026, 6, 1, 9))
    owner_client.post(reverse("calendar_app:switch_business"), {"business": second.business.pk})

    content = owner_client.get(f"{calendar_url('week')}?date=2026-06-01").content.decode()

    assert theirs.id in content
    assert ours.id not in content


def test_staff_get_a_403_on_the_team_actions(staff_client, owner_membership):
    for name in ("calendar_app:team_membership_active", "calendar_app:team_membership_role"):
        url = reverse(name, args=[owner_membership.pk])
        assert staff_client.post(url, {"is_active": "0", "role": "staff"}).status_code == 403
