"""The local store of the appointments objects (Magicline's appointments contract).

Field names are the snake_case forms of the contract's camelCase names (``bookingStatus`` →
``booking_status``); enum values are the contract's strings. Ids are integers, as in the contract.
Instants are stored in UTC; working hours are wall-clock times in the business's zone.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import Event, Resource
from calendar_app.tenancy.models import Business


class FacilityGroup(models.Model):
    """Businesses that are facilities of one group: customers may book across them."""

    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    """The bookings side of a business: which group it belongs to, if any."""

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="facility")
    group = models.ForeignKey(
        FacilityGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilities",
    )

    class Meta:
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return f"{self.business} ({self.group or 'no group'})"


class BookableAppointment(models.Model):
    """An appointment type (a service) customers book slots of.

    Listed only when both ``bookable`` and ``online_bookable`` hold. A slot needs one free
    resource of each non-empty set: one of ``staff`` (required), one of ``rooms``, one of
    ``equipment``. Restrictions: a non-empty list admits only customers who have one of its values.
    """

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="bookable_appointments"
    )
    title = models.CharField(max_length=200)
    duration_minutes = models.PositiveIntegerField()
    category = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    bookable = models.BooleanField(default=True)
    online_bookable = models.BooleanField(default=True)
    staff = models.ManyToManyField(
        Resource,
        related_name="appointments_as_staff",
        limit_choices_to={"type": Resource.Type.STAFF},
        help_text="One of these staff members takes the appointment.",
    )
    rooms = models.ManyToManyField(
        Resource,
        related_name="appointments_as_room",
        blank=True,
        limit_choices_to={"type": Resource.Type.ROOM},
        help_text="If any, one of these rooms is needed.",
    )
    equipment = models.ManyToManyField(
        Resource,
        related_name="appointments_as_equipment",
        blank=True,
        limit_choices_to={"type": Resource.Type.EQUIPMENT},
        help_text="If any, one of these pieces of equipment is needed.",
    )
    slot_step_minutes = models.PositiveIntegerField(
        default=15, help_text="Slots start on this grid, counted from local midnight."
    )
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=0)
    minimum_notice_minutes = models.PositiveIntegerField(default=0)
    earliest_booking_days = models.PositiveIntegerField(
        default=30, help_text="Booking opens this many days before the start."
    )
    latest_booking_days = models.PositiveIntegerField(
        default=0, help_text="Booking closes this many days before the start (0: same day)."
    )
    cancellation_deadline_minutes = models.PositiveIntegerField(
        default=1440, help_text="A booking can be cancelled until this long before its start."
    )
    allowed_rates = models.JSONField(default=list, blank=True)
    required_additional_modules = models.JSONField(default=list, blank=True)
    required_member_codes = models.JSONField(default=list, blank=True)
    booking_limit_per_customer = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Upcoming bookings one customer may hold (empty: no limit).",
    )
    created_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(slot_step_minutes__gte=1),
                name="bookable_appointment_positive_duration_and_step",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_listed(self) -> bool:
        return self.bookable and self.online_bookable


class Customer(models.Model):
    class Status(models.TextChoices):
        MEMBER = "MEMBER", "Member"
        PROSPECT = "PROSPECT", "Prospect"
        FORMER_MEMBER = "FORMER_MEMBER", "Former member"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="customers")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MEMBER)
    rate = models.CharField(max_length=100, blank=True, help_text="The membership tariff.")
    additional_modules = models.JSONField(default=list, blank=True)
    member_codes = models.JSONField(default=list, blank=True)
    created_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["business", "last_name"], name="customer_business_last_name"),
            models.Index(fields=["business", "email"], name="customer_business_email"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class IdlePeriod(models.Model):
    """A pause of the customer's membership, both dates included."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="idle_periods")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="idle_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} idle {self.start_date}-{self.end_date}"


class Contingent(models.Model):
    """Credits a customer spends on bookings.

    Scope: one appointment, else one category, else (both empty) any appointment. Only an
    ``inclusive`` contingent may be spent in another facility of the customer's group.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contingents")
    name = models.CharField(max_length=200, blank=True)
    appointment = models.ForeignKey(
        BookableAppointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contingents",
    )
    category = models.CharField(max_length=100, blank=True)
    remaining_credits = models.PositiveIntegerField(default=0)
    inclusive = models.BooleanField(
        default=False, help_text="Valid in every facility of the customer's group."
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name or 'Contingent'} ({self.remaining_credits} left)"


class AppointmentBooking(models.Model):
    """A booked slot. ``id`` is the contract's ``bookingId``; it lives in the facility booked."""

    class BookingStatus(models.TextChoices):
        BOOKED = "BOOKED", "Booked"
        BOOKED_WITH_CONFIRMATION_REQUIRED = (
            "BOOKED_WITH_CONFIRMATION_REQUIRED",
            "Booked, confirmation required",
        )
        CANCELED = "CANCELED", "Cancelled"

    class AppointmentStatus(models.TextChoices):
        PLANNED = "PLANNED", "Planned"
        CANCELED = "CANCELED", "Cancelled"
        COMPLETED = "COMPLETED", "Completed"

    class ParticipantStatus(models.TextChoices):
        PARTICIPATING = "PARTICIPATING", "Participating"
        NOT_PARTICIPATING = "NOT_PARTICIPATING", "Not participating"
        UNSET = "UNSET", "Unset"

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="appointment_bookings"
    )
    # RESTRICT: a service or customer with bookings stays, unless its whole business goes.
    appointment = models.ForeignKey(
        BookableAppointment, on_delete=models.RESTRICT, related_name="bookings"
    )
    customer = models.ForeignKey(Customer, on_delete=models.RESTRICT, related_name="bookings")
    booking_status = models.CharField(
        max_length=40, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    appointment_status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.PLANNED
    )
    participant_status = models.CharField(
        max_length=20, choices=ParticipantStatus.choices, default=ParticipantStatus.UNSET
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    resources = models.ManyToManyField(
        Resource, through="BookingResource", related_name="appointment_bookings"
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment_bookings",
        help_text="The calendar event that shows the booking and blocks its resources.",
    )
    contingent = models.ForeignKey(
        Contingent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        help_text="The contingent whose credit the booking consumed.",
    )
    created_date = models.DateTimeField(default=timezone.now)
    cancelled_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["customer", "start"], name="booking_customer_start"),
            models.Index(fields=["business", "start"], name="booking_business_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appointment_booking_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment} for {self.customer} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.booking_status != self.BookingStatus.CANCELED


class BookingResource(models.Model):
    """A resource a booking holds from ``start`` to ``end`` (the slot plus its buffers).

    On PostgreSQL an exclusion constraint (added by migration 0001) forbids two active rows of
    one resource whose ranges overlap: the database's last word against double bookings.
    """

    booking = models.ForeignKey(
        AppointmentBooking, on_delete=models.CASCADE, related_name="booking_resources"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "resource"], name="unique_booking_resource"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="booking_resource_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["resource", "start", "end"], name="bookingresource_span"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} for booking {self.booking_id}"


class WorkingHours(models.Model):
    """A resource's weekly hours: wall-clock times in the business's zone (0 = Monday)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        verbose_name_plural = "working hours"
        ordering = ["resource", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="working_hours_order"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="working_hours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.get_weekday_display()} {self.start_time}-{self.end_time}"


class WorkingHoursOverride(models.Model):
    """A dated exception: the resource is closed that day, or works the given hours instead.

    Several open rows on one date are several shifts; one closed row closes the whole date.
    """

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="working_hours_overrides"
    )
    date = models.DateField()
    closed = models.BooleanField(default=False)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["resource", "date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed=True, start_time__isnull=True, end_time__isnull=True)
                | Q(
                    closed=False,
                    start_time__isnull=False,
                    end_time__isnull=False,
                    end_time__gt=models.F("start_time"),
                ),
                name="working_hours_override_closed_or_hours",
            ),
        ]
        indexes = [models.Index(fields=["resource", "date"], name="hours_override_date")]

    def __str__(self) -> str:
        what = "closed" if self.closed else f"{self.start_time}-{self.end_time}"
        return f"{self.resource} {self.date} {what}"


class ApiKey(models.Model):
    """A facility's key for the JSON API (``X-API-KEY``).

    Only the key's sha256 is stored: a request's key is found by its hash, so the secret itself is
    never compared byte by byte nor kept. The key is shown once, when it is made; ``prefix`` lets
    the owner recognise it later. A revoked key stays listed and answers 401.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_date = models.DateTimeField(default=timezone.now)
    revoked_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_date", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_date is None


class WebhookSubscription(models.Model):
    """A URL the owner wants told about the facility's bookings (the contract's envelope, §5).

    ``api_key`` is sent in every delivery's ``x-api-key`` header so the receiver knows the call is
    ours; unlike an API key it must be kept to be sent, so it is never rendered back in full.
    """

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=500)
    api_key = models.CharField(max_length=100)
    created_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_date", "id"]

    def __str__(self) -> str:
        return self.url

    @property
    def key_prefix(self) -> str:
        return self.api_key[:8]
