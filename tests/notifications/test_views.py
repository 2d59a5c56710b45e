"""The cancel form's notify choice, the event page's told line, the Outbox and unsubscribe."""

import pytest
from django.test import Client
from django.urls import reverse

from calendar_app.models import Event
from calendar_app.notifications.models import Message, Unsubscribe
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
