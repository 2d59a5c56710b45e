"""Feed writes: owners make, rotate and revoke feed links and choose what a feed reveals.

Every change is audited like any calendar change, in the same transaction.
"""

from django.db import transaction
from django.utils import timezone

from calendar_app.audit import record_change
from calendar_app.feeds.models import CalendarFeed, new_token
from calendar_app.models import Resource, Schedule
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership


@transaction.atomic
def create_feed(
    *,
    actor: Membership | None,
    business: Business,
    schedule: Schedule | None = None,
    resource: Resource | None = None,
) -> CalendarFeed:
    """The feed of the business, or of one of its schedules or resources (owners).

    A target has one feed: asking again returns the active one, and a revoked one comes back
    with a new token, so a link that was revoked never works again.
    """
    require_owner(actor, "create a calendar feed")
    if schedule is not None and resource is not None:
        raise ValueError("A feed shows a schedule or a resource, not both.")
    kind = (
        CalendarFeed.Kind.SCHEDULE
        if schedule is not None
        else CalendarFeed.Kind.RESOURCE
        if resource is not None
        else CalendarFeed.Kind.BUSINESS
    )
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        business=business, kind=kind, schedule=schedule, resource=resource
    )
    if created:
        record_change(
            business=business, actor=actor, obj=feed, action="create", revision_before=None
        )
    elif not feed.is_active:
        feed = _new_token(actor=actor, feed=feed)
    return feed


@transaction.atomic
def rotate_feed(*, actor: Membership | None, feed: CalendarFeed) -> CalendarFeed:
    """A new link for the feed (owners): the old URL answers 404 from now on."""
    require_owner(actor, "change a calendar feed's link")
    return _new_token(actor=actor, feed=feed)


@transaction.atomic
def revoke_feed(*, actor: Membership | None, feed: CalendarFeed) -> CalendarFeed:
    """End the feed's link (owners); subscribers get 404 until a new link is made."""
    require_owner(actor, "revoke a calendar feed")
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
        revoked_at=now, updated_date=now
    )
    feed.refresh_from_db()
    record_change(
        business=feed.business, actor=actor, obj=feed, action="revoke", revision_before=None
    )
    return feed


@transaction.atomic
def set_personal_data(
    *, actor: Membership | None, feed: CalendarFeed, include_personal_data: bool
) -> CalendarFeed:
    """Whether participants' names and event notes go into the feed (owners; off by default)."""
    require_owner(actor, "choose what a calendar feed shows")
    CalendarFeed.objects.filter(pk=feed.pk).update(
        include_personal_data=include_personal_data, updated_date=timezone.now()
    )
    feed.refresh_from_db()
    record_change(
        business=feed.business,
        actor=actor,
        obj=feed,
        action="include_personal_data" if include_personal_data else "exclude_personal_data",
        revision_before=None,
    )
    return feed


def _new_token(*, actor: Membership | None, feed: CalendarFeed) -> CalendarFeed:
    CalendarFeed.objects.filter(pk=feed.pk).update(
        token=new_token(), revoked_at=None, updated_date=timezone.now()
    )
    feed.refresh_from_db()
    record_change(
        business=feed.business, actor=actor, obj=feed, action="rotate", revision_before=None
    )
    return feed
