"""Who may do what: one function per rule, for services (the acting member) and views (the
request's member).

``actor`` is the acting Membership, or None for the system (tasks, webhooks, management
commands), which may do anything. A member of another business, or an inactive one, is refused
by ``require_member`` before any other rule is asked.

Views ask the same rules of the request: ``require_business`` (no business is a 404, never
data) and ``require_owner_request`` (``require_owner`` of the request's member).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from calendar_app.models import Event
from calendar_app.tenancy.models import Business, Membership


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


def require_business(request: HttpRequest) -> Business:
    """The request's business; a user with no active membership sees a 404, never data."""
    if request.business is None:
        raise Http404("You are not a member of any business.")
    return request.business


def require_owner_request(request: HttpRequest) -> Membership:
    """The request's member, who must be an owner of its business (``require_owner``)."""
    require_business(request)
    require_owner(request.membership, "do this")
    return request.membership
