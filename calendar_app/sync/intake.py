"""What every webhook intake does when the sync's own infrastructure fails under it.

- The database is unreachable (Django's ``OperationalError`` or ``InterfaceError``: the server
  down, refusing connections, or the connection dropped mid-request): the delivery was not
  stored (its one ``INSERT`` either committed or did not happen), so the sender must send it
  again. The intake answers ``DATABASE_DOWN_STATUS`` (503) with ``DATABASE_DOWN``; senders retry
  a 503 (Wix and Magicline both do). Each intake maps it in its own one answering place.
- Redis is unreachable once the delivery is stored: the delivery is safe in the database, so the
  request still succeeds; its task is queued with ``queue_after_commit``, which logs the broker
  error instead of failing, and the beat's ``requeue_stalled_deliveries`` queues it later.
"""

from collections.abc import Callable

from django.db import transaction

from calendar_app.sync.deliveries import DATABASE_ERRORS

__all__ = ["DATABASE_DOWN", "DATABASE_DOWN_STATUS", "DATABASE_ERRORS", "queue_after_commit"]

DATABASE_DOWN_STATUS = 503
DATABASE_DOWN = (
    "The database is unreachable right now, so this delivery was not stored; "
    "please send it again in a minute."
)
RETRY_AFTER_SECONDS = 30


def queue_after_commit(send: Callable[[], object]) -> None:
    """Queue a stored delivery's task once its row is committed (at once in autocommit).

    A broker that is down (Redis restarting, unreachable) is logged and otherwise ignored: the
    delivery is stored and still waiting, and the beat's stalled-delivery sweep queues it, so
    the sender is not made to send again what is already safe.
    """
    transaction.on_commit(send, robust=True)
