"""The appointments contract's endpoints under ``/api/v1/`` (§2), for the key's facility.

Each handler parses the query or body (``bookings.mapping``, the body into its
``bookings.contract`` shape), calls one selector or service and answers the contract's JSON.
Refusals are raised from ``bookings.errors`` and answered by ``api_route`` in one place (a 503
with Retry-After when the studio's booking system is down). Another facility's ids are a 404
like unknown ones.
"""

import json
from datetime import date

from django.http import HttpRequest, JsonResponse

from bookings import mapping, selectors, services
from bookings.api import selectors as api_selectors
from bookings.api.auth import api_route
from bookings.contract import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ID,
    DeleteResult,
    SlicedResult,
    ValidationResult,
)
from bookings.errors import AppointmentNotFound, ContractError
from bookings.models import BookableAppointment, Customer
from bookings.slots import MAX_DAYS_AHEAD
from calendar_app.tenancy.models import Business

DEFAULT_SLICE_SIZE = 10
MAX_SLICE_SIZE = 50


# --- input -----------------------------------------------------------------------------------


def _query(request: HttpRequest, name: str) -> str | None:
    """A query parameter (``RejectNulBytesMiddleware`` has already refused NUL bytes)."""
    return request.GET.get(name)


def _query_int(request: HttpRequest, name: str) -> int | None:
    """A whole-number query parameter within 64 bits, or None when absent (an empty one is no
    number: a client that means "none" leaves the parameter out)."""
    value = _query(request, name)
    if value is None:
        return None
    number = _digits(value.removeprefix("-"), lowest=0)
    if number is None:
        raise ContractError(f"{name} must be a whole number, not {value[:40]!r}.", reference=name)
    return -number if value.startswith("-") else number


def _digits(text: str, *, lowest: int) -> int | None:
    """The number ``text`` spells in ASCII digits, if it lies in ``lowest``..2^63-1."""
    if not (text.isascii() and text.isdecimal() and len(text) <= 19):
        return None
    number = int(text)
    return number if lowest <= number <= MAX_ID else None


def _path_id(value: str, what: str) -> int:
    """An id from the path; anything that cannot be an id is a 404 for that kind of object."""
    number = _digits(value, lowest=1)
    if number is None:
        raise AppointmentNotFound(f"There is no {what} with the id {value[:40]!r}.")
    return number


def _paging(request: HttpRequest) -> tuple[int, int]:
    """``offset`` (the last id seen, default "0") and ``sliceSize`` (1-50, default 10)."""
    offset = _digits(_query(request, "offset") or "0", lowest=0)
    if offset is None:
        raise ContractError(
            "offset must be the offset of the previous answer (a string of digits).",
            reference="offset",
        )
    slice_size = _query_int(request, "sliceSize")
    if slice_size is None:
        slice_size = DEFAULT_SLICE_SIZE
    if slice_size < 1:
        raise ContractError(
            "sliceSize must be at least 1.",
            reference="sliceSize",
            error_code="errormessage.validation.min",
        )
    if slice_size > MAX_SLICE_SIZE:
        raise ContractError(
            f"sliceSize must be at most {MAX_SLICE_SIZE}.",
            reference="sliceSize",
            error_code="errormessage.validation.max",
        )
    return offset, slice_size


def _window_start(text: str) -> date:
    """``slotWindowStartDate``: a day within the years the contract's date-times can name."""
    day = mapping.parse_date(text, reference="slotWindowStartDate")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ContractError(
            f"slotWindowStartDate must lie in the years {FIRST_YEAR} to {LAST_YEAR}.",
            reference="slotWindowStartDate",
        )
    return day


def _json_body(request: HttpRequest) -> object:
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ContractError("The request body is not valid JSON.", reference=None) from None
    try:
        has_nul = _has_nul(body)
    except RecursionError:
        raise ContractError("The request body is nested too deeply.", reference=None) from None
    if has_nul:
        raise ContractError("The request body contains a NUL character.", reference=None)
    return body


def _has_nul(value: object) -> bool:
    """Whether a NUL hides in any string of a JSON value (PostgreSQL cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _sliced(rows: api_selectors.Slice, to_json) -> JsonResponse:
    sliced = SlicedResult[dict](
        result=[to_json(row) for row in rows.result], offset=rows.offset, has_next=rows.has_next
    )
    return JsonResponse(sliced.to_json())


def _customer_for_booking(business: Business, customer_id: int) -> Customer:
    """A customer who may book here (own, or of a facility of the group) or a 404."""
    found = selectors.customer_for_booking(business=business, customer_id=customer_id)
    if found is None:
        raise AppointmentNotFound(f"There is no customer with the id {customer_id}.")
    return found


def _listed_appointment(business: Business, appointment_id: str) -> BookableAppointment:
    number = _path_id(appointment_id, "bookable appointment")
    found = api_selectors.listed_appointment(business=business, appointment_id=number)
    if found is None:
        raise AppointmentNotFound(f"There is no bookable appointment with the id {number}.")
    return found


def _slot_request(business: Business, request: HttpRequest):
    """The validate/book body with its appointment, customer and instructors' resource ids."""
    slot = mapping.parse_slot_request(_json_body(request))
    appointment = api_selectors.appointment_to_book(
        business=business, appointment_id=slot.bookable_appointment_id
    )
    if appointment is None:
        raise AppointmentNotFound(
            f"There is no bookable appointment with the id {slot.bookable_appointment_id}.",
            reference="bookableAppointmentId",
        )
    customer = _customer_for_booking(business, slot.customer_id)
    instructor_ids = None
    if slot.instructor_numbers:
        instructor_ids = mapping.staff_resource_ids(
            slot.instructor_numbers, staff_ids=appointment.staff.values_list("id", flat=True)
        )
    return slot, appointment, customer, instructor_ids


def _booking(business: Business, booking_id: str, *, current: bool = False):
    """One of the facility's bookings: as stored, or ``current`` (re-read upstream first)."""
    number = _path_id(booking_id, "booking")
    read = selectors.current_booking if current else selectors.stored_booking
    found = read(business=business, booking_id=number)
    if found is None:
        raise AppointmentNotFound(f"There is no booking with the id {number}.")
    return found


# --- appointments ----------------------------------------------------------------------------


def _bookable_list(request: HttpRequest, business: Business) -> JsonResponse:
    """GET appointments/bookable: the listed appointment types, sliced by id."""
    after_id, slice_size = _paging(request)
    rows = api_selectors.bookable_appointment_slice(
        business=business, after_id=after_id, slice_size=slice_size
    )
    return _sliced(rows, mapping.bookable_appointment_to_json)


def _bookable_one(request: HttpRequest, business: Business, appointment_id: str) -> JsonResponse:
    """GET appointments/bookable/{id}."""
    appointment = _listed_appointment(business, appointment_id)
    return JsonResponse(mapping.bookable_appointment_to_json(appointment))


def _bookable_slots(request: HttpRequest, business: Business, appointment_id: str) -> JsonResponse:
    """GET appointments/bookable/{id}/slots?customerId=&slotWindowStartDate=&daysAhead=."""
    appointment = _listed_appointment(business, appointment_id)
    customer_id = _query_int(request, "customerId")
    customer = _customer_for_booking(business, customer_id) if customer_id is not None else None
    start_text = _query(request, "slotWindowStartDate")
    start_date = _window_start(start_text) if start_text is not None else None
    days_ahead = _query_int(request, "daysAhead")
    slots = selectors.available_slots(
        appointment=appointment,
        slot_window_start_date=start_date,
        days_ahead=MAX_DAYS_AHEAD if days_ahead is None else days_ahead,
        customer=customer,
    )
    return JsonResponse(mapping.slots_to_json(slots, business.zone), safe=False)


def _validate(request: HttpRequest, business: Business) -> JsonResponse:
    """POST appointments/bookable/validate: one status of the enum, always with 200."""
    slot, appointment, customer, instructor_ids = _slot_request(business, request)
    status = selectors.validate_booking(
        appointment=appointment,
        customer=customer,
        start=slot.start,
        end=slot.end,
        instructor_ids=instructor_ids,
    )
    return JsonResponse(ValidationResult(validation_status=status).to_json())


def _book(request: HttpRequest, business: Business) -> JsonResponse:
    """POST appointments/booking/book: 200 with the booking; 409 when someone was faster,
    400 with the validation status as ``errorCode`` for any other refusal."""
    slot, appointment, customer, instructor_ids = _slot_request(business, request)
    booked = services.book_appointment(
        actor=None,
        appointment=appointment,
        customer=customer,
        start=slot.start,
        end=slot.end,
        instructor_ids=instructor_ids,
    )
    shown = selectors.stored_booking(business=business, booking_id=booked.pk)
    return JsonResponse(mapping.booking_to_json(shown, zone=business.zone))


def _booking_one(request: HttpRequest, business: Business, booking_id: str) -> JsonResponse:
    """GET appointments/booking/{id}: the booking with its ``customerId``."""
    booking = _booking(business, booking_id, current=True)
    return JsonResponse(mapping.booking_to_json(booking, zone=business.zone, with_customer=True))


def _booking_cancel(request: HttpRequest, business: Business, booking_id: str) -> JsonResponse:
    """DELETE appointments/booking/{id}: cancel before the deadline, else a 400 saying why."""
    booking = _booking(business, booking_id)
    services.cancel_booking(actor=None, booking=booking)
    return JsonResponse(DeleteResult(success="true").to_json())


def _customer_bookings(request: HttpRequest, business: Business) -> JsonResponse:
    """GET appointments/booking?customerId=: the customer's bookings here within ±2 weeks."""
    customer_id = _query_int(request, "customerId")
    if customer_id is None:
        raise ContractError("customerId is required.", reference="customerId")
    customer = _customer_for_booking(business, customer_id)
    bookings = selectors.customer_bookings(business=business, customer=customer)
    zone = business.zone
    return JsonResponse([mapping.booking_to_json(b, zone=zone) for b in bookings], safe=False)


# --- customers -------------------------------------------------------------------------------


def _customer_list(request: HttpRequest, business: Business) -> JsonResponse:
    """GET customers?customerStatus=: the facility's customers, sliced by id."""
    after_id, slice_size = _paging(request)
    status = _query(request, "customerStatus")
    if status is not None and status not in Customer.Status.values:
        raise ContractError(
            f"customerStatus must be one of {', '.join(Customer.Status.values)}.",
            reference="customerStatus",
        )
    rows = api_selectors.customer_slice(
        business=business, after_id=after_id, slice_size=slice_size, status=status
    )
    zone = business.zone
    return _sliced(rows, lambda customer: mapping.customer_to_json(customer, zone=zone))


def _customer_one(request: HttpRequest, business: Business, customer_id: str) -> JsonResponse:
    """GET customers/{id}: one of the facility's own customers."""
    number = _path_id(customer_id, "customer")
    found = api_selectors.customer(business=business, customer_id=number)
    if found is None:
        raise AppointmentNotFound(f"There is no customer with the id {number}.")
    return JsonResponse(mapping.customer_to_json(found, zone=business.zone))


def _customer_search(request: HttpRequest, business: Business) -> JsonResponse:
    """POST customers/search: every body field optional; a plain array."""
    search = mapping.parse_customer_search(_json_body(request))
    found = api_selectors.search_customers(business=business, search=search)
    zone = business.zone
    return JsonResponse([mapping.customer_to_json(c, zone=zone) for c in found], safe=False)


def _unknown_path(request: HttpRequest, business: Business, **kwargs) -> JsonResponse:
    raise AppointmentNotFound(f"There is no endpoint {request.path}.")


bookable_list = api_route(get=_bookable_list)
bookable_one = api_route(get=_bookable_one)
bookable_slots = api_route(get=_bookable_slots)
validate = api_route(post=_validate)
book = api_route(post=_book)
booking_one = api_route(get=_booking_one, delete=_booking_cancel)
customer_bookings = api_route(get=_customer_bookings)
customer_list = api_route(get=_customer_list)
customer_one = api_route(get=_customer_one)
customer_search = api_route(post=_customer_search)
unknown_path = api_route(
    get=_unknown_path,
    post=_unknown_path,
    put=_unknown_path,
    patch=_unknown_path,
    delete=_unknown_path,
)
