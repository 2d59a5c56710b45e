"""The webhook URL Wix posts to, and the owner's sync health page of the business's connection.

The webhook view only hands the raw body to ``webhooks.receive_delivery`` and answers with what
it says (text, never a 500). The health page is one selector; retry and "Resync now" are one
service each, answer HTMX with the page's ``health`` partial and a plain POST with a redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from calendar_app.views.helpers import redirect_page, render_page, require_owner, wants_fragment
from calendar_app.wix import reconcile, selectors, webhooks
from calendar_app.wix.models import WebhookDelivery, WixConnection

HEALTH = "wix/health.html"


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """One URL for every connection: the raw JWT body is verified, stored once and queued."""
    answer = webhooks.receive_delivery(body=request.body)
    return HttpResponse(answer.message, status=answer.status, content_type="text/plain")


def _connection(request: HttpRequest) -> WixConnection:
    """The current business's connection (owners only); a local business has none: 404."""
    require_owner(request)
    return get_object_or_404(
        WixConnection.objects.select_related("business"), business=request.business
    )


def _health(request: HttpRequest, connection: WixConnection, *, notice: str = "") -> HttpResponse:
    context = {"health": selectors.sync_health(connection=connection), "notice": notice}
    return render_page(request, HEALTH, context, fragment="health")


@require_safe
@vary_on_headers("HX-Request")
def health(request: HttpRequest) -> HttpResponse:
    """Last delivery, backlog, failures, refused deliveries, reconciliation and backfill."""
    return _health(request, _connection(request))


@require_POST
@vary_on_headers("HX-Request")
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """Queue a failed delivery again."""
    connection = _connection(request)
    delivery = get_object_or_404(
        WebhookDelivery, connection=connection, pk=delivery_id, status=WebhookDelivery.Status.FAILED
    )
    webhooks.retry_delivery(delivery=delivery)
    notice = "The delivery was queued again."
    return _answer(request, connection, notice)


@require_POST
@vary_on_headers("HX-Request")
def resync(request: HttpRequest) -> HttpResponse:
    """Resync now: re-read the upstream's events view and repair drift (one run at a time)."""
    connection = _connection(request)
    started = reconcile.request_reconciliation(connection=connection, requested_by_user=True)
    notice = (
        "Resync started: the events view is read again and differences are repaired."
        if started
        else "A resync is already running; its progress is shown below."
    )
    return _answer(request, connection, notice)


def _answer(request: HttpRequest, connection: WixConnection, notice: str) -> HttpResponse:
    if wants_fragment(request):
        return _health(request, connection, notice=notice)
    messages.success(request, notice)
    return redirect_page(request, reverse("wix:health"))
