"""Moving an event from the week and day grids: a drag, a resize or a keyboard move posts here.

The move goes through the same edit services as the Edit form (``update_event``, or
``update_following`` for "this and the following"), with the revision the grid was drawn at.
The answer is a fragment of ``move.html`` for the calendar's move panel
(``static/js/calendar-drag.js``): the question a series occurrence or an event with participants
asks first, the clash warning with "Move anyway", a conflict (409), a refusal (400, 403, 503),
or the done notice with its Undo. Without scripts the same form posts as a page and lands on the
event.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from calendar_app import selectors, services
from calendar_app.capacity import booked_places
from calendar_app.errors import CalendarError, RevisionConflict
from calendar_app.forms.move import MoveForm
from calendar_app.models import Event, format_local_date
from calendar_app.selectors import EventDetails
from calendar_app.tenancy.access import may_change_event, require_business
from calendar_app.views.errors import refusal
from calendar_app.views.helpers import render_page, wants_fragment

TEMPLATE = "calendar_app/move.html"
# What the panel's form posts again: the drop itself, and (once asked) the answers.
DROP_FIELDS = ("revision", "start", "end", "resource_id", "from_resource_id")
ANSWER_FIELDS = ("series_revision", "scope", "notify", "message", "confirmed")


@require_POST
@vary_on_headers("HX-Request")
def event_move(request: HttpRequest, event_id: str) -> HttpResponse:
    """Move (or resize, or give another resource to) one event, as the grid's drop says."""
    details = selectors.event_with_details(require_business(request), event_id)
    if details is None:
        raise Http404("No such event.")
    event = details.event
    form = MoveForm(request.POST, business=request.business, event=event)
    context = {"event": event, "form": form, "move_url": request.path}
    if not form.is_valid():
        return _panel(request, context, "refused", error=form.problem(), status=400)
    error = _unmovable(request, event)
    if error is not None:
        return refusal(_panel(request, context, "refused", error=str(error)), error)
    context.update(_question(request, details, form))
    if context["asks"]:
        return _panel(request, context, "ask")
    changes = form.changes()
    if not changes:
        return _panel(request, context, "unchanged")
    clashing = _clashes(request, form)
    if clashing:
        return _panel(request, context, "clash", clashes=clashing, status=409)
    try:
        moved, series = _save(request, details, form, changes)
    except RevisionConflict as conflict:
        return _conflict(request, details, context, conflict)
    except (CalendarError, PermissionDenied) as error:
        return refusal(_panel(request, context, "refused", error=str(error)), error)
    if not wants_fragment(request):
        messages.success(request, f"“{moved.title}” was moved.")
        return redirect("calendar_app:event_detail", event_id=moved.pk)
    return _panel(request, context, "done", **_undo(form, moved, series))


def _unmovable(request: HttpRequest, event: Event) -> Exception | None:
    """Why this event cannot be moved from the grid by this member (None: it can)."""
    if not may_change_event(request.membership, event):
        return PermissionDenied("Only an owner can move a whole series or blocked time.")
    if event.is_cancelled:
        return CalendarError("A cancelled event stays where it was; restore it first.")
    if event.recurrence_type == Event.RecurrenceType.MASTER:
        return CalendarError("Move the occurrences of a series, or change its time on Edit.")
    return None


def _question(request: HttpRequest, details: EventDetails, form: MoveForm) -> dict:
    """What to ask before moving: how far (an owner moving an occurrence of a series) and
    whether to tell the participants (when places are booked). Asked once: the answer posts
    ``confirmed``."""
    data = form.cleaned_data
    offers_scope = details.master is not None and (
        request.membership is None or request.membership.is_owner
    )
    if offers_scope and data["start"].date() != form.original_span()[0].date():
        offers_scope = False  # a series keeps its weekday: another day is this occurrence only
    participants = booked_places(details.event)
    asks = not data["confirmed"] and ((offers_scope and not data["scope"]) or participants > 0)
    return {
        "asks": asks,
        "offers_scope": offers_scope,
        "participants": participants,
        "series_revision": details.master.revision if details.master else None,
    }


def _clashes(request: HttpRequest, form: MoveForm) -> list[Event]:
    """Events already holding one of the event's resources at the new time (none once the owner
    said "Move anyway"), as the forms check them."""
    data = form.cleaned_data
    if data["save_anyway"]:
        return []
    return selectors.clashes(
        request.business,
        resource_ids=data["resource_ids"],
        start_local=data["start"],
        end_local=data["end"],
        excluding=form.event.pk,
    )


def _save(
    request: HttpRequest, details: EventDetails, form: MoveForm, changes: dict
) -> tuple[Event, Event | None]:
    """Move the occurrence, or it and the following ones; the moved event to show next and,
    for the following ones, the series that now holds them."""
    data = form.cleaned_data
    options = {"notify": data["notify"], "message": data["message"]}
    if form.follows and details.master is not None:
        if data["series_revision"] is None:
            raise RevisionConflict(details.master)
        if data["start"].date() != form.original_span()[0].date():
            raise CalendarError(
                "A series keeps its weekday; move it to another day for this occurrence only."
            )
        follower = services.update_following(
            actor=request.membership,
            occurrence=details.event,
            expected_revision=data["series_revision"],
            changes=changes,
            **options,
        )
        return selectors.occurrence_after_series_edit(details.event, follower), follower
    moved = services.update_event(
        actor=request.membership,
        event=details.event,
        expected_revision=data["revision"],
        changes=changes,
        **options,
    )
    return moved, None


def _undo(form: MoveForm, moved: Event, series: Event | None) -> dict:
    """The done notice's Undo: the same move back, from the moved event's new revision."""
    data = form.cleaned_data
    start, end = form.original_span()
    return {
        "moved": moved,
        "undo": {
            "url": reverse("calendar_app:event_move", args=[moved.pk]),
            "revision": moved.revision,
            "series_revision": series.revision if series else "",
            "scope": data["scope"],
            "start": format_local_date(start)[:16],
            "end": format_local_date(end)[:16],
            "resource_id": data["from_resource_id"] if data["resource_id"] else "",
            "from_resource_id": data["resource_id"] if data["from_resource_id"] else "",
            "notify": data["notify"],
        },
    }


def _conflict(
    request: HttpRequest, details: EventDetails, context: dict, conflict: RevisionConflict
) -> HttpResponse:
    """409: someone changed the event first; nothing was written. Shows it as it is now."""
    current = conflict.current
    shown = {
        "current": current,
        "reload_url": reverse("calendar_app:event_detail", args=[details.event.pk]),
        "is_series": current.pk != details.event.pk,
    }
    return refusal(_panel(request, context, "conflict", conflict=shown), conflict)


def _panel(
    request: HttpRequest, context: dict, state: str, *, status: int = 200, **extra
) -> HttpResponse:
    """The move panel in ``state`` (its fragment for the calendar, a page without scripts),
    carrying the posted drop (and the answers, unless it asks them now) to post again."""
    names = DROP_FIELDS if state == "ask" else DROP_FIELDS + ANSWER_FIELDS
    carried = [(name, request.POST[name]) for name in names if request.POST.get(name)]
    if state == "ask" and context.get("series_revision") is not None:
        carried.append(("series_revision", context["series_revision"]))
    context = {**context, "state": state, "carried": carried, **extra}
    return render_page(request, TEMPLATE, context, fragment="panel", status=status)
