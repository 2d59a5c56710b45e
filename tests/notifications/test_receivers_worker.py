"""The new triggers end to end: the change commits, a real Celery worker sends the notices to
the loopback SMTP server, each once, with its calendar part."""

import time

import pytest

from calendar_app import services
from calendar_app.notifications.models import Message
from participants import services as participants
from tests.integration.conftest import (  # noqa: F401 (fixtures of the real worker)
    celery_queue,
    wait_for,
    worker_factory,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_move_and_a_confirmation_reach_the_inbox_through_a_worker(
    smtp,
    yoga_class,
    owner_membership,
    worker_factory,  # noqa: F811
):
    worker = worker_factory(
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), DEFAULT_FROM_EMAIL="a@studio.example"
    )
    yoga_class.refresh_from_db()

    services.update_event(
        actor=owner_membership,
        event=yoga_class,
        expected_revision=yoga_class.revision,
        changes={
            "start_local_date": "2026-06-01T18:00:00",
            "end_local_date": "2026-06-01T19:00:00",
            "total_capacity": 11,
        },
        notify=True,
        message="Evening class this week.",
    )
    participants.add_participation(
        actor=owner_membership, event=yoga_class, name="Nia", email="nia@example.org"
    )
    wait_for(
        lambda: Message.objects.filter(state=Message.State.SENT).count() == 9,
        timeout=90,
        what="eight move notices and one confirmation to be sent",
        log=worker.log,
    )
    time.sleep(1)  # a duplicate, if any, would arrive now

    received = smtp.inbox.messages
    assert len(received) == 9
    subjects = sorted(m["Subject"] for m in received)
    assert (
        subjects
        == ["Booked: Morning Yoga on Mon 1 Jun 2026"]
        + ["Moved: Morning Yoga, now on Mon 1 Jun 2026"] * 8
    )
    for message in received:
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "REQUEST"
        assert "DTSTART;TZID=Europe/Berlin:20260601T180000" in part.get_content()
        assert any(a.get_filename() == "invite.ics" for a in message.iter_attachments())
    moved = next(m for m in received if m["Subject"].startswith("Moved"))
    text = moved.get_body(("plain",)).get_content()
    assert "Was: Monday 1 June 2026, 09:00 to 10:00 (Europe/Berlin)" in text
    assert "Now: Monday 1 June 2026, 18:00 to 19:00 (Europe/Berlin)" in text
    assert "Evening class this week." in text
