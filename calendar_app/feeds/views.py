"""The public feed (opened by its token, no login) and the Subscribe page, where owners and
staff find each feed's link and QR code and owners make, rotate and revoke the links.

Every action answers HTMX with the page's ``feeds`` partial and a plain POST with a redirect,
so it all works without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from calendar_app.feeds import selectors, services
from calendar_app.feeds.forms import FeedTargetForm, PersonalDataForm
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import Resource, Schedule
from calendar_app.tenancy.access import require_business, require_owner_request
from calendar_app.views.helpers import render_page, wants_fragment

PAGE = "feeds/subscribe.html"


@login_not_required
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar body; 304 when the subscriber's copy (ETag/Last-Modified) is current."""
    feed = selectors.active_feed(token)
    if feed is None:
        raise Http404("This calendar link does not exist or was revoked.")
    version = selectors.feed_version(feed)
    last_modified = int(version.last_modified.timestamp())
    response = get_conditional_response(
        request, etag=version.etag, last_modified=last_modified
    ) or HttpResponse(
        selectors.feed_body(feed, version=version), content_type="text/calendar; charset=utf-8"
    )
    response["ETag"] = version.etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@vary_on_headers("HX-Request")
def subscribe(request: HttpRequest) -> HttpResponse:
    """Every feed of the business with its link and QR code; owners also get the controls."""
    require_business(request)
    return _page(request)


@require_POST
@vary_on_headers("HX-Request")
def feed_create(request: HttpRequest) -> HttpResponse:
    """Make the link of the business's, a schedule's or a resource's feed (owners)."""
    require_owner_request(request)
    form = FeedTargetForm(request.POST)
    if not form.is_valid():
        problem = " ".join(message for errors in form.errors.values() for message in errors)
        return _page(request, problem=problem, status=400)
    kind, target_id = form.cleaned_data["kind"], form.cleaned_data["target_id"]
    target = {}
    if kind == CalendarFeed.Kind.SCHEDULE:
        target["schedule"] = get_object_or_404(
            Schedule, business=request.business, pk=target_id, is_blocked_time=False
        )
    elif kind == CalendarFeed.Kind.RESOURCE:
        target["resource"] = get_object_or_404(Resource, business=request.business, pk=target_id)
    feed = services.create_feed(actor=request.membership, business=request.business, **target)
    return _done(request, f"The feed of “{feed.target_name}” has a link now.")


@require_POST
@vary_on_headers("HX-Request")
def feed_rotate(request: HttpRequest, feed_id: int) -> HttpResponse:
    """A new link for the feed; the old one stops working (owners)."""
    feed = _owned_feed(request, feed_id)
    services.rotate_feed(actor=request.membership, feed=feed)
    return _done(
        request, f"The feed of “{feed.target_name}” has a new link; the old one no longer works."
    )


@require_POST
@vary_on_headers("HX-Request")
def feed_revoke(request: HttpRequest, feed_id: int) -> HttpResponse:
    """End the feed's link (owners)."""
    feed = _owned_feed(request, feed_id)
    services.revoke_feed(actor=request.membership, feed=feed)
    return _done(request, f"The link of “{feed.target_name}” was revoked.")


@require_POST
@vary_on_headers("HX-Request")
def feed_personal_data(request: HttpRequest, feed_id: int) -> HttpResponse:
    """Include participants' names and event notes in the feed, or leave them out (owners)."""
    feed = _owned_feed(request, feed_id)
    form = PersonalDataForm(request.POST)
    if not form.is_valid():
        return _page(request, problem="Choose whether to include personal data.", status=400)
    include = form.cleaned_data["include_personal_data"]
    services.set_personal_data(actor=request.membership, feed=feed, include_personal_data=include)
    shown = "now shows participants' names and notes" if include else "leaves personal data out"
    return _done(request, f"The feed of “{feed.target_name}” {shown}.")


def _owned_feed(request: HttpRequest, feed_id: int) -> CalendarFeed:
    """A feed of this business an owner may change (another business's id is a 404)."""
    require_owner_request(request)
    return get_object_or_404(
        CalendarFeed.objects.select_related("business", "schedule", "resource"),
        business=request.business,
        pk=feed_id,
    )


def _done(request: HttpRequest, notice: str) -> HttpResponse:
    if wants_fragment(request):
        return _page(request, notice=notice)
    messages.success(request, notice)
    return redirect("feeds:subscribe")


def _page(
    request: HttpRequest, *, notice: str = "", problem: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "page": selectors.subscribe_page(request.business, absolute_url=request.build_absolute_uri),
        "notice": notice,
        "problem": problem,
    }
    return render_page(request, PAGE, context, fragment="feeds", status=status)
