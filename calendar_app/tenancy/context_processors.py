"""What every page's header needs: the business, the member, the others to switch to."""

from django.http import HttpRequest

from calendar_app.tenancy import navigation
from calendar_app.tenancy.selectors import active_memberships


def current_business(request: HttpRequest) -> dict:
    """The current business and, lazily, the others the user can switch to and the warning an
    upstream gives about the business's calendar (``navigation.backend_notice``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    business = getattr(request, "business", None)
    return {
        "business": business,
        "backend_notice": lambda: navigation.backend_notice(business),
        "membership": getattr(request, "membership", None),
        "memberships": lambda: list(active_memberships(user)),
    }
