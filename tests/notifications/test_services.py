"""Queueing notices with the cancellation: one row per participant, never twice."""

import pytest
from django.db import transaction

from calendar_app import services
from calendar_app.models import Business
from calendar_app.notifications import services as notifications
from calendar_app.notifications.models import Message, Unsubscribe
from calendar_app.notifications.services import NO_EMAIL, UNSUBSCRIBED, WIX_NOTIFIES
from calendar_app.notifications.tokens import unsubscribe_url
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def cancel(event, actor, **options):
    event.refresh_from_db()
    return services.cancel_event(
        actor=actor, event=event, expected_revision=event.revision, **options
    )


def test_cancelling_a_class_of_ten_queues_eight_notices_and_skips_two_without_email(
    yoga_class, owner_membership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        cancel(yoga_class, owner_membership, notify=True, message="The teacher is ill.")

    rows = Message.objects.filter(event_id=yoga_class.pk)
    assert rows.filter(state=Message.State.QUEUED).count() == 8
    assert list(rows.filter(state=Message.State.SKIPPED).values_list("reason", flat=True)) == [
        NO_EMAIL,
        NO_EMAIL,
    ]
    assert len(callbacks) == 1  # the sends are queued once the cancel has committed
    queued = rows.filter(state=Message.State.QUEUED).first()
    assert queued.subject == "Cancelled: Morning Yoga on Mon 1 Jun 2026"
    assert "The teacher is ill." in queued.text_body
    assert "09:00 to 10:00 (Europe/Berlin)" in queued.text_body
    assert len(set(rows.values_list("message_id", flat=True))) == 10


def test_cancelling_without_notify_writes_no_notices(yoga_class, owner_membership):
    cancel(yoga_class, owner_membership, notify=False)

    assert not Message.objects.exists()


def test_a_second_cancellation_of_the_same_occurrence_writes_nothing_new(
    yoga_class, owner_membership
):
    cancel(yoga_class, owner_membership, notify=True)
    first = dict(Message.objects.values_list("pk", "message_id"))
    yoga_class.refresh_from_db()
    services.restore_event(
        actor=owner_membership, event=yoga_class, expected_revision=yoga_class.revision
    )
    cancel(yoga_class, owner_membership, notify=True)

    assert dict(Message.objects.values_list("pk", "message_id")) == first


def test_a_repeated_queueing_for_the_same_cancellation_inserts_nothing(
    yoga_class, owner_membership
):
    cancel(yoga_class, owner_membership, notify=True)
    yoga_class.refresh_from_db()

    notifications.queue_cancellation(
        event=yoga_class, event_ids=[yoga_class.pk], notify=True, message=""
    )

    assert Message.objects.count() == 10


def test_a_rolled_back_cancellation_leaves_no_notices(yoga_class, owner_membership):
    with pytest.raises(RuntimeError), transaction.atomic():
        cancel(yoga_class, owner_membership, notify=True)
        raise RuntimeError("the request failed after the cancel")

    assert not Message.objects.exists()


def test_an_unsubscribed_address_is_skipped(yoga_class, owner_membership, business):
    Unsubscribe.objects.create(business=business, email="person3@example.org")

    cancel(yoga_class, owner_membership, notify=True)

    row = Message.objects.get(email="person3@example.org")
    assert (row.state, row.reason) == (Message.State.SKIPPED, UNSUBSCRIBED)


def test_a_wix_connected_business_leaves_the_telling_to_wix(business):
    business.backend = Business.Backend.WIX
    business.save()
    event = EventFactory(schedule__business=business, status="CANCELLED")
    ParticipationFactory(event=event, email="a@example.org")

    notifications.queue_cancellation(event=event, event_ids=[event.pk], notify=True, message="")

    row = Message.objects.get()
    assert (row.state, row.reason) == (Message.State.SKIPPED, WIX_NOTIFIES)


def test_cancelled_participations_are_not_told(owner_membership, schedule):
    event = EventFactory(schedule=schedule)
    ParticipationFactory(event=event, email="gone@example.org", cancelled_date="2026-01-01T00:00Z")

    cancel(event, owner_membership, notify=True)

    assert not Message.objects.exists()


def test_unsubscribing_skips_what_is_still_queued_for_that_address(
    yoga_class, owner_membership, business
):
    cancel(yoga_class, owner_membership, notify=True)

    notifications.unsubscribe(business_id=business.pk, email="Person1@Example.org")
    notifications.unsubscribe(business_id=business.pk, email="person1@example.org")

    row = Message.objects.get(email="person1@example.org")
    assert (row.state, row.reason) == (Message.State.SKIPPED, UNSUBSCRIBED)
    assert Unsubscribe.objects.count() == 1


def test_cancelling_a_whole_series_tells_the_participants_of_each_occurrence(
    series, owner_membership
):
    occurrences = list(series.__class__.objects.filter(recurring_event_id=series.pk)[:2])
    for occurrence in occurrences:
        ParticipationFactory(event=occurrence, email=f"{occurrence.pk}@example.org")

    cancel(series, owner_membership, notify=True)

    assert sorted(Message.objects.values_list("event_id", flat=True)) == sorted(
        o.pk for o in occurrences
    )


def test_two_participants_bodies_differ_only_in_their_name_and_link_and_names_are_escaped(
    owner_membership, schedule
):
    event = EventFactory(schedule=schedule, title="Morning Yoga")
    ParticipationFactory(event=event, name="Ana", email="ana@example.org")
    ParticipationFactory(event=event, name="<script>x()</script>", email="bo@example.org")

    cancel(event, owner_membership, notify=True, message="The teacher is ill.")

    ana = Message.objects.get(event_id=event.pk, email="ana@example.org")
    bo = Message.objects.get(event_id=event.pk, email="bo@example.org")
    ana_url = unsubscribe_url(business_id=event.business_id, email="ana@example.org")
    bo_url = unsubscribe_url(business_id=event.business_id, email="bo@example.org")
    assert ana_url != bo_url
    assert ana.subject == bo.subject
    assert "Hello Ana," in ana.text_body and ana_url in ana.text_body
    assert (
        ana.text_body.replace("Hello Ana,", "Hello <script>x()</script>,").replace(ana_url, bo_url)
        == bo.text_body
    )
    assert "<p>Hello &lt;script&gt;x()&lt;/script&gt;,</p>" in bo.html_body
    assert "<script>" not in bo.html_body
    assert (
        ana.html_body.replace("Hello Ana,", "Hello &lt;script&gt;x()&lt;/script&gt;,").replace(
            ana_url, bo_url
        )
        == bo.html_body
    )
    assert 'ATTENDEE;CN="Ana"' in ana.ics and "mailto:bo@example.org" in bo.ics
