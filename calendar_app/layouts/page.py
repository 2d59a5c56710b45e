"""A calendar page's context: the frame every view shares (title, links to move around) and the
events laid out for its view."""

from datetime import date, datetime

from django.urls import reverse

from calendar_app.layouts.agendas import agenda
from calendar_app.layouts.grids import grid
from calendar_app.layouts.query import BY_RESOURCE_VIEWS, VIEWS, CalendarQuery, navigation
from calendar_app.models import Resource
from calendar_app.selectors import NOTHING_KNOWN, Known
from calendar_app.tenancy.models import Business


def frame(query: CalendarQuery, *, today: date, time_zone: str) -> dict:
    """What every calendar page shows around its events: the view and its date, the links to
    the other views, to today and to the previous and next period, and the page's title."""
    return {
        "view": query.view,
        "query": query,
        "day": query.day,
        "path": reverse("calendar_app:calendar", args=[query.view]),
        "time_zone": time_zone,
        "view_links": [(name, label, query.url(view=name)) for name, label in VIEWS.items()],
        "today_url": query.url(day=today),
        "by_resource_views": BY_RESOURCE_VIEWS,
        "by_resource_url": query.url(by_resource=not query.by_resource, pick=""),
        **navigation(query),
    }


def resource_choices(resources: list[Resource]) -> list[tuple[str, str, str]]:
    """The filters' resources as (id, name, type label), each type's label read once: a page
    lists every resource once or twice, and ``get_type_display`` builds the type's choices
    anew for each."""
    labels = dict(Resource.Type.choices)
    return [(r.pk, r.name, labels.get(r.type, r.type)) for r in resources]


def laid_out(
    business: Business,
    query: CalendarQuery,
    now: datetime,
    *,
    cursor: str | None,
    after: str,
    resources: list[Resource],
    known: Known = NOTHING_KNOWN,
) -> dict:
    """The view's events: an agenda page (from ``cursor``, ``after`` the day the previous page
    ended on) or a grid (by resource: a column per shown resource of ``resources``). Raises
    ``EventQueryError`` for a cursor that is not valid any more. ``known``: the business's
    schedules and resources the page has read already (``query_events``)."""
    if query.view == "agenda":
        return agenda(business, query, now.date(), cursor=cursor, after=after, known=known)
    return grid(business, query, now, resources=resources, known=known)
