"""The local slot engine and the validation rules of the local appointment backend.

A slot of an appointment is free when, at once, one resource of each required set (one of the
staff; one of the rooms and one of the equipment when the appointment names any) works across the
whole slot and is held by nothing across the slot plus its buffers. Holds are active bookings
(their own table, buffers included) and OPAQUE calendar events (classes, blocked time).

Everything for a window is read once (``window``: a constant number of queries), then computed
in Python on sorted, merged intervals of epoch seconds (``intervals``). Candidate starts are
expanded in wall-clock time on a grid counted from local midnight (``grid``), then given the
business's zone, so 09:00 stays 09:00 across DST; a start that does not exist on the clock (a
spring-forward gap) is no candidate. ``validation`` holds the rules a booking must pass.
"""

from bookings.slots.base import BOOKINGS_APP_ID, MAX_DAYS_AHEAD, Candidate, Instructor, Slot
from bookings.slots.grid import compute_slots, scan, window_days
from bookings.slots.validation import Verdict, usable_contingent, validate_slot
from bookings.slots.window import required_resources

__all__ = [
    "BOOKINGS_APP_ID",
    "MAX_DAYS_AHEAD",
    "Candidate",
    "Instructor",
    "Slot",
    "Verdict",
    "compute_slots",
    "required_resources",
    "scan",
    "usable_contingent",
    "validate_slot",
    "window_days",
]
