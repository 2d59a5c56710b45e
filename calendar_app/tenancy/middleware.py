"""Who the request is: login for every page (HTMX-aware), and the business the signed-in user
is working in (``request.business``/``.membership``), switched through the session."""

from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from calendar_app.tenancy.models import Business, Membership
from calendar_app.tenancy.selectors import active_memberships

SESSION_KEY = "business_id"


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's login requirement; an HTMX request gets ``HX-Redirect`` instead of a 302.

    htmx would follow a 302 and swap the login page into the part of the page it was updating
    (a session that expired while the calendar was open); ``HX-Redirect`` makes it load the
    login page as a whole page, with ``next`` the page the person was on.
    """

    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        if not request.htmx:
            return super().handle_no_permission(request, view_func)
        login = redirect_to_login(
            request.htmx.current_url_abs_path or request.get_full_path(),
            self.get_login_url(view_func),
            self.get_redirect_field_name(view_func),
        )
        return HttpResponseClientRedirect(login.url)


class CurrentBusinessMiddleware:
    """Sets ``request.membership`` and ``request.business``: None for an anonymous user or one
    without an active membership (``require_business`` then answers 404); and
    ``request.memberships``, all the user's active ones by business name (the switcher's), read
    in the same query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.membership = None
        request.business = None
        request.memberships = []
        if request.user.is_authenticated:
            request.memberships = list(active_memberships(request.user).select_related("user"))
            request.membership = current_membership(request, request.memberships)
            request.business = request.membership.business if request.membership else None
        return self.get_response(request)


def current_membership(request: HttpRequest, memberships: list[Membership]) -> Membership | None:
    """Of the user's active ``memberships`` (by business name), the one chosen in the
    session, else the first."""
    chosen = request.session.get(SESSION_KEY)
    return next(
        (m for m in memberships if m.business_id == chosen),
        memberships[0] if memberships else None,
    )


def switch_business(request: HttpRequest, business: Business) -> None:
    """Work in ``business`` from the next request on (the caller checked the membership)."""
    request.session[SESSION_KEY] = business.pk
