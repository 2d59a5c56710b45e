"""Conferencing automation: which events get a meeting, and keeping each meeting in step.

- ``triggers``: what queues the meeting task (calendar signals, Wix deliveries and pages);
- ``meetings``: ``ensure_meeting``, one meeting per live event, its links written back;
- ``owner``: the owner's settings (automations, Google credentials).
"""

from calendar_app.conferencing.services.meetings import (
    WriteBackUnavailable,
    ensure_meeting,
    mark_failed,
)
from calendar_app.conferencing.services.owner import save_google_credentials, set_automation
from calendar_app.conferencing.services.triggers import (
    event_changed,
    request_meetings,
    upstream_events_applied,
)

__all__ = [
    "WriteBackUnavailable",
    "ensure_meeting",
    "event_changed",
    "mark_failed",
    "request_meetings",
    "save_google_credentials",
    "set_automation",
    "upstream_events_applied",
]
