"""Hooks the calendar core calls and optional apps fill from their ``AppConfig.ready()``.

The core never imports conferencing (or any other optional app): it asks a hook, and the app
that knows the answer registers itself. With nothing registered, each hook gives its default,
which is what the core would do on its own.
"""

from collections.abc import Callable
from typing import Any


class Hook:
    """One named extension point: at most one implementation, a default otherwise."""

    def __init__(self, name: str, default: Callable[..., Any]):
        self.name = name
        self._default = default
        self._implementation: Callable[..., Any] | None = None

    def register(self, implementation: Callable[..., Any]) -> Callable[..., Any]:
        """Install ``implementation`` (usable as a decorator); a second app may not replace it."""
        if self._implementation not in (None, implementation):
            raise RuntimeError(f"The hook {self.name} is already implemented.")
        self._implementation = implementation
        return implementation

    def __call__(self, *args, **kwargs):
        return (self._implementation or self._default)(*args, **kwargs)


# The conferencing details of one loaded event as pages may show them (the stored links unless
# an app knows better, e.g. that a cancelled event's automated meeting is gone).
event_conferencing = Hook("event_conferencing", lambda event: event.conferencing_details)

# The meeting an app made for the event, shown on the event page (None: no such app or meeting).
event_meeting = Hook("event_meeting", lambda event: None)

# Of the given events (a queryset), the ids whose links a cancellation must clear because an
# app wrote them (one query); the core clears nothing by itself.
links_to_forget_on_cancel = Hook("links_to_forget_on_cancel", lambda events: [])

# The appId an upstream gives the schedules and events of its booking services (Wix Bookings),
# for apps that follow booked services; None when no such upstream is installed.
bookings_app_id = Hook("bookings_app_id", lambda: None)

# Who was told of the event's changes, as one line for the event page (None: nothing to say).
event_notices = Hook("event_notices", lambda event: None)

# The messages about the event, newest first, for the event page and the participant dashboard
# (each with name, email, kind and its label, state and its label, reason, created and sent
# dates; one query); empty without an app that sends them.
event_messages = Hook("event_messages", lambda event: [])
# The messages sent to one person of a business (to their participations, or to their
# addresses), newest first, at most ``limit``: dicts with subject, kind, state, email and date
# (the customer page); empty when no outbox is installed.
person_messages = Hook("person_messages", lambda *, business, participation_ids, emails, limit: [])

# A person's erase: the messages to them lose address, name and text; returns how many.
erase_person_messages = Hook(
    "erase_person_messages", lambda *, business, participation_ids, emails: 0
)

# A person's erase: an upstream anonymises every copy it keeps of these local customers (the
# Magicline purge: the same member in every studio) and returns the ids of the local customers
# it anonymised; the core anonymises the others itself.
erase_customer_copies = Hook("erase_customer_copies", lambda *, customer_ids: [])

# A person's erase: an upstream blanks the personal data of the copies it keeps of these
# participations (the participations stay, so counts stay), without calling it inside the
# erase's transaction (a task after the commit, retried); returns how many copies it will reach.
erase_participation_copies = Hook(
    "erase_participation_copies", lambda *, business, participation_ids: 0
)
