"""factory-boy factories, one per model."""

from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from calendar_app import recurrence
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import (
    Business,
    ChangeRecord,
    Event,
    EventResource,
    Membership,
    Resource,
    Schedule,
    format_local_date,
)
from participants.models import Participation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Studio {n}")
    slug = factory.Sequence(lambda n: f"studio-{n}")
    time_zone = "Europe/Berlin"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    business = factory.SubFactory(BusinessFactory)
    role = Membership.Role.OWNER


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Schedule {n}")
    default_title = factory.LazyAttribute(lambda s: s.name)
    default_capacity = 10


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Resource {n}")
    type = Resource.Type.STAFF


class EventFactory(factory.django.DjangoModelFactory):
    """A one-off event. Pass ``start_local`` (naive wall-clock) and optionally ``duration``."""

    class Meta:
        model = Event
        exclude = ["start_local", "duration"]

    schedule = factory.SubFactory(ScheduleFactory)
    business = factory.LazyAttribute(lambda e: e.schedule.business)
    title = factory.Sequence(lambda n: f"Event {n}")
    type = Event.Type.CLASS
    time_zone = factory.LazyAttribute(lambda e: e.business.time_zone)
    start_local = datetime(2026, 6, 1, 9, 0)
    duration = timedelta(hours=1)
    start_local_date = factory.LazyAttribute(lambda e: format_local_date(e.start_local))
    end_local_date = factory.LazyAttribute(lambda e: format_local_date(e.start_local + e.duration))
    start = factory.LazyAttribute(lambda e: recurrence.to_utc(e.start_local, e.time_zone))
    end = factory.LazyAttribute(
        lambda e: recurrence.to_utc(e.start_local + e.duration, e.time_zone)
    )
    total_capacity = 10
    remaining_capacity = factory.LazyAttribute(lambda e: e.total_capacity)


class EventResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventResource

    event = factory.SubFactory(EventFactory)
    resource = factory.SubFactory(
        ResourceFactory, business=factory.SelfAttribute("..event.business")
    )


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    """A schedule's feed (pass ``kind`` and ``resource`` or ``schedule=None`` for the others)."""

    class Meta:
        model = CalendarFeed

    schedule = factory.SubFactory(ScheduleFactory)
    business = factory.LazyAttribute(
        lambda f: (f.schedule or f.resource).business if (f.schedule or f.resource) else None
    )
    kind = CalendarFeed.Kind.SCHEDULE
    resource = None


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    event = factory.SubFactory(EventFactory)
    business = factory.LazyAttribute(lambda p: p.event.business)
    name = factory.Faker("name")
    email = factory.Faker("email")
    phone = factory.Faker("phone_number")
    party_size = 1


class ChangeRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRecord

    business = factory.SubFactory(BusinessFactory)
    actor_kind = ChangeRecord.ActorKind.SYSTEM
    object_type = "Event"
    object_id = factory.Sequence(lambda n: f"event-{n}")
    action = "update"


def next_monday(hour: int = 9) -> datetime:
    """Next week's Monday at ``hour`` (naive wall-clock): a series start that is always ahead."""
    today = timezone.localdate()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime(monday.year, monday.month, monday.day, hour)


def weekly_series(schedule, *, actor=None, interval: int = 1, total_capacity: int = 8) -> Event:
    """A "Morning yoga" MASTER on Mondays 09:00-10:00 from next week, made by the real service."""
    from calendar_app.services import create_event

    start = next_monday()
    return create_event(
        actor=actor,
        schedule=schedule,
        title="Morning yoga",
        start_local=start,
        end_local=start + timedelta(hours=1),
        recurrence_rule=recurrence.weekly_rule(day="MONDAY", interval=interval),
        total_capacity=total_capacity,
    )
