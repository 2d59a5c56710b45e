"""What every participant write shares: its error type, the event lock and the capacity check.

Every write locks the event row (``SELECT … FOR UPDATE``) before it counts places, so two
people filling the last place at once cannot both succeed, and a freed place goes to exactly one
person waiting; the loser gets a ``ParticipationError`` with a message meant for them.
"""

from calendar_app.backends import calendar_backend
from calendar_app.capacity import free_places
from calendar_app.errors import CalendarError
from calendar_app.models import Event
from participants.models import Participation

MAX_PARTY_SIZE = 1000


class ParticipationError(ValueError):
    """A participation write the dashboard refuses; ``field`` names the form field it concerns."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


def places(count: int) -> str:
    return f"{count} place" if count == 1 else f"{count} places"


def lock_event(event: Event) -> Event:
    """The event row, locked until the transaction ends: capacity is counted under this lock.

    Every participation write starts here, so this is where blocked time (not a class, no
    participants) and participations the backend does not let the dashboard write (those of
    Wix Bookings events) are refused for all of them.
    """
    locked = (
        Event.objects.select_for_update(of=("self",))
        .select_related("schedule", "business")
        .get(pk=event.pk)
    )
    if locked.schedule.is_blocked_time:
        raise ParticipationError("This is blocked time, not a class; it takes no participants.")
    read_only = calendar_backend(locked.business).participations_read_only_reason(event=locked)
    if read_only:
        raise ParticipationError(read_only)
    return locked


def through_backend(write):
    """Run a backend write, turning the calendar's refusals into the dashboard's error type."""
    try:
        return write()
    except CalendarError as error:
        raise ParticipationError(str(error)) from error


def check_capacity(
    event: Event, *, needed: int, excluding: Participation | None = None, doing: str = ""
) -> None:
    """Refuse when ``needed`` places do not fit next to the other active participations."""
    free = free_places(event, excluding=excluding)
    if free is None or needed <= free:
        return
    prefix = f"{doing}: " if doing else ""
    if free <= 0:
        message = f"{prefix}this event is full ({places(event.total_capacity)} taken)."
    else:
        message = f"{prefix}only {places(free)} left; this party needs {needed}."
    raise ParticipationError(message[0].upper() + message[1:], field="party_size")


def check_bookable(event: Event) -> None:
    if event.recurrence_type == Event.RecurrenceType.MASTER:
        raise ParticipationError("Participants join one occurrence of a series, not the series.")
    if event.is_cancelled:
        raise ParticipationError("This event is cancelled; it takes no participants.")
