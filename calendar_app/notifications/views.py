"""The Outbox (members of the business: read, and send a failed message again), the Messages
page (every kind as sent, with sample data), the owner's notifications settings, and the
public one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from calendar_app.notifications import outbox as outbox_actions
from calendar_app.notifications import preferences, previews, selectors, services
from calendar_app.notifications.forms import ReminderForm, SenderForm
from calendar_app.notifications.models import Message
from calendar_app.notifications.tokens import read_unsubscribe_token
from calendar_app.tenancy.access import require_business, require_owner_request

NOT_FAILED = "This message is not failed (it was sent, skipped or is already queued again)."


@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    """The business's messages with their state and reason, filtered by state, kind and a
    search of recipient and subject, a page at a time."""
    return _outbox_page(request)


def _outbox_page(request: HttpRequest, *, problem: str = "", status: int = 200) -> HttpResponse:
    business = require_business(request)
    filters = {
        "state": request.GET.get("state", ""),
        "kind": request.GET.get("kind", ""),
        "search": request.GET.get("q", "")[:200],
    }
    context = {
        "page": selectors.outbox_page(
            business=business, number=request.GET.get("page", 1), **filters
        ),
        "health": selectors.outbox_health(business=business),
        **filters,
        "states": Message.State.choices,
        "kinds": Message.Kind.choices,
        "query": request.GET.copy(),
        "problem": problem,
    }
    context["query"].pop("page", None)
    return render(request, "notifications/outbox.html", context, status=status)


@require_POST
def retry(request: HttpRequest, message_id: int) -> HttpResponse:
    """Send a failed message again (owners and staff); one that is not failed is left alone
    (409), another business's is a 404."""
    business = require_business(request)
    if not outbox_actions.retry_failed(business=business, message_pk=message_id):
        return _outbox_page(request, problem=NOT_FAILED, status=409)
    messages.success(request, "The message is queued to be sent again.")
    return redirect("notifications:outbox")


@require_safe
def message_templates(request: HttpRequest) -> HttpResponse:
    """Every kind of message with its subject and text part, the HTML part in a frame."""
    business = require_business(request)
    return render(
        request, "notifications/messages.html", {"previews": previews.previews(business=business)}
    )


@require_safe
@xframe_options_sameorigin
@csp_override(
    {
        "default-src": [CSP.NONE],
        "style-src": [CSP.UNSAFE_INLINE],
        "img-src": ["data:"],
        "frame-ancestors": [CSP.SELF],
    }
)
def message_html(request: HttpRequest, kind: str) -> HttpResponse:
    """One kind's HTML part, as a mail client shows it (inline styles, nothing else), for the
    Messages page's frame."""
    business = require_business(request)
    found = {p.kind: p for p in previews.previews(business=business)}.get(kind)
    if found is None or found.rendered is None:
        raise Http404("No such kind of message.")
    return HttpResponse(found.rendered.html)


@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """The sender name, reply-to and footer (POST saves them) and each schedule's reminders."""
    membership = require_owner_request(request)
    business = request.business
    form = SenderForm(instance=selectors.sender_setting(business=business))
    if request.method == "POST":
        form = SenderForm(request.POST, instance=selectors.sender_setting(business=business))
        if form.is_valid():
            preferences.save_sender(actor=membership, business=business, **form.cleaned_data)
            messages.success(request, "The sender settings are saved.")
            return redirect("notifications:settings")
    return _settings_page(request, form=form, status=400 if form.is_bound else 200)


@require_POST
def reminder_settings(request: HttpRequest) -> HttpResponse:
    """Switch one schedule's reminders and set their lead time."""
    membership = require_owner_request(request)
    form = ReminderForm(request.POST)
    if not form.is_valid():
        problem = " ".join(e for errors in form.errors.values() for e in errors)
        return _settings_page(request, problem=problem, status=400)
    setting = preferences.set_reminders(
        actor=membership, business=request.business, **form.setting()
    )
    state = "on" if setting.enabled else "off"
    messages.success(request, f"Reminders of “{setting.schedule.name}” are {state}.")
    return redirect("notifications:settings")


def _settings_page(
    request: HttpRequest, *, form: SenderForm | None = None, status: int = 200, **extra
) -> HttpResponse:
    business = request.business
    context = {
        "form": form or SenderForm(instance=selectors.sender_setting(business=business)),
        "reminders": selectors.reminder_rows(business=business),
        **extra,
    }
    return render(request, "notifications/settings.html", context, status=status)


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
