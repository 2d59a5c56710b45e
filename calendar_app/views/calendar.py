"""Calendar pages: month, week, day and agenda, all rendered from ``query_events``.

The view parses the query string and renders a layout from ``calendar_app.layouts``, which asks
``query_events`` for one window (or agenda page). Page size never changes the number of queries:
events come with their schedule and resources, and the filter lists are read once.
"""

from datetime import date, datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from calendar_app import layouts
from calendar_app.models import Resource
from calendar_app.selectors import (
    EventQueryError,
    Known,
    event_with_details,
    resources_for,
    schedules_for,
)
from calendar_app.selectors.resources import ResourceFilterError, shown_resources
from calendar_app.tenancy.access import require_business
from calendar_app.validation import DATE_RANGE_MESSAGE, MAX_YEAR, MIN_YEAR
from calendar_app.views.helpers import render_page, wants_fragment

TEMPLATE = "calendar_app/calendar.html"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The week; a superuser who belongs to no business (the admin's "View site") gets the
    admin instead of a page that has nothing to show."""
    if request.business is None and request.user.is_superuser:
        return redirect("admin:index")
    return redirect("calendar_app:calendar", view="week")


class BadDate(ValueError):
    """A query parameter cannot be read (``date`` is not a YYYY-MM-DD date, an unknown way to
    show the calendar, a resource filter that is too long): the page says why, with a 400."""


@require_safe
def calendar_page(request: HttpRequest, view: str) -> HttpResponse:
    """Month, week, day or agenda of the current business, filtered by schedule and resource."""
    if view not in layouts.VIEWS:
        raise Http404("Unknown calendar view.")
    business = require_business(request)
    now = timezone.now().astimezone(business.zone)
    schedules, resources = list(schedules_for(business)), list(resources_for(business))
    known = Known(schedules=schedules, resources=resources)  # the events' ones, as a rule
    try:
        query = _parse_query(request, view, now.date(), schedules, resources)
        shown = _shown_resources(business, request, query, resources)
    except BadDate as error:
        return _respond(request, _bad_date_context(view, now.date(), error), status=400)
    if request.GET.get("part") == "list" and view == "day" and wants_fragment(request):
        # A month cell's "+N more": that day's whole list, in place of the cell's first few.
        context = {"cell": layouts.day_list(business, query, now, known=known)}
        return _respond(request, context, fragment="month_day")
    context = {
        "schedules": schedules,
        "resource_filter": layouts.resource_filter(query, resources=resources, shown=shown),
        "shown_resources": shown,
        **layouts.frame(query, today=now.date(), time_zone=business.time_zone),
    }
    cursor, after = request.GET.get("cursor") or None, request.GET.get("after", "")
    try:
        context.update(
            layouts.laid_out(
                business, query, now, cursor=cursor, after=after, resources=shown, known=known
            )
        )
    except EventQueryError as error:
        return _respond(request, {**context, "query_error": str(error)}, status=400)
    if view == "agenda" and cursor and wants_fragment(request):
        return _respond(request, context, fragment="agenda_page")
    response = _respond(request, context)
    if wants_fragment(request):
        response["HX-Push-Url"] = query.url()  # the tidy address, without empty filter fields
    return response


def _parse_query(
    request: HttpRequest, view: str, today: date, schedules: list, resources: list
) -> layouts.CalendarQuery:
    """The query string as a ``CalendarQuery``; another business's schedule or resource is a 404."""
    raw_date = request.GET.get("date", "").strip()
    day = today
    if raw_date:
        try:
            day = datetime.strptime(raw_date, "%Y-%m-%d").date()
        except ValueError:
            raise BadDate(
                f"“{raw_date}” is not a date. Use the form YYYY-MM-DD, e.g. {today.isoformat()}."
            ) from None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise BadDate(DATE_RANGE_MESSAGE)
    schedule_id = request.GET.get("schedule", "").strip()
    if schedule_id and schedule_id not in {s.pk for s in schedules}:
        raise Http404("No such schedule.")
    resource_id = request.GET.get("resource", "").strip()
    if resource_id and resource_id not in {r.pk for r in resources}:
        raise Http404("No such resource.")
    by = request.GET.get("by", "").strip()
    if by not in ("", "resource"):
        raise BadDate(f"“{by}” is not a way to show the calendar: use “resource” or nothing.")
    if by and view not in layouts.BY_RESOURCE_VIEWS:
        raise BadDate("By resource is for the day and week views: choose one of them.")
    return layouts.CalendarQuery(
        view=view,
        day=day,
        schedule_id=schedule_id,
        resource_id=resource_id,
        show_cancelled=request.GET.get("cancelled") == "1",
        by_resource=bool(by),
        shown=tuple(request.GET.getlist("show")),
        pick=request.GET.get("pick", "").strip(),
    )


def _shown_resources(
    business, request: HttpRequest, query: layouts.CalendarQuery, resources: list
) -> list:
    """The resources a by-resource page shows (none on other pages): a filter naming another
    business's resource is a 404, one that cannot be read a 400."""
    if not query.by_resource:
        return []
    try:
        shown = shown_resources(business, resources=resources, requested=list(query.shown))
    except ResourceFilterError as error:
        raise BadDate(str(error)) from None
    except Resource.DoesNotExist:
        raise Http404("No such resource.") from None
    if query.pick and query.pick not in {r.pk for r in resources}:
        raise Http404("No such resource.")
    if query.pick and query.pick not in {r.pk for r in shown}:
        raise BadDate("The resource picked is not among those shown: pick one of the list.")
    return shown


@require_safe
def event_peek(request: HttpRequest, event_id: str) -> HttpResponse:
    """An event's details for the calendar's popover (a few hundred bytes, asked for on hover,
    focus or long-press of a block): time, schedule, resources and free places."""
    business = require_business(request)
    details = event_with_details(business, event_id)
    if details is None:
        raise Http404("No such event.")
    event = details.event
    zone = business.zone
    context = {
        "peek": event,
        # Wall-clock times of the business (the template would show the active zone's).
        "peek_start": event.start.astimezone(zone).replace(tzinfo=None),
        "peek_end": event.end.astimezone(zone).replace(tzinfo=None),
        "peek_resources": [link.resource for link in event.event_resources.all()],
        "peek_series": details.master is not None or bool(event.recurring_event_id),
        "peek_own_time": (
            f"{event.start_local:%H:%M} {event.time_zone}"
            if event.time_zone != business.time_zone
            else ""
        ),
    }
    return render(request, f"{TEMPLATE}#peek", context)


def _bad_date_context(view: str, today: date, error: BadDate) -> dict:
    return {"date_error": str(error), "today_url": layouts.CalendarQuery(view, today).url()}


def _respond(
    request: HttpRequest, context: dict, *, status: int = 200, fragment: str = "calendar_body"
) -> HttpResponse:
    response = render_page(request, TEMPLATE, context, fragment=fragment, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
