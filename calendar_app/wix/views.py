"""The Wix pages of an owner, and the webhook URL Wix posts to.

- Settings: connect the business's calendar to a Wix site; saving queues the backfill (a Celery
  task) and leads to the health page, where its progress shows.
- Sync health: the deliveries (the shared partial: last delivery, backlog, failures and stalled
  deliveries with a Retry, refused deliveries), the owners' erases on their way to Wix (failed
  ones with a Retry), reconciliation ("Resync now") and backfill; one selector, each button
  one service, HTMX answered with the page's ``health`` partial and a plain POST with a
  redirect.
- The webhook: the raw body goes to ``webhooks.receive_delivery``; the answer is what it says
  (text, never a 500).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from calendar_app.middleware import webhook_view
from calendar_app.tenancy.access import require_owner_request
from calendar_app.views.helpers import redirect_page, render_page, wants_fragment
from calendar_app.wix import selectors, services, webhooks
from calendar_app.wix.deliveries import STORE
from calendar_app.wix.forms import ConnectWixForm
from calendar_app.wix.models import WebhookDelivery, WixConnection, WixErasure

TEMPLATE = "wix/settings.html"
HEALTH = "wix/health.html"


@require_http_methods(["GET", "POST"])
def wix_settings(request: HttpRequest) -> HttpResponse:
    """The connection form (the API key is never shown back); saving queues the backfill."""
    require_owner_request(request)
    connection = selectors.connection_for(request.business)
    if request.method != "POST":
        return _page(request, ConnectWixForm(initial=selectors.form_initial(connection)))
    form = ConnectWixForm(request.POST)
    if form.is_valid():
        try:
            connection = services.connect_wix(
                actor=request.membership, business=request.business, **form.service_kwargs()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Connected to Wix. {_backfill_notice(connection)}")
            return redirect("wix:health")
    return _page(request, form, status=400)


def _backfill_notice(connection: WixConnection) -> str:
    if services.start_backfill(connection=connection):
        return "The backfill runs in the background; its progress is shown below."
    return "A backfill is already running; its progress is shown below."


def _add_errors(form: ConnectWixForm, error: ValidationError) -> None:
    """The service's errors, each on its field."""
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _page(request: HttpRequest, form: ConnectWixForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "connection": selectors.connection_for(request.business)}
    return render(request, TEMPLATE, context, status=status)


@webhook_view
def webhook(request: HttpRequest) -> HttpResponse:
    """One URL for every connection: the raw JWT body is verified, stored once and queued."""
    answer = webhooks.receive_delivery(body=request.body)
    return HttpResponse(answer.message, status=answer.status, content_type="text/plain")


def _connection(request: HttpRequest) -> WixConnection:
    """The current business's connection (owners only); a local business has none: 404."""
    require_owner_request(request)
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
    """Queue a failed or stalled delivery again."""
    connection = _connection(request)
    delivery = get_object_or_404(
        WebhookDelivery.objects.filter(STORE.retriable()), connection=connection, pk=delivery_id
    )
    services.retry_delivery(delivery=delivery)
    return _answer(request, connection, "The delivery was queued again.")


@require_POST
@vary_on_headers("HX-Request")
def erasure_retry(request: HttpRequest, erasure_id: int) -> HttpResponse:
    """Queue a failed erasure again."""
    connection = _connection(request)
    failed = get_object_or_404(
        WixErasure, connection=connection, pk=erasure_id, status=WixErasure.Status.FAILED
    )
    services.retry_erasure(failed=failed)
    return _answer(request, connection, "The erasure was queued again.")


@require_POST
@vary_on_headers("HX-Request")
def resync(request: HttpRequest) -> HttpResponse:
    """Resync now: re-read the upstream's events view and repair drift (one run at a time)."""
    connection = _connection(request)
    notice = (
        "Resync started: the events view is read again and differences are repaired."
        if services.resync(connection=connection)
        else "A resync is already running; its progress is shown below."
    )
    return _answer(request, connection, notice)


@require_POST
@vary_on_headers("HX-Request")
def backfill_again(request: HttpRequest) -> HttpResponse:
    """Run the backfill again (one at a time): after a failure, or to read everything anew."""
    connection = _connection(request)
    return _answer(request, connection, _backfill_notice(connection))


def _answer(request: HttpRequest, connection: WixConnection, notice: str) -> HttpResponse:
    if wants_fragment(request):
        return _health(request, connection, notice=notice)
    messages.success(request, notice)
    return redirect_page(request, reverse("wix:health"))
