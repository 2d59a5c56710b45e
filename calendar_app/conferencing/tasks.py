"""The conferencing task: make sure one meeting exists for an event and its links are written.

Idempotent (a repeat finds the meeting in step and does nothing), acknowledged late and
re-queued when its worker dies; a provider or calendar that is unreachable, rate-limiting or
failing is retried with exponential backoff and jitter, a bounded number of times. What still
fails is marked failed on the meeting, with the reason, for the event page.
"""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from calendar_app.conferencing.providers import ProviderUnavailable
from calendar_app.conferencing.services import meetings


class MeetingTask(DjangoTask):
    def on_failure(self, exc, _task_id, args, kwargs, _einfo):
        meetings.mark_failed(event_id=args[0], error=str(exc))


@shared_task(
    base=MeetingTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ProviderUnavailable,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def ensure_meeting(event_id: str) -> str:
    """Ensure the meeting of one event (created, updated, deleted or left as it is)."""
    return meetings.ensure_meeting(event_id=event_id)
