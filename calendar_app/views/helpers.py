"""Small helpers shared by the calendar views: lookups in the current business that raise 404,
and the page-or-fragment answer every HTMX-aware view gives. Who may do what is asked of
``calendar_app.tenancy.access``."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django_htmx.http import HttpResponseClientRedirect

from calendar_app.models import Event, Schedule
from calendar_app.tenancy.access import require_business


def get_event(request: HttpRequest, event_id: str) -> Event:
    """An event of the current business (another business's id is a 404)."""
    return get_object_or_404(
        Event.objects.select_related("schedule", "business"),
        business=require_business(request),
        pk=event_id,
        removed_date__isnull=True,
    )


def get_schedule(request: HttpRequest, schedule_id: str) -> Schedule:
    """A schedule of the current business (another business's id is a 404)."""
    return get_object_or_404(
        Schedule.objects.select_related("business"),
        business=require_business(request),
        pk=schedule_id,
    )


def wants_fragment(request: HttpRequest) -> bool:
    """HTMX asked for a piece of the page (a history restore wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(
    request: HttpRequest, template: str, context: dict, *, fragment: str, status: int = 200
) -> HttpResponse:
    """``template#fragment`` for HTMX, the whole page otherwise (the view sends the Vary)."""
    name = f"{template}#{fragment}" if wants_fragment(request) else template
    return render(request, name, context, status=status)


def redirect_page(request: HttpRequest, url: str) -> HttpResponse:
    """A whole-page navigation: ``HX-Redirect`` for HTMX, a 302 otherwise."""
    return HttpResponseClientRedirect(url) if wants_fragment(request) else redirect(url)
