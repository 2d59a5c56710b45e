"""The owner's API settings page: keys (shown once, then only their start) and webhook URLs.

Every action is a plain POST; a new key or webhook key is shown on the answer to that POST and
never again.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from bookings.api import selectors, services
from bookings.api.forms import ApiKeyForm, WebhookForm
from bookings.models import ApiKey, WebhookSubscription
from calendar_app.tenancy.access import require_owner_request

TEMPLATE = "bookings/api_settings.html"


@dataclass(frozen=True)
class NewSecret:
    """A key to show once: what it is for and the key itself."""

    label: str
    key: str


@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    return _page(request)


@require_POST
def key_create(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, key_form=form, status=400)
    api_key, raw_key = services.create_api_key(
        actor=request.membership, business=request.business, name=form.cleaned_data["name"]
    )
    return _page(request, new_secret=NewSecret(label=f"API key “{api_key.name}”", key=raw_key))


@require_POST
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    require_owner_request(request)
    api_key = get_object_or_404(ApiKey, pk=key_id, business=request.business)
    services.revoke_api_key(actor=request.membership, api_key=api_key)
    messages.success(request, f"The key “{api_key.name}” is revoked: it no longer opens the API.")
    return redirect("api_settings:page")


@require_POST
def webhook_create(request: HttpRequest) -> HttpResponse:
    require_owner_request(request)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, webhook_form=form, status=400)
    subscription = services.subscribe_webhook(
        actor=request.membership, business=request.business, url=form.cleaned_data["url"]
    )
    return _page(
        request,
        new_secret=NewSecret(
            label=f"webhook key for {subscription.url} (sent as x-api-key)",
            key=subscription.api_key,
        ),
    )


@require_POST
def webhook_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    require_owner_request(request)
    subscription = get_object_or_404(
        WebhookSubscription, pk=subscription_id, business=request.business
    )
    services.unsubscribe_webhook(actor=request.membership, subscription=subscription)
    messages.success(request, f"No more booking events go to {subscription.url}.")
    return redirect("api_settings:page")


def _page(
    request: HttpRequest,
    *,
    key_form: ApiKeyForm | None = None,
    webhook_form: WebhookForm | None = None,
    new_secret: NewSecret | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "settings": selectors.api_settings(business=request.business),
        "key_form": key_form or ApiKeyForm(),
        "webhook_form": webhook_form or WebhookForm(),
        "new_secret": new_secret,
    }
    return render(request, TEMPLATE, context, status=status)
