"""Attach the business the signed-in user is working in (``request.business``/``.membership``)."""

from django.http import HttpRequest

from calendar_app.models import Business, Membership

SESSION_KEY = "business_id"


class CurrentBusinessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.membership = None
        request.business = None
        if request.user.is_authenticated:
            request.membership = current_membership(request)
            request.business = request.membership.business if request.membership else None
        return self.get_response(request)


def current_membership(request: HttpRequest) -> Membership | None:
    """The active membership chosen in the session, else the user's first active one."""
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "business", "user"
    )
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(business_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("business__name").first()
    return membership


def switch_business(request: HttpRequest, business: Business) -> None:
    request.session[SESSION_KEY] = business.pk
