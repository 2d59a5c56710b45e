"""Small helpers shared by the calendar views: tenancy lookups that raise 404, roles."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from calendar_app.models import Event, Schedule


def require_business(request: HttpRequest):
    """The current business; a user with no active membership sees a 404, never data."""
    if request.business is None:
        raise Http404("You are not a member of any business.")
    return request.business


def require_owner(request: HttpRequest) -> None:
    require_business(request)
    if not request.membership.is_owner:
        raise PermissionDenied("Only an owner can do this.")


def get_event(request: HttpRequest, event_id: str) -> Event:
    """An event of the current business (another business's id is a 404)."""
    return get_object_or_404(
        Event.objects.select_related("schedule", "business"),
        business=require_business(request),
        pk=event_id,
        removed_date__isnull=True,
    )


def get_schedule(request: HttpRequest, schedule_id: str) -> Schedule:
    return get_object_or_404(Schedule, business=require_business(request), pk=schedule_id)
