"""What the owner and staff do on the Outbox page: send a failed message again."""

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from calendar_app.notifications.models import Message
from calendar_app.notifications.tasks import send_message
from calendar_app.tenancy.models import Business


@transaction.atomic
def retry_failed(*, business: Business, message_pk: int) -> bool:
    """Put one failed message of the business back in the queue and queue its send once the
    change commits; False when it is not failed (a second click, or it was sent or skipped),
    so a sent message is never sent again. Another business's message is a 404."""
    rows = Message.objects.filter(pk=message_pk, business=business)
    if not rows.exists():
        raise Http404("No such message.")
    changed = rows.filter(state=Message.State.FAILED).update(
        state=Message.State.QUEUED, reason="sent again by hand", updated_date=timezone.now()
    )
    if changed:
        transaction.on_commit(lambda: send_message.delay(message_pk))
    return bool(changed)
