"""The Waitlist section of the participant dashboard: join, remove, move up, give the place.

Each action answers HTMX with the section (and the capacity, the status line, and any row a
given place added, out of band) and a plain POST with a redirect, or with the whole page showing
the refusal, so it works without JavaScript.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from calendar_app.models import Event
from calendar_app.views.errors import refusal
from calendar_app.views.helpers import wants_fragment
from participants import selectors, services
from participants.forms import MoveForm, WaitlistEntryForm, WaitlistJoinForm, WaitlistSettingForm
from participants.models import WaitlistEntry
from participants.services import ParticipationError
from participants.views.dashboard import (
    dashboard_event,
    dashboard_url,
    render_fragment,
    render_page,
    vary_on_htmx,
)


@require_POST
@vary_on_htmx
def waitlist_join(request: HttpRequest, event_id: str) -> HttpResponse:
    """Put someone on the waitlist of a full event."""
    event = dashboard_event(request, event_id)
    form = WaitlistJoinForm(request.POST)
    if not form.is_valid():
        return _waitlist(request, event, form=form, status=400)
    try:
        entry = services.join_waitlist(actor=request.membership, event=event, **form.cleaned_data)
    except ParticipationError as error:
        form.add_error(error.field, str(error))
        return refusal(_waitlist(request, event, form=form), error)
    return _done(request, event, f"Added {selectors.who(entry)} to the waitlist.")


@require_POST
@vary_on_htmx
def waitlist_remove(request: HttpRequest, event_id: str) -> HttpResponse:
    """Take someone off the waitlist."""
    return _entry_action(request, event_id, services.remove_from_waitlist, "Removed")


@require_POST
@vary_on_htmx
def waitlist_move(request: HttpRequest, event_id: str) -> HttpResponse:
    """Move someone to another position (``to_position``), or one place up without it."""
    form = MoveForm(request.POST)
    to_position = form.cleaned_data["to_position"] if form.is_valid() else None

    def move(*, actor, entry):
        position = selectors.rank_of(entry) - 1 if to_position is None else to_position
        return services.move_waitlist_entry(actor=actor, entry=entry, to_position=position)

    return _entry_action(request, event_id, move, "Moved")


@require_POST
@vary_on_htmx
def waitlist_give(request: HttpRequest, event_id: str) -> HttpResponse:
    """Give a free place to someone waiting (the schedule offers freed places to staff)."""
    return _entry_action(request, event_id, services.give_place, "Gave the place to")


@require_POST
@vary_on_htmx
def waitlist_rules(request: HttpRequest, event_id: str) -> HttpResponse:
    """Owners set the waitlist rules of the event's schedule (limit, how a place is given)."""
    event = dashboard_event(request, event_id)
    form = WaitlistSettingForm(request.POST)
    if not form.is_valid():
        return _waitlist(request, event, error="Enter a limit of 0 or more, or none.", status=400)
    services.set_waitlist_setting(
        actor=request.membership, schedule=event.schedule, **form.cleaned_data
    )
    return _done(request, event, f"Saved the waitlist rules of {event.schedule.name}.")


def _entry_action(request: HttpRequest, event_id: str, action, verb: str):
    """An action on the person waiting named by the body's ``entry`` (another event's or
    business's is a 404)."""
    event = dashboard_event(request, event_id)
    form = WaitlistEntryForm(request.POST)
    if not form.is_valid():
        raise Http404("No such person waiting.")
    entry = get_object_or_404(
        WaitlistEntry, business=request.business, event=event, pk=form.cleaned_data["entry"]
    )
    entry.event = event
    waiting = [entry.pk]
    try:
        action(actor=request.membership, entry=entry)
    except ParticipationError as error:
        return refusal(_waitlist(request, event, error=str(error)), error)
    return _done(request, event, f"{verb} {selectors.who(entry)}.", waiting_before=waiting)


def _waitlist(
    request: HttpRequest,
    event: Event,
    *,
    form: WaitlistJoinForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The section showing a refusal: the fragment, or the whole page."""
    extra = {"waitlist_form": form or WaitlistJoinForm(), "waitlist_error": error}
    if not wants_fragment(request):
        return render_page(request, event, status=status, extra=extra)
    context = {
        "event": event,
        "waitlist": selectors.waitlist(event),
        "capacity": selectors.event_capacity(event),
        **extra,
    }
    return render_fragment(request, "waitlist", context, status=status)


def _done(
    request: HttpRequest, event: Event, note: str, *, waiting_before: list[str] | None = None
) -> HttpResponse:
    """After a change: the section, capacity, status line and any promoted rows (HTMX), or the
    dashboard."""
    if not wants_fragment(request):
        messages.success(request, note)
        return redirect(f"{dashboard_url(event)}#waitlist")
    context = {
        "event": event,
        "waitlist": selectors.waitlist(event),
        "waitlist_form": WaitlistJoinForm(),
        "capacity": selectors.event_capacity(event),
        "promoted": selectors.promoted_from(waiting_before or []),
        "status_message": note,
        "oob": True,
    }
    return render_fragment(request, "waitlist_response", context)
