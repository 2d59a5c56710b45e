"""Schedules: the business's list (staff read it), and for owners new, edit, cancel, restore.

The blocked-time schedule is listed but changed only through Block time. Every action answers
an HTMX request with a partial of its page and a plain POST with a redirect, or with the page
showing the problem (with the refusal's status from ``views.errors``: 400, 409 for a stale
revision, 503 when the calendar cannot be reached), so it all works without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from calendar_app import selectors, services
from calendar_app.errors import CalendarError, RevisionConflict
from calendar_app.forms import EventActionForm, ScheduleEditForm, ScheduleForm
from calendar_app.forms.events import EventCancelForm
from calendar_app.models import Schedule
from calendar_app.tenancy.access import require_business, require_owner_request
from calendar_app.views.errors import refusal, refused
from calendar_app.views.helpers import get_schedule, redirect_page, render_page, wants_fragment

LIST = "calendar_app/schedules.html"
FORM = "calendar_app/schedule_form.html"
OPERATION = "calendar_app/bulk_operation.html"


@require_safe
@vary_on_headers("HX-Request")
def schedule_list(request: HttpRequest) -> HttpResponse:
    """Each schedule with its status and defaults; owners also get the controls."""
    require_business(request)
    return _list(request)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def schedule_create(request: HttpRequest) -> HttpResponse:
    """A new schedule (owners): a name, a default capacity and a default location."""
    require_owner_request(request)
    if request.method == "GET":
        return render_page(request, FORM, {"form": ScheduleForm()}, fragment="form")
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return render_page(request, FORM, {"form": form}, fragment="form", status=400)
    try:
        schedule = services.create_schedule(
            actor=request.membership, business=request.business, **form.service_kwargs()
        )
    except CalendarError as error:
        form.add_error(None, str(error))
        return refused(request, FORM, {"form": form}, fragment="form", error=error)
    messages.success(request, f"Schedule “{schedule.name}” was created. Add its events.")
    return redirect_page(request, f"{reverse('calendar_app:event_create')}?schedule={schedule.pk}")


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def schedule_edit(request: HttpRequest, schedule_id: str) -> HttpResponse:
    """Rename a schedule or change its defaults; a save from a stale revision is a 409."""
    schedule = _changeable_schedule(request, schedule_id)
    if request.method == "GET":
        return _form(request, ScheduleEditForm(schedule=schedule))
    form = ScheduleEditForm(request.POST, schedule=schedule)
    if not form.is_valid():
        return _form(request, form, status=400)
    try:
        schedule = _save(request, form)
    except RevisionConflict as conflict:
        return _edit_conflict(request, conflict)
    except CalendarError as error:
        form.add_error(None, str(error))
        return refusal(_form(request, form), error)
    messages.success(request, f"Schedule “{schedule.name}” was saved.")
    return redirect_page(request, reverse("calendar_app:schedules"))


@require_POST
@vary_on_headers("HX-Request")
def schedule_cancel(request: HttpRequest, schedule_id: str) -> HttpResponse:
    """Cancel a schedule and, with it, its future events (many of them: in the background,
    with a progress bar on the list), telling their participants if the owner chose to."""
    return _status_action(
        request, schedule_id, services.cancel_schedule, _cancelled, form_class=EventCancelForm
    )


def _cancelled(schedule: Schedule) -> str:
    if selectors.has_unfinished_operation(schedule):
        return "was cancelled; its future events are being cancelled now (progress below)"
    return "was cancelled, with its future events"


@require_POST
@vary_on_headers("HX-Request")
def schedule_restore(request: HttpRequest, schedule_id: str) -> HttpResponse:
    """Make a cancelled schedule active again (its cancelled events stay cancelled)."""
    return _status_action(
        request,
        schedule_id,
        services.restore_schedule,
        lambda _schedule: "is active again; its cancelled events stay cancelled",
    )


@require_safe
@vary_on_headers("HX-Request")
def bulk_operation(request: HttpRequest, operation_id: str) -> HttpResponse:
    """An operation's progress (owners, who start them): the page polls its fragment until it
    has finished, and the finished fragment shows the result without polling."""
    require_owner_request(request)
    operation = selectors.operation_of(request.business, operation_id)
    if operation is None:
        raise Http404("No such operation.")
    return render_page(request, OPERATION, {"operation": operation}, fragment="progress")


def _save(request: HttpRequest, form: ScheduleEditForm) -> Schedule:
    """Apply what the person changed; when nothing changed nothing is written."""
    changes = form.changes()
    if not changes:
        return form.schedule
    return services.update_schedule(
        actor=request.membership,
        schedule=form.schedule,
        expected_revision=form.cleaned_data["revision"],
        changes=changes,
    )


def _status_action(
    request: HttpRequest, schedule_id: str, action, done, *, form_class=EventActionForm
) -> HttpResponse:
    schedule = _changeable_schedule(request, schedule_id)
    form = form_class(request.POST)
    if not form.is_valid():
        stale = "revision" in form.errors or "scope" in form.errors
        problem = "This page is out of date; reload it." if stale else form.problem()
        return _list(request, problem=problem, status=400)
    try:
        updated = action(
            actor=request.membership,
            schedule=schedule,
            expected_revision=form.cleaned_data["revision"],
            **form.action_options(),
        )
    except RevisionConflict as conflict:
        problem = (
            f"“{conflict.current.name}” changed since this page was loaded, so nothing was "
            "done. The list now shows it as it is; try again if you still want to."
        )
        return refusal(_list(request, problem=problem), conflict)
    except CalendarError as error:
        return refusal(_list(request, problem=str(error)), error)
    notice = f"Schedule “{updated.name}” {done(updated)}."
    if wants_fragment(request):
        return _list(request, notice=notice)
    messages.success(request, notice)
    return redirect("calendar_app:schedules")


def _changeable_schedule(request: HttpRequest, schedule_id: str) -> Schedule:
    """A schedule of this business that an owner may change here (not the blocked time)."""
    require_owner_request(request)
    schedule = get_schedule(request, schedule_id)
    if schedule.is_blocked_time:
        raise PermissionDenied("Blocked time is managed from Block time.")
    return schedule


def _list(
    request: HttpRequest, *, notice: str = "", problem: str = "", status: int = 200
) -> HttpResponse:
    page = selectors.schedules_page(request.business)
    context = {"page": page, "notice": notice, "problem": problem}
    return render_page(request, LIST, context, fragment="schedules", status=status)


def _form(
    request: HttpRequest,
    form: ScheduleEditForm,
    *,
    conflict: Schedule | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "schedule": form.schedule, "conflict": conflict}
    return render_page(request, FORM, context, fragment="form", status=status)


def _edit_conflict(request: HttpRequest, conflict: RevisionConflict) -> HttpResponse:
    """409: someone changed the schedule first. Show it as it is now and keep what was typed,
    based on the current revision, so saving again is a deliberate choice to replace it."""
    current = conflict.current
    data = request.POST.copy()
    data["revision"] = current.revision
    form = ScheduleEditForm(data, schedule=current)
    return refusal(_form(request, form, conflict=current), conflict)
