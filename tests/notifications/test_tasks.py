"""The send task in a real Celery worker: the mail server down when the class is cancelled,
back a little later, and every notice arrives exactly once."""

import time

import pytest
from django.utils import timezone

from calendar_app import services
from calendar_app.notifications.models import Message
from calendar_app.notifications.sending import STALLED_AFTER
from calendar_app.notifications.tasks import send_waiting_messages
from config.celery import app
from tests.factories import EventFactory, ParticipationFactory
from tests.integration.conftest import (  # noqa: F401 (fixtures of the real worker)
    celery_queue,
    wait_for,
    worker_factory,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_retries_while_the_mail_server_is_down_and_sends_each_notice_once(
    smtp,
    yoga_class,
    owner_membership,
    worker_factory,  # noqa: F811
):
    smtp.stop()
    worker = worker_factory(
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), DEFAULT_FROM_EMAIL="a@studio.example"
    )
    yoga_class.refresh_from_db()

    services.cancel_event(
        actor=owner_membership,
        event=yoga_class,
        expected_revision=yoga_class.revision,
        notify=True,
    )
    wait_for(
        lambda: Message.objects.filter(reason__startswith="will retry").count() == 8,
        timeout=60,
        what="every send to fail while the server is down",
        log=worker.log,
    )
    smtp.start()
    wait_for(
        lambda: Message.objects.filter(state=Message.State.SENT).count() == 8,
        timeout=120,
        what="the eight notices to be sent",
        log=worker.log,
    )
    time.sleep(2)  # a duplicate, if any, would arrive now

    assert len(smtp.inbox.raw) == 8
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 8
    assert Message.objects.filter(state=Message.State.SKIPPED).count() == 2


def test_the_beat_task_queues_what_waited_too_long_and_a_worker_sends_it(
    smtp,
    yoga_class,
    owner_membership,
    celery_queue,  # noqa: F811
    worker_factory,  # noqa: F811
):
    yoga_class.refresh_from_db()
    services.cancel_event(
        actor=owner_membership, event=yoga_class, expected_revision=yoga_class.revision, notify=True
    )
    with app.connection_for_write() as connection:  # the sends queued on commit are lost
        connection.default_channel.queue_purge(celery_queue)
    Message.objects.filter(state=Message.State.QUEUED).update(
        updated_date=timezone.now() - STALLED_AFTER
    )
    worker = worker_factory(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port))

    send_waiting_messages.delay()

    wait_for(
        lambda: Message.objects.filter(state=Message.State.SENT).count() == 8,
        timeout=60,
        what="the waiting notices to be sent",
        log=worker.log,
    )
    assert len(smtp.inbox.raw) == 8


def test_a_worker_killed_mid_batch_and_restarted_sends_every_message_duplicates_keep_their_id(
    smtp,
    schedule,
    owner_membership,
    worker_factory,  # noqa: F811
):
    smtp.inbox.delay = 0.4  # each message is kept, then answered: a kill can fall in between
    event = EventFactory(schedule=schedule, title="Big Class", total_capacity=30)
    for n in range(20):
        ParticipationFactory(event=event, name=f"Person {n}", email=f"p{n}@example.org")
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)}
    first = worker_factory(**env)
    event.refresh_from_db()
    services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision, notify=True
    )
    wait_for(
        lambda: Message.objects.filter(state=Message.State.SENT).count() >= 3,
        timeout=60,
        what="the first messages to be sent",
        log=first.log,
    )

    first.kill()  # SIGKILL, mid-batch: some rows sending, the rest queued and unacknowledged
    assert Message.objects.filter(state=Message.State.SENT).count() < 20
    second = worker_factory(**env)
    wait_for(  # the killed worker's unacknowledged tasks come back to the new one
        lambda: not Message.objects.filter(state=Message.State.QUEUED).exists(),
        timeout=90,
        what="the queued messages to be sent by the restarted worker",
        log=second.log,
    )
    # A row the kill left "sending" is sent again once stale (STALLED_AFTER), by the beat task.
    Message.objects.filter(state=Message.State.SENDING).update(
        updated_date=timezone.now() - STALLED_AFTER
    )
    send_waiting_messages.delay()
    wait_for(
        lambda: Message.objects.filter(state=Message.State.SENT).count() == 20,
        timeout=90,
        what="all twenty messages to be sent",
        log=second.log,
    )
    time.sleep(2)  # a late duplicate, if any, would arrive now

    received = [m["Message-ID"] for m in smtp.inbox.messages]
    rows = set(Message.objects.values_list("message_id", flat=True))
    assert set(received) == rows  # every message arrived, and nothing else did
    assert len(received) - len(rows) <= 2  # at most one duplicate per killed pool process
