"""Event detail and event actions: edit, cancel and restore (one occurrence or the series),
create events, block time.

Every URL answers an HTMX request with a partial of its page (``page.html#fragment``) and a
plain request with the whole page or a redirect, so each action works without JavaScript.
Refusals are shown where they happen and answered with their status by ``views.errors``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from bookings.selectors import booking_clashes
from calendar_app import extensions, selectors, services
from calendar_app.backends import Scope
from calendar_app.errors import CalendarError, CapacityError, RevisionConflict
from calendar_app.forms import (
    BlockTimeForm,
    EventActionForm,
    EventCreateForm,
    EventEditForm,
    create_initial,
)
from calendar_app.forms.events import EventCancelForm
from calendar_app.models import Event
from calendar_app.selectors import EventDetails, describe_rule
from calendar_app.tenancy.access import may_change_event, require_business, require_owner_request
from calendar_app.views.errors import refusal, refused
from calendar_app.views.helpers import redirect_page, render_page, wants_fragment

DETAIL = "calendar_app/event_detail.html"
FORM = "calendar_app/event_form.html"
BLOCK_TIME = "calendar_app/block_time.html"
CONFLICT = f"{DETAIL}#conflict"


# Event detail ----------------------------------------------------------------------------------


@require_safe
@vary_on_headers("HX-Request")
def event_detail(request: HttpRequest, event_id: str) -> HttpResponse:
    """One event with its time, series, place, resources, capacity and the actions allowed."""
    details = _load_event(request, event_id)
    return render_page(request, DETAIL, _detail_context(request, details), fragment="event")


@require_POST
@vary_on_headers("HX-Request")
def event_cancel(request: HttpRequest, event_id: str) -> HttpResponse:
    """Cancel this occurrence, or (owners) this and the following ones, or the whole series."""
    return _status_action(
        request, event_id, services.cancel_event, "cancelled", form_class=EventCancelForm
    )


@require_POST
@vary_on_headers("HX-Request")
def event_restore(request: HttpRequest, event_id: str) -> HttpResponse:
    """Undo a cancellation with the same three reaches as cancelling."""
    return _status_action(request, event_id, services.restore_event, "restored")


def _status_action(
    request: HttpRequest, event_id: str, action, done: str, *, form_class=EventActionForm
) -> HttpResponse:
    details = _changeable_event(request, event_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _summary(request, details, status=400, error=form.problem())
    try:
        action(
            actor=request.membership,
            event=details.event,
            expected_revision=form.cleaned_data["revision"],
            scope=form.scope_value,
            **form.action_options(),
        )
    except RevisionConflict as conflict:
        return _conflict(request, details, conflict, reload_url=_detail_url(details.event))
    except CalendarError as error:
        context = _detail_context(request, details, error=str(error))
        return refused(request, DETAIL, context, fragment="summary", error=error)
    notice = f"{_what_changed(details.event, form.scope_value)} was {done}."
    if wants_fragment(request):
        return _summary(request, _load_event(request, event_id), notice=notice)
    messages.success(request, notice)
    return redirect(_detail_url(details.event))


# Edit ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def event_edit(request: HttpRequest, event_id: str) -> HttpResponse:
    """Edit title, time, place, capacity, resources, conferencing and notes.

    An owner editing an occurrence chooses this occurrence or the whole series; staff edit
    only the occurrence. A save based on a stale revision is a 409 that overwrites nothing.
    """
    details = _changeable_event(request, event_id)
    form = EventEditForm(
        request.POST if request.method == "POST" else None,
        business=request.business,
        event=details.event,
        master=details.master,
        notify_default=selectors.has_participants(details.event),
    )
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, details, status=200 if request.method == "GET" else 400)
    series_wide = form.applies_to_series or form.applies_to_following
    clashing = [] if series_wide else _clashes(request, form, excluding=event_id)
    if clashing:
        return _form_page(request, form, details, clashes=clashing, status=409)
    try:
        saved = _save_edit(request, form)
    except RevisionConflict as conflict:
        reload_url = reverse("calendar_app:event_edit", args=[event_id])
        return _conflict(request, details, conflict, reload_url=reload_url, form=form)
    except CalendarError as error:
        form.add_error("capacity" if isinstance(error, CapacityError) else None, str(error))
        return refusal(_form_page(request, form, details), error)
    return _done(request, saved, f"“{saved.title}” was saved.")


def _save_edit(request: HttpRequest, form: EventEditForm) -> Event:
    """Apply the edit to the occurrence, to the series from it on, or to the MASTER; returns
    the event to show next. With nothing changed, only the revision is checked."""
    event, master = form.event, form.master
    if form.applies_to_following:
        return _save_following(request, form)
    if form.applies_to_series:
        target, expected = master, form.cleaned_data["series_revision"]
        changes = form.series_changes()
    else:
        target, expected, changes = event, form.cleaned_data["revision"], form.changes()
    if not changes:
        if target.revision != expected:
            raise RevisionConflict(target)
        return event
    updated = services.update_event(
        actor=request.membership,
        event=target,
        expected_revision=expected,
        changes=changes,
        **form.notify_options(),
    )
    if target is event:
        return updated
    return selectors.occurrence_after_series_edit(event, updated)


def _save_following(request: HttpRequest, form: EventEditForm) -> Event:
    """Apply the edit to this occurrence and the following ones (a new series from here)."""
    event, expected, changes = form.event, form.cleaned_data["series_revision"], form.changes()
    if not changes:
        if form.master.revision != expected:
            raise RevisionConflict(form.master)
        return event
    follower = services.update_following(
        actor=request.membership,
        occurrence=event,
        expected_revision=expected,
        changes=changes,
        **form.notify_options(),
    )
    return selectors.occurrence_after_series_edit(event, follower)


# Create ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def event_create(request: HttpRequest) -> HttpResponse:
    """A one-off event, or a weekly series (one MASTER per ticked weekday).

    ``?start=YYYY-MM-DDTHH:MM`` (a click on the calendar) and ``?schedule=<id>`` pre-fill it.
    """
    business = require_business(request)
    if request.method == "GET":
        initial = create_initial(
            start=request.GET.get("start"), schedule=request.GET.get("schedule")
        )
        return _form_page(request, EventCreateForm(business=business, initial=initial))
    form = EventCreateForm(request.POST, business=business)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    clashing = _clashes(request, form)
    if clashing:
        return _form_page(request, form, clashes=clashing, status=409)
    try:
        events = _create_events(request, form)
    except CalendarError as error:
        form.add_error(None, str(error))
        return refusal(_form_page(request, form), error)
    return _done(request, selectors.first_occurrence(events[0]), _created_message(events))


def _create_events(request: HttpRequest, form: EventCreateForm) -> list[Event]:
    kwargs = form.service_kwargs()
    data = form.cleaned_data
    if data["repeat_weekly"]:
        return services.create_weekly_events(
            actor=request.membership,
            days=data["days"],
            interval=data.get("interval") or 1,
            until_local=data.get("until_local"),
            **kwargs,
        )
    return [services.create_event(actor=request.membership, **kwargs)]


def _created_message(events: list[Event]) -> str:
    title = events[0].title
    if events[0].recurrence_type != Event.RecurrenceType.MASTER:
        return f"“{title}” was created."
    days = [describe_rule(e.recurrence_rule, days_only=True) for e in events]
    listed = days[0] if len(days) == 1 else f"{', '.join(days[:-1])} and {days[-1]}"
    interval = events[0].recurrence_rule.get("interval", 1)
    if interval > 1:
        return f"“{title}” was created, repeating every {interval} weeks on {listed}."
    return f"“{title}” was created, repeating every {listed}."


# Blocked time ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def block_time(request: HttpRequest) -> HttpResponse:
    """Block several resources (owners): one event on the blocked-time schedule holds them all."""
    require_owner_request(request)
    business = request.business
    if request.method == "GET":
        form = BlockTimeForm(business=business, initial={"interval": 1})
        return render_page(request, BLOCK_TIME, {"form": form}, fragment="form")
    form = BlockTimeForm(request.POST, business=business)
    if not form.is_valid():
        return render_page(request, BLOCK_TIME, {"form": form}, fragment="form", status=400)
    clashing = _clashes(request, form)
    if clashing:
        context = {"form": form, "clashes": clashing}
        return render_page(request, BLOCK_TIME, context, fragment="form", status=409)
    try:
        events = services.block_time(
            actor=request.membership, business=business, **form.service_kwargs()
        )
    except CalendarError as error:
        form.add_error(None, str(error))
        return refused(request, BLOCK_TIME, {"form": form}, fragment="form", error=error)
    names = ", ".join(r.name for r in form.cleaned_data["resources"])
    return _done(request, selectors.first_occurrence(events[0]), f"Blocked {names}.")


# Shared pieces ---------------------------------------------------------------------------------


def _clashes(request: HttpRequest, form, *, excluding: str | None = None) -> list[Event]:
    """Events already holding a chosen resource then; none once the owner said save anyway.

    A series is checked at its first occurrence; the calendar marks any later clash.
    """
    if request.POST.get("save_anyway") == "1":
        return []
    data = form.cleaned_data
    return selectors.clashes(
        request.business,
        resource_ids=[r.pk for r in data["resources"]],
        start_local=data["start_local"],
        end_local=data["end_local"],
        excluding=excluding,
    )


def _done(request: HttpRequest, event: Event, message: str) -> HttpResponse:
    """The saved event's page, with a warning per appointment booking it now overlaps."""
    messages.success(request, message)
    for clash in booking_clashes(event=event):
        messages.warning(request, clash)
    return redirect_page(request, _detail_url(event))


def _load_event(request: HttpRequest, event_id: str) -> EventDetails:
    """The event of the current business (404 otherwise), with its resources and MASTER."""
    details = selectors.event_with_details(require_business(request), event_id)
    if details is None:
        raise Http404("No such event.")
    return details


def _changeable_event(request: HttpRequest, event_id: str) -> EventDetails:
    """``_load_event``, for a member who may change it (a series and blocked time: owners)."""
    details = _load_event(request, event_id)
    if not may_change_event(request.membership, details.event):
        raise PermissionDenied("Only an owner can change a whole series or blocked time.")
    return details


def _what_changed(event: Event, scope: Scope) -> str:
    if scope == Scope.ALL or event.recurrence_type == Event.RecurrenceType.MASTER:
        return "The series"
    if scope == Scope.FOLLOWING:
        return f"“{event.title}” from {event.start_local:%-d %B} on"
    return f"“{event.title}”"


def _detail_url(event: Event) -> str:
    return reverse("calendar_app:event_detail", args=[event.pk])


def _detail_context(request: HttpRequest, details: EventDetails, **extra) -> dict:
    page = selectors.event_detail_page(details=details, membership=request.membership)
    return {
        "page": page,
        "notices": extensions.event_notices(details.event),
        "told": extensions.event_messages(details.event),
        **extra,
    }


def _summary(
    request: HttpRequest, details: EventDetails, *, status: int = 200, **extra
) -> HttpResponse:
    """The header with status and actions: a fragment for HTMX, the whole page otherwise."""
    context = _detail_context(request, details, **extra)
    return render_page(request, DETAIL, context, fragment="summary", status=status)


def _conflict(
    request: HttpRequest,
    details: EventDetails,
    conflict: RevisionConflict,
    *,
    reload_url: str,
    form: EventEditForm | None = None,
) -> HttpResponse:
    """409: someone changed the event first. Show its current values and a reload link, on the
    edit form when there is one (keeping what was typed), else on the event page."""
    current = conflict.current
    shown = {
        "current": current,
        "reload_url": reload_url,
        "is_series": current.pk != details.event.pk,
    }
    if wants_fragment(request):
        response = refusal(render(request, CONFLICT, {"conflict": shown}), conflict)
        response["HX-Retarget"] = "#conflict-slot"
        response["HX-Reswap"] = "innerHTML"
        return response
    if form is not None:
        return refusal(
            render(request, FORM, _form_context(form, details, conflict=shown)), conflict
        )
    fresh = _load_event(request, details.event.pk)
    return refusal(
        render(request, DETAIL, _detail_context(request, fresh, conflict=shown)), conflict
    )


def _form_page(
    request: HttpRequest,
    form,
    details: EventDetails | None = None,
    *,
    status: int = 200,
    **extra,
) -> HttpResponse:
    """The create or edit form (its ``form`` fragment for HTMX)."""
    context = _form_context(form, details, **extra)
    return render_page(request, FORM, context, fragment="form", status=status)


def _form_context(form, details: EventDetails | None, **extra) -> dict:
    if details is None:
        return {"form": form, "has_schedules": form.fields["schedule"].queryset.exists(), **extra}
    return {"form": form, "event": details.event, "master": details.master, **extra}
