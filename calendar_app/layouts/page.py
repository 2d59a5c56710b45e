"""A calendar page's context: the frame every view shares (title, links to move around) and the
events laid out for its view."""

from datetime import date, datetime

from django.utils.safestring import SafeString, mark_safe

from calendar_app.layouts.agendas import agenda
from calendar_app.layouts.entries import escape
from calendar_app.layouts.grids import grid
from calendar_app.layouts.query import BY_RESOURCE_VIEWS, VIEWS, CalendarQuery, navigation
from calendar_app.models import Resource
from calendar_app.selectors import NOTHING_KNOWN, Known
from calendar_app.tenancy.models import Business
from calendar_app.tenancy.navigation import cached_reverse


def frame(query: CalendarQuery, *, today: date, time_zone: str) -> dict:
    """What every calendar page shows around its events: the view and its date, the links to
    the other views, to today and to the previous and next period, and the page's title."""
    return {
        "view": query.view,
        "query": query,
        "day": query.day,
        "path": cached_reverse("calendar_app:calendar", query.view),
        "time_zone": time_zone,
        "view_links": [(name, label, query.url(view=name)) for name, label in VIEWS.items()],
        "today_url": query.url(day=today),
        "by_resource_views": BY_RESOURCE_VIEWS,
        "by_resource_url": query.url(by_resource=not query.by_resource, pick=""),
        **navigation(query),
    }


def resource_filter(
    query: CalendarQuery, *, resources: list[Resource], shown: list[Resource]
) -> dict[str, SafeString]:
    """The resource filter's choices as markup: ``options`` of the resource select, or by
    resource the ``checks`` of the resources shown and the phone's ``pick`` among ``shown``.
    A template loop over a business's thirty resources (twice by resource) cost more than
    the rest of the filters; each type's label is read once (``get_type_display`` builds the
    choices anew for each resource)."""
    labels = dict(Resource.Type.choices)
    choices = [
        (escape(r.pk), escape(r.name), escape(labels.get(r.type, r.type))) for r in resources
    ]
    if not query.by_resource:
        chosen = escape(query.resource_id)
        options = "".join(
            f'<option value="{pk}"{" selected" if pk == chosen else ""}>{name} ({label})</option>'
            for pk, name, label in choices
        )
        return {"options": mark_safe(options)}
    ticked = {escape(pk) for pk in query.shown}
    checks = "".join(
        f'<label class="check"><input type="checkbox" name="show" value="{pk}"'
        f'{" checked" if pk in ticked else ""}> {name} <span class="muted">({label})</span></label>'
        for pk, name, label in choices
    )
    picked = escape(query.pick)
    pick = "".join(
        f'<option value="{escape(r.pk)}"{" selected" if escape(r.pk) == picked else ""}>'
        f"{escape(r.name)}</option>"
        for r in shown
    )
    return {"checks": mark_safe(checks), "pick": mark_safe(pick)}


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
