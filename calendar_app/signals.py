"""Signals of the calendar, for what keeps itself in step with events (conferencing).

``event_changed`` is sent by the calendar and participant services after a local write to an
event (created, edited, cancelled, restored, a participant added or changed), inside the
write's transaction; ``event`` is the row as written. ``occurrences_created`` is sent when the
events view rolls forward, with the ids of the occurrences it made; ``events_changed`` when one
write changed many events at once (a schedule's cancel), with their ids. A receiver that queues work
does it on commit, so a rolled-back write queues nothing.
"""

from django.dispatch import Signal

event_changed = Signal()  # kwargs: event (calendar_app.models.Event)
# Sent when the events view rolled forward and made new occurrences of a business's series.
occurrences_created = Signal()  # kwargs: business, event_ids (list of str)
# Sent when one write changed many events of a business at once (a schedule's cancellation).
events_changed = Signal()  # kwargs: business, event_ids (list of str)
