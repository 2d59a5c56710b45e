from django.http import HttpRequest

from calendar_app.selectors import active_memberships


def current_business(request: HttpRequest) -> dict:
    """The current business and, lazily, the others the user can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "business": getattr(request, "business", None),
        "membership": getattr(request, "membership", None),
        "memberships": lambda: list(active_memberships(user)),
    }
