"""The iCalendar part: METHOD, a stable UID, a SEQUENCE that grows, times in the business's
zone with a VTIMEZONE that is right across a daylight-saving change; and, sent to the loopback
SMTP server, the ``text/calendar; method=…`` part and the ``.ics`` attachment."""

import re
from datetime import UTC, datetime

import pytest

from calendar_app import services
from calendar_app.notifications import ics
from calendar_app.notifications.models import Message
from participants import services as participants
from tests.factories import EventFactory, ParticipationFactory
from tests.notifications.conftest import send_queued

BERLIN_AUTUMN = datetime(2026, 10, 26, 6, 30, tzinfo=UTC)  # 07:30 in Berlin, the day after


def unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def entry(**fields) -> ics.IcsEvent:
    return ics.IcsEvent(
        **{
            "uid": "evt-1@studio.example",
            "sequence": 3,
            "summary": "Spin",
            "start": BERLIN_AUTUMN,
            "end": datetime(2026, 10, 26, 7, 0, tzinfo=UTC),
            "time_zone": "Europe/Berlin",
            **fields,
        }
    )


def calendar(method=ics.REQUEST, **fields) -> str:
    return ics.calendar_text(
        method=method,
        event=entry(**fields),
        organizer_name="Studio",
        attendee_name="Ana",
        attendee_email="ana@example.org",
        stamp=datetime(2026, 10, 1, tzinfo=UTC),
    )


def test_a_request_names_the_method_uid_sequence_and_local_times_with_their_zone():
    lines = unfolded(calendar())

    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "METHOD:REQUEST" in lines
    assert "UID:evt-1@studio.example" in lines
    assert "SEQUENCE:3" in lines
    assert "DTSTART;TZID=Europe/Berlin:20261026T073000" in lines
    assert "DTEND;TZID=Europe/Berlin:20261026T080000" in lines
    assert "STATUS:CONFIRMED" in lines
    assert any(line.startswith("ATTENDEE;") and "mailto:ana@example.org" in line for line in lines)


def test_a_cancel_says_cancelled():
    lines = unfolded(calendar(ics.CANCEL))

    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines


def test_the_zone_s_changes_around_the_event_are_in_its_vtimezone():
    lines = unfolded(calendar())
    zone = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE") + 1]

    assert "TZID:Europe/Berlin" in zone
    autumn = zone.index("DTSTART:20261025T030000")  # 03:00 CEST became 02:00 CET
    assert zone[autumn - 1] == "BEGIN:STANDARD"
    assert zone[autumn + 1 : autumn + 3] == ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100"]
    spring = zone.index("DTSTART:20260329T020000")  # 02:00 CET became 03:00 CEST
    assert zone[spring - 1] == "BEGIN:DAYLIGHT"
    assert zone[spring + 1 : spring + 3] == ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200"]


def test_a_zone_without_changes_has_one_standard_offset():
    lines = unfolded(calendar(time_zone="Asia/Tokyo"))

    assert "DTSTART;TZID=Asia/Tokyo:20261026T153000" in lines
    assert lines.count("BEGIN:STANDARD") == 1 and "BEGIN:DAYLIGHT" not in lines
    assert "TZOFFSETTO:+0900" in lines


def test_text_is_escaped_and_long_lines_are_folded_at_75_octets():
    text = calendar(summary="Yoga; slow, gentle\nbring a mat " + "ü" * 80)

    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    summary = next(line for line in unfolded(text) if line.startswith("SUMMARY:"))
    assert summary == "SUMMARY:Yoga\\; slow\\, gentle\\nbring a mat " + "ü" * 80


def test_the_uid_is_ours_and_the_same_for_every_notice_of_an_occurrence(settings):
    settings.DEFAULT_FROM_EMAIL = "Studio <notices@studio.example>"

    assert ics.uid_for("evt-1") == ics.uid_for("evt-1") == "evt-1@studio.example"


@pytest.mark.django_db
def test_a_sent_cancellation_carries_a_calendar_part_and_attachment_across_the_dst_change(
    smtp, schedule, owner_membership
):
    event = EventFactory(schedule=schedule, title="Spin", start_local=datetime(2026, 10, 26, 7, 30))
    ParticipationFactory(event=event, email="a@example.org", name="Ana")
    confirmed_revision = event.revision
    services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision, notify=True
    )

    assert send_queued() == ["sent"]

    received = smtp.inbox.messages[0]
    text = received.get_body(("plain",)).get_content()
    assert "Monday 26 October 2026, 07:30 to 08:30 (Europe/Berlin)" in text
    part = next(p for p in received.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "CANCEL"
    assert part.get_content_disposition() is None  # an alternative, not an attachment
    attachment = next(received.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content().decode() == part.get_content()
    lines = unfolded(part.get_content())
    assert "METHOD:CANCEL" in lines
    assert f"UID:{event.pk}@studio.example" in lines
    sequence = int(next(line for line in lines if line.startswith("SEQUENCE:")).split(":")[1])
    event.refresh_from_db()
    assert sequence == event.revision > confirmed_revision  # calendar apps take it as newer
    assert "DTSTART;TZID=Europe/Berlin:20261026T073000" in lines
    row = Message.objects.get()
    assert (row.ics_method, row.ics) == ("CANCEL", part.get_content())


@pytest.mark.django_db
def test_a_skipped_row_has_no_calendar_part(schedule, owner_membership):
    event = EventFactory(schedule=schedule)
    ParticipationFactory(event=event, email="")
    services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision, notify=True
    )

    row = Message.objects.get()
    assert (row.state, row.ics, row.ics_method) == ("skipped", "", "")
    assert re.fullmatch(r"Cancelled: .+ on Mon 1 Jun 2026", row.subject)


@pytest.mark.django_db
def test_confirmation_move_and_cancel_update_one_calendar_entry(smtp, schedule, owner_membership):
    """The same UID in each notice and a SEQUENCE that grows: a calendar app adds the class,
    moves it, then removes it, instead of showing three entries."""
    event = EventFactory(schedule=schedule, title="Spin", start_local=datetime(2026, 10, 24, 9))
    participants.add_participation(
        actor=owner_membership, event=event, name="Ana", email="ana@example.org"
    )
    event.refresh_from_db()
    services.update_event(
        actor=owner_membership,
        event=event,
        expected_revision=event.revision,
        changes={  # from the Saturday before the clocks go back to the Monday after
            "start_local_date": "2026-10-26T09:00:00",
            "end_local_date": "2026-10-26T10:00:00",
        },
        notify=True,
    )
    event.refresh_from_db()
    services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision, notify=True
    )

    assert send_queued() == ["sent"] * 3

    entries = []
    for received in sorted(smtp.inbox.messages, key=lambda m: m["Subject"]):
        part = next(p for p in received.walk() if p.get_content_type() == "text/calendar")
        lines = unfolded(part.get_content())
        fields = dict(line.split(":", 1) for line in lines if line.startswith(("UID", "SEQ")))
        start = next(line for line in lines if line.startswith("DTSTART;"))
        entries.append((received["Subject"], part.get_param("method"), fields, start))
    (booked, booked_method, booked_fields, booked_start) = entries[0]
    (cancelled, cancel_method, cancel_fields, _) = entries[1]
    (moved, moved_method, moved_fields, moved_start) = entries[2]
    assert booked.startswith("Booked: Spin on Sat 24 Oct 2026")
    assert moved == "Moved: Spin, now on Mon 26 Oct 2026"
    assert cancelled == "Cancelled: Spin on Mon 26 Oct 2026"
    assert (booked_method, moved_method, cancel_method) == ("REQUEST", "REQUEST", "CANCEL")
    assert booked_fields["UID"] == moved_fields["UID"] == cancel_fields["UID"]
    assert (
        int(booked_fields["SEQUENCE"])
        < int(moved_fields["SEQUENCE"])
        < int(cancel_fields["SEQUENCE"])
    )
    assert booked_start == "DTSTART;TZID=Europe/Berlin:20261024T090000"  # CEST, UTC+2
    assert moved_start == "DTSTART;TZID=Europe/Berlin:20261026T090000"  # CET, UTC+1


@pytest.mark.parametrize("size", [0, 1, 74, 75, 76, 148, 149, 150, 300])
def test_an_ascii_line_is_folded_as_any_line_is(size):
    line = "".join(chr(ord("a") + n % 26) for n in range(size))

    folded = ics._fold(line)

    assert folded.replace("\r\n ", "") == line
    assert all(1 <= len(part) <= 75 for part in folded.split("\r\n")) or size == 0
    assert folded == ics._fold(line + "é")[: len(folded)]  # the octet-by-octet path
