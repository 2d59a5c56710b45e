"""Where calendar writes go. Services call ``calendar_backend(business)`` and never ask which one.

- ``protocol``: the ``CalendarBackend`` Protocol, ``Scope`` and the editable field lists;
- ``revisions``: the one revision check and write;
- ``local``: ``LocalCalendarBackend``, the embedded default, with ``materialize`` (instance rows,
  the events view end), ``series`` (a series' edits reaching its occurrences) and ``fields``;
- ``registry``: ``calendar_backend(business)``, which upstreams fill from ``AppConfig.ready()``.
"""

from calendar_app.backends.local import LocalCalendarBackend
from calendar_app.backends.materialize import (
    MATERIALIZED_FIELDS,
    events_view_end,
    instance_id,
    materialize_instances,
)
from calendar_app.backends.protocol import (
    EDITABLE_ATTRIBUTES,
    FIELD_OF_ATTRIBUTE,
    INHERITABLE_FIELDS,
    SCHEDULE_EDITABLE_ATTRIBUTES,
    CalendarBackend,
    ParticipantNotification,
    Scope,
    refuse_uneditable,
)
from calendar_app.backends.registry import calendar_backend, register_calendar_backend
from calendar_app.backends.revisions import (
    bump_revision,
    check_revision,
    locked_current,
    stored_current,
)

__all__ = [
    "EDITABLE_ATTRIBUTES",
    "FIELD_OF_ATTRIBUTE",
    "INHERITABLE_FIELDS",
    "MATERIALIZED_FIELDS",
    "SCHEDULE_EDITABLE_ATTRIBUTES",
    "CalendarBackend",
    "LocalCalendarBackend",
    "ParticipantNotification",
    "Scope",
    "bump_revision",
    "calendar_backend",
    "check_revision",
    "events_view_end",
    "instance_id",
    "locked_current",
    "materialize_instances",
    "refuse_uneditable",
    "register_calendar_backend",
    "stored_current",
]
