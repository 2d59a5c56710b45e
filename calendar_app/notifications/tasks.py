"""The sending task (acknowledged late, retried with backoff while the mail server is down)
and the beat task that re-queues what is still waiting."""

from celery import shared_task
from django.utils import timezone

from calendar_app.notifications.models import Message
from calendar_app.notifications.reminders import queue_reminders
from calendar_app.notifications.sending import STALLED_AFTER, TemporarySendError, send_one


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TemporarySendError,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    ignore_result=True,
)
def send_message(message_id: int) -> str:
    """Send one outbox row (a repeat finds it sent and does nothing)."""
    return send_one(message_id=message_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_messages(message_pks: list[int]) -> int:
    """Queue a send task for each row: the worker publishes them, so the request that wrote a
    class's notices publishes one task, not one per participant. Run twice (a worker killed
    mid-way), it queues some sends twice; each row's claim still sends it once."""
    for pk in message_pks:
        send_message.delay(pk)
    return len(message_pks)


@shared_task
def send_waiting_messages() -> int:
    """Queue a send for each row still queued (its retries ran out while the mail server was
    down) or left sending by a dead worker, some minutes after its last try."""
    stalled = Message.objects.filter(
        state__in=[Message.State.QUEUED, Message.State.SENDING],
        updated_date__lt=timezone.now() - STALLED_AFTER,
    ).values_list("pk", flat=True)
    ids = list(stalled[:1000])
    for pk in ids:
        send_message.delay(pk)
    return len(ids)


@shared_task
def queue_due_reminders() -> int:
    """Write the reminders now due (``reminders.queue_reminders``) and queue their sends."""
    message_ids = queue_reminders(now=timezone.now())
    queued = Message.objects.filter(message_id__in=message_ids, state=Message.State.QUEUED)
    pks = list(queued.values_list("pk", flat=True))
    if pks:
        send_messages.delay(pks)
    return len(pks)
