"""Event detail and event actions: edit, cancel and restore (one occurrence or the series),
create events, block time.

Every URL answers an HTMX request with a partial of its page (``page.html#fragment``) and a
plain request with the whole page or a redirect, so each action works without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from bookings.selectors import booking_clashes
from calendar_app import recurrence, selectors, services
from calendar_app.backends import Scope
from calendar_app.capacity import stored_places_taken
from calendar_app.conferencing.selectors import links_gone, meeting_for_event
from calendar_app.errors import CalendarError, CapacityError, RevisionConflict
from calendar_app.forms import (
    BlockTimeForm,
    EventActionForm,
    EventCreateForm,
    EventEditForm,
    create_initial,
)
from calendar_app.models import Event
from calendar_app.tenancy.access import may_change_event, require_business, require_owner_request
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
    event = _load_event(request, event_id)
    return render_page(request, DETAIL, _detail_context(request, event), fragment="event")


@require_POST
@vary_on_headers("HX-Request")
def event_cancel(request: HttpRequest, event_id: str) -> HttpResponse:
    """Cancel this occurrence, or (owners) this and the following ones, or the whole series."""
    return _status_action(request, event_id, services.cancel_event, "cancelled")


@require_POST
@vary_on_headers("HX-Request")
def event_restore(request: HttpRequest, event_id: str) -> HttpResponse:
    """Undo a cancellation with the same three reaches as cancelling."""
    return _status_action(request, event_id, services.restore_event, "restored")


def _status_action(request: HttpRequest, event_id: str, action, done: str) -> HttpResponse:
    event = _load_event(request, event_id)
    _require_may_change(request, event)
    form = EventActionForm(request.POST)
    if not form.is_valid():
        return _summary(request, event, status=400, error="This form is out of date; reload it.")
    try:
        action(
            actor=request.membership,
            event=event,
            expected_revision=form.cleaned_data["revision"],
            scope=form.scope_value,
        )
    except RevisionConflict as conflict:
        return _conflict(
            request, event, conflict.current, reload_url=_detail_url(event), page=DETAIL
        )
    except CalendarError as error:
        return _summary(request, event, status=400, error=str(error))
    what = _what_changed(event, form.scope_value)
    if wants_fragment(request):
        fresh = _load_event(request, event_id)
        return _summary(request, fresh, notice=f"{what} was {done}.")
    messages.success(request, f"{what} was {done}.")
    return redirect(_detail_url(event))


# Edit ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def event_edit(request: HttpRequest, event_id: str) -> HttpResponse:
    """Edit title, time, place, capacity, resources, conferencing and notes.

    An owner editing an occurrence chooses this occurrence or the whole series; staff edit
    only the occurrence. A save based on a stale revision is a 409 that overwrites nothing.
    """
    event = _load_event(request, event_id)
    _require_may_change(request, event)
    form_kwargs = {
        "business": request.business,
        "event": event,
        "master": event.master,
    }
    if request.method == "GET":
        form = EventEditForm(**form_kwargs)
        return render_page(request, FORM, _form_context(form, event=event), fragment="form")

    form = EventEditForm(request.POST, **form_kwargs)
    if form.is_valid():
        series_wide = form.applies_to_series or form.applies_to_following
        clashing = [] if series_wide else _clashes(request, form, excluding=event.pk)
        if clashing:
            context = _form_context(form, event=event, clashes=clashing)
            return render_page(request, FORM, context, fragment="form", status=409)
        try:
            saved = _save_edit(request, form)
        except RevisionConflict as conflict:
            return _conflict(
                request,
                event,
                conflict.current,
                reload_url=reverse("calendar_app:event_edit", args=[event.pk]),
                page=FORM,
                form=form,
            )
        except CalendarError as error:
            form.add_error("capacity" if isinstance(error, CapacityError) else None, str(error))
        else:
            return _done(request, saved, f"“{saved.title}” was saved.")
    return render_page(request, FORM, _form_context(form, event=event), fragment="form", status=400)


def _save_edit(request: HttpRequest, form: EventEditForm) -> Event:
    """Apply the edit to the occurrence or to the MASTER; returns the event to show next."""
    event = form.event
    if form.applies_to_following:
        changes = form.changes()
        if not changes:
            if event.master.revision != form.cleaned_data["series_revision"]:
                raise RevisionConflict(event.master)
            return event
        follower = services.update_following(
            actor=request.membership,
            occurrence=event,
            expected_revision=form.cleaned_data["series_revision"],
            changes=changes,
        )
        return selectors.occurrence_after_series_edit(event, follower)
    if form.applies_to_series:
        target, expected, changes = (
            event.master,
            form.cleaned_data["series_revision"],
            form.series_changes(),
        )
    else:
        target, expected, changes = event, form.cleaned_data["revision"], form.changes()
    if not changes:
        if target.revision != expected:
            raise RevisionConflict(target)
        return event
    updated = services.update_event(
        actor=request.membership, event=target, expected_revision=expected, changes=changes
    )
    if target is event:
        return updated
    return selectors.occurrence_after_series_edit(event, updated)


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
        form = EventCreateForm(business=business, initial=initial)
        return render_page(request, FORM, _form_context(form), fragment="form")

    form = EventCreateForm(request.POST, business=business)
    if form.is_valid():
        clashing = _clashes(request, form)
        if clashing:
            return render_page(
                request, FORM, _form_context(form, clashes=clashing), fragment="form", status=409
            )
        try:
            events = _create_events(request, form)
        except CalendarError as error:
            form.add_error(None, str(error))
        else:
            first = selectors.first_occurrence(events[0])
            return _done(request, first, _created_message(events))
    return render_page(request, FORM, _form_context(form), fragment="form", status=400)


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
    if form.is_valid():
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
        else:
            names = ", ".join(r.name for r in form.cleaned_data["resources"])
            return _done(request, selectors.first_occurrence(events[0]), f"Blocked {names}.")
    return render_page(request, BLOCK_TIME, {"form": form}, fragment="form", status=400)


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


def _load_event(request: HttpRequest, event_id: str) -> Event:
    """The event of the current business (404 otherwise), with its resources and MASTER."""
    event = selectors.event_with_details(require_business(request), event_id)
    if event is None:
        raise Http404("No such event.")
    return event


def _require_may_change(request: HttpRequest, event: Event) -> None:
    if not may_change_event(request.membership, event):
        raise PermissionDenied("Only an owner can change a whole series or blocked time.")


def _what_changed(event: Event, scope: Scope) -> str:
    if scope == Scope.ALL or _is_master(event):
        return "The series"
    if scope == Scope.FOLLOWING:
        return f"“{event.title}” from {event.start_local:%-d %B} on"
    return f"“{event.title}”"


def _is_master(event: Event) -> bool:
    return event.recurrence_type == Event.RecurrenceType.MASTER


def _detail_url(event: Event) -> str:
    return reverse("calendar_app:event_detail", args=[event.pk])


def _detail_context(request: HttpRequest, event: Event, **extra) -> dict:
    membership = request.membership
    business = request.business
    master = event.master
    is_owner = membership.is_owner
    in_series = master is not None
    zone = business.zone
    start = event.start.astimezone(zone).replace(tzinfo=None)
    end = event.end.astimezone(zone).replace(tzinfo=None)
    return {
        "event": event,
        "master": master,
        "is_master": _is_master(event),
        "is_exception": event.recurrence_type == Event.RecurrenceType.EXCEPTION,
        "rule_text": describe_rule((master or event).recurrence_rule),
        "resources": [er.resource for er in event.event_resources.all()],
        "used": stored_places_taken(event),
        "start": start,
        "end": end,
        "own_zone_differs": event.time_zone != business.time_zone,
        "can_change": may_change_event(membership, event),
        "can_restore": selectors.can_restore_events(business),
        "history": selectors.event_history(business, event),
        "meeting": meeting_for_event(event),
        "meeting_links_gone": links_gone(event),
        "offers_series_scope": is_owner and in_series,
        "reach": _reach_labels(event) if not event.is_cancelled else {},
        "calendar_url": (
            f"{reverse('calendar_app:calendar', args=['week'])}?date={start:%Y-%m-%d}"
        ),
        **extra,
    }


def _reach_labels(event: Event) -> dict[str, str]:
    """What each cancel choice reaches, in words, for the confirmation ("3 occurrences, 12
    participants booked")."""
    labels = {}
    for scope, reach in selectors.cancel_reach(event).items():
        people = f"{reach.participants} participant{pluralize(reach.participants)} booked"
        if scope == Scope.THIS:
            labels[scope.value] = people
        else:
            labels[scope.value] = (
                f"{reach.occurrences} occurrence{pluralize(reach.occurrences)}, {people}"
            )
    return labels


def _summary(request: HttpRequest, event: Event, *, status: int = 200, **extra) -> HttpResponse:
    """The header with status and actions: a fragment for HTMX, the whole page otherwise."""
    context = _detail_context(request, event, **extra)
    return render_page(request, DETAIL, context, fragment="summary", status=status)


def _conflict(
    request: HttpRequest, event: Event, current: Event, *, reload_url: str, page: str, form=None
) -> HttpResponse:
    """409: someone changed the event first. Show its current values and a reload link."""
    conflict = {
        "current": current,
        "reload_url": reload_url,
        "is_series": current.pk != event.pk,
    }
    if wants_fragment(request):
        response = render(request, CONFLICT, {"conflict": conflict}, status=409)
        response["HX-Retarget"] = "#conflict-slot"
        response["HX-Reswap"] = "innerHTML"
        return response
    if page == FORM:
        context = _form_context(form, event=event, conflict=conflict)
    else:
        context = _detail_context(request, _load_event(request, event.pk), conflict=conflict)
    return render(request, page, context, status=409)


def _form_context(form, *, event: Event | None = None, **extra) -> dict:
    context = {"form": form, "event": event, **extra}
    if event is None:
        context["has_schedules"] = form.fields["schedule"].queryset.exists()
    return context


def describe_rule(rule: dict | None, *, days_only: bool = False) -> str:
    """A recurrence rule in words: "Weekly on Monday, every 2 weeks, until 30 June 2026"."""
    if not rule:
        return ""
    day = rule["days"][0].title()
    if days_only:
        return day
    text = f"Weekly on {day}"
    if rule.get("interval", 1) > 1:
        text += f", every {rule['interval']} weeks"
    until = (rule.get("until") or {}).get("localDate")
    if until:
        last = recurrence.parse_local_date(until)
        text += f", until {last.day} {last:%B %Y}"
    return text
