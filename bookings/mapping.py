"""The appointments contract on the wire ⇄ the local model: one module for every side.

The JSON API the app serves, the outgoing webhooks and (later) the Magicline client all speak the
contract (``specs/magicline-appointments.md``) through these functions: camelCase names, the
contract's enum strings, integer ids, and date-times as Java's ``ZonedDateTime`` writes them,
``2022-06-22T08:00:00.000+02:00[Europe/Berlin]`` (§1.10).

Local staff resources have GUID string ids while the contract's instructor ids are integers: an
instructor's number is the resource id itself when that is a decimal number (an upstream's id)
and otherwise a stable 53-bit number derived from it (safe in JavaScript), mapped back by
comparing against the appointment's staff.
"""

import hashlib
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bookings.models import AppointmentBooking, BookableAppointment, Customer
from bookings.slots import Instructor, Slot
from calendar_app.models import Resource

MAX_ID = 2**63 - 1

_ZONED_DATE_TIME = re.compile(
    r"(?P<local>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})"
    r"(?:\[(?P<zone>[A-Za-z0-9_+\-/]{1,64})\])?"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ContractError(ValueError):
    """A value that is not in the contract's form; the message says what was expected.

    ``reference`` is the field's name in the contract (ErrorResponse ``reference``).
    """

    def __init__(self, message: str, *, reference: str):
        self.reference = reference
        super().__init__(message)


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
    """An aware datetime from the contract's form; the ``[zone]`` is optional.

    A missing offset, an unknown zone, or an offset the zone does not have at that instant (the
    string contradicts itself) is a ``ContractError``.
    """
    example = "e.g. 2024-05-01T10:00:00.000+02:00[Europe/Berlin]"
    if not isinstance(text, str):
        raise ContractError(
            f"{reference} must be a date-time string ({example}).", reference=reference
        )
    match = _ZONED_DATE_TIME.fullmatch(text)
    if match is None:
        raise ContractError(
            f"{reference} is not a date-time with an offset ({example}).", reference=reference
        )
    local = match["local"]
    if "." in local:  # Python keeps microseconds: cut nanoseconds off
        whole, fraction = local.split(".")
        local = f"{whole}.{fraction[:6]:0<6}"
    offset = "+00:00" if match["offset"] == "Z" else match["offset"]
    try:
        value = datetime.fromisoformat(local + offset)
    except ValueError:
        raise ContractError(
            f"{reference} names a day or time that does not exist ({text}).", reference=reference
        ) from None
    if match["zone"] is None:
        return value
    try:
        zone = zoneinfo.ZoneInfo(match["zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ContractError(
            f"{reference} names an unknown time zone ({match['zone']}).", reference=reference
        ) from None
    if value.astimezone(zone).utcoffset() != value.utcoffset():
        raise ContractError(
            f"{reference}: the offset {match['offset']} is not the offset of {zone.key} "
            "at that time.",
            reference=reference,
        )
    return value.astimezone(zone)


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


def parse_id(value: object, *, reference: str) -> int:
    """A contract id: a JSON integer (not a boolean, not a string), positive and 64-bit."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContractError(f"{reference} must be a whole number.", reference=reference)
    if not 1 <= value <= MAX_ID:
        raise ContractError(f"{reference} is not a valid id.", reference=reference)
    return value


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


def instructor_to_json(resource_id: str, name: str) -> dict:
    """A staff member as the contract's instructor; the name is split at its first space."""
    first, _, last = name.strip().partition(" ")
    return {
        "id": instructor_number(resource_id),
        "firstName": first,
        "lastName": last.strip(),
        "publicName": name,
    }


# --- objects ---------------------------------------------------------------------------------


def _present(fields: dict) -> dict:
    """The optional fields that have a value (the contract leaves absent ones out)."""
    return {k: v for k, v in fields.items() if v not in ("", None)}


def bookable_appointment_to_json(appointment: BookableAppointment) -> dict:
    """A bookable appointment (§2.1/2.2): ``id``, ``title``, ``duration`` in minutes, …"""
    return {
        "id": appointment.pk,
        **_present(
            {
                "title": appointment.title,
                "duration": appointment.duration_minutes,
                "category": appointment.category,
                "description": appointment.description,
            }
        ),
    }


def slots_to_json(slots: Iterable[Slot], zone: zoneinfo.ZoneInfo) -> list[dict]:
    """Free slots (§2.3): start, end and the instructors who can take each.

    A window lists the same few instructors thousands of times: each is mapped once.
    """
    instructors: dict[str, dict] = {}

    def instructor(staff: Instructor) -> dict:
        if staff.id not in instructors:
            instructors[staff.id] = instructor_to_json(staff.id, staff.name)
        return instructors[staff.id]

    return [
        {
            "startDateTime": format_date_time(slot.start, zone),
            "endDateTime": format_date_time(slot.end, zone),
            "instructors": [instructor(staff) for staff in slot.instructors],
        }
        for slot in slots
    ]


def booking_to_json(
    booking: AppointmentBooking, *, zone: zoneinfo.ZoneInfo, with_customer: bool = False
) -> dict:
    """An appointment booking (§2.5); ``customerId`` too for the one-booking read (§2.6).

    Expects ``appointment`` and ``booking_resources__resource`` loaded (instructors: its staff).
    """
    appointment = booking.appointment
    instructors = [
        instructor_to_json(held.resource_id, held.resource.name)
        for held in booking.booking_resources.all()
        if held.resource.type == Resource.Type.STAFF
    ]
    data = {
        "bookingId": booking.pk,
        "bookingStatus": booking.booking_status,
        "startDateTime": format_date_time(booking.start, zone),
        "endDateTime": format_date_time(booking.end, zone),
        **_present(
            {
                "title": appointment.title,
                "duration": appointment.duration_minutes,
                "category": appointment.category,
                "description": appointment.description,
            }
        ),
        "instructors": instructors,
        "appointmentStatus": booking.appointment_status,
        "participantStatus": booking.participant_status,
    }
    if with_customer:
        data["customerId"] = booking.customer_id
    return data


def customer_to_json(customer: Customer, *, zone: zoneinfo.ZoneInfo) -> dict:
    """A customer (§2.10) with its idle periods; expects ``idle_periods`` prefetched."""
    return {
        "id": customer.pk,
        **_present(
            {
                "firstName": customer.first_name,
                "lastName": customer.last_name,
                "email": customer.email,
                "phonePrivateMobile": customer.phone,
            }
        ),
        "status": customer.status,
        "studioId": customer.business_id,
        "createdDateTime": format_date_time(customer.created_date, zone),
        "idlePeriods": [
            _present(
                {
                    "id": period.pk,
                    "startDate": period.start_date.isoformat(),
                    "endDate": period.end_date.isoformat(),
                    "reason": period.reason,
                }
            )
            | {"unlimited": False}
            for period in customer.idle_periods.all()
        ],
        "accessRefusal": False,
    }


# --- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotRequest:
    """The body of validate and book (§2.4/2.5), parsed."""

    customer_id: int
    bookable_appointment_id: int
    start: datetime
    end: datetime
    instructor_numbers: list[int] | None


def parse_slot_request(body: object) -> SlotRequest:
    """The validate/book body; a wrong or missing field is a ``ContractError`` naming it."""
    if not isinstance(body, dict):
        raise ContractError("The request body must be a JSON object.", reference="")
    for name in ("customerId", "bookableAppointmentId", "startDateTime", "endDateTime"):
        if body.get(name) is None:
            raise ContractError(f"{name} is required.", reference=name)
    numbers = body.get("instructorIds")
    if numbers is not None:
        if not isinstance(numbers, list):
            raise ContractError(
                "instructorIds must be a list of whole numbers.", reference="instructorIds"
            )
        numbers = [parse_id(n, reference="instructorIds") for n in numbers]
    return SlotRequest(
        customer_id=parse_id(body["customerId"], reference="customerId"),
        bookable_appointment_id=parse_id(
            body["bookableAppointmentId"], reference="bookableAppointmentId"
        ),
        start=parse_date_time(body["startDateTime"], reference="startDateTime"),
        end=parse_date_time(body["endDateTime"], reference="endDateTime"),
        instructor_numbers=numbers or None,
    )


@dataclass(frozen=True)
class CustomerSearch:
    """The body of customer search (§2.10): every field optional."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    date_of_birth: date | None = None


CARD_NUMBER_FORMATS = ("DECIMAL", "HEX_MSB", "HEX_LSB")


def parse_customer_search(body: object) -> CustomerSearch:
    """The search body; strings must be strings, ``dateOfBirth`` a date, the card format known."""
    if not isinstance(body, dict):
        raise ContractError("The request body must be a JSON object.", reference="")
    texts = {}
    for name in ("firstName", "lastName", "email"):
        value = body.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > 200:
            raise ContractError(f"{name} must be text (at most 200 characters).", reference=name)
        texts[name] = value.strip()
    card_format = body.get("cardNumberFormat")
    if card_format is not None and card_format not in CARD_NUMBER_FORMATS:
        raise ContractError(
            "cardNumberFormat must be one of DECIMAL, HEX_MSB, HEX_LSB.",
            reference="cardNumberFormat",
        )
    birth = body.get("dateOfBirth")
    if birth is not None and not isinstance(birth, str):
        raise ContractError("dateOfBirth must be a date as YYYY-MM-DD.", reference="dateOfBirth")
    return CustomerSearch(
        first_name=texts["firstName"],
        last_name=texts["lastName"],
        email=texts["email"],
        date_of_birth=parse_date(birth, reference="dateOfBirth") if birth else None,
    )


# --- webhooks --------------------------------------------------------------------------------


class BookingEventType:
    """The contract's event types for appointment bookings (note ``CANCELLED`` with two Ls)."""

    CREATED = "APPOINTMENT_BOOKING_CREATED"
    UPDATED = "APPOINTMENT_BOOKING_UPDATED"
    CANCELLED = "APPOINTMENT_BOOKING_CANCELLED"


def webhook_envelope(*, entity_id: int, event_type: str, uuid: str, at: datetime) -> dict:
    """The webhook envelope (§5.3): one payload element, ``timestamp`` in epoch milliseconds."""
    return {
        "entityId": entity_id,
        "uuid": uuid,
        "payload": [{"timestamp": round(at.timestamp() * 1000), "type": event_type}],
    }
