"""Magicline's webhook door, the owner's connection settings page and its sync health page.

The webhook answers JSON (200 on a stored or repeated delivery; a refusal as the contract's
ErrorResponse, mapped by the JSON API's ``error_response`` from the bookings' error taxonomy: 401
without a known key, 400 naming the field of a body that is no envelope, 409 for another studio's
uuid), never calling Magicline. The settings page never shows a key back
in full and links each Magicline instructor to a staff member; the sync health page shows the
deliveries through the shared partial (last delivery, backlog, failures and stalled deliveries
each with a Retry, refused deliveries) and asks for a refresh. Every action is a plain POST
answered with a redirect (a refusal: the page with 400); the health page's buttons answer HTMX
with the page's ``health`` partial.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from bookings.api.auth import error_response
from bookings.errors import AppointmentError
from bookings.magicline import selectors, services
from bookings.magicline.forms import ConnectionForm, LinkInstructorForm
from bookings.magicline.models import MagiclineInstructor, MagiclineWebhookDelivery
from bookings.magicline.webhooks import receive_delivery
from calendar_app.middleware import webhook_view
from calendar_app.tenancy.access import require_owner_request
from calendar_app.views.helpers import redirect_page, render_page, wants_fragment

TEMPLATE = "magicline/settings.html"
HEALTH = "magicline/health.html"


@webhook_view
def webhook(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):  # a form post, say: no envelope
        body = None
    try:
        intake = receive_delivery(key=request.headers.get("x-api-key"), body=body)
    except AppointmentError as refused:
        return error_response(refused)
    return JsonResponse({"uuid": intake.delivery.uuid, "duplicate": intake.duplicate})


@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    return _page(request)


@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    form = ConnectionForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        connection = services.connect_studio(
            actor=request.membership, business=request.business, **form.cleaned_data
        )
    except services.ConnectionRefused as refused:
        form.add_error(None, str(refused))
        return _page(request, form=form, status=400)
    services.check_connection(connection=connection)
    if connection.last_check_ok:
        messages.success(request, "Connected: Magicline accepted the Open API key.")
    else:
        messages.error(request, f"Saved, but the key check failed: {connection.last_error}")
    return redirect("magicline:settings")


@require_POST
def check(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    health = selectors.connection_health(business=request.business)
    if health is None:
        messages.error(request, "Connect the studio first.")
    elif services.check_connection(connection=health.connection):
        messages.success(request, "Magicline accepted the Open API key.")
    else:
        messages.error(request, f"The key check failed: {health.connection.last_error}")
    return redirect("magicline:settings")


@require_POST
def link_instructor(request: HttpRequest, instructor_id: int) -> HttpResponse:
    require_owner_request(request)
    instructor = get_object_or_404(
        MagiclineInstructor.objects.select_related("connection", "resource"),
        connection__business=request.business,
        pk=instructor_id,
    )
    form = LinkInstructorForm(request.POST)
    if not form.is_valid():
        return _page(request, notice=form.errors["resource"][0], status=400)
    resource = get_object_or_404(
        selectors.staff_members_queryset(business=request.business),
        pk=form.cleaned_data["resource"],
    )
    try:
        services.link_instructor(actor=request.membership, instructor=instructor, resource=resource)
    except services.ConnectionRefused as refused:
        return _page(request, notice=str(refused), status=400)
    messages.success(request, f"{instructor.name} is now {resource.name} in this calendar.")
    return redirect("magicline:settings")


@require_GET
@vary_on_headers("HX-Request")
def health(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    return _health_page(request)


@require_POST
@vary_on_headers("HX-Request")
def retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """Queue a failed or stalled delivery again."""
    require_owner_request(request)
    delivery = get_object_or_404(
        MagiclineWebhookDelivery, connection__business=request.business, pk=delivery_id
    )
    try:
        services.retry_delivery(delivery=delivery)
    except services.ConnectionRefused as refused:
        return _answer(request, str(refused), ok=False)
    return _answer(request, f"Delivery {delivery.uuid} queued again.")


@require_POST
@vary_on_headers("HX-Request")
def refresh(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    services.refresh_now(connection=_health(request).connection)
    return _answer(request, "Refresh queued: the studio's recent bookings are read again.")


def _health_page(request: HttpRequest, *, notice: str = "", ok: bool = True) -> HttpResponse:
    context = {
        "health": _health(request),
        "notice": notice,
        "notice_ok": ok,
        "refresh_minutes": max(1, settings.MAGICLINE_REFRESH_SECONDS // 60),
    }
    return render_page(request, HEALTH, context, fragment="health")


def _answer(request: HttpRequest, notice: str, *, ok: bool = True) -> HttpResponse:
    """The health section with the notice for HTMX, else a message and a redirect."""
    if wants_fragment(request):
        return _health_page(request, notice=notice, ok=ok)
    (messages.success if ok else messages.error)(request, notice)
    return redirect_page(request, reverse("magicline:health"))


def _health(request: HttpRequest) -> selectors.ConnectionHealth:
    """The studio's sync health; a studio without a connection has none (404)."""
    health = selectors.connection_health(business=request.business)
    if health is None:
        raise Http404("This studio is not connected to Magicline.")
    return health


def _page(
    request: HttpRequest,
    *,
    form: ConnectionForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    health = selectors.connection_health(business=request.business)
    if form is None:
        initial = (
            {
                "base_url": health.connection.base_url,
                "max_slot_window_days": health.connection.max_slot_window_days,
            }
            if health
            else None
        )
        form = ConnectionForm(initial=initial)
    context = {
        "health": health,
        "form": form,
        "notice": notice,
        "instructors": selectors.instructors(business=request.business),
        "staff": selectors.staff_members(business=request.business),
    }
    return render(request, TEMPLATE, context, status=status)
