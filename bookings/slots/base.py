"""What the slot engine answers: free slots and grid candidates, with the staff for each."""

from dataclasses import dataclass
from datetime import datetime

BOOKINGS_APP_ID = "bookings"
MAX_DAYS_AHEAD = 6


@dataclass(frozen=True)
class Instructor:
    id: str
    name: str


@dataclass(frozen=True)
class Slot:
    """A free slot: instants in the business's zone, the staff who can take it (by name).

    ``token`` is an upstream's opaque, signed reference to the slot as it sent it (Magicline:
    its exact date-time strings), handed back on validate and book; empty for the local engine.
    """

    start: datetime
    end: datetime
    instructors: tuple[Instructor, ...]
    token: str = ""


@dataclass(frozen=True)
class Candidate:
    """A start on the grid of a day; ``free`` when it can be booked (locally: some staff can
    take it; for an upstream: it listed the slot, whether or not it names instructors)."""

    start: datetime
    end: datetime
    instructors: tuple[Instructor, ...]
    free: bool
    token: str = ""
