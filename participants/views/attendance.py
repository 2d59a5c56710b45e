"""Attendance on the participant dashboard: check in, no-show, undo, and check in everyone."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from calendar_app.views.errors import refusal
from calendar_app.views.helpers import wants_fragment
from participants import selectors, services
from participants.forms import AttendanceForm
from participants.services import ParticipationError
from participants.views.dashboard import (
    dashboard_event,
    dashboard_url,
    participation_of,
    render_fragment,
    row_done,
    row_in_state,
    vary_on_htmx,
)

NOTES = {"CHECKED_IN": "Checked in", "NO_SHOW": "Marked as a no-show:", "": "Cleared the mark of"}


@require_POST
@vary_on_htmx
def participation_attendance(request: HttpRequest, event_id: str, participation_id: str):
    """Mark one participant as checked in or a no-show; an empty value undoes the mark."""
    event = dashboard_event(request, event_id)
    participation = participation_of(request, event, participation_id)
    row = selectors.participation_row(participation)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        return row_in_state(
            request, event, row.shown(error="Choose checked in or no-show."), status=400
        )
    attendance = form.cleaned_data["attendance"]
    try:
        updated = services.mark_attendance(
            actor=request.membership, participation=participation, attendance=attendance
        )
    except ParticipationError as error:
        return refusal(row_in_state(request, event, row.shown(error=str(error))), error)
    updated.event = event
    return row_done(request, event, updated, f"{NOTES[attendance]} {updated.name}.")


@require_POST
@vary_on_htmx
def check_in_everyone(request: HttpRequest, event_id: str) -> HttpResponse:
    """Check in every participant not marked yet."""
    event = dashboard_event(request, event_id)
    count = services.check_in_everyone(actor=request.membership, event=event)
    note = f"Checked in {count} participant{'s' if count != 1 else ''}."
    if not wants_fragment(request):
        messages.success(request, note)
        return redirect(dashboard_url(event))
    listing = selectors.participant_list(event, search=request.POST.get("q", "").strip())
    context = {
        "event": event,
        "search": listing.search,
        "rows": listing.rows,
        "participations": listing.participations,
        "status_message": note,
        "oob": True,
    }
    return render_fragment(request, "checked_in_everyone", context)
