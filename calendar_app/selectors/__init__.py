"""Calendar reads, by topic. Every calendar page is rendered from ``query_events``.

- ``query``: Query Events over the local store (window, filters, sort, cursor);
- ``filters``: the spec's filter language as database conditions;
- ``days``: a month grid's events per day;
- ``busy``: when resources are taken (busy times, clashes);
- ``history``: an event's audit records;
- ``event_page``: the event page object and the reads around event writes;
- ``pages``: the schedules page, bulk operations and the lists pages choose from.
"""

from calendar_app.selectors.busy import CLASHES_SHOWN, busy_times, clashes
from calendar_app.selectors.days import DayEvents, events_per_day
from calendar_app.selectors.event_page import (
    EventDetailPage,
    EventDetails,
    Reach,
    cancel_reach,
    describe_rule,
    event_detail_page,
    event_with_details,
    first_occurrence,
    has_participants,
    links_gone,
    occurrence_after_series_edit,
)
from calendar_app.selectors.filters import EventQueryError
from calendar_app.selectors.history import HISTORY_LIMIT, HistoryEntry, event_history
from calendar_app.selectors.pages import (
    SchedulesPage,
    active_schedules,
    has_unfinished_operation,
    operation_of,
    resources_for,
    schedules_for,
    schedules_page,
    unfinished_operations,
)
from calendar_app.selectors.query import (
    CURSOR_SALT,
    DEFAULT_LIMIT,
    DEFAULT_RECURRENCE_TYPES,
    MAX_LIMIT,
    NOTHING_KNOWN,
    STALE_CURSOR,
    CalendarEvent,
    EventPage,
    EventResourceRef,
    Known,
    query_events,
)

__all__ = [
    "CLASHES_SHOWN",
    "CURSOR_SALT",
    "DEFAULT_LIMIT",
    "DEFAULT_RECURRENCE_TYPES",
    "HISTORY_LIMIT",
    "MAX_LIMIT",
    "NOTHING_KNOWN",
    "STALE_CURSOR",
    "CalendarEvent",
    "DayEvents",
    "EventDetailPage",
    "EventDetails",
    "EventPage",
    "EventQueryError",
    "EventResourceRef",
    "HistoryEntry",
    "Known",
    "Reach",
    "SchedulesPage",
    "active_schedules",
    "busy_times",
    "cancel_reach",
    "clashes",
    "describe_rule",
    "event_detail_page",
    "event_history",
    "event_with_details",
    "events_per_day",
    "first_occurrence",
    "has_participants",
    "has_unfinished_operation",
    "links_gone",
    "occurrence_after_series_edit",
    "operation_of",
    "query_events",
    "resources_for",
    "schedules_for",
    "schedules_page",
    "unfinished_operations",
]
