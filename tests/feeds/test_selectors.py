"""The feed parses back and yields exactly what Query Events shows for the same window."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calendar_app import recurrence, services
from calendar_app.backends import Scope
from calendar_app.feeds import selectors
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import Event
from calendar_app.selectors import query_events
from tests.factories import (
    CalendarFeedFactory,
    EventFactory,
    EventResourceFactory,
    ParticipationFactory,
    ResourceFactory,
    ScheduleFactory,
    next_monday,
)

pytestmark = pytest.mark.django_db

ACTIVE = {"$in": ["CONFIRMED", "PENDING_CONFIRMATION"]}
WEEKS = 8


def parse(feed: CalendarFeed) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(selectors.build_feed(feed))


def feed_occurrences(feed: CalendarFeed, start: datetime, end: datetime) -> set:
    found = recurring_ical_events.of(parse(feed)).between(start, end)
    return {(e.start.astimezone(UTC), e.end.astimezone(UTC), str(e["SUMMARY"])) for e in found}


def query_occurrences(business, start: datetime, end: datetime, filter: dict) -> set:
    page = query_events(
        business,
        from_local_date=start.replace(tzinfo=None),
        to_local_date=end.replace(tzinfo=None),
        filter={**filter, "status": ACTIVE},
        limit=1000,
    )
    assert not page.has_next
    return {(e.start, e.end, e.title) for e in page.events}


def next_dst_change(zone) -> datetime:
    """Local midnight of the day the zone's UTC offset next changes."""
    day = timezone.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    offset = day.utcoffset()
    while (day + timedelta(days=1)).utcoffset() == offset:
        day += timedelta(days=1)
    return (day + timedelta(days=1)).replace(tzinfo=None).replace(tzinfo=zone)


def create_series(
    schedule, actor, *, day: str, hour: int, title: str, interval: int = 1, resource_ids=()
) -> Event:
    start = next_monday(hour)
    return services.create_event(
        actor=actor,
        schedule=schedule,
        title=title,
        start_local=start,
        end_local=start + timedelta(minutes=75),
        recurrence_rule=recurrence.weekly_rule(day=day, interval=interval),
        resource_ids=resource_ids,
    )


def occurrences_between(master: Event, start: datetime, end: datetime) -> list[Event]:
    return list(Event.objects.filter(recurring_event_id=master.pk, start__gte=start, start__lt=end))


def window_today(zone) -> datetime:
    now = timezone.now().astimezone(zone)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def window_around_dst(zone) -> datetime:
    return (next_dst_change(zone) - timedelta(weeks=4)).replace(tzinfo=None).replace(tzinfo=zone)


@pytest.mark.parametrize("window", [window_today, window_around_dst], ids=["now", "dst"])
def test_a_schedule_feed_yields_the_occurrences_query_events_shows(
    business, schedule, owner_membership, window
):
    start = window(business.zone)
    end = (start.replace(tzinfo=None) + timedelta(weeks=WEEKS)).replace(tzinfo=business.zone)
    yoga = create_series(schedule, owner_membership, day="MONDAY", hour=9, title="Yoga")
    pilates = create_series(
        schedule, owner_membership, day="THURSDAY", hour=18, title="Pilates", interval=2
    )
    first, second, *_ = occurrences_between(yoga, start, end)
    services.update_event(
        actor=owner_membership,
        event=first,
        expected_revision=first.revision,
        changes={
            "title": "Yoga (moved)",
            "start_local_date": first.start_local + timedelta(days=1, hours=2),
            "end_local_date": first.end_local + timedelta(days=1, hours=2),
        },
    )
    services.cancel_event(actor=owner_membership, event=second, expected_revision=second.revision)
    gone = occurrences_between(pilates, start, end)[-1]
    services.cancel_event(actor=owner_membership, event=gone, expected_revision=gone.revision)
    EventFactory(
        schedule=schedule,
        title="Workshop",
        start_local=start.replace(tzinfo=None) + timedelta(days=10, hours=15),
    )
    EventFactory(
        schedule=ScheduleFactory(business=business),
        title="Elsewhere",
        start_local=start.replace(tzinfo=None) + timedelta(days=3, hours=10),
    )
    feed = CalendarFeedFactory(schedule=schedule)

    shown = feed_occurrences(feed, start, end)

    assert shown == query_occurrences(business, start, end, {"scheduleId": schedule.pk})
    assert (first.start, first.end, "Yoga") not in shown
    assert (second.start, second.end, "Yoga") not in shown
    assert any(title == "Yoga (moved)" for _, _, title in shown)


def test_the_dst_window_really_crosses_a_change_of_offset(business):
    start = window_around_dst(business.zone)
    end = start + timedelta(weeks=WEEKS)
    assert start.utcoffset() != end.astimezone(business.zone).utcoffset()


def test_a_series_keeps_its_wall_clock_time_across_the_dst_change(
    business, schedule, owner_membership
):
    start = window_around_dst(business.zone)
    end = start + timedelta(weeks=WEEKS)
    create_series(schedule, owner_membership, day="MONDAY", hour=9, title="Yoga")

    shown = feed_occurrences(CalendarFeedFactory(schedule=schedule), start, end)

    assert {s.astimezone(business.zone).hour for s, _, _ in shown} == {9}
    assert len({s.astimezone(business.zone).utcoffset() for s, _, _ in shown}) == 2


def test_a_resource_feed_follows_the_resource_to_other_series_and_away_from_its_own(
    business, schedule, owner_membership
):
    trainer, substitute = ResourceFactory(business=business), ResourceFactory(business=business)
    start = window_today(business.zone)
    end = start + timedelta(weeks=WEEKS)
    own = create_series(
        schedule, owner_membership, day="TUESDAY", hour=8, title="Spin", resource_ids=[trainer.pk]
    )
    other = create_series(
        schedule, owner_membership, day="FRIDAY", hour=17, title="Box", resource_ids=[substitute.pk]
    )
    handed_over = occurrences_between(own, start, end)[1]
    services.update_event(
        actor=owner_membership,
        event=handed_over,
        expected_revision=handed_over.revision,
        changes={"resource_ids": [substitute.pk]},
    )
    covered = occurrences_between(other, start, end)[2]
    services.update_event(
        actor=owner_membership,
        event=covered,
        expected_revision=covered.revision,
        changes={"resource_ids": [trainer.pk]},
    )
    EventResourceFactory(
        resource=trainer,
        event=EventFactory(
            schedule=ScheduleFactory(business=business),
            title="Private session",
            start_local=start.replace(tzinfo=None) + timedelta(days=5, hours=12),
        ),
    )
    feed = CalendarFeedFactory(
        schedule=None, resource=trainer, business=business, kind=CalendarFeed.Kind.RESOURCE
    )

    shown = feed_occurrences(feed, start, end)

    expected = query_occurrences(business, start, end, {"resources.id": {"$hasSome": [trainer.pk]}})
    assert shown == expected
    assert (covered.start, covered.end, "Box") in shown
    assert (handed_over.start, handed_over.end, "Spin") not in shown


def test_the_business_feed_shows_every_schedule(business, schedule, owner_membership):
    start = window_today(business.zone)
    end = start + timedelta(weeks=WEEKS)
    create_series(schedule, owner_membership, day="WEDNESDAY", hour=7, title="Early")
    EventFactory(
        schedule=ScheduleFactory(business=business),
        title="Elsewhere",
        start_local=start.replace(tzinfo=None) + timedelta(days=3, hours=10),
    )
    feed = CalendarFeedFactory(schedule=None, business=business, kind=CalendarFeed.Kind.BUSINESS)

    assert feed_occurrences(feed, start, end) == query_occurrences(business, start, end, {})


def test_the_feed_names_its_zones_in_vtimezone_and_a_series_in_an_rrule(business, schedule, series):
    calendar = parse(CalendarFeedFactory(schedule=schedule))

    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    (master,) = [e for e in calendar.walk("VEVENT") if e.get("RRULE")]
    assert master["RRULE"]["FREQ"] == ["WEEKLY"]
    assert master["RRULE"]["BYDAY"] == ["MO"]
    assert master["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(calendar["X-WR-CALNAME"]) == "Classes · Demo Studio"


def test_a_cancelled_occurrence_is_an_exdate_and_an_edited_one_an_override(
    schedule, series, owner_membership
):
    cancelled, edited = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[1:3]
    services.cancel_event(
        actor=owner_membership, event=cancelled, expected_revision=cancelled.revision
    )
    services.update_event(
        actor=owner_membership,
        event=edited,
        expected_revision=edited.revision,
        changes={"title": "Yoga with a guest"},
    )

    calendar = parse(CalendarFeedFactory(schedule=schedule))

    (master,) = [e for e in calendar.walk("VEVENT") if e.get("RRULE")]
    assert [d.dt for d in master["EXDATE"].dts] == [
        cancelled.start_local.replace(tzinfo=series.zone)
    ]
    (override,) = [e for e in calendar.walk("VEVENT") if e.get("RECURRENCE-ID")]
    assert str(override["UID"]) == series.pk
    assert override["RECURRENCE-ID"].dt == edited.start_local.replace(tzinfo=series.zone)
    assert str(override["SUMMARY"]) == "Yoga with a guest"


def test_a_series_that_started_long_ago_starts_at_the_window(business, schedule):
    long_ago = timezone.now() - timedelta(days=400)
    EventFactory(
        schedule=schedule,
        title="Old series",
        recurrence_type=Event.RecurrenceType.MASTER,
        recurrence_rule=recurrence.weekly_rule(day=recurrence.weekday_of(long_ago)),
        start_local=long_ago.astimezone(business.zone).replace(
            tzinfo=None, minute=0, second=0, microsecond=0
        ),
    )
    feed = CalendarFeedFactory(schedule=schedule)

    calendar = parse(feed)

    (master,) = calendar.walk("VEVENT")
    window = selectors.window_start(feed)
    assert window <= master["DTSTART"].dt < window + timedelta(weeks=1)


def test_participants_and_notes_are_left_out_unless_the_owner_includes_them(schedule):
    event = EventFactory(schedule=schedule, notes="Bring the spare key", start_local=next_monday())
    ParticipationFactory(event=event, name="Ada Lovelace", email="ada@example.com")
    feed = CalendarFeedFactory(schedule=schedule)

    hidden = selectors.build_feed(feed).decode()
    feed.include_personal_data = True
    shown = selectors.build_feed(feed).decode()

    for secret in ("Ada Lovelace", "ada@example.com", "Bring the spare key"):
        assert secret not in hidden
    assert "Ada Lovelace" in shown
    assert "Bring the spare key" in shown
    assert "ada@example.com" not in shown


def test_a_series_occurrence_with_participants_gets_its_own_description(
    schedule, series, owner_membership
):
    booked = Event.objects.filter(recurring_event_id=series.pk).order_by("start")[1]
    ParticipationFactory(event=booked, name="Grace Hopper", party_size=2)
    feed = CalendarFeedFactory(schedule=schedule, include_personal_data=True)

    (override,) = [e for e in parse(feed).walk("VEVENT") if e.get("RECURRENCE-ID")]

    assert "Grace Hopper (party of 2)" in str(override["DESCRIPTION"])


def test_the_version_changes_with_the_events_the_feed_and_nothing_else(schedule, series):
    feed = CalendarFeedFactory(schedule=schedule)
    before = selectors.feed_version(feed)
    assert selectors.feed_version(feed) == before

    EventFactory(schedule=ScheduleFactory(business=schedule.business), start_local=next_monday())
    assert selectors.feed_version(feed) == before

    EventFactory(schedule=schedule, start_local=next_monday())
    after_event = selectors.feed_version(feed)
    assert after_event.etag != before.etag
    assert after_event.last_modified >= before.last_modified

    feed.include_personal_data = True
    assert selectors.feed_version(feed).etag != after_event.etag


def test_the_feed_reads_a_constant_number_of_queries(business, schedule, owner_membership):
    feed = CalendarFeedFactory(schedule=schedule, include_personal_data=True)
    create_series(schedule, owner_membership, day="MONDAY", hour=9, title="One")
    with CaptureQueriesContext(connection) as one:
        selectors.build_feed(feed)
    for hour in range(10, 15):
        create_series(schedule, owner_membership, day="TUESDAY", hour=hour, title=f"S{hour}")
    with CaptureQueriesContext(connection) as six:
        selectors.build_feed(feed)

    assert len(one) == len(six) == 3


def test_past_occurrences_keep_what_they_were_when_the_series_changes(
    business, schedule, owner_membership
):
    started = (timezone.now() - timedelta(weeks=3)).astimezone(business.zone)
    first = started.replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)
    master = services.create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Yoga",
        start_local=first,
        end_local=first + timedelta(hours=1),
        recurrence_rule=recurrence.weekly_rule(day=recurrence.weekday_of(first)),
    )
    services.update_event(
        actor=owner_membership,
        event=master,
        expected_revision=master.revision,
        changes={"title": "Hatha yoga"},
    )
    start = window_today(business.zone) - timedelta(weeks=4)
    end = start + timedelta(weeks=WEEKS)

    shown = feed_occurrences(CalendarFeedFactory(schedule=schedule), start, end)

    assert shown == query_occurrences(business, start, end, {"scheduleId": schedule.pk})
    assert {title for _, _, title in shown} == {"Yoga", "Hatha yoga"}


def test_an_occurrence_removed_upstream_is_an_exdate(business, schedule, series):
    start = window_today(business.zone)
    end = start + timedelta(weeks=WEEKS)
    removed = occurrences_between(series, start, end)[1]
    Event.objects.filter(pk=removed.pk).update(
        removed_date=timezone.now(), updated_date=timezone.now()
    )

    shown = feed_occurrences(CalendarFeedFactory(schedule=schedule), start, end)

    assert shown == query_occurrences(business, start, end, {"scheduleId": schedule.pk})
    assert (removed.start, removed.end, removed.title) not in shown


def test_a_cancelled_series_shows_only_the_occurrences_that_still_take_place(
    business, schedule, series, owner_membership
):
    start = window_today(business.zone)
    end = start + timedelta(weeks=WEEKS)
    services.cancel_event(
        actor=owner_membership, event=series, expected_revision=series.revision, scope=Scope.ALL
    )
    kept = EventFactory(schedule=schedule, title="Open day", start_local=next_monday(12))

    shown = feed_occurrences(CalendarFeedFactory(schedule=schedule), start, end)

    assert shown == {(kept.start, kept.end, "Open day")}


def test_with_personal_data_a_new_participant_changes_the_version(schedule):
    event = EventFactory(schedule=schedule, start_local=next_monday())
    private = CalendarFeedFactory(schedule=schedule)
    personal = CalendarFeedFactory(
        schedule=ScheduleFactory(business=schedule.business), include_personal_data=True
    )
    before = {feed.pk: selectors.feed_version(feed) for feed in (private, personal)}

    ParticipationFactory(event=event)

    assert selectors.feed_version(private) == before[private.pk]
    assert selectors.feed_version(personal) != before[personal.pk]


def test_events_in_another_zone_bring_their_own_vtimezone(business, owner_membership):
    abroad = ScheduleFactory(business=business, name="New York", time_zone="America/New_York")
    series = create_series(abroad, owner_membership, day="MONDAY", hour=7, title="Sunrise")
    feed = CalendarFeedFactory(schedule=abroad)
    start = window_today(business.zone)
    end = start + timedelta(weeks=WEEKS)

    calendar = parse(feed)

    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert feed_occurrences(feed, start, end) == query_occurrences(
        business, start, end, {"scheduleId": abroad.pk}
    )
    assert series.time_zone == "America/New_York"


def test_renaming_the_schedule_renames_the_calendar_and_changes_the_version(
    schedule, owner_membership
):
    feed = CalendarFeedFactory(schedule=schedule)
    before = selectors.feed_version(feed)

    services.update_schedule(
        actor=owner_membership,
        schedule=schedule,
        expected_revision=schedule.revision,
        changes={"name": "Group classes"},
    )
    feed.refresh_from_db()

    assert selectors.feed_version(feed) != before
    assert str(parse(feed)["X-WR-CALNAME"]) == "Group classes · Demo Studio"


def test_an_occurrence_moved_into_the_window_from_before_it_is_shown_on_its_own(
    business, schedule, owner_membership, settings
):
    settings.CALENDAR_FEED_PAST_DAYS = 0
    series = create_series(schedule, owner_membership, day="MONDAY", hour=9, title="Yoga")
    first = Event.objects.filter(recurring_event_id=series.pk).order_by("start").first()
    feed = CalendarFeedFactory(schedule=schedule)
    window = selectors.window_start(feed, now=first.start + timedelta(days=3))
    services.update_event(
        actor=owner_membership,
        event=first,
        expected_revision=first.revision,
        changes={
            "start_local_date": first.start_local + timedelta(days=5),
            "end_local_date": first.end_local + timedelta(days=5),
        },
    )
    moved = Event.objects.get(pk=first.pk)

    body = selectors.build_feed(feed, now=first.start + timedelta(days=3))
    shown = recurring_ical_events.of(icalendar.Calendar.from_ical(body)).between(
        window, window + timedelta(days=4)
    )

    assert [(str(e["UID"]), e.start.astimezone(UTC)) for e in shown] == [(moved.pk, moved.start)]
