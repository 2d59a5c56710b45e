"""Feed reads: the feed behind a token, its version for conditional GET, its iCalendar body,
and the Subscribe page."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from calendar_app.feeds import ical
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import Business, Event, EventResource, Resource, Schedule
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


def feed_body(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The feed as iCalendar: one query for the series, one for the other events in the window
    and, with personal data, one for their participants, all read as plain rows."""
    start = window_start(feed, now)
    shown = Event.objects.filter(business=feed.business, removed_date__isnull=True).exclude(
        type=Event.Type.WORKING_HOURS
    )
    scope = Q(_holds_resource(feed)) if feed.kind == CalendarFeed.Kind.RESOURCE else _scope(feed)
    masters = [
        ical.MasterRow(*values)
        for values in shown.filter(scope, recurrence_type=Event.RecurrenceType.MASTER)
        .exclude(status=Event.Status.CANCELLED)
        .order_by("start", "id")
        .values_list(*ical.MASTER_FIELDS)
    ]
    occurrences = shown.exclude(recurrence_type=Event.RecurrenceType.MASTER).filter(end__gt=start)
    if feed.kind == CalendarFeed.Kind.RESOURCE:
        # A resource's feed also reads its series' occurrences that another resource took over.
        occurrences = occurrences.filter(
            scope | Q(recurring_event_id__in=[master.id for master in masters])
        ).annotate(in_scope=_holds_resource(feed))
        fields = (*ical.ROW_FIELDS, "in_scope")
    else:
        occurrences = occurrences.filter(scope)
        fields = ical.ROW_FIELDS
    rows = [
        ical.OccurrenceRow(*values)
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
        name=f"{feed.target_name} · {feed.business.name}"
        if feed.kind != CalendarFeed.Kind.BUSINESS
        else feed.business.name,
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
