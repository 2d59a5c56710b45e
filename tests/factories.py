"""factory-boy factories, one per model."""

from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.api.auth import key_hash
from bookings.magicline.models import MagiclineConnection, MagiclineInstructor
from bookings.models import (
    ApiKey,
    AppointmentBooking,
    BookableAppointment,
    BookingResource,
    Contingent,
    Customer,
    Facility,
    FacilityGroup,
    IdlePeriod,
    WebhookSubscription,
    WorkingHours,
    WorkingHoursOverride,
)
from calendar_app import recurrence
from calendar_app.conferencing.models import (
    ConferencingAutomation,
    GoogleCredentials,
    Meeting,
    Provider,
)
from calendar_app.feeds.models import CalendarFeed
from calendar_app.models import (
    BulkOperation,
    ChangeRecord,
    Event,
    EventResource,
    Resource,
    Schedule,
    format_local_date,
)
from calendar_app.tenancy.models import Business, Membership
from calendar_app.wix.models import WixConnection
from participants.models import Participation, WaitlistEntry


def days_ahead_at_ten(days: int) -> datetime:
    """A naive local date-time ``days`` days from today, at 10:00: a class of a few hours made
    at it starts and ends on one day, at whatever hour the suite runs."""
    return (datetime.now() + timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )


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


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    """Someone waiting on ``event`` (pass ``promoted_date`` or ``removed_date`` for history)."""

    class Meta:
        model = WaitlistEntry

    event = factory.SubFactory(EventFactory)
    business = factory.LazyAttribute(lambda w: w.event.business)
    name = factory.Faker("name")
    party_size = 1
    position = factory.Sequence(lambda n: n + 1)


class WixConnectionFactory(factory.django.DjangoModelFactory):
    """A business connected to a Wix site (the business's backend becomes ``wix``)."""

    class Meta:
        model = WixConnection

    business = factory.SubFactory(BusinessFactory, backend=Business.Backend.WIX)
    base_url = "http://127.0.0.1:9"
    api_key = factory.Sequence(lambda n: f"IST.test-api-key-{n:04d}-secret")
    site_id = factory.Sequence(lambda n: f"site-{n}")
    instance_id = factory.Sequence(lambda n: f"instance-{n}")
    public_key_pem = "-----BEGIN PUBLIC KEY-----\ntest\n-----END PUBLIC KEY-----\n"

    @classmethod
    def mirroring(cls, server, **fields) -> WixConnection:
        """A connection to a fake Calendar V3 server (tests/fakes/wix_server.py) whose webhooks
        are signed with the test key, its business in the server's time zone."""
        from tests.fakes import wix_signing

        return cls(
            base_url=server.base_url,
            api_key=server.api_key,
            site_id=server.site_id,
            public_key_pem=wix_signing.PUBLIC_KEY_PEM,
            business__time_zone=server.time_zone,
            **fields,
        )


class ConferencingAutomationFactory(factory.django.DjangoModelFactory):
    """ "Add a meeting automatically" for a schedule (pass ``appointment=`` and
    ``schedule=None`` for a service)."""

    class Meta:
        model = ConferencingAutomation

    schedule = factory.SubFactory(ScheduleFactory)
    appointment = None
    business = factory.LazyAttribute(lambda a: (a.schedule or a.appointment).business)
    enabled = True
    provider = Provider.BUILTIN


class GoogleCredentialsFactory(factory.django.DjangoModelFactory):
    """Credentials that the fake Google server (tests/fakes/google_calendar_server.py) takes."""

    class Meta:
        model = GoogleCredentials

    business = factory.SubFactory(BusinessFactory)
    client_id = "fake-client.apps.googleusercontent.com"
    client_secret = "GOCSPX-fake-client-secret"
    refresh_token = "1//fake-refresh-token"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    event = factory.SubFactory(EventFactory)
    business = factory.LazyAttribute(lambda m: m.event.business)
    provider = Provider.BUILTIN
    state = Meeting.State.READY
    external_id = factory.Sequence(lambda n: f"room-{n:04d}-unguessable")
    host_url = factory.LazyAttribute(lambda m: f"https://meet.example.test/{m.external_id}")
    guest_url = factory.LazyAttribute(lambda m: m.host_url)


class ChangeRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRecord

    business = factory.SubFactory(BusinessFactory)
    actor_kind = ChangeRecord.ActorKind.SYSTEM
    object_type = "Event"
    object_id = factory.Sequence(lambda n: f"event-{n}")
    action = "update"


class BulkOperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BulkOperation

    schedule = factory.SubFactory(ScheduleFactory, status=Schedule.Status.CANCELLED)
    business = factory.LazyAttribute(lambda o: o.schedule.business)
    kind = BulkOperation.Kind.CANCEL_SCHEDULE
    cutoff = factory.LazyFunction(timezone.now)
    total = 1000


class FacilityGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilityGroup

    name = factory.Sequence(lambda n: f"Group {n}")


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        django_get_or_create = ["business"]

    business = factory.SubFactory(BusinessFactory)
    group = factory.SubFactory(FacilityGroupFactory)


class BookableAppointmentFactory(factory.django.DjangoModelFactory):
    """A 60-minute service on a 15-minute grid; pass ``staff=[...]`` (and rooms, equipment)."""

    class Meta:
        model = BookableAppointment
        skip_postgeneration_save = True

    business = factory.SubFactory(BusinessFactory)
    title = factory.Sequence(lambda n: f"Service {n}")
    duration_minutes = 60
    category = "Training"
    slot_step_minutes = 15
    earliest_booking_days = 60
    cancellation_deadline_minutes = 60

    @factory.post_generation
    def staff(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.staff.set(extracted)

    @factory.post_generation
    def rooms(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.rooms.set(extracted)

    @factory.post_generation
    def equipment(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.equipment.set(extracted)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    business = factory.SubFactory(BusinessFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttributeSequence(
        lambda c, n: f"{c.first_name.lower()}.{c.last_name.lower()}{n}@example.com"
    )
    status = Customer.Status.MEMBER
    rate = "Premium"


class ContingentFactory(factory.django.DjangoModelFactory):
    """Ten credits for any appointment of the customer's facility."""

    class Meta:
        model = Contingent

    customer = factory.SubFactory(CustomerFactory)
    name = "10-session card"
    remaining_credits = 10


class IdlePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdlePeriod

    customer = factory.SubFactory(CustomerFactory)
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyAttribute(lambda p: p.start_date + timedelta(days=14))


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    """Monday 09:00-17:00."""

    class Meta:
        model = WorkingHours

    resource = factory.SubFactory(ResourceFactory)
    weekday = 0
    start_time = "09:00"
    end_time = "17:00"


class WorkingHoursOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHoursOverride

    resource = factory.SubFactory(ResourceFactory)
    date = factory.LazyFunction(timezone.localdate)
    closed = True


class AppointmentBookingFactory(factory.django.DjangoModelFactory):
    """A booking row as stored (no calendar event, no credit spent): for reads and benchmarks.

    Bookings made the real way go through ``bookings.services.book_appointment``.
    """

    class Meta:
        model = AppointmentBooking

    appointment = factory.SubFactory(BookableAppointmentFactory)
    business = factory.LazyAttribute(lambda b: b.appointment.business)
    customer = factory.SubFactory(
        CustomerFactory, business=factory.SelfAttribute("..appointment.business")
    )
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    end = factory.LazyAttribute(lambda b: b.start + timedelta(minutes=60))


class BookingResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingResource

    booking = factory.SubFactory(AppointmentBookingFactory)
    resource = factory.SubFactory(
        ResourceFactory, business=factory.SelfAttribute("..booking.business")
    )
    start = factory.LazyAttribute(lambda r: r.booking.start)
    end = factory.LazyAttribute(lambda r: r.booking.end)


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A facility's API key; pass ``raw_key`` to know the secret (only its hash is stored)."""

    class Meta:
        model = ApiKey

    class Params:
        raw_key = factory.Sequence(lambda n: f"dk_test-key-{n}")

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Integration {n}")
    key_hash = factory.LazyAttribute(lambda k: key_hash(k.raw_key))
    prefix = factory.LazyAttribute(lambda k: k.raw_key[:8])


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    business = factory.SubFactory(BusinessFactory)
    url = "http://127.0.0.1:9/hook"
    api_key = factory.Sequence(lambda n: f"dk_webhook-key-{n}")


class MagiclineConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MagiclineConnection

    business = factory.SubFactory(BusinessFactory)
    base_url = factory.Sequence(lambda n: f"https://studio-{n}.open-api.magicline.com")
    api_key = factory.Sequence(lambda n: f"open-api-key-{n:04d}")
    webhook_key = factory.Sequence(lambda n: f"webhook-key-{n:04d}")


class MagiclineInstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MagiclineInstructor

    connection = factory.SubFactory(MagiclineConnectionFactory)
    magicline_id = factory.Sequence(lambda n: 5000 + n)
    resource = factory.SubFactory(
        "tests.factories.ResourceFactory",
        business=factory.SelfAttribute("..connection.business"),
        type="STAFF",
    )
    name = factory.LazyAttribute(lambda o: o.resource.name)


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
