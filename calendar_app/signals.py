"""Signals of the calendar, for what keeps itself in step with events (conferencing).

``event_changed`` is sent by the calendar and participant services after a local write to an
event (created, edited, cancelled, restored, a participant added or changed), inside the
write's transaction; ``event`` is the row as written. A receiver that queues work does it on
commit, so a rolled-back write queues nothing.
"""

from django.dispatch import Signal

event_changed = Signal()  # kwargs: event (calendar_app.models.Event)
