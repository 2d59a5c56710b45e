"""The Outbox page (members of the business) and the public one-click unsubscribe."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from calendar_app.notifications import selectors, services
from calendar_app.notifications.models import Message
from calendar_app.notifications.tokens import read_unsubscribe_token
from calendar_app.tenancy.access import require_business


@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    """The business's messages with their state and reason, filtered by state."""
    business = require_business(request)
    state = request.GET.get("state", "")
    context = {
        "rows": selectors.outbox(business=business, state=state),
        "health": selectors.outbox_health(business=business),
        "state": state,
        "states": Message.State.choices,
    }
    return render(request, "notifications/outbox.html", context)


@login_not_required
@csrf_exempt  # RFC 8058: the mail client POSTs with no session; the signed token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (a link scanner must not unsubscribe anyone); POST unsubscribes."""
    found = read_unsubscribe_token(token)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    business_id, email = found
    if request.method == "POST":
        services.unsubscribe(business_id=business_id, email=email)
    context = {"email": email, "done": request.method == "POST"}
    return render(request, "notifications/unsubscribe.html", context)
