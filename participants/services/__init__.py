"""Participant writes: participations, the waitlist and attendance, each under the event lock."""

from calendar_app.errors import RevisionConflict
from participants.services.attendance import (
    check_in_everyone,
    mark_attendance,
    mark_not_recorded,
)
from participants.services.locking import MAX_PARTY_SIZE, ParticipationError
from participants.services.participations import (
    EDITABLE_FIELDS,
    add_participation,
    cancel_participation,
    restore_participation,
    update_participation,
)
from participants.services.waitlist import (
    give_place,
    join_waitlist,
    move_waitlist_entry,
    promote_waiting,
    remove_from_waitlist,
    set_waitlist_setting,
)

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_PARTY_SIZE",
    "ParticipationError",
    "RevisionConflict",
    "add_participation",
    "cancel_participation",
    "check_in_everyone",
    "give_place",
    "join_waitlist",
    "mark_attendance",
    "mark_not_recorded",
    "move_waitlist_entry",
    "promote_waiting",
    "remove_from_waitlist",
    "restore_participation",
    "set_waitlist_setting",
    "update_participation",
]
