"""The notices' words: the class, the day and the time in the business's zone, named."""

from datetime import UTC, datetime

import pytest

from calendar_app.notifications.rendering import (
    SUBJECTS,
    NoticeRenderer,
    event_context,
    render_cancellation,
    render_notice,
    span_text,
)
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_a_cancellation_names_the_class_the_day_the_zone_the_place_and_the_message(schedule):
    event = EventFactory(
        schedule=schedule,
        title="Morning Yoga",
        start_local=datetime(2026, 3, 30, 9, 0),  # the day after Berlin's clocks went forward
        location={"name": "Studio A", "address": "Hauptstr. 1, Berlin"},
    )

    rendered = render_cancellation(
        event=event,
        business=event.business,
        name="Ana",
        message="Sorry <b>all</b>",
        unsubscribe_url="https://x/u/",
    )

    assert rendered.subject == "Cancelled: Morning Yoga on Mon 30 Mar 2026"
    assert "Hello Ana," in rendered.text
    assert (
        "Morning Yoga on Monday 30 March 2026, 09:00 to 10:00 (Europe/Berlin) "
        "at Studio A, Hauptstr. 1, Berlin has been cancelled." in rendered.text
    )
    assert "Sorry <b>all</b>" in rendered.text  # plain text is not escaped
    assert "Sorry &lt;b&gt;all&lt;/b&gt;" in rendered.html  # HTML is
    assert 'href="https://x/u/"' in rendered.html


def test_times_are_shown_in_the_business_zone_not_the_event_s(schedule):
    business = schedule.business
    business.time_zone = "America/New_York"
    business.save()
    event = EventFactory(
        schedule=schedule, time_zone="Europe/Berlin", start_local=datetime(2026, 6, 1, 18, 0)
    )

    rendered = render_cancellation(
        event=event, business=business, name="", message="", unsubscribe_url=""
    )

    assert "12:00 to 13:00 (America/New_York)" in rendered.text


def test_every_kind_has_its_subject_and_both_parts(schedule):
    event = EventFactory(schedule=schedule, title="Pilates", location={"name": "Studio B"})
    context = {
        **event_context(event=event, business=event.business),
        "old_day": "Sunday 31 May 2026",
        "old_times": "09:00 to 10:00",
        "old_place": "",
        "promoted": True,
    }

    for kind, subject in SUBJECTS.items():
        rendered = render_notice(
            kind=kind,
            business=event.business,
            context=context,
            name="Ana",
            message="See you <soon>",
            unsubscribe_url="https://x/u/",
        )

        assert rendered.subject == subject.format(title="Pilates", short_day="Mon 1 Jun 2026")
        assert "Pilates" in rendered.text and "<strong>Pilates</strong>" in rendered.html
        assert "Monday 1 June 2026, 09:00 to 10:00 (Europe/Berlin) at Studio B" in rendered.text
        assert "See you <soon>" in rendered.text and "See you &lt;soon&gt;" in rendered.html
        assert "https://x/u/" in rendered.text and 'href="https://x/u/"' in rendered.html


def test_a_move_across_the_clock_change_shows_both_times_in_the_business_zone(schedule):
    business = schedule.business
    event = EventFactory(schedule=schedule, title="Spin", start_local=datetime(2026, 10, 26, 9))
    old = span_text(
        start=datetime(2026, 10, 24, 7, tzinfo=UTC),  # 09:00 CEST
        end=datetime(2026, 10, 24, 8, tzinfo=UTC),
        business=business,
    )

    rendered = render_notice(
        kind="moved",
        business=business,
        context={
            **event_context(event=event, business=business),
            "old_day": old["day"],
            "old_times": old["times"],
            "old_place": "",
        },
        name="",
        message="",
        unsubscribe_url="",
    )

    assert "Was: Saturday 24 October 2026, 09:00 to 10:00 (Europe/Berlin)" in rendered.text
    assert "Now: Monday 26 October 2026, 09:00 to 10:00 (Europe/Berlin)" in rendered.text


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("Ana", "https://x/u/a?b=1&c=2"),
        ('<script>alert("x")</script> & Co', "https://x/u/"),
        ("", "https://x/u/"),
        ("Ana", ""),
        ("", ""),
    ],
)
def test_rendering_once_per_notice_gives_each_person_what_rendering_alone_would(
    schedule, name, url
):
    event = EventFactory(schedule=schedule, title="Pilates <1>", location={"name": "B & C"})
    context = {
        **event_context(event=event, business=event.business),
        "old_day": "Sunday 31 May 2026",
        "old_times": "09:00 to 10:00",
        "old_place": "",
        "promoted": True,
    }
    common = {"business": event.business, "context": context, "message": "See <you>\nsoon"}

    for kind in SUBJECTS:
        renderer = NoticeRenderer(kind=kind, **common)
        renderer.render(name="Someone else", unsubscribe_url="https://x/u/other")

        assert renderer.render(name=name, unsubscribe_url=url) == render_notice(
            kind=kind, name=name, unsubscribe_url=url, **common
        )
