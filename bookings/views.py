"""The booking screen: pick a service and a customer, a slot on the 6-day grid, validate, book;
the customer's upcoming bookings with cancel buttons.

Every action answers HTMX with the ``workspace`` partial of ``book.html`` (a refusal is its
sentence inside the partial, with a 200, so it is swapped in place also under DEBUG) and a plain
request with the whole page or a redirect. A refusal (any error of ``bookings.errors``) is
answered in one place, ``_refused``, with the error's own status: 400 for a refusal, 409 for a
lost race, 503 when the studio's booking system does not answer.
"""

from datetime import datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from bookings import selectors, services
from bookings.errors import AppointmentError
from bookings.forms import BookForm, ScreenQueryForm, first_error
from bookings.models import AppointmentBooking, BookableAppointment, Customer
from calendar_app.tenancy.access import require_business
from calendar_app.views.helpers import render_page, wants_fragment

TEMPLATE = "bookings/book.html"
vary_on_htmx = vary_on_headers("HX-Request")


def _service(request: HttpRequest, service_id: int | None) -> BookableAppointment | None:
    """A listed service of this business; any other id is a 404."""
    if service_id is None:
        return None
    return get_object_or_404(
        selectors.bookable_appointments(business=require_business(request)).select_related(
            "business"
        ),
        pk=service_id,
    )


def _customer(request: HttpRequest, customer_id: int | None) -> Customer | None:
    """A customer who may book here (this business's or its group's); else a 404."""
    if customer_id is None:
        return None
    customer = selectors.customer_for_booking(
        business=require_business(request), customer_id=customer_id
    )
    if customer is None:
        raise Http404("No such customer.")
    return customer


def _render(
    request: HttpRequest,
    *,
    service: BookableAppointment | None,
    customer: Customer | None,
    window_start=None,
    slot_local: datetime | None = None,
    instructor_id: str = "",
    query: str = "",
    notice: str = "",
    success: str = "",
    status: int = 200,
) -> HttpResponse:
    screen = selectors.booking_screen(
        business=require_business(request),
        service=service,
        customer=customer,
        window_start=window_start,
        query=query,
        slot_local=slot_local,
        instructor_id=instructor_id,
        notice=notice,
        success=success,
    )
    fragment = "customer_results" if request.htmx.target == "customer-results" else "workspace"
    if wants_fragment(request):
        status = 200
    return render_page(request, TEMPLATE, {"screen": screen}, fragment=fragment, status=status)


def _refused(
    request: HttpRequest, refusal: AppointmentError, *, slot_local: datetime | None = None, **screen
) -> HttpResponse:
    """The screen again with the refusal's sentence, answered with the refusal's status."""
    return _render(
        request, **screen, slot_local=slot_local, notice=str(refusal), status=refusal.http_status
    )


def _succeeded(request: HttpRequest, success: str, *, url: str, **screen) -> HttpResponse:
    """HTMX: the screen with the success sentence; a plain request: a redirect that shows it."""
    if wants_fragment(request):
        return _render(request, **screen, success=success)
    messages.success(request, success)
    return redirect(url)


@require_GET
@vary_on_htmx
def book(request: HttpRequest) -> HttpResponse:
    """The booking screen for the service, customer, window and slot named in the query."""
    require_business(request)
    form = ScreenQueryForm(request.GET)
    if not form.is_valid():
        return _render(request, service=None, customer=None, notice=first_error(form), status=400)
    data = form.cleaned_data
    return _render(
        request,
        service=_service(request, data["service"]),
        customer=_customer(request, data["customer"]),
        window_start=data["start"],
        slot_local=data["slot"],
        instructor_id=data["instructor"],
        query=data["q"],
    )


@require_POST
@vary_on_htmx
def book_slot(request: HttpRequest) -> HttpResponse:
    """Book the picked slot; a refusal is the sentence of its validation status."""
    business = require_business(request)
    form = BookForm(request.POST)
    if not form.is_valid():
        return _render(request, service=None, customer=None, notice=first_error(form), status=400)
    data = form.cleaned_data
    service = _service(request, data["service"])
    customer = _customer(request, data["customer"])
    start = data["slot"].replace(tzinfo=business.zone)
    screen_args = {"service": service, "customer": customer, "window_start": start.date()}
    try:
        booking = services.book_appointment(
            actor=request.membership,
            appointment=service,
            customer=customer,
            start=start,
            end=start + timedelta(minutes=service.duration_minutes),
            instructor_ids=[data["instructor"]] if data["instructor"] else None,
            slot_token=data["slot_token"],
        )
    except AppointmentError as refusal:
        return _refused(request, refusal, slot_local=data["slot"], **screen_args)
    success = (
        f"Booked {booking.appointment.title} for {booking.customer.full_name} "
        f"on {start:%a %d %b, %H:%M}."
    )
    url = selectors.booking_screen_url(service=service, customer=customer, day=start)
    return _succeeded(request, success, url=url, **screen_args)


@require_POST
@vary_on_htmx
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Cancel one of this facility's bookings before its deadline."""
    booking = get_object_or_404(
        AppointmentBooking.objects.select_related("business", "appointment", "customer", "event"),
        business=require_business(request),
        pk=booking_id,
    )
    screen_args = {
        "service": booking.appointment,
        "customer": booking.customer,
        "window_start": booking.start.astimezone(booking.business.zone).date(),
    }
    try:
        services.cancel_booking(actor=request.membership, booking=booking)
    except AppointmentError as refusal:
        return _refused(request, refusal, **screen_args)
    success = f"Cancelled {booking.appointment.title} for {booking.customer.full_name}."
    url = selectors.booking_screen_url(
        service=booking.appointment, customer=booking.customer, day=booking.start
    )
    return _succeeded(request, success, url=url, **screen_args)
