"""The appointments contract on the wire ⇄ the local model: one module for every side.

The JSON API the app serves, the outgoing webhooks, the Magicline webhook intake and the Magicline
client all speak the contract (``specs/magicline-appointments.md``) through these functions and
the shapes of ``bookings.contract``: camelCase names, the contract's enum strings, integer ids,
and date-times as Java's ``ZonedDateTime`` writes them,
``2022-06-22T08:00:00.000+02:00[Europe/Berlin]`` (§1.10). A body that is not in its shape is a
``ContractError`` whose sentence and ``reference`` name the field.

Local staff resources have GUID string ids while the contract's instructor ids are integers: an
instructor's number is the resource id itself when that is a decimal number (an upstream's id)
and otherwise a stable 53-bit number derived from it (safe in JavaScript), mapped back by
comparing against the appointment's staff.
"""

import functools
import hashlib
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from bookings import contract
from bookings.contract import MAX_ID
from bookings.errors import ContractError
from bookings.models import AppointmentBooking, BookableAppointment, Customer
from bookings.slots import Instructor, Slot
from calendar_app.models import Resource

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- date-times and dates --------------------------------------------------------------------


def format_date_time(value: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``value`` in ``zone`` as the contract writes it: milliseconds, offset, ``[zone id]``."""
    local = value.astimezone(zone)
    offset = local.strftime("%z")
    return (
        f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond // 1000:03d}"
        f"{offset[:3]}:{offset[3:5]}[{zone.key}]"
    )


def parse_date_time(text: object, *, reference: str) -> datetime:
    """An aware datetime from the contract's form (``contract.zoned_date_time``); anything else
    is a ``ContractError`` whose sentence names the field and says what is wrong."""
    try:
        return contract.zoned_date_time(text)
    except ValueError as error:
        raise ContractError(f"{reference} {error}.", reference=reference) from None


def parse_date(text: str, *, reference: str) -> date:
    """A ``YYYY-MM-DD`` date."""
    if not _DATE.fullmatch(text):
        raise ContractError(f"{reference} must be a date as YYYY-MM-DD.", reference=reference)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ContractError(
            f"{reference} is not a day of the calendar.", reference=reference
        ) from None


# --- parsing a body into its shape ------------------------------------------------------------

_LIMITS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


def _sentence(error: dict, *, whole: str = "The request body") -> tuple[str, str | None]:
    """A pydantic error as (a sentence naming the field, the field's ``reference``).

    The reference is the dotted path of names (``payload.type``); the sentence also says which
    element of a list (``payload[0].type``). ``whole`` names the body itself when it is wrong.
    """
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    reference = ".".join(str(part) for part in error["loc"] if not isinstance(part, int))
    kind, context = error["type"], error.get("ctx") or {}
    if not path:
        return f"{whole} must be a {'list' if kind == 'list_type' else 'JSON object'}.", None
    if kind == "missing":
        return f"{path} is required.", reference
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{path} must be a whole number.", reference
    if kind in _LIMITS:
        words, key = _LIMITS[kind]
        return f"{path} is out of range: it must be {words} {context[key]}.", reference
    if kind == "string_type":
        return f"{path} must be text.", reference
    if kind == "string_too_long":
        return f"{path} must be at most {context['max_length']} characters.", reference
    if kind == "string_too_short":
        return f"{path} must not be empty.", reference
    if kind == "list_type":
        return f"{path} must be a list.", reference
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{path} must be a JSON object.", reference
    if kind in ("enum", "literal_error"):
        return f"{path} must be one of {context['expected']}.", reference
    if kind in ("bool_type", "bool_parsing"):
        return f"{path} must be true or false.", reference
    if kind == "value_error":
        return f"{path} {context['error']}.", reference
    return f"{path}: {error['msg']}.", reference


def parse_shape[S: BaseModel](shape: type[S], body: object) -> S:
    """``body`` (parsed JSON) as the contract's ``shape``; the first wrong field is a
    ``ContractError`` whose sentence and reference name it."""
    try:
        return shape.model_validate(body)
    except ValidationError as error:
        message, reference = _sentence(error.errors(include_url=False)[0])
        raise ContractError(message, reference=reference) from None


@functools.cache
def _adapter(shape: Any) -> TypeAdapter:
    return TypeAdapter(shape)


def parse_answer[T](shape: type[T], body: object) -> T:
    """An upstream's answer (parsed JSON) as ``shape``: a tolerant answer of ``contract`` or a
    list of them. The first wrong field is a ``ContractError`` whose sentence and reference
    name it."""
    try:
        return _adapter(shape).validate_python(body)
    except ValidationError as error:
        message, reference = _sentence(error.errors(include_url=False)[0], whole="The answer")
        raise ContractError(message, reference=reference) from None


# --- instructors -----------------------------------------------------------------------------


def instructor_number(resource_id: str) -> int:
    """The contract's integer id of a staff resource (see the module's docstring)."""
    if resource_id.isascii() and resource_id.isdecimal() and int(resource_id) <= MAX_ID:
        return int(resource_id)
    digest = hashlib.sha256(resource_id.encode()).digest()
    return int.from_bytes(digest[:8]) >> 11


def staff_resource_ids(numbers: Iterable[int], *, staff_ids: Iterable[str]) -> list[str]:
    """The resource ids of instructor numbers among ``staff_ids``.

    A number of nobody on the staff stays in the list as a string no resource has, so asking for
    an unknown instructor finds no free instructor rather than anyone.
    """
    by_number = {instructor_number(rid): rid for rid in staff_ids}
    return [by_number.get(number, f"unknown-instructor-{number}") for number in numbers]


def instructor(resource_id: str, name: str) -> contract.Instructor:
    """A staff member as the contract's instructor; the name is split at its first space."""
    first, _, last = name.strip().partition(" ")
    return contract.Instructor(
        id=instructor_number(resource_id),
        first_name=first,
        last_name=last.strip(),
        public_name=name,
    )


# --- objects ---------------------------------------------------------------------------------


def _text(value: str) -> str | None:
    """An optional text field: an empty one is left out, as the contract does."""
    return value or None


def bookable_appointment_to_json(appointment: BookableAppointment) -> dict:
    """A bookable appointment (§2.1/2.2): ``id``, ``title``, ``duration`` in minutes, …"""
    return contract.BookableAppointment(
        id=appointment.pk,
        title=_text(appointment.title),
        duration=appointment.duration_minutes,
        category=_text(appointment.category),
        description=_text(appointment.description),
    ).to_json()


def slots_to_json(slots: Iterable[Slot], zone: zoneinfo.ZoneInfo) -> list[dict]:
    """Free slots (§2.3): start, end and the instructors who can take each.

    A window lists the same few instructors thousands of times: each is mapped once.
    """
    instructors: dict[str, contract.Instructor] = {}

    def of(staff: Instructor) -> contract.Instructor:
        if staff.id not in instructors:
            instructors[staff.id] = instructor(staff.id, staff.name)
        return instructors[staff.id]

    return [
        contract.Slot(
            start_date_time=format_date_time(slot.start, zone),
            end_date_time=format_date_time(slot.end, zone),
            instructors=[of(staff) for staff in slot.instructors],
        ).to_json()
        for slot in slots
    ]


def booking_to_json(
    booking: AppointmentBooking, *, zone: zoneinfo.ZoneInfo, with_customer: bool = False
) -> dict:
    """An appointment booking (§2.5); ``customerId`` too for the one-booking read (§2.6).

    Expects ``appointment`` and ``booking_resources__resource`` loaded (instructors: its staff).
    """
    appointment = booking.appointment
    return contract.AppointmentBooking(
        booking_id=booking.pk,
        booking_status=booking.booking_status,
        start_date_time=format_date_time(booking.start, zone),
        end_date_time=format_date_time(booking.end, zone),
        title=_text(appointment.title),
        duration=appointment.duration_minutes,
        category=_text(appointment.category),
        description=_text(appointment.description),
        instructors=[
            instructor(held.resource_id, held.resource.name)
            for held in booking.booking_resources.all()
            if held.resource.type == Resource.Type.STAFF
        ],
        appointment_status=booking.appointment_status,
        participant_status=booking.participant_status,
        customer_id=booking.customer_id if with_customer else None,
    ).to_json()


def customer_to_json(customer: Customer, *, zone: zoneinfo.ZoneInfo) -> dict:
    """A customer (§2.10) with its idle periods; expects ``idle_periods`` prefetched."""
    return contract.Customer(
        id=customer.pk,
        first_name=_text(customer.first_name),
        last_name=_text(customer.last_name),
        email=_text(customer.email),
        phone_private_mobile=_text(customer.phone),
        status=customer.status,
        studio_id=customer.business_id,
        created_date_time=format_date_time(customer.created_date, zone),
        idle_periods=[
            contract.IdlePeriod(
                id=period.pk,
                start_date=period.start_date.isoformat(),
                end_date=period.end_date.isoformat(),
                reason=_text(period.reason),
                unlimited=False,
            )
            for period in customer.idle_periods.all()
        ],
        access_refusal=False,
    ).to_json()


# --- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotRequest:
    """The body of validate and book (§2.4/2.5), parsed into instants."""

    customer_id: int
    bookable_appointment_id: int
    start: datetime
    end: datetime
    instructor_numbers: list[int] | None


def parse_slot_request(body: object) -> SlotRequest:
    """The validate/book body; a wrong or missing field is a ``ContractError`` naming it."""
    shape = parse_shape(contract.SlotRequest, body)
    return SlotRequest(
        customer_id=shape.customer_id,
        bookable_appointment_id=shape.bookable_appointment_id,
        start=parse_date_time(shape.start_date_time, reference="startDateTime"),
        end=parse_date_time(shape.end_date_time, reference="endDateTime"),
        instructor_numbers=shape.instructor_ids or None,
    )


@dataclass(frozen=True)
class CustomerSearch:
    """The body of customer search (§2.10): every field optional."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    date_of_birth: date | None = None


def parse_customer_search(body: object) -> CustomerSearch:
    """The search body; strings must be strings, ``dateOfBirth`` a date, the card format known."""
    shape = parse_shape(contract.CustomerSearchRequest, body)
    birth = shape.date_of_birth
    return CustomerSearch(
        first_name=(shape.first_name or "").strip(),
        last_name=(shape.last_name or "").strip(),
        email=(shape.email or "").strip(),
        date_of_birth=parse_date(birth, reference="dateOfBirth") if birth else None,
    )


# --- webhooks --------------------------------------------------------------------------------


def parse_webhook_envelope(body: object) -> contract.WebhookEnvelope:
    """A webhook's envelope (§5.3): ``entityId``, ``uuid`` and the ``payload`` events."""
    return parse_shape(contract.WebhookEnvelope, body)


def webhook_envelope(*, entity_id: int, event_type: str, uuid: str, at: datetime) -> dict:
    """The webhook envelope (§5.3): one payload element, ``timestamp`` in epoch milliseconds."""
    return contract.WebhookEnvelope(
        entity_id=entity_id,
        uuid=uuid,
        payload=[contract.WebhookEvent(timestamp=round(at.timestamp() * 1000), type=event_type)],
    ).to_json()
