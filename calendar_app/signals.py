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
# Sent when one write changed many events of a business at once (a schedule's cancellation), or
# an upstream's changes were applied to them (a webhook batch, a backfill or reconciliation page).
events_changed = Signal()  # kwargs: business, event_ids (list of str)
# Sent when an upstream's event changes were applied, with what each event says of its origin:
# ``events`` is a list of (event_id, app_id, external_schedule_id), so an automation can pick the
# events of the services it follows without reading the upstream's payloads.
upstream_events_applied = Signal()  # kwargs: business, events (list of tuples of str or None)
# Sent when a cancel (one occurrence, the following ones or a series) cancelled events, inside
# its transaction: ``event_ids`` are the events it cancelled, ``notify`` and ``message`` the
# owner's choice to tell their participants and the owner's own words ("" for none).
event_cancelled = Signal()  # kwargs: event, event_ids (list of str), notify (bool), message (str)
# Sent by ``update_event`` when an edit set an event's (or a series') capacity, inside the edit's
# transaction with the event locked: the participants app gives freed places to those waiting.
capacity_changed = Signal()  # kwargs: event (calendar_app.models.Event), actor (Membership|None)
# Sent by the edit services when an edit gave an event (or, for "this and the following", the
# new series) a new time, inside the edit's transaction: ``notify`` and ``message`` are the
# owner's choice to tell its participants and the owner's own words ("" for none).
event_moved = Signal()  # kwargs: event, notify (bool), message (str)
