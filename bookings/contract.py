"""The appointments contract's JSON shapes (``specs/magicline-appointments.md``) as pydantic models.

One model per shape, with the contract's names on the wire (camelCase aliases of the snake_case
attributes) and its enums. Date-times and dates stay the strings the wire carries: turning them
into instants is ``bookings.mapping``'s job, which also turns a ``ValidationError`` into a
``ContractError`` naming the field. Unknown fields are ignored (the contract keeps growing);
the request bodies the app receives are strict (``"1"`` is no id, ``true`` is no number).

The answers of an upstream speaking the contract (Magicline) are read through tolerant versions
of the shapes (``…Answer``): a status the contract does not list yet reads as the safe default,
while a missing id, a wrong type or a date-time not in the contract's form is a validation error
naming the field.
"""

import re
import zoneinfo
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bookings.models import AppointmentBooking as StoredBooking
from bookings.models import Customer as StoredCustomer

MAX_ID = 2**63 - 1

# A contract id: a JSON integer (never a string or a boolean), positive, 64-bit.
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Text = Annotated[str, Field(strict=True, max_length=200)]

# The statuses the local store keeps are the contract's enums already.
BookingStatus = StoredBooking.BookingStatus
AppointmentStatus = StoredBooking.AppointmentStatus
ParticipantStatus = StoredBooking.ParticipantStatus
CustomerStatus = StoredCustomer.Status


# --- §1.10 date-times ----------------------------------------------------------------------------

DATE_TIME_EXAMPLE = "e.g. 2024-05-01T10:00:00.000+02:00[Europe/Berlin]"
# The form as a JSON Schema ``pattern`` (ECMA-262; ASCII digits only, as in the parser below):
# local date and time, an offset (or Z), then an optional ``[zone id]``.
ZONED_DATE_TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})(?:\[[A-Za-z0-9_+\-/]{1,64}\])?$"
)
_ZONED_DATE_TIME = re.compile(
    r"(?P<local>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})"
    r"(?:\[(?P<zone>[A-Za-z0-9_+\-/]{1,64})\])?"
)
# Instants far from now cannot be shifted by a zone, a duration or a buffer without leaving
# Python's calendar (year 1 to 9999): the contract's date-times lie within these years.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def zoned_date_time(text: object) -> datetime:
    """An aware datetime from the contract's form; the ``[zone]`` is optional.

    Anything else is a ``ValueError`` whose message completes a sentence that starts with the
    field's name: a missing offset, a day that does not exist, a year outside
    ``FIRST_YEAR``-``LAST_YEAR``, an unknown zone, or an offset the zone does not have at that
    instant (the string contradicts itself).
    """
    if not isinstance(text, str):
        raise ValueError(f"must be a date-time string ({DATE_TIME_EXAMPLE})")
    match = _ZONED_DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"is not a date-time with an offset ({DATE_TIME_EXAMPLE})")
    local = match["local"]
    if "." in local:  # Python keeps microseconds: cut nanoseconds off
        whole, fraction = local.split(".")
        local = f"{whole}.{fraction[:6]:0<6}"
    offset = "+00:00" if match["offset"] == "Z" else match["offset"]
    try:
        value = datetime.fromisoformat(local + offset)
    except ValueError:
        raise ValueError(f"names a day or time that does not exist ({text})") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must lie in the years {FIRST_YEAR} to {LAST_YEAR} ({text})")
    if match["zone"] is None:
        return value
    try:
        zone = zoneinfo.ZoneInfo(match["zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones
        raise ValueError(f"names an unknown time zone ({match['zone']})") from None
    if value.astimezone(zone).utcoffset() != value.utcoffset():
        raise ValueError(
            f"has the offset {match['offset']}, which is not the offset of {zone.key} at that time"
        )
    return value.astimezone(zone)


def _zoned_text(text: str) -> str:
    zoned_date_time(text)
    return text


# A date-time as an upstream answers it: the string kept as received, checked to be readable.
ZonedDateTimeText = Annotated[str, Field(strict=True), AfterValidator(_zoned_text)]

# A date-time on the wire as the published schema describes it (``pattern``); a request's is
# parsed by ``zoned_date_time`` (in ``bookings.mapping``), whose sentences name the field.
ZonedDateTime = Annotated[
    str,
    Field(
        strict=True,
        description="A date-time with its offset and, optionally, its zone id (§1.10).",
        json_schema_extra={
            "pattern": ZONED_DATE_TIME_PATTERN,
            "examples": ["2026-12-07T10:00:00.000+01:00[Europe/Berlin]"],
        },
    ),
]
# A calendar day, ``YYYY-MM-DD``, as an answer carries it.
DateText = Annotated[str, Field(strict=True, json_schema_extra={"format": "date"})]
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _calendar_day(text: str) -> str:
    """A request's day: ``YYYY-MM-DD`` in ASCII digits, and a day of the calendar."""
    if not _DAY.fullmatch(text):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a day of the calendar") from None
    return text


# A calendar day in a request: an empty string is no day (leave the field out instead).
RequestDate = Annotated[DateText, AfterValidator(_calendar_day)]


class ValidationStatus(StrEnum):
    """``validationStatus`` of validate (§2.4), exactly."""

    AVAILABLE = "AVAILABLE"
    PAST_START_DATE_TIME = "PAST_START_DATE_TIME"
    END_DATE_TIME_NOT_AFTER_START_DATE_TIME = "END_DATE_TIME_NOT_AFTER_START_DATE_TIME"
    PERIOD_DOES_NOT_MATCH = "PERIOD_DOES_NOT_MATCH"
    CUSTOMER_IN_OTHER_BOOKING = "CUSTOMER_IN_OTHER_BOOKING"
    CUSTOMER_IDLE = "CUSTOMER_IDLE"
    NO_CONTINGENT = "NO_CONTINGENT"
    BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED = (
        "BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED"
    )
    BOOKING_LIMIT_REACHED = "BOOKING_LIMIT_REACHED"
    DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME = "DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME"
    DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME = "DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME"
    STUDIO_CLOSED = "STUDIO_CLOSED"
    RESOURCE_NOT_AVAILABLE = "RESOURCE_NOT_AVAILABLE"
    NOT_AVAILABLE = "NOT_AVAILABLE"


class CardNumberFormat(StrEnum):
    DECIMAL = "DECIMAL"
    HEX_MSB = "HEX_MSB"
    HEX_LSB = "HEX_LSB"


class TypedArgType(StrEnum):
    """``typedArgs[].type`` of the ErrorResponse (§1.8)."""

    TIMESTAMP = "TIMESTAMP"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    MONTH_DAY = "MONTH_DAY"
    TIME = "TIME"
    TERM = "TERM"
    TERM_LIST = "TERM_LIST"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    STRING = "STRING"
    MONEY = "MONEY"
    LIMITABLE_CONFIG_PROPERTY = "LIMITABLE_CONFIG_PROPERTY"
    I18N_KEY = "I18N_KEY"
    I18N_KEY_LIST = "I18N_KEY_LIST"
    PERMISSION_LIST = "PERMISSION_LIST"
    ENUM = "ENUM"
    AVAILABILITY_LIST = "AVAILABILITY_LIST"


class BookingEventType(StrEnum):
    """The webhook event types about appointment bookings (§5.5; ``CANCELLED`` with two Ls)."""

    CREATED = "APPOINTMENT_BOOKING_CREATED"
    UPDATED = "APPOINTMENT_BOOKING_UPDATED"
    CANCELLED = "APPOINTMENT_BOOKING_CANCELLED"


class Shape(BaseModel):
    """A contract shape: camelCase on the wire, unknown fields ignored, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, extra="ignore", frozen=True
    )

    def to_json(self) -> dict:
        """The shape as the wire carries it: contract names, absent optional fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --- §1.8 errors --------------------------------------------------------------------------------


class TypedArg(Shape):
    value: Any
    type: TypedArgType


class ErrorResponse(Shape):
    error_message: str
    error_code: str | None = None
    trace_id: str | None = None
    reference: str | None = None
    args: list[Any] | None = None
    typed_args: list[TypedArg] | None = None


# --- §2.1-2.8 appointments ----------------------------------------------------------------------


class BookableAppointment(Shape):
    id: Id
    title: str | None = None
    duration: int | None = None
    category: str | None = None
    description: str | None = None
    img_url: str | None = None


class Instructor(Shape):
    id: int
    first_name: str
    last_name: str
    public_name: str | None = None


class Slot(Shape):
    start_date_time: ZonedDateTime | None = None
    end_date_time: ZonedDateTime | None = None
    instructors: list[Instructor] | None = None


class SlotRequest(Shape):
    """The body of validate and book (§2.4, §2.5)."""

    customer_id: Id
    bookable_appointment_id: Id
    start_date_time: ZonedDateTime
    end_date_time: ZonedDateTime
    instructor_ids: list[Id] | None = None


class ValidationResult(Shape):
    validation_status: ValidationStatus


class AppointmentBooking(Shape):
    """A booking (§2.5); ``customerId`` only in the one-booking read (§2.6)."""

    booking_id: Id
    booking_status: BookingStatus
    start_date_time: ZonedDateTime
    end_date_time: ZonedDateTime
    title: str | None = None
    duration: int | None = None
    category: str | None = None
    description: str | None = None
    img_url: str | None = None
    instructors: list[Instructor] | None = None
    appointment_status: AppointmentStatus
    participant_status: ParticipantStatus
    customer_id: Id | None = None


class DeleteResult(Shape):
    success: str | None = None


# --- §2.10 customers ----------------------------------------------------------------------------


class IdlePeriod(Shape):
    id: int
    start_date: DateText
    end_date: DateText
    reason: str | None = None
    unlimited: bool


class Customer(Shape):
    id: Id
    customer_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    date_of_birth: DateText | None = None
    status: CustomerStatus
    studio_id: int | None = None
    phone_private_mobile: str | None = None
    created_date_time: ZonedDateTime | None = None
    idle_periods: list[IdlePeriod] | None = None
    access_refusal: bool


class CustomerSearchRequest(Shape):
    """The body of customer search: every field optional."""

    first_name: Text | None = None
    last_name: Text | None = None
    email: Text | None = None
    date_of_birth: RequestDate | None = None
    card_number_format: CardNumberFormat | None = None


# --- §1.9 slices --------------------------------------------------------------------------------


class SlicedResult[T](Shape):
    result: list[T]
    offset: str
    has_next: bool


class BookableAppointmentSlice(SlicedResult[BookableAppointment]):
    """A slice of the bookable appointments (§2.1)."""


class CustomerSlice(SlicedResult[Customer]):
    """A slice of the facility's customers (§2.10)."""


# --- §5.3 webhooks ------------------------------------------------------------------------------


class WebhookEvent(Shape):
    """One element of a webhook's ``payload``: ``type`` stays a string (unknown types exist)."""

    timestamp: Annotated[int, Field(strict=True)]
    type: Annotated[str, Field(strict=True, min_length=1, max_length=100)]
    content: dict[str, Any] | None = None


class WebhookEnvelope(Shape):
    entity_id: Annotated[int, Field(strict=True, ge=-(2**63), le=MAX_ID)]
    uuid: Annotated[str, Field(strict=True, min_length=1, max_length=64)]
    payload: list[WebhookEvent]


# --- the answers of an upstream speaking the contract: tolerant ---------------------------------


def listed_or[E: Enum](enum: type[E], default: E) -> BeforeValidator:
    """An enum of an upstream's answer: a value the contract does not list (yet) reads as
    ``default``; a value that is not even a string stays an error."""
    listed = {member.value for member in enum}

    def read(value: object) -> object:
        return default if isinstance(value, str) and value not in listed else value

    return BeforeValidator(read)


class InstructorAnswer(Instructor):
    """An instructor as the upstream lists it: only its ``id`` is sure."""

    first_name: str | None = None
    last_name: str | None = None

    @property
    def name(self) -> str:
        """How the upstream names the instructor to customers: ``publicName``, else first and
        last name, else a placeholder with the id."""
        name = self.public_name or f"{self.first_name or ''} {self.last_name or ''}"
        return name.strip()[:200] or f"Instructor {self.id}"


class SlotAnswer(Slot):
    """A free slot (§2.3): both date-times required, kept as received."""

    start_date_time: ZonedDateTimeText
    end_date_time: ZonedDateTimeText
    instructors: list[InstructorAnswer] | None = None


class ValidationAnswer(ValidationResult):
    validation_status: Annotated[
        ValidationStatus, listed_or(ValidationStatus, ValidationStatus.NOT_AVAILABLE)
    ]


class BookingAnswer(AppointmentBooking):
    """A booking (§2.5, §2.7): an unknown or missing status reads as BOOKED, PLANNED, UNSET."""

    booking_status: Annotated[BookingStatus, listed_or(BookingStatus, BookingStatus.BOOKED)] = (
        BookingStatus.BOOKED
    )
    appointment_status: Annotated[
        AppointmentStatus, listed_or(AppointmentStatus, AppointmentStatus.PLANNED)
    ] = AppointmentStatus.PLANNED
    participant_status: Annotated[
        ParticipantStatus, listed_or(ParticipantStatus, ParticipantStatus.UNSET)
    ] = ParticipantStatus.UNSET
    start_date_time: ZonedDateTimeText
    end_date_time: ZonedDateTimeText
    instructors: list[InstructorAnswer] | None = None

    @property
    def start(self) -> datetime:
        return zoned_date_time(self.start_date_time)

    @property
    def end(self) -> datetime:
        return zoned_date_time(self.end_date_time)


class BookingWithCustomerAnswer(BookingAnswer):
    """The one-booking read (§2.6): it names the booking's customer."""

    customer_id: Id


class CustomerAnswer(Customer):
    """A customer (§2.10): an unknown or missing status reads as MEMBER; the idle periods,
    which the app does not read from the upstream, are not checked."""

    status: Annotated[CustomerStatus, listed_or(CustomerStatus, CustomerStatus.MEMBER)] = (
        CustomerStatus.MEMBER
    )
    idle_periods: list[Any] | None = None
    access_refusal: bool = False


class SlicedAnswer[T](Shape):
    """A slice of a sliced result (§1.9): no ``offset`` or ``hasNext`` means the last one."""

    result: list[T] = []
    offset: str | None = None
    has_next: bool = False
