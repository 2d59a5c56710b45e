"""Signals of the participants app, for what tells people of their places (notifications).

Each is sent inside the write's transaction, so a receiver that queues work queues it with the
write or not at all.
"""

from django.dispatch import Signal

# Sent when a participation was added by staff, or given to someone waiting (``promoted`` True),
# with the row as written: the person gets a confirmation unless ``notify`` is False.
participation_added = Signal()  # kwargs: participation, promoted (bool), notify (bool)
# Sent when staff cancelled a participation, with the row as written: the person is told.
participation_cancelled = Signal()  # kwargs: participation (Participation)
# Sent by an upstream's apply code (a Wix webhook, backfill) when it cancelled an active
# participation or made its party smaller, inside the apply's transaction with the event locked:
# the freed places go to those waiting. ``participation`` is the row as written, ``cancelled``
# says which of the two it was, ``name`` is the participant's name before the change.
upstream_places_freed = Signal()  # kwargs: participation, cancelled (bool), name (str)
