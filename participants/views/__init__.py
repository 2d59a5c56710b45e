"""The participant dashboard's views: the list and its rows, the waitlist, attendance."""

from participants.views.attendance import check_in_everyone, participation_attendance
from participants.views.dashboard import (
    dashboard,
    export_csv,
    participation_add,
    participation_cancel,
    participation_edit,
    participation_restore,
    participation_row,
)
from participants.views.waitlist import (
    waitlist_give,
    waitlist_join,
    waitlist_move,
    waitlist_remove,
    waitlist_rules,
)

__all__ = [
    "check_in_everyone",
    "dashboard",
    "export_csv",
    "participation_add",
    "participation_attendance",
    "participation_cancel",
    "participation_edit",
    "participation_restore",
    "participation_row",
    "waitlist_give",
    "waitlist_join",
    "waitlist_move",
    "waitlist_remove",
    "waitlist_rules",
]
