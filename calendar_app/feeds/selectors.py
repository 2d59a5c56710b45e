"""Feed reads: the feed behind a token, its version for conditional GET, its iCalendar body,
and the Subscribe page."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from calendar_app.feeds import ical
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import Event, EventResource, Resource, Schedule
from calendar_app.tenancy.models import Business
from participants.models import Participation

# Changes whenever the feed's layout does, so subscribers fetch it again.
FEED_FORMAT = "1"


def active_feed(token: str) -> CalendarFeed | None:
    """The feed a token opens; ``None`` for an unknown, rotated-away or revoked token."""
    return (
        CalendarFeed.objects.select_related("business", "schedule", "resource")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )


def window_start(feed: CalendarFeed, now: datetime | None = None) -> datetime:
    """The feed shows events from local midnight ``CALENDAR_FEED_PAST_DAYS`` days ago on."""
    zone = feed.business.zone
    today = (now or timezone.now()).astimezone(zone).date()
    first_day = today - timedelta(days=settings.CALENDAR_FEED_PAST_DAYS)
    return datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone)


@dataclass(frozen=True)
class FeedVersion:
    etag: str
    last_modified: datetime


def feed_version(feed: CalendarFeed, *, now: datetime | None = None) -> FeedVersion:
    """A version of the feed that changes whenever its body would, from one or two aggregate
    queries, so an unchanged feed is answered with 304 without being built.

    It covers every event the feed may draw on (removed ones too), the feed's own settings, its
    target's name, the window's first day and, with personal data, the participations.
    """
    start = window_start(feed, now)
    events = Event.objects.filter(business=feed.business)
    if feed.kind == CalendarFeed.Kind.SCHEDULE:
        events = events.filter(schedule_id=feed.schedule_id)
    stats = events.aggregate(
        changed=Max("updated_date"), count=Count("id"), removed=Count("removed_date")
    )
    parts = [
        FEED_FORMAT,
        feed.token,
        str(feed.include_personal_data),
        feed.updated_date.isoformat(),
        feed.business.time_zone,
        feed.business.name,
        feed.target_name,
        _target_changed(feed).isoformat(),
        start.isoformat(),
        str(stats["changed"]),
        str(stats["count"]),
        str(stats["removed"]),
    ]
    changed = [start, feed.updated_date, _target_changed(feed)]
    if stats["changed"]:
        changed.append(stats["changed"])
    if feed.include_personal_data:
        people = Participation.objects.filter(business=feed.business).aggregate(
            changed=Max("updated_date"), count=Count("id"), cancelled=Count("cancelled_date")
        )
        parts += [str(people["changed"]), str(people["count"]), str(people["cancelled"])]
        if people["changed"]:
            changed.append(people["changed"])
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return FeedVersion(etag=f'"{digest}"', last_modified=max(changed))


def _target_changed(feed: CalendarFeed) -> datetime:
    if feed.kind == CalendarFeed.Kind.SCHEDULE:
        return feed.schedule.updated_date
    if feed.kind == CalendarFeed.Kind.RESOURCE:
        return feed.resource.updated_date
    return feed.business.created_date


def feed_body(feed: CalendarFeed, *, version: FeedVersion, now: datetime | None = None) -> bytes:
    """The feed's body for this version, built once and then kept in the cache.

    The version covers everything the body is made of, so a kept body is never stale; it spares
    the subscribers that do not send ``If-None-Match`` (most calendar apps) a rebuild per poll.
    """
    key = f"calendar-feed:{feed.pk}:{version.etag}"
    body = cache.get(key)
    if body is None:
        body = build_feed(feed, now=now)
        cache.set(key, body, settings.CALENDAR_FEED_CACHE_SECONDS)
    return body


def build_feed(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The feed as iCalendar, from plain rows: one query for the series, one for the other rows
    and, with personal data, one for their participants.

    Of a series' occurrences only those that may differ from the rule are read: exceptions,
    cancelled or removed ones, those written before their series last changed (a series edit
    leaves past occurrences as they were), and for a resource's feed those that another resource
    took over or, with personal data, that have participants. An occurrence the backend made
    from the rule and left alone is the rule's, so a year of a weekly class is one VEVENT read
    from one row.
    """
    start = window_start(feed, now)
    events = Event.objects.filter(business=feed.business).exclude(type=Event.Type.WORKING_HOURS)
    holds = _holds_resource(feed) if feed.kind == CalendarFeed.Kind.RESOURCE else None
    scope = Q(holds) if holds is not None else _scope(feed)
    series = events.filter(
        scope, recurrence_type=Event.RecurrenceType.MASTER, removed_date__isnull=True
    ).exclude(status=Event.Status.CANCELLED)
    masters = [
        ical.EventRow(*values)
        for values in series.order_by("start", "id").values_list(*ical.ROW_FIELDS)
    ]
    master_changed = Subquery(
        Event.objects.filter(pk=OuterRef("recurring_event_id")).order_by().values("updated_date")
    )
    # Only a series changed since it was made (revision above 1) can have stale occurrences, so
    # the per-row look at the series runs for those series' rows alone.
    changed_series = [master.id for master in masters if master.revision > 1]
    may_differ = (
        Q(recurrence_type=Event.RecurrenceType.EXCEPTION)
        | ~Q(status=Event.Status.CONFIRMED)
        | Q(removed_date__isnull=False)
        | Q(recurring_event_id__in=changed_series, updated_date__lt=master_changed)
    )
    if holds is not None:
        may_differ |= ~Q(holds)
    if feed.include_personal_data:
        may_differ |= Q(
            Exists(Participation.objects.filter(event=OuterRef("pk"), cancelled_date__isnull=True))
        )
    of_series = Q(recurring_event_id__in=series.values("pk"))
    occurrences = (
        events.exclude(recurrence_type=Event.RecurrenceType.MASTER)
        .filter(end__gt=start)
        .filter((of_series & may_differ) | (~of_series & scope & Q(removed_date__isnull=True)))
    )
    fields = ical.ROW_FIELDS
    if holds is not None:
        occurrences = occurrences.annotate(in_scope=holds)
        fields = (*fields, "in_scope")
    rows = [
        ical.EventRow(*values)
        for values in occurrences.order_by("start", "id").values_list(*fields)
    ]
    participants: dict[str, list[tuple[str, int]]] = {}
    if feed.include_personal_data:
        people = (
            Participation.objects.filter(
                business=feed.business,
                cancelled_date__isnull=True,
                event__in=occurrences.values("pk"),
            )
            .order_by("name", "id")
            .values_list("event_id", "name", "party_size")
        )
        for event_id, name, party_size in people:
            participants.setdefault(event_id, []).append((name, party_size))
    content = ical.FeedContent(
        name=feed.business.name
        if feed.kind == CalendarFeed.Kind.BUSINESS
        else f"{feed.target_name} · {feed.business.name}",
        time_zone=feed.business.time_zone,
        window_start=start,
        masters=masters,
        rows=rows,
        include_personal_data=feed.include_personal_data,
        participants=participants,
    )
    return ical.build_calendar(content)


def _scope(feed: CalendarFeed) -> Q:
    """The events a schedule's or the business's feed shows (resources: ``_holds_resource``)."""
    if feed.kind == CalendarFeed.Kind.SCHEDULE:
        return Q(schedule_id=feed.schedule_id)
    return Q()


def _holds_resource(feed: CalendarFeed) -> Exists:
    return Exists(EventResource.objects.filter(event=OuterRef("pk"), resource_id=feed.resource_id))


@dataclass(frozen=True)
class FeedTarget:
    """One line of the Subscribe page: what can be subscribed to and, if made, its link."""

    name: str
    kind: str
    target_id: str
    feed: CalendarFeed | None
    url: str = ""
    webcal_url: str = ""
    qr_svg: str = ""


@dataclass(frozen=True)
class SubscribePage:
    targets: list[FeedTarget]


def subscribe_page(business: Business, *, absolute_url) -> SubscribePage:
    """The business, its schedules (blocked time aside) and its resources, each with its feed.

    ``absolute_url`` turns a path into the full URL a phone can open. Three queries.
    """
    feeds = {
        (feed.kind, feed.schedule_id or feed.resource_id or ""): feed
        for feed in CalendarFeed.objects.filter(business=business)
    }
    targets = [(business.name, CalendarFeed.Kind.BUSINESS, "")]
    targets += [
        (name, CalendarFeed.Kind.SCHEDULE, pk)
        for pk, name in Schedule.objects.filter(business=business, is_blocked_time=False)
        .exclude(status=Schedule.Status.CANCELLED)
        .order_by("name")
        .values_list("pk", "name")
    ]
    targets += [
        (name, CalendarFeed.Kind.RESOURCE, pk)
        for pk, name in Resource.objects.filter(business=business)
        .order_by("type", "name")
        .values_list("pk", "name")
    ]
    return SubscribePage(
        targets=[
            _target(name, kind, target_id, feeds.get((kind, target_id)), absolute_url)
            for name, kind, target_id in targets
        ]
    )


def _target(name, kind, target_id, feed, absolute_url) -> FeedTarget:
    if feed is None or not feed.is_active:
        return FeedTarget(name=name, kind=kind, target_id=target_id, feed=feed)
    url = absolute_url(reverse("calendar_feed", kwargs={"token": feed.token}))
    webcal_url = "webcal://" + url.split("://", 1)[1]
    qr_svg = segno.make(webcal_url, error="m").svg_inline(scale=3, title=f"QR code: {name}")
    return FeedTarget(
        name=name,
        kind=kind,
        target_id=target_id,
        feed=feed,
        url=url,
        webcal_url=webcal_url,
        qr_svg=qr_svg,
    )
