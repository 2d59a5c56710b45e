"""The cancel form's notify choice, the event page's told line, the Outbox and unsubscribe."""

import pytest
from django.test import Client
from django.urls import reverse

from calendar_app.models import Event
from calendar_app.notifications.models import Message, SenderSetting, Unsubscribe
from calendar_app.notifications.services import queue_cancellation
from calendar_app.notifications.tokens import unsubscribe_token
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

OUTBOX = reverse("notifications:outbox")


def cancel_url(event):
    return reverse("calendar_app:event_cancel", args=[event.pk])


def detail_url(event):
    return reverse("calendar_app:event_detail", args=[event.pk])


def test_the_cancel_form_offers_notify_checked_when_there_are_participants(
    owner_client, yoga_class
):
    page = owner_client.get(detail_url(yoga_class)).content.decode()

    assert 'name="notify" value="on" checked' in page
    assert 'name="message"' in page


def test_the_cancel_form_leaves_notify_unchecked_without_participants(owner_client, schedule):
    page = owner_client.get(detail_url(EventFactory(schedule=schedule))).content.decode()

    assert 'name="notify" value="on">' in page


def test_cancelling_with_notify_and_a_message_shows_who_was_told(owner_client, yoga_class):
    data = {"revision": yoga_class.revision, "notify": "on", "message": "Sorry!"}

    response = owner_client.post(cancel_url(yoga_class), data, follow=True)

    assert response.status_code == 200
    assert "Participants: told 8, skipped 2 (2 no email)." in response.content.decode()
    assert Message.objects.filter(text_body__contains="Sorry!").count() == 10


def test_cancelling_without_notify_tells_nobody(owner_client, yoga_class):
    owner_client.post(cancel_url(yoga_class), {"revision": yoga_class.revision})

    yoga_class.refresh_from_db()
    assert yoga_class.is_cancelled
    assert not Message.objects.exists()


def test_a_message_over_5000_characters_is_a_form_error_that_changes_nothing(
    owner_client, yoga_class
):
    data = {"revision": yoga_class.revision, "notify": "on", "message": "x" * 5001}

    response = owner_client.post(cancel_url(yoga_class), data)

    assert response.status_code == 400
    assert "it may be at most 5000" in response.content.decode()
    yoga_class.refresh_from_db()
    assert yoga_class.status == Event.Status.CONFIRMED
    assert not Message.objects.exists()


def test_the_outbox_lists_the_business_s_messages_with_state_and_reason(
    staff_client, yoga_class, other_business
):
    yoga_class.status = Event.Status.CANCELLED
    yoga_class.save()
    queue_cancellation(event=yoga_class, event_ids=[yoga_class.pk], notify=True, message="")
    theirs = EventFactory(schedule__business=other_business, status=Event.Status.CANCELLED)
    ParticipationFactory(event=theirs, email="theirs@example.org")
    queue_cancellation(event=theirs, event_ids=[theirs.pk], notify=True, message="")

    page = staff_client.get(OUTBOX).content.decode()
    skipped = staff_client.get(OUTBOX, {"state": "skipped"}).content.decode()

    assert page.count('data-state="queued"') == 8
    assert "Queued: 8 · Failed: 0 · Oldest queued:" in page
    assert page.count("no email address") == 2
    assert "theirs@example.org" not in page
    assert skipped.count("<tr data-state") == 2


def test_the_outbox_needs_a_login(client):
    assert client.get(OUTBOX).status_code == 302


def test_the_unsubscribe_link_asks_first_and_unsubscribes_on_post(client, business):
    url = reverse("unsubscribe", args=[unsubscribe_token(business_id=business.pk, email="A@x.org")])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Stop the messages to a@x.org?" in confirm.content.decode()
    assert not Unsubscribe.objects.exists()

    done = Client(enforce_csrf_checks=True).post(url)
    assert done.status_code == 200
    assert Unsubscribe.objects.get().email == "a@x.org"


def test_a_forged_unsubscribe_token_is_a_404(client):
    assert client.get(reverse("unsubscribe", args=["not-a-token"])).status_code == 404
    assert client.post(reverse("unsubscribe", args=["not-a-token"])).status_code == 404


def test_unsubscribing_from_a_business_since_deleted_is_harmless(client, other_business):
    token = unsubscribe_token(business_id=other_business.pk, email="a@x.org")
    other_business.delete()

    assert client.post(reverse("unsubscribe", args=[token])).status_code == 200


def failed_row(yoga_class):
    yoga_class.status = Event.Status.CANCELLED
    yoga_class.save()
    queue_cancellation(event=yoga_class, event_ids=[yoga_class.pk], notify=True, message="")
    row = Message.objects.get(email="person0@example.org")
    Message.objects.filter(pk=row.pk).update(state=Message.State.FAILED, reason="550 no such user")
    return row


def test_the_outbox_filters_by_kind_and_searches_recipient_and_subject(owner_client, yoga_class):
    failed_row(yoga_class)

    by_name = owner_client.get(OUTBOX, {"q": "Person 3"}).content.decode()
    by_kind = owner_client.get(OUTBOX, {"kind": "reminder"}).content.decode()
    by_subject = owner_client.get(OUTBOX, {"q": "morning yoga", "state": "failed"}).content.decode()

    assert by_name.count("<tr data-state") == 1
    assert "No messages." in by_kind
    assert by_subject.count("<tr data-state") == 1


def test_the_outbox_is_paged(owner_client, schedule, settings):
    event = EventFactory(schedule=schedule, status=Event.Status.CANCELLED)
    ParticipationFactory.create_batch(55, event=event)
    queue_cancellation(event=event, event_ids=[event.pk], notify=True, message="")

    first = owner_client.get(OUTBOX).content.decode()
    second = owner_client.get(OUTBOX, {"page": "2", "state": "queued"}).content.decode()
    beyond = owner_client.get(OUTBOX, {"page": "99"})

    assert first.count("<tr data-state") == 50
    assert "Page 1 of 2 (55 messages)" in first
    assert second.count("<tr data-state") == 5
    assert "?state=queued&amp;page=1" in second
    assert beyond.status_code == 200


def test_staff_send_a_failed_message_again_once(
    staff_client, yoga_class, django_capture_on_commit_callbacks
):
    row = failed_row(yoga_class)
    url = reverse("notifications:retry", args=[row.pk])

    page = staff_client.get(OUTBOX).content.decode()
    assert page.count(">Send again</button>") == 1
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(url)
    again = staff_client.post(url)

    assert response.status_code == 302
    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.state == Message.State.QUEUED
    assert again.status_code == 409
    assert "This message is not failed" in again.content.decode()


def test_a_sent_message_is_never_sent_again_by_the_button(owner_client, yoga_class):
    row = failed_row(yoga_class)
    Message.objects.filter(pk=row.pk).update(state=Message.State.SENT)

    response = owner_client.post(reverse("notifications:retry", args=[row.pk]))

    assert response.status_code == 409
    row.refresh_from_db()
    assert row.state == Message.State.SENT


def test_another_business_s_message_cannot_be_retried(client, outsider, yoga_class):
    row = failed_row(yoga_class)
    client.force_login(outsider)

    assert client.post(reverse("notifications:retry", args=[row.pk])).status_code == 404
    assert client.get(reverse("notifications:retry", args=[row.pk])).status_code == 405
    row.refresh_from_db()
    assert row.state == Message.State.FAILED


def test_the_messages_page_shows_each_kind_with_sample_data_and_the_footer(staff_client, business):
    SenderSetting.objects.create(business=business, footer_phone="+49 30 123")

    page = staff_client.get(reverse("notifications:messages")).content.decode()
    html = staff_client.get(reverse("notifications:message_html", args=["reminder"]))

    assert "Cancelled: Morning Yoga on Mon" in page
    assert "Reminder: Morning Yoga on Mon" in page
    assert "The teacher is ill; we are sorry." in page
    assert "(Europe/Berlin)" in page
    assert "+49 30 123" in page
    assert html.status_code == 200
    assert "<strong>Morning Yoga</strong>" in html.content.decode()
    assert "style-src 'unsafe-inline'" in html["Content-Security-Policy"]
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert not Message.objects.exists()


def test_an_unknown_kind_has_no_html_preview(owner_client):
    url = reverse("notifications:message_html", args=["nonsense"])

    assert owner_client.get(url).status_code == 404


def test_the_event_page_and_the_dashboard_show_who_was_told_what_and_when(owner_client, yoga_class):
    failed_row(yoga_class)
    Message.objects.filter(email="person1@example.org").update(
        state=Message.State.SENT, sent_date="2026-05-30T10:15:00Z"
    )

    for url in (detail_url(yoga_class), reverse("participants:dashboard", args=[yoga_class.pk])):
        page = owner_client.get(url).content.decode()
        assert "Messages to participants (10)" in page
        assert 'Failed: <span class="muted">550 no such user</span>' in page
        assert 'Skipped: <span class="muted">no email address</span>' in page
        assert "Sat 30 May, 12:15" in page  # sent, in the business's zone
