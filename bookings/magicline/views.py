"""Magicline's webhook door and the owner's connection settings page.

The webhook answers JSON (200 on a stored or repeated delivery, 401 without a known key, 400 for
a body that is no envelope), never calling Magicline. The settings page never shows a key back
in full; every action is a plain POST.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bookings.magicline import selectors, services
from bookings.magicline.forms import ConnectionForm
from bookings.magicline.webhooks import WebhookRejected, receive_delivery
from calendar_app.views.helpers import require_owner

TEMPLATE = "magicline/settings.html"


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):  # a form post, say: no envelope
        body = None
    try:
        intake = receive_delivery(key=request.headers.get("x-api-key"), body=body)
    except WebhookRejected as refused:
        return JsonResponse({"errorMessage": str(refused)}, status=refused.status)
    return JsonResponse({"uuid": intake.delivery.uuid, "duplicate": intake.duplicate})


@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    require_owner(request)
    return _page(request)


@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    require_owner(request)
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
    require_owner(request)
    health = selectors.connection_health(business=request.business)
    if health is None:
        messages.error(request, "Connect the studio first.")
    elif services.check_connection(connection=health.connection):
        messages.success(request, "Magicline accepted the Open API key.")
    else:
        messages.error(request, f"The key check failed: {health.connection.last_error}")
    return redirect("magicline:settings")


def _page(
    request: HttpRequest, *, form: ConnectionForm | None = None, status: int = 200
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
    return render(request, TEMPLATE, {"health": health, "form": form}, status=status)
