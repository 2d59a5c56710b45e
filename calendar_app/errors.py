"""The calendar's one error taxonomy: each refusal knows what it means to the person who asked.

Services and backends raise these; views, HTMX fragments and APIs turn them into responses in one
place each, by ``http_status`` (and ``retry_after`` where an outage says when to try again).
An upstream raises ``CalendarUnavailable`` for an outage, so no caller inspects another
package's exception types.
"""


class RevisionConflict(Exception):
    """An update based on a stale revision: nothing was written. ``current`` is the fresh row."""

    http_status = 409

    def __init__(self, current):
        self.current = current
        super().__init__(f"{type(current).__name__} {current.pk} changed since it was read")


class CalendarError(ValueError):
    """A write the calendar refuses; the message is meant for the person who asked."""

    http_status = 400


class CapacityError(CalendarError):
    """A capacity below the places already booked (on the event or on one of its occurrences)."""


class CalendarUnavailable(CalendarError):
    """The calendar's upstream could not be reached (or answered 5xx): nothing was changed."""

    http_status = 503
    default_message = "The calendar service is not reachable; nothing was changed."

    def __init__(self, message: str = "", *, retry_after: int | None = None):
        self.retry_after = retry_after
        super().__init__(message or self.default_message)
