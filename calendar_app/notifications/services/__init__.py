"""Queueing notices into the outbox (in the cause's transaction) and unsubscribing.

- ``outbox``: the rows (``Notice`` → one row per recipient), their sends on commit, unsubscribe;
- ``events``: an event cancelled (occurrence, following, series, whole schedule) or moved;
- ``people``: a participation added or cancelled, an appointment booked or cancelled.
"""

from calendar_app.notifications.models import NO_EMAIL, UNSUBSCRIBED, WIX_NOTIFIES
from calendar_app.notifications.services.events import (
    queue_cancellation,
    queue_moves,
    queue_schedule_cancellation,
)
from calendar_app.notifications.services.outbox import (
    new_message_id,
    queue_sending,
    unsubscribe,
    unsubscribed_addresses,
)
from calendar_app.notifications.services.people import (
    queue_appointment_notice,
    queue_participation_notice,
)

__all__ = [
    "NO_EMAIL",
    "UNSUBSCRIBED",
    "WIX_NOTIFIES",
    "new_message_id",
    "queue_appointment_notice",
    "queue_cancellation",
    "queue_moves",
    "queue_participation_notice",
    "queue_schedule_cancellation",
    "queue_sending",
    "unsubscribe",
    "unsubscribed_addresses",
]
