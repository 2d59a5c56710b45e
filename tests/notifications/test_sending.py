"""Sending the outbox to a real SMTP server on loopback, asserting the raw messages received."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from calendar_app import services
from calendar_app.notifications.models import UNSUBSCRIBED, Message, SenderSetting
from calendar_app.notifications.sending import STALLED_AFTER
from calendar_app.notifications.tasks import send_message
from tests.factories import EventFactory, ParticipationFactory
from tests.notifications.conftest import REFUSED, send_queued

pytestmark = pytest.mark.django_db


def cancel(event, actor):
    event.refresh_from_db()
    services.cancel_event(
        actor=actor,
        event=event,
        expected_revision=event.revision,
        notify=True,
        message="The teacher is ill; see you next week.",
    )


def test_cancelling_a_class_of_ten_sends_eight_messages_with_both_parts(
    smtp, yoga_class, owner_membership
):
    cancel(yoga_class, owner_membership)

    assert send_queued() == ["sent"] * 8

    received = smtp.inbox.messages
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(
        f"person{n}@example.org" for n in range(8)
    )
    rows = {row.email: row for row in Message.objects.filter(state=Message.State.SENT)}
    for message in received:
        row = rows[message["To"].addresses[0].addr_spec]
        assert message["Message-ID"] == row.message_id
        assert message["Subject"] == "Cancelled: Morning Yoga on Mon 1 Jun 2026"
        assert re.fullmatch(
            r"<http://localhost:8000/unsubscribe/[^/]+/>", message["List-Unsubscribe"]
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Monday 1 June 2026, 09:00 to 10:00 (Europe/Berlin)" in text
        assert "The teacher is ill; see you next week." in text
        assert "<strong>Morning Yoga</strong>" in html
    assert Message.objects.filter(state=Message.State.SKIPPED).count() == 2


def test_times_are_in_the_business_zone_after_a_dst_change(smtp, schedule, owner_membership):
    event = EventFactory(
        schedule=schedule,
        title="Spin",
        start_local=__import__("datetime").datetime(2026, 10, 26, 7, 30),
    )
    ParticipationFactory(event=event, email="a@example.org")
    cancel(event, owner_membership)

    send_queued()

    text = smtp.inbox.messages[0].get_body(("plain",)).get_content()
    assert "Monday 26 October 2026, 07:30 to 08:30 (Europe/Berlin)" in text


def test_sending_again_or_cancelling_again_sends_nothing_new(smtp, yoga_class, owner_membership):
    cancel(yoga_class, owner_membership)
    send_queued()
    for row in Message.objects.all():  # a redelivered task for each row
        send_message(row.pk)
    yoga_class.refresh_from_db()
    services.restore_event(
        actor=owner_membership, event=yoga_class, expected_revision=yoga_class.revision
    )
    cancel(yoga_class, owner_membership)
    send_queued()

    assert len(smtp.inbox.raw) == 8


def test_with_the_mail_server_down_nothing_is_lost_and_each_arrives_once(
    smtp, yoga_class, owner_membership
):
    smtp.stop()
    cancel(yoga_class, owner_membership)

    assert send_queued() == ["retry"] * 8
    assert Message.objects.filter(state=Message.State.QUEUED).count() == 8
    assert Message.objects.filter(reason__startswith="will retry").count() == 8

    smtp.start()
    assert send_queued() == ["sent"] * 8
    assert send_queued() == []

    assert len(smtp.inbox.raw) == 8
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 8


def test_a_refused_recipient_fails_with_the_reason_and_the_others_still_arrive(
    smtp, yoga_class, owner_membership
):
    ParticipationFactory(event=yoga_class, name="Nobody", email=REFUSED)
    cancel(yoga_class, owner_membership)

    outcomes = send_queued()

    assert sorted(outcomes) == ["failed"] + ["sent"] * 8
    failed = Message.objects.get(email=REFUSED)
    assert failed.state == Message.State.FAILED
    assert "550" in failed.reason
    assert len(smtp.inbox.raw) == 8


def test_one_click_unsubscribe_stops_further_messages(smtp, yoga_class, owner_membership, schedule):
    cancel(yoga_class, owner_membership)
    send_queued()
    first = next(
        m for m in smtp.inbox.messages if m["To"].addresses[0].addr_spec == "person0@example.org"
    )
    url = first["List-Unsubscribe"].strip("<>").removeprefix("http://localhost:8000")

    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    later = EventFactory(schedule=schedule, title="Evening Yoga")
    ParticipationFactory(event=later, email="person0@example.org")
    ParticipationFactory(event=later, email="person1@example.org")
    cancel(later, owner_membership)
    send_queued()
    assert [m["To"].addresses[0].addr_spec for m in smtp.inbox.messages[8:]] == [
        "person1@example.org"
    ]
    skipped = Message.objects.get(event_id=later.pk, email="person0@example.org")
    assert (skipped.state, skipped.reason) == (Message.State.SKIPPED, UNSUBSCRIBED)


def test_a_second_task_for_a_row_another_is_sending_does_nothing(
    smtp, yoga_class, owner_membership
):
    cancel(yoga_class, owner_membership)
    row = Message.objects.filter(state=Message.State.QUEUED).first()
    Message.objects.filter(pk=row.pk).update(state=Message.State.SENDING)

    assert send_message(row.pk) == "nothing to send"
    assert smtp.inbox.raw == []


def test_a_row_left_sending_by_a_dead_worker_is_sent_again_with_its_message_id(
    smtp, yoga_class, owner_membership
):
    cancel(yoga_class, owner_membership)
    row = Message.objects.filter(state=Message.State.QUEUED).first()
    Message.objects.filter(pk=row.pk).update(
        state=Message.State.SENDING, updated_date=timezone.now() - STALLED_AFTER
    )

    assert send_message(row.pk) == Message.State.SENT
    assert smtp.inbox.messages[0]["Message-ID"] == row.message_id


def test_names_with_commas_and_quotes_stay_one_address(smtp, schedule, owner_membership):
    event = EventFactory(schedule=schedule, title="Yoga\nfor all")
    ParticipationFactory(event=event, name='Doe, Jane "JJ"', email="jane@example.org")
    cancel(event, owner_membership)

    assert send_queued() == ["sent"]

    received = smtp.inbox.messages[0]
    assert received["To"].addresses[0].addr_spec == "jane@example.org"
    assert received["To"].addresses[0].display_name == 'Doe, Jane "JJ"'
    assert received["From"].addresses[0].display_name == schedule.business.name
    assert received["Subject"] == "Cancelled: Yoga for all on Mon 1 Jun 2026"


def test_the_sender_name_reply_to_and_footer_go_with_every_message(
    smtp, yoga_class, owner_membership, business
):
    SenderSetting.objects.create(
        business=business,
        sender_name="Demo Yoga",
        reply_to="desk@demo.example",
        footer_address="Main St 1, Berlin",
        footer_phone="+49 30 123",
    )
    cancel(yoga_class, owner_membership)
    send_queued()

    received = smtp.inbox.messages[0]
    sender = received["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Demo Yoga", "notices@studio.example")
    assert received["Reply-To"] == "desk@demo.example"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert text.rstrip().endswith("Main St 1, Berlin · +49 30 123")
    assert "Main St 1, Berlin · +49 30 123</p>\r\n</body>" in html
    row = Message.objects.get(message_id=received["Message-ID"])
    assert "Main St 1" not in row.text_body  # the stored body stays as rendered


def test_without_sender_settings_the_business_name_signs_and_there_is_no_reply_to(
    smtp, yoga_class, owner_membership
):
    cancel(yoga_class, owner_membership)
    send_queued()

    received = smtp.inbox.messages[0]
    assert received["From"].addresses[0].display_name == "Demo Studio"
    assert received["Reply-To"] is None
