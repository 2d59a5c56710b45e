"""Who may do what, for every service that changes data: one function per rule.

``actor`` is the acting Membership, or None for the system (tasks, webhooks, management
commands), which may do anything. A member of another business, or an inactive one, is refused
by ``require_member`` before any other rule is asked.
"""

from django.core.exceptions import PermissionDenied

from calendar_app.models import Event, Membership


def require_member(
    actor: Membership | None, business_id: int, *, what: str = "act on behalf"
) -> None:
    """The actor belongs to the business (and is active); the system (None) always does."""
    if actor is not None and (actor.business_id != business_id or not actor.is_active):
        raise PermissionDenied(f"You cannot {what} of this business.")


def require_owner(actor: Membership | None, what: str, *, business_id: int | None = None) -> None:
    """Owners only; the system (``None``) may do anything. With ``business_id``, the owner must
    be one of that business (``require_member`` first)."""
    if business_id is not None:
        require_member(actor, business_id, what=what)
    if actor is not None and not actor.is_owner:
        raise PermissionDenied(f"Only an owner can {what}.")


def may_change_event(actor: Membership | None, event: Event) -> bool:
    """Staff change one-off events and single occurrences; a series and blocked time are owners'."""
    if actor is None or actor.is_owner:
        return True
    return not (
        event.recurrence_type == Event.RecurrenceType.MASTER or event.schedule.is_blocked_time
    )


def require_may_change_event(
    actor: Membership | None, event: Event, *, whole_series: bool = False
) -> None:
    """``may_change_event`` as a check that raises (a whole-series change is an owner's)."""
    require_member(actor, event.business_id, what="change events")
    if whole_series or not may_change_event(actor, event):
        require_owner(actor, "change a whole series or blocked time")
