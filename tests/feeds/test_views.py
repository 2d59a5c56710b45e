"""The public feed by its token and the Subscribe page with its owner-only controls."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calendar_app.feeds.models import CalendarFeed
from tests.factories import (
    CalendarFeedFactory,
    EventFactory,
    ResourceFactory,
    ScheduleFactory,
    next_monday,
)

pytestmark = pytest.mark.django_db


def feed_url(feed: CalendarFeed) -> str:
    return reverse("calendar_feed", kwargs={"token": feed.token})


@pytest.fixture
def feed(schedule):
    EventFactory(schedule=schedule, title="Open class", start_local=next_monday())
    return CalendarFeedFactory(schedule=schedule)


def test_the_feed_answers_anyone_with_its_link_as_icalendar(client, feed):
    response = client.get(feed_url(feed))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"SUMMARY:Open class" in response.content
    assert response["ETag"]
    assert response["Last-Modified"]


def test_an_unknown_token_is_a_404(client, feed):
    assert client.get(reverse("calendar_feed", kwargs={"token": "x" * 43})).status_code == 404


def test_a_revoked_feed_is_a_404(client, feed):
    feed.revoked_at = feed.created_date
    feed.save()

    assert client.get(feed_url(feed)).status_code == 404


def test_the_feed_answers_get_and_head_only(client, feed):
    assert client.head(feed_url(feed)).status_code == 200
    assert client.post(feed_url(feed)).status_code == 405


def test_a_request_with_the_current_etag_gets_304(client, feed):
    first = client.get(feed_url(feed))

    again = client.get(feed_url(feed), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_a_request_with_last_modified_gets_304(client, feed):
    first = client.get(feed_url(feed))

    again = client.get(feed_url(feed), headers={"if-modified-since": first["Last-Modified"]})

    assert again.status_code == 304


def test_a_changed_feed_is_sent_again_despite_the_old_etag(client, feed, schedule):
    first = client.get(feed_url(feed))
    EventFactory(schedule=schedule, title="Added later", start_local=next_monday(11))

    again = client.get(feed_url(feed), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert b"SUMMARY:Added later" in again.content


def test_the_subscribe_page_shows_owners_the_link_the_qr_code_and_the_controls(owner_client, feed):
    response = owner_client.get(reverse("feeds:subscribe"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"/ical/{feed.token}.ics" in page
    assert f"webcal://testserver/ical/{feed.token}.ics" in page
    assert "<svg" in page
    assert reverse("feeds:rotate", args=[feed.pk]) in page
    assert reverse("feeds:revoke", args=[feed.pk]) in page


def test_staff_see_the_link_and_qr_code_but_no_controls(staff_client, feed):
    page = staff_client.get(reverse("feeds:subscribe")).content.decode()

    assert f"/ical/{feed.token}.ics" in page
    assert "<svg" in page
    assert reverse("feeds:rotate", args=[feed.pk]) not in page
    assert "Make a link" not in page


def test_the_subscribe_page_lists_the_business_schedules_and_resources(
    owner_client, business, schedule
):
    ResourceFactory(business=business, name="Trainer Kim")
    blocked = ScheduleFactory(business=business, name="Blocked time", is_blocked_time=True)

    page = owner_client.get(reverse("feeds:subscribe")).content.decode()

    assert "Trainer Kim" in page
    assert "Classes" in page
    assert f'value="{blocked.pk}"' not in page
    assert page.count("Make a link") == 3


def test_an_owner_makes_a_schedule_feed(owner_client, schedule):
    response = owner_client.post(
        reverse("feeds:create"), {"kind": "SCHEDULE", "target_id": schedule.pk}
    )

    assert response.status_code == 302
    feed = CalendarFeed.objects.get(schedule=schedule)
    assert feed.kind == CalendarFeed.Kind.SCHEDULE
    assert not feed.include_personal_data


def test_an_owner_makes_the_business_feed_with_htmx(owner_client, business):
    response = owner_client.post(
        reverse("feeds:create"), {"kind": "BUSINESS"}, headers={"hx-request": "true"}
    )

    assert response.status_code == 200
    feed = CalendarFeed.objects.get(business=business, kind=CalendarFeed.Kind.BUSINESS)
    assert response.content.decode().lstrip().startswith('<section id="feeds"')
    assert feed.token in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "CALENDAR"}, "Select a valid choice"),
        ({"kind": "SCHEDULE"}, "Choose the schedule or resource the feed shows."),
        ({}, "This field is required."),
    ],
)
def test_a_bad_new_feed_is_a_400_that_says_why_and_makes_nothing(owner_client, data, message):
    response = owner_client.post(reverse("feeds:create"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_another_business_s_schedule_or_resource_is_a_404(owner_client, other_business):
    theirs = ScheduleFactory(business=other_business)
    their_trainer = ResourceFactory(business=other_business)

    for kind, target in (("SCHEDULE", theirs.pk), ("RESOURCE", their_trainer.pk)):
        response = owner_client.post(reverse("feeds:create"), {"kind": kind, "target_id": target})
        assert response.status_code == 404
    assert not CalendarFeed.objects.exists()


def test_rotating_gives_a_new_link_and_the_old_one_is_a_404(owner_client, client, feed):
    old_url = feed_url(feed)

    response = owner_client.post(reverse("feeds:rotate", args=[feed.pk]))

    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed_url(feed) != old_url
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(feed_url(feed)).status_code == 200


def test_revoking_ends_the_link_and_making_it_again_gives_a_new_one(owner_client, feed):
    old_url = feed_url(feed)

    owner_client.post(reverse("feeds:revoke", args=[feed.pk]))
    assert owner_client.get(old_url).status_code == 404

    owner_client.post(reverse("feeds:create"), {"kind": "SCHEDULE", "target_id": feed.schedule_id})
    feed.refresh_from_db()
    assert feed.is_active
    assert feed_url(feed) != old_url
    assert owner_client.get(old_url).status_code == 404


def test_an_owner_includes_personal_data_and_leaves_it_out_again(owner_client, feed):
    url = reverse("feeds:personal_data", args=[feed.pk])

    owner_client.post(url, {"include_personal_data": "yes"})
    feed.refresh_from_db()
    assert feed.include_personal_data

    owner_client.post(url, {"include_personal_data": "no"})
    feed.refresh_from_db()
    assert not feed.include_personal_data


def test_a_bad_personal_data_choice_is_a_400_and_changes_nothing(owner_client, feed):
    response = owner_client.post(
        reverse("feeds:personal_data", args=[feed.pk]), {"include_personal_data": "maybe"}
    )

    assert response.status_code == 400
    assert "Choose whether to include personal data." in response.content.decode()
    feed.refresh_from_db()
    assert not feed.include_personal_data


@pytest.mark.parametrize("name", ["feeds:rotate", "feeds:revoke", "feeds:personal_data"])
def test_staff_cannot_change_a_feed(staff_client, feed, name):
    token = feed.token

    response = staff_client.post(reverse(name, args=[feed.pk]), {"include_personal_data": "yes"})

    assert response.status_code == 403
    feed.refresh_from_db()
    assert (feed.token, feed.is_active, feed.include_personal_data) == (token, True, False)


def test_staff_cannot_make_a_feed(staff_client, schedule):
    response = staff_client.post(
        reverse("feeds:create"), {"kind": "SCHEDULE", "target_id": schedule.pk}
    )

    assert response.status_code == 403
    assert not CalendarFeed.objects.exists()


def test_the_subscribe_page_reads_the_same_queries_however_many_feeds(owner_client, business):
    def feeds_for(count: int) -> None:
        for _ in range(count):
            CalendarFeedFactory(schedule=ScheduleFactory(business=business))
            CalendarFeedFactory(
                schedule=None,
                business=business,
                kind=CalendarFeed.Kind.RESOURCE,
                resource=ResourceFactory(business=business),
            )

    feeds_for(1)
    owner_client.get(reverse("feeds:subscribe"))
    with CaptureQueriesContext(connection) as one:
        assert owner_client.get(reverse("feeds:subscribe")).status_code == 200
    feeds_for(5)
    with CaptureQueriesContext(connection) as six:
        page = owner_client.get(reverse("feeds:subscribe")).content.decode()

    assert len(six) == len(one)
    assert page.count("<svg") == 12
