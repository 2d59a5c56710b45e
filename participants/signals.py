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
