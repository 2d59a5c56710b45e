"""Calendar writes, by topic: each checks its actor (``calendar_app.tenancy.access``), writes
through the business's backend and records the audit in the same transaction.

The public names are re-exported here, so ``from calendar_app import services`` then
``services.cancel_event(...)`` works whatever module a service lives in.
"""

from calendar_app.services.blocked_time import block_time
from calendar_app.services.bulk import (
    fail_bulk_operation,
    requeue_stalled_operations,
    run_bulk_operation,
)
from calendar_app.services.events import (
    SERIES_MAX_DAYS_IN_PAST,
    cancel_event,
    create_event,
    restore_event,
    update_event,
)
from calendar_app.services.schedules import (
    cancel_schedule,
    create_schedule,
    restore_schedule,
    update_schedule,
)
from calendar_app.services.series import create_weekly_events, extend_events_view, update_following

__all__ = [
    "SERIES_MAX_DAYS_IN_PAST",
    "block_time",
    "cancel_event",
    "cancel_schedule",
    "create_event",
    "create_schedule",
    "create_weekly_events",
    "extend_events_view",
    "fail_bulk_operation",
    "requeue_stalled_operations",
    "restore_event",
    "restore_schedule",
    "run_bulk_operation",
    "update_event",
    "update_following",
    "update_schedule",
]
