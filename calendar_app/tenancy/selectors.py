"""Reads about members: the businesses a login may work in."""

from django.db.models import QuerySet

from calendar_app.tenancy.models import Membership


def active_memberships(user) -> QuerySet[Membership]:
    """The businesses a user may work in (active memberships), for the business switcher, by
    name (the model's order names the user too, a join to sort one user's rows by)."""
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("business")
        .order_by("business__name")
    )
