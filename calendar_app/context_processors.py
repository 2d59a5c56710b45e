from django.http import HttpRequest

from calendar_app.selectors import active_memberships
from calendar_app.wix.selectors import not_connected_notice


def current_business(request: HttpRequest) -> dict:
    """The current business and, lazily, the others the user can switch to and the warning of
    a business set to mirror Wix that is not connected."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    business = getattr(request, "business", None)
    return {
        "business": business,
        "backend_notice": lambda: not_connected_notice(business),
        "membership": getattr(request, "membership", None),
        "memberships": lambda: list(active_memberships(user)),
    }
