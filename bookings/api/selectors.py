"""Reads the JSON API needs beyond ``bookings.selectors``: sliced lists, one object by id, the
contract's customer search. Every read is scoped to the key's facility."""

from dataclasses import dataclass

from django.db.models import QuerySet

from bookings import selectors
from bookings.mapping import CustomerSearch
from bookings.models import ApiKey, BookableAppointment, Customer, WebhookSubscription
from calendar_app.tenancy.models import Business


@dataclass(frozen=True)
class Slice[T]:
    """One slice of a keyset-paged list (§1.9): ``offset`` is the last id returned."""

    result: list[T]
    has_next: bool
    offset: str


def _slice[T](rows: QuerySet, *, after_id: int, slice_size: int) -> Slice[T]:
    found = list(rows.filter(pk__gt=after_id).order_by("pk")[: slice_size + 1])
    page = found[:slice_size]
    return Slice(
        result=page,
        has_next=len(found) > slice_size,
        offset=str(page[-1].pk if page else after_id),
    )


def bookable_appointment_slice(
    *, business: Business, after_id: int, slice_size: int
) -> Slice[BookableAppointment]:
    """The listed appointments after ``after_id``, by id."""
    return _slice(
        selectors.bookable_appointments(business=business), after_id=after_id, slice_size=slice_size
    )


def listed_appointment(*, business: Business, appointment_id: int) -> BookableAppointment | None:
    """One listed appointment of the facility (unlisted or another facility's: None)."""
    return (
        selectors.bookable_appointments(business=business)
        .select_related("business")
        .filter(pk=appointment_id)
        .first()
    )


def appointment_to_book(*, business: Business, appointment_id: int) -> BookableAppointment | None:
    """Any appointment of the facility: validating an unlisted one answers NOT_AVAILABLE."""
    return (
        BookableAppointment.objects.select_related("business")
        .filter(business=business, pk=appointment_id)
        .first()
    )


def _customers(business: Business) -> QuerySet[Customer]:
    return Customer.objects.filter(business=business).prefetch_related("idle_periods")


def customer_slice(
    *, business: Business, after_id: int, slice_size: int, status: str | None
) -> Slice[Customer]:
    """The facility's customers after ``after_id``, by id, optionally of one status."""
    customers = _customers(business)
    if status:
        customers = customers.filter(status=status)
    return _slice(customers, after_id=after_id, slice_size=slice_size)


def customer(*, business: Business, customer_id: int) -> Customer | None:
    """One of the facility's own customers."""
    return _customers(business).filter(pk=customer_id).first()


def search_customers(*, business: Business, search: CustomerSearch) -> list[Customer]:
    """The facility's customers matching every given field: names by prefix, email exactly
    (both case-insensitive). No birth dates are stored, so a ``dateOfBirth`` matches nobody
    rather than letting a search by name find a different person."""
    if search.date_of_birth is not None:
        return []
    customers = _customers(business)
    if search.first_name:
        customers = customers.filter(first_name__istartswith=search.first_name)
    if search.last_name:
        customers = customers.filter(last_name__istartswith=search.last_name)
    if search.email:
        customers = customers.filter(email__iexact=search.email)
    return list(customers.order_by("pk"))


@dataclass(frozen=True)
class ApiSettings:
    """What the owner's API settings page lists: keys (newest first) and webhook URLs."""

    api_keys: list[ApiKey]
    subscriptions: list[WebhookSubscription]


def api_settings(*, business: Business) -> ApiSettings:
    return ApiSettings(
        api_keys=list(ApiKey.objects.filter(business=business)),
        subscriptions=list(WebhookSubscription.objects.filter(business=business)),
    )
