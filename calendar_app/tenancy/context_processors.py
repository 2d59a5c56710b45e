"""What every page's header needs: the business, the member, the others to switch to, and
where the page sits in the navigation."""

from functools import cache

from django.http import HttpRequest

from calendar_app.tenancy import navigation


def current_business(request: HttpRequest) -> dict:
    """The current business, the others the user can switch to (the middleware read them
    with it), and lazily the warning an upstream gives about the business's calendar
    (``navigation.backend_notice``), the top bar's current section and its second row of links
    (no query). The section is worked out once per page, however often the page names it (it
    reverses a dozen addresses)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    business = getattr(request, "business", None)
    membership = getattr(request, "membership", None)

    @cache
    def nav_section() -> str:
        return navigation.current_section(request.path)

    return {
        "business": business,
        "backend_notice": lambda: navigation.backend_notice(business),
        "membership": membership,
        "memberships": getattr(request, "memberships", None) or [],
        "nav_section": nav_section,
        "section_links": lambda: navigation.section_links(
            request.path, membership, section=nav_section()
        ),
    }
